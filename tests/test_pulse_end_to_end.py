"""Issue 12, "done when", as one run: HR sets a monthly schedule on the demo data and imports
the address list; with the clock moved forward day by day (injected, no sleeping) waves open,
invitations and one reminder arrive at a local SMTP server, staff answer through the mailed
link and through a QR code letter (the survey page through AppTest), waves close and the
quarter publishes — no click in between; the mail log and the database hold no
address–code pair (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select, text

from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import MailLog, Publication, Response, Wave
from bgm_dashboard.demo import seed_demo
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.periods import month_label, quarter_end, quarter_of
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.pulse.addresses import import_addresses
from bgm_dashboard.pulse.letters import code_letters
from bgm_dashboard.pulse.mailconfig import MailSettings
from bgm_dashboard.pulse.runner import run_schedule
from bgm_dashboard.pulse.schedule import Plan, save_plan
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.intake import submit
from tests.auth_helpers import app_test
from tests.conftest import SAMPLE
from tests.pulse_helpers import PUBLIC_URL, Mailbox, address_csv, raw_database_bytes, smtp_server

__all__ = ["smtp_server"]

HR = Viewer("hr.mueller", frozenset({"hr"}))
COUNCIL = Viewer("pr.schulz", frozenset({"council"}))
STAFF = {"A10": 8, "A32": 6, "A51": 6}
"""Addresses per unit (made up); the schedule invites everyone on the list."""


def next_quarter(today: date) -> tuple[str, str]:
    """The first month of the quarter after ``today`` and that quarter: dates are kept
    ahead of the real calendar, because the survey page checks closing days on it."""
    first = 3 * ((today.month - 1) // 3) + 4
    year = today.year + (first > 12)
    month = month_label(year, (first - 1) % 12 + 1)
    return month, quarter_of(month)


@pytest.fixture
def demo_ctx(db_url: str, demo_db: str, tmp_path: Path) -> Context:
    """The demo municipality: a copy of the session's demo file, or seeded into PostgreSQL."""
    if db_url.startswith("sqlite"):
        copy = tmp_path / "demo.sqlite3"
        shutil.copy(Path(demo_db.removeprefix("sqlite:///")), copy)
        db_url = f"sqlite:///{copy}"
    ctx = make_context(replace(load_settings({"BGM_ENV": "demo"}), database_url=db_url))
    if not db_url.startswith("sqlite"):
        seed_demo(ctx, folder=SAMPLE, today=date(2026, 11, 26))
    return ctx


def answer_on_the_page(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, url: str, unit: str, period: str
) -> None:
    """A staff member opens ``url`` (the mailed link or the letter's QR code) and answers."""
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}" == PUBLIC_URL and parsed.path == "/"
    at = app_test(ctx.settings.database_url, monkeypatch)
    for key, values in parse_qs(parsed.query).items():
        at.query_params[key] = values[0]
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="token").value == parse_qs(parsed.query)["code"][0]
    at.selectbox(key="department").set_value(unit)
    at.radio(key="item_who5_1").set_value(4)
    at.radio(key="item_enps").set_value(9)
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    assert "Vielen Dank" in " ".join(s.value for s in at.success), [e.value for e in at.error]
    assert period  # the page answered the month's wave (checked through the stored rows)


def qr_urls(pdf: bytes, folder: Path) -> list[str]:
    (folder / "letters.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(folder / "letters.pdf"), str(folder / "p")],
        check=True,
    )
    found = []
    for png in sorted(folder.glob("p-*.png")):
        found += [b.text for b in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
    return found


def responses(ctx: Context, period: str) -> int:
    with ctx.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Response).where(Response.period == period)
            )
            or 0
        )


def test_the_pulse_runs_a_quarter_by_itself(
    demo_ctx: Context,
    smtp_server: tuple[Mailbox, MailSettings],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    box, mail = smtp_server
    ctx = demo_ctx
    first, quarter = next_quarter(date.today())
    raw, addresses = address_csv(STAFF)

    # HR, once: the rhythm and the address list; the council approves keeping the list
    with ctx.write() as session:
        save_plan(
            session,
            HR,
            Plan("monthly", first, 2, 14, (7,), ("who5", "enps"), (), "tokens"),
            bank=ctx.bank,
        )
        import_addresses(session, HR, raw)
        change = propose(session, HR, "keep_mail_addresses", True, bank=ctx.bank)
        approve(session, COUNCIL, change.id, bank=ctx.bank)

    # the clock runs day by day; only staff act in between
    day = date.fromisoformat(first + "-01") - timedelta(days=1)
    end = quarter_end(quarter) + timedelta(days=1)
    mails: dict[str, list] = {}
    answered: dict[str, int] = {}
    while day <= end:
        report = run_schedule(ctx, today=day, mail=mail)
        received = box.take()
        for item in received:
            mails.setdefault(f"{day}", []).append(item)
        if report.opened and day.month == int(first[5:]):
            invitation = received
            period = report.opened[0]
            assert {m.to for m in invitation} == set(addresses)
            # one staff member follows the mailed link on the survey page
            mailed = next(m for m in invitation if ".a10@" in m.to)
            answer_on_the_page(ctx, monkeypatch, mailed.link, "A10", period)
            # five colleagues in A32 answer with their mailed codes
            for m in [m for m in invitation if ".a32@" in m.to][:5]:
                with ctx.write() as session:
                    wave = session.scalars(select(Wave).where(Wave.period == period)).one()
                    submit(
                        session,
                        ctx.bank,
                        wave_id=wave.id,
                        department_code="A32",
                        answers={"who5_1": 3, "who5_2": 2, "enps": 7},
                        token=m.code,
                    )
            # the Bauhof gets code letters; one is answered by scanning its QR code
            with ctx.write() as session:
                letters = code_letters(
                    session, HR, period, 4, public_url=PUBLIC_URL, min_group_size=5
                )
            urls = qr_urls(letters.pdf, tmp_path)
            assert sorted(urls) == sorted(f"{PUBLIC_URL}/?code={c}" for c in letters.codes)
            answer_on_the_page(ctx, monkeypatch, urls[0], "A67", period)
            answered[period] = 7
        day += timedelta(days=1)

    months = [first, *(f"{first[:5]}{int(first[5:]) + i:02d}" for i in (1, 2))]
    opening_days = [f"{m}-02" for m in months]
    reminder_days = [f"{m}-09" for m in months]
    assert sorted(mails) == sorted(opening_days + reminder_days), "mail on no other day"
    for d in reminder_days:  # the one reminder: to everyone, fresh codes
        assert {m.to for m in mails[d]} == set(addresses)
        assert "wir wissen nicht, wer schon teilgenommen hat" in mails[d][0].body
    assert responses(ctx, first) == answered[first]

    with ctx.read() as session:
        statuses = dict(session.execute(select(Wave.period, Wave.status)).all())
        assert [statuses[m] for m in months] == ["closed"] * 3
        assert session.scalars(
            select(Publication.quarter).where(Publication.quarter == quarter)
        ).all() == [quarter]
        figures = released_figures(session, SYSTEM, granularity="quarter")
    whole = figures[(figures["code"] == "STADT") & (figures["period"] == quarter)]
    shown = whole[(whole["indicator"] == "responses") & (whole["status"] == "shown")]
    assert list(shown["n"]) == [answered[first]], "the quarter's answers are published"

    # the mail log and every stored byte hold no address–code pair
    pairs = [(m.to, m.code) for ms in mails.values() for m in ms]
    codes = {c for _, c in pairs if c} | set(letters.codes)
    with ctx.engine.connect() as conn:
        for row in conn.execute(select(MailLog)):
            cells = " ".join(str(v) for v in row)
            assert not any(a in cells for a in addresses) and not any(c in cells for c in codes)
        for table in ("audit_log", "mail_log", "participation_tokens", "mail_addresses"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                cells = " ".join(str(v) for v in row)
                assert not any(c in cells or c.replace("-", "") in cells for c in codes), table
    raw_bytes = raw_database_bytes(ctx)
    assert not [
        c for c in codes if c.encode() in raw_bytes or c.replace("-", "").encode() in raw_bytes
    ]
    ctx.engine.dispose()
