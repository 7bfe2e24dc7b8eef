"""Invitations and reminders through a real SMTP server started by the test (aiosmtpd):
who receives what, codes drawn at send time, and no address–code pair anywhere — not in any
table, not in the raw database files, not in the logs (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import inspect, select, text

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import MailAddress, MailLog, ParticipationToken, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.pulse.addresses import address_count, import_addresses
from bgm_dashboard.pulse.mailconfig import MailSettings, load_mail_settings
from bgm_dashboard.pulse.runner import run_schedule
from bgm_dashboard.pulse.schedule import Plan, save_plan
from bgm_dashboard.pulse.templates import save_template
from bgm_dashboard.settings import ConfigError
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import token_hash
from tests.ballot_helpers import allow_open_link
from tests.conftest import REFERENCE
from tests.pulse_helpers import PUBLIC_URL, Mailbox, address_csv, raw_database_bytes, smtp_server

__all__ = ["smtp_server"]

HR = Viewer("hr.mueller", frozenset({"hr"}))
COUNCIL = Viewer("pr.schulz", frozenset({"council"}))
UNITS = {"A10": 4, "A20": 3, "A50": 3, "A51": 2}


def setup(ctx: Context, *, units: tuple[str, ...] = ("D1",), access: str = "tokens") -> list[str]:
    raw, addresses = address_csv(UNITS, english_every=4)
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        if access == "link":
            allow_open_link(session, ctx.bank)  # the council's four-eyes approval
        save_plan(
            session,
            HR,
            Plan("monthly", "2027-01", 4, 14, (5, 9), ("who5", "enps"), units, access),
            bank=ctx.bank,
            today=date(2026, 12, 1),
        )
        import_addresses(session, HR, raw)
    return addresses


def in_units(addresses: list[str], *codes: str) -> set[str]:
    return {a for a in addresses if a.split(".")[1].split("@")[0].upper() in codes}


def answer(ctx: Context, code: str | None, unit: str = "A10") -> None:
    with ctx.write() as session:
        wave = session.scalars(select(Wave).where(Wave.status == "open")).one()
        submit(
            session,
            ctx.bank,
            wave_id=wave.id,
            department_code=unit,
            answers={"who5_1": 3, "enps": 8},
            token=code,
            today=date(2027, 1, 5),
        )


def test_invitation_and_reminder_reach_everyone_in_the_units_with_fresh_codes(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings], caplog: pytest.LogCaptureFixture
) -> None:
    box, mail = smtp_server
    addresses = setup(ctx)
    invited = in_units(addresses, "A10", "A20")  # D1 and its sub-units; A50/A51 are in D2
    caplog.set_level(logging.DEBUG)

    report = run_schedule(ctx, today=date(2027, 1, 4), mail=mail)
    assert report.opened == ["2027-01"]
    first = box.take()
    assert {m.to for m in first} == invited and len(first) == len(invited)
    codes = {m.to: m.code for m in first}
    assert all(codes.values()) and len(set(codes.values())) == len(invited)
    for m in first:
        assert m.link == f"{PUBLIC_URL}/?code={m.code}"
        assert "keine Verbindung zwischen Ihrer Adresse und dem Code" in m.body or (
            "no link between your address and the code" in m.body
        )
    english = [m for m in first if m.body.startswith("Hello")]
    assert english and all(m.subject.startswith("Pulse survey") for m in english)
    assert all(m.subject.startswith("Kurzbefragung Januar 2027") for m in first if m not in english)

    # three people answer with their codes; the reminder still goes to everyone
    for address in sorted(invited)[:3]:
        answer(ctx, codes[address])
    assert run_schedule(ctx, today=date(2027, 1, 8), mail=mail).mailings == []
    assert box.take() == []
    report = run_schedule(ctx, today=date(2027, 1, 9), mail=mail)
    reminders = box.take()
    assert [(o.kind, o.round, o.sent) for o in report.mailings] == [("reminder", 1, len(invited))]
    assert {m.to for m in reminders} == invited, "never targeted by participation"
    assert all(m.code and m.code not in codes.values() for m in reminders)
    assert "wir wissen nicht, wer schon teilgenommen hat" in reminders[0].body or (
        "we do not know who has taken part" in reminders[0].body
    )
    run_schedule(ctx, today=date(2027, 1, 9), mail=mail)
    assert box.take() == [], "a second run the same day sends nothing"
    run_schedule(ctx, today=date(2027, 1, 13), mail=mail)
    second = box.take()
    assert {m.to for m in second} == invited  # the second reminder
    reminders += second
    run_schedule(ctx, today=date(2027, 1, 16), mail=mail)
    assert box.take() == [], "at most two reminders"

    every_code = {c for c in codes.values() if c} | {m.code for m in reminders if m.code}
    every_pair = [(m.to, m.code) for m in first + reminders]
    ours = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")
    )  # mail.log is the test's receiving server, not the product
    rounds = [{m.code or "" for m in first}, {m.code or "" for m in reminders[: len(invited)]}]
    rounds.append({m.code or "" for m in second})
    _assert_no_pair_stored(ctx, every_pair, every_code, ours, rounds)

    with ctx.read() as session:
        log = session.execute(
            select(MailLog.kind, MailLog.round, MailLog.status, MailLog.sent).order_by(MailLog.id)
        ).all()
    assert [tuple(r) for r in log] == [
        ("invitation", 0, "sent", len(invited)),
        ("reminder", 1, "sent", len(invited)),
        ("reminder", 2, "sent", len(invited)),
    ]


def _assert_no_pair_stored(
    ctx: Context,
    pairs: list[tuple[str, str | None]],
    codes: set[str],
    logs: str,
    rounds: list[set[str]],
) -> None:
    """No table row holds an address together with a code or its hash; the plain codes
    are nowhere in the database files; token hashes lie in hash order (so their position
    says nothing about who got which); logs hold neither addresses nor codes."""
    with ctx.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                cells = " ".join(str(v) for v in row)
                for address, code in pairs:
                    assert code is not None
                    assert not (
                        address in cells and (code in cells or token_hash(code) in cells)
                    ), table
                for code in codes:
                    assert code not in cells and code.replace("-", "") not in cells, table
    raw = raw_database_bytes(ctx)
    for code in codes:
        for form in (code, code.replace("-", "")):
            assert form.encode() not in raw
    with ctx.read() as session:
        stored = list(session.scalars(select(ParticipationToken.token_hash)))
        if ctx.engine.dialect.name == "postgresql":
            physical = list(
                session.scalars(text("SELECT token_hash FROM participation_tokens ORDER BY ctid"))
            )
            for batch in rounds:  # each mailing's hashes were written in hash order
                hashes = {token_hash(c) for c in batch}
                mine = [h for h in physical if h in hashes]
                assert mine == sorted(mine)
    assert set(stored) <= {token_hash(c) for c in codes}
    for address, code in pairs:
        assert address not in logs and (code or "") not in logs


def test_addresses_are_erased_when_the_wave_closes_unless_the_council_keeps_them(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings]
) -> None:
    box, mail = smtp_server
    addresses = setup(ctx, units=())
    run_schedule(ctx, today=date(2027, 1, 4), mail=mail)
    assert {m.to for m in box.take()} == set(addresses)
    with ctx.read() as session:
        assert address_count(session) == len(addresses)
    report = run_schedule(ctx, today=date(2027, 1, 18), mail=mail)
    assert report.closed == ["2027-01"] and report.erased_addresses == len(addresses)
    with ctx.read() as session:
        assert address_count(session) == 0
    raw = raw_database_bytes(ctx)
    assert not [a for a in addresses if a.encode() in raw], "erased addresses linger in files"
    # February: the wave opens, but nobody can be invited until a new list is imported
    report = run_schedule(ctx, today=date(2027, 2, 4), mail=mail)
    assert report.opened == ["2027-02"] and report.waiting == ["no_addresses"]
    assert box.take() == []

    # the council approves keeping the list: the next waves invite without a new import
    with ctx.write() as session:
        change = propose(session, HR, "keep_mail_addresses", True, bank=ctx.bank)
        approve(session, COUNCIL, change.id, bank=ctx.bank)
        import_addresses(session, HR, address_csv(UNITS)[0])
    run_schedule(ctx, today=date(2027, 2, 5), mail=mail)
    assert len(box.take()) == len(addresses)
    run_schedule(ctx, today=date(2027, 2, 18), mail=mail)
    run_schedule(ctx, today=date(2027, 3, 4), mail=mail)
    assert len(box.take()) == len(addresses)
    with ctx.read() as session:
        assert address_count(session) == len(addresses)


def test_open_link_waves_mail_the_plain_link_and_draw_no_codes(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings]
) -> None:
    box, mail = smtp_server
    setup(ctx, access="link")
    run_schedule(ctx, today=date(2027, 1, 4), mail=mail)
    received = box.take()
    assert received and all(m.code is None and m.link == f"{PUBLIC_URL}/" for m in received)
    with ctx.read() as session:
        assert session.scalars(select(ParticipationToken)).first() is None


def test_hr_wording_is_used_and_must_keep_the_link(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings]
) -> None:
    box, mail = smtp_server
    setup(ctx)
    with ctx.write() as session:
        with pytest.raises(ValidationError):
            save_template(session, HR, "invitation", "de", "Puls", "Bitte mitmachen!")
        with pytest.raises(ValidationError):
            save_template(session, HR, "invitation", "de", "Puls", "Hier: {link} {name}")
        save_template(
            session,
            HR,
            "invitation",
            "de",
            "Puls {month}",
            "Liebe Kolleg*innen: {link} bis {closes_on}",
        )
    run_schedule(ctx, today=date(2027, 1, 4), mail=mail)
    german = [m for m in box.take() if not m.body.startswith("Hello")]
    assert german and german[0].subject == "Puls Januar 2027"
    assert (
        german[0].body.startswith("Liebe Kolleg*innen: https://") and "17.01.2027" in german[0].body
    )
    assert "So bleiben Sie anonym" in german[0].body, "the anonymity note cannot be edited away"


def test_a_refused_recipient_is_counted_and_its_code_withdrawn(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings]
) -> None:
    from aiosmtpd.controller import Controller

    box, mail = smtp_server
    setup(ctx, units=("A20",))

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
            if address.startswith("person005"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            return await box.handle_DATA(server, session, envelope)

    from tests.pulse_helpers import free_port

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from dataclasses import replace

        report = run_schedule(ctx, today=date(2027, 1, 4), mail=replace(mail, port=port))
    finally:
        controller.stop()
    outcome = report.mailings[0]
    assert (outcome.sent, outcome.failed) == (2, 1)
    with ctx.read() as session:
        wave = session.scalars(select(Wave)).one()
        tokens = session.scalars(select(ParticipationToken.token_hash)).all()
    assert wave.tokens_issued == 2 and set(tokens) == {token_hash(m.code or "") for m in box.take()}


def test_mail_configuration_keeps_the_password_out_of_the_repo(tmp_path: object) -> None:
    from pathlib import Path

    assert load_mail_settings({}) is None
    env = {
        "BGM_SMTP_HOST": "mail.musterstadt.de",
        "BGM_SMTP_USER": "bgm",
        "BGM_MAIL_FROM": "bgm@musterstadt.de",
        "BGM_PUBLIC_URL": "https://bgm.musterstadt.de/",
    }
    folder = Path(str(tmp_path))
    secrets = folder / "secrets.toml"
    secrets.write_text('[smtp]\npassword = "aus-secrets"\n', encoding="utf-8")
    settings = load_mail_settings(env, [secrets])
    assert settings is not None
    assert (settings.port, settings.security, settings.password) == (587, "starttls", "aus-secrets")
    assert settings.public_url == "https://bgm.musterstadt.de"
    assert "aus-secrets" not in repr(settings)
    from_env = load_mail_settings({**env, "BGM_SMTP_PASSWORD": "aus-env"}, [secrets])
    assert from_env is not None and from_env.password == "aus-env"
    tls = load_mail_settings({**env, "BGM_SMTP_SECURITY": "tls"}, [])
    assert tls is not None and tls.port == 465
    for bad in (
        {**env, "BGM_SMTP_SECURITY": "none"},  # a password in clear text to a remote host
        {**env, "BGM_SMTP_SECURITY": "ssl3"},
        {**env, "BGM_PUBLIC_URL": ""},
        {**env, "BGM_MAIL_FROM": "", "BGM_SMTP_USER": "bgm"},
        {**env, "BGM_SMTP_PORT": "fünf"},
    ):
        with pytest.raises(ConfigError):
            load_mail_settings(bad, [secrets])


def test_address_import_is_checked_and_all_or_nothing(ctx: Context) -> None:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
    for raw in (
        b"mail,unit\na@b.de,A10\n",
        b"email,unit\nkeine-adresse,A10\n",
        b"email,unit\na@b.de,A10\nA@b.de,A20\n",
        b"email,unit\na@b.de,X99\n",
        b"email,unit,language\na@b.de,A10,fr\n",
    ):
        with pytest.raises(ValidationError), ctx.write() as session:
            import_addresses(session, HR, raw)
        with ctx.read() as session:
            assert session.scalars(select(MailAddress)).first() is None


def test_a_mail_server_that_is_down_gets_the_round_again_next_run(
    ctx: Context, smtp_server: tuple[Mailbox, MailSettings]
) -> None:
    from dataclasses import replace

    from tests.pulse_helpers import free_port

    box, mail = smtp_server
    addresses = setup(ctx, units=())
    down = run_schedule(ctx, today=date(2027, 1, 4), mail=replace(mail, port=free_port()))
    assert [(o.status, o.sent, o.failed) for o in down.mailings] == [("failed", 0, len(addresses))]
    with ctx.read() as session:
        assert session.scalars(select(ParticipationToken)).first() is None, "codes withdrawn"
        assert session.scalars(select(MailLog)).first() is None
    run_schedule(ctx, today=date(2027, 1, 5), mail=mail)
    assert {m.to for m in box.take()} == set(addresses)
