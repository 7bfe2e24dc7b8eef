"""Code letters: the PDF holds exactly the requested number of distinct, valid codes, each
page's (or slip's) QR code decodes to the survey address with its code, German comes first,
and a code from a letter opens the survey (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry, Wave
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.pulse.letters import code_letters, qr_png
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import open_wave
from tests.ballot_helpers import allow_open_link
from tests.conftest import REFERENCE
from tests.pulse_helpers import CODE, PUBLIC_URL

HR = Viewer("hr.mueller", frozenset({"hr"}))


def pages(pdf: bytes, folder: Path) -> list[Image.Image]:
    """The PDF as the printer prints it (Poppler's pdftoppm, 150 dpi)."""
    source = folder / "letters.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(folder / "page")], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob("page-*.png"))]


def pdf_text(pdf: bytes, folder: Path) -> list[str]:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.split("\f")[:-1]


@pytest.fixture
def wave_ctx(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)  # letters switch an open-link wave to codes
        open_wave(
            session, "2027-01", indicators=["who5"], closes_on=date(2027, 1, 17), access="link"
        )
    return ctx


@pytest.mark.parametrize(("layout", "count", "sheets"), [("pages", 3, 3), ("slips", 11, 2)])
def test_letters_hold_the_codes_and_qr_codes_lead_to_the_survey_with_the_code(
    wave_ctx: Context, tmp_path: Path, layout: str, count: int, sheets: int
) -> None:
    with wave_ctx.write() as session:
        batch = code_letters(
            session, HR, "2027-01", count, public_url=PUBLIC_URL, min_group_size=5, layout=layout
        )
    assert len(batch.codes) == count and len(set(batch.codes)) == count
    texts = pdf_text(batch.pdf, tmp_path)
    assert len(texts) == sheets
    per_page = [set(CODE.findall(page)) for page in texts]
    printed = [c for codes in per_page for c in codes]
    assert sorted(printed) == sorted(batch.codes), "every code on exactly one page"
    if layout == "pages":
        assert all(len(codes) == 1 for codes in per_page), "one code per page"
    first = texts[0]
    assert first.index("Kurzbefragung") < first.index("English" if layout == "slips" else "pulse")
    assert "niemand notiert" in first.lower() or "niemand notiert" in first

    decoded: list[str] = []
    for image in pages(batch.pdf, tmp_path):
        decoded += [b.text for b in zxingcpp.read_barcodes(image)]
    assert sorted(decoded) == sorted(f"{PUBLIC_URL}/?code={c}" for c in batch.codes)

    # the codes are valid: each opens the survey once
    with wave_ctx.read() as session:
        wave = session.scalars(select(Wave)).one()
    assert wave.access == "tokens" and wave.tokens_issued == count
    code = re.sub(r".*\?code=", "", decoded[0])

    def answer() -> None:
        with wave_ctx.write() as session:
            submit(
                session,
                wave_ctx.bank,
                wave_id=wave.id,
                department_code="A10",
                answers={"who5_1": 4},
                token=code,
                today=date(2027, 1, 5),
            )

    answer()
    with pytest.raises(ValidationError):
        answer()
    with wave_ctx.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "code_letters")).one()
    assert entry.details == {"count": count, "layout": layout, "switched_to_codes": True}
    assert not any(c in str(entry.details) for c in batch.codes)


def test_qr_code_equals_segno_of_the_url() -> None:
    url = f"{PUBLIC_URL}/?code=ABCD-EFGH-JKLM"
    image = Image.open(__import__("io").BytesIO(qr_png(url)))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [url]


def test_letters_need_hr_an_open_wave_and_the_public_address(wave_ctx: Context) -> None:
    council = Viewer("pr.schulz", frozenset({"council"}))
    with pytest.raises(AccessDenied), wave_ctx.write() as session:
        code_letters(session, council, "2027-01", 2, public_url=PUBLIC_URL, min_group_size=5)
    for month, count, url in (
        ("2027-01", 2, ""),
        ("2027-01", 0, PUBLIC_URL),
        ("2027-05", 2, PUBLIC_URL),
    ):
        with pytest.raises(ValidationError), wave_ctx.write() as session:
            code_letters(session, HR, month, count, public_url=url, min_group_size=5)
    with wave_ctx.read() as session:
        assert session.scalars(select(Wave)).one().tokens_issued == 0, "nothing partial"
