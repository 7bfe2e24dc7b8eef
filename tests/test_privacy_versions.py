"""Versions of a quarter: `bgm publish --republish` works, and every new version is checked
together with all earlier versions of that quarter (figures, "übrige Bereiche" rows and
comment groups), so that no combination of versions isolates fewer than k responses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Comment, Publication, PublishedComment, PublishedFigure
from bgm_dashboard.governance.settings import current
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.publication import republish
from bgm_dashboard.survey.importer import import_responses
from tests.cli_helpers import cli
from tests.privacy_auditor import (
    isolatable_groups,
    leaking_groups,
    published_sets,
    statistics_of,
    subtree,
)
from tests.scenario import TODAY, load, write_org

Q1 = ["2026-01", "2026-02", "2026-03"]
# found by a random search over org charts with one unit moved (seed 18): U5 moves to U1
SEARCHED_UNITS = {"U0": None, "U1": "U0", "U2": "U0", "U3": "U0", "U4": "U2", "U5": "U4"}
SEARCHED_COUNTS = {
    "U1": [1, 2, 0],
    "U2": [9, 9, 6],
    "U3": [3, 3, 3],
    "U4": [6, 3, 6],
    "U5": [2, 2, 0],
}


def test_cli_republish_publishes_a_new_version(
    ctx: Context,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`bgm publish --republish 2026-Q1` crashed with an AttributeError; now it adds version 2
    on today's org chart and says so."""
    units = {"ROOT": None, "P1": "ROOT", "A": "P1", "P2": "ROOT", "B": "P2"}
    load(ctx, tmp_path, units, {"A": [9, 9, 9], "B": [9, 9, 9]}, Q1)
    write_org(tmp_path / "reorg.csv", dict(units, A="P2"))
    moved = cli(monkeypatch, capsys, db_url, "import", "departments", str(tmp_path / "reorg.csv"))
    assert moved.returncode == 0, moved.stderr
    result = cli(monkeypatch, capsys, db_url, "publish", "--republish", "2026-Q1")
    assert result.returncode == 0, result.stderr
    assert "2026-Q1" in result.stdout
    with ctx.read() as session:
        versions = session.scalars(select(Publication.version).order_by(Publication.version)).all()
    assert list(versions) == [1, 2]
    refused = cli(monkeypatch, capsys, db_url, "publish", "--republish", "2026-Q3")
    assert refused.returncode != 0
    assert "2026-Q3" in refused.stderr


def test_two_versions_together_isolate_nobody(ctx: Context, tmp_path: Path) -> None:
    """Found by the random search over org charts with one unit moved (seed 18): each pair of
    views passed the difference rule, yet version 1 and version 2 together isolated the
    3 January/February responses of U1. Now the new version is checked with all earlier
    ones at once; the withheld cells are listed with their reason."""
    units = SEARCHED_UNITS
    counts = SEARCHED_COUNTS
    assert load(ctx, tmp_path, units, counts, Q1) == ["2026-Q1"]
    with ctx.write() as session:
        import_departments(session, write_org(tmp_path / "reorg.csv", dict(units, U5="U1")))
        republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    with ctx.read() as session:
        versions = session.scalars(select(Publication).order_by(Publication.version)).all()
        assert [v.version for v in versions] == [1, 2]
        released = [(rows_of(session, v.id), parents_of(v)) for v in versions]
        withheld = versions[1].rules["withheld"]
    ids = {u["code"]: int(u["id"]) for u in versions[0].tree}
    crowd = {
        (ids[code], month, SETS): n
        for code, per_month in counts.items()
        for month, n in zip(Q1, per_month, strict=True)
        if n
    }
    assert leaking_groups(crowd, statistics_of(released, crowd, {}), K) == []
    assert any(w["reason"] == "versions.combination" for w in withheld)

    # the classic view of the same release: counts and sums of whole (unit, month) cells
    atoms = {(ids[c], m): 0 for c in ids for m in Q1} | {(a[0], a[1]): n for a, n in crowd.items()}
    for indicator in ("who5", "responses"):
        sets = [
            s
            for rows, parents in released
            for s in published_sets([r for r in rows if r["indicator"] == indicator], parents)
        ]
        assert isolatable_groups(atoms, sets, K) == []


def test_cli_lists_what_a_new_version_withholds(
    ctx: Context,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HR and the council see why a cell of the new version is missing: the CLI lists each
    withheld cell with its unit and reason, in the user's language."""
    units = SEARCHED_UNITS
    counts = SEARCHED_COUNTS
    load(ctx, tmp_path, units, counts, Q1)
    write_org(tmp_path / "reorg.csv", dict(units, U5="U1"))
    assert cli(monkeypatch, capsys, db_url, "import", "departments", str(tmp_path / "reorg.csv"))
    result = cli(monkeypatch, capsys, db_url, "publish", "--republish", "2026-Q1", lang="de")
    assert result.returncode == 0, result.stderr
    assert "Im neuen Stand zurückgehalten" in result.stdout
    assert "früheren Ständen" in result.stdout
    assert "Einheit U" in result.stdout  # the unit's name


SETS = frozenset({"responses", "who5", "enps", "who5#alpha"})
K = 5


def rows_of(session: Session, publication_id: int) -> list[dict[str, object]]:
    table = PublishedFigure.__table__
    query = select(table).where(table.c.publication_id == publication_id)
    return [dict(row._mapping) for row in session.execute(query)]


def parents_of(publication: Publication) -> dict[int, int | None]:
    return {int(u["id"]): u.get("parent_id") for u in publication.tree}


def test_comments_are_not_regrouped_to_single_one_out(ctx: Context, tmp_path: Path) -> None:
    """Version 1 lists X's comment under P1 (A 12 + X 3 responses), version 2 after X moved
    would list it under P2 (B 12 + X 3): the one comment under P1 in version 1 and under P2
    in version 2 is X's, 3 people. The new version keeps the earlier grouping and says so."""
    units = {"ROOT": None, "P1": "ROOT", "A": "P1", "X": "P1", "P2": "ROOT", "B": "P2"}
    counts = {"A": [4, 4, 4], "X": [1, 1, 1], "B": [4, 4, 4]}
    rows = []
    for unit, per_month in counts.items():
        for month, n in zip(Q1, per_month, strict=True):
            for i in range(n):
                answers = {f"who5_{j}": 3 for j in range(1, 6)} | {"enps": 8}
                rows.append(
                    {"period": month, "department": unit, **answers, "comment": f"{unit}{month}{i}"}
                )
    write_org(tmp_path / "departments.csv", units)
    pd.DataFrame(rows).to_csv(tmp_path / "responses.csv", index=False)
    with ctx.write() as session:
        import_departments(session, tmp_path / "departments.csv")
        import_responses(session, ctx.bank, tmp_path / "responses.csv")
        assert ctx.publish_due(session, TODAY) == ["2026-Q1"]
        import_departments(session, write_org(tmp_path / "reorg.csv", dict(units, X="P2")))
        republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    with ctx.read() as session:
        versions = session.scalars(select(Publication).order_by(Publication.version)).all()
        listed = session.execute(
            select(
                PublishedComment.publication_id, PublishedComment.department_id, Comment.text
            ).join(Comment, Comment.id == PublishedComment.comment_id)
        ).all()
        withheld = versions[-1].rules["withheld"]
    k_comments = versions[0].comment_min_group_size
    responses = {code: sum(per) for code, per in counts.items()}
    groups: dict[str, list[set[str]]] = {}
    for version in versions:
        code = {int(u["id"]): u["code"] for u in version.tree}
        parent = {u["code"]: code.get(u.get("parent_id")) for u in version.tree}
        for publication_id, unit, text in listed:
            if publication_id == version.id:
                groups.setdefault(text, []).append(subtree(parent, code[unit]))
    assert len(groups) == sum(responses.values())  # every comment is listed
    for text, sets in groups.items():
        assert len(sets) == len(versions)
        authors = set.intersection(*sets)
        assert sum(responses.get(u, 0) for u in authors) >= k_comments, text
    assert any(w["reason"] == "versions.comments_kept" for w in withheld)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_disclosure_page_lists_withheld_cells(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The staff council sees on the disclosure page which cells a new version withholds
    because of earlier versions, and why."""
    from bgm_dashboard.auth.viewer import Viewer
    from tests.auth_helpers import app_test

    load(ctx, tmp_path, SEARCHED_UNITS, SEARCHED_COUNTS, Q1)
    with ctx.write() as session:
        moved = dict(SEARCHED_UNITS, U5="U1")
        import_departments(session, write_org(tmp_path / "reorg.csv", moved))
        republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    at = app_test(ctx.settings.database_url, monkeypatch)
    at.session_state["viewer"] = Viewer("council-test", frozenset({"council"}))
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/disclosure.py").run()
    assert not at.exception
    heading = "Wegen früherer Stände" if lang == "de" else "Figures withheld because of earlier"
    assert any(heading in h.value for h in at.subheader)
    tables = [str(frame.value.to_dict()) for frame in at.dataframe]
    reason = "früheren Ständen" if lang == "de" else "earlier versions of this quarter"
    assert any(reason in table and "Einheit U" in table for table in tables)


def test_a_version_after_leaking_ones_adds_no_new_isolation(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions published before this check may already isolate a group together; what
    they give away is public. A further version must not isolate anything else."""
    import bgm_dashboard.privacy.publication as publication

    load(ctx, tmp_path, SEARCHED_UNITS, SEARCHED_COUNTS, Q1)
    pairwise_only = publication.release_against_versions
    with monkeypatch.context() as patch:  # version 2 as the old code published it
        patch.setattr(
            publication,
            "release_against_versions",
            lambda block, gov, bank, alpha_own, *_rest: (
                publication.decide_release(block, gov, bank, alpha_own, _rest[-1]),
                [],
            ),
        )
        with ctx.write() as session:
            moved = dict(SEARCHED_UNITS, U5="U1")
            import_departments(session, write_org(tmp_path / "v2.csv", moved))
            republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    assert publication.release_against_versions is pairwise_only
    with ctx.write() as session:
        moved = dict(SEARCHED_UNITS, U5="U1", U4="U0")  # found by trying every one-unit move
        import_departments(session, write_org(tmp_path / "v3.csv", moved))
        republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    with ctx.read() as session:
        versions = session.scalars(select(Publication).order_by(Publication.version)).all()
        released = [(rows_of(session, v.id), parents_of(v)) for v in versions]
    assert len(versions) == 3
    ids = {u["code"]: int(u["id"]) for u in versions[0].tree}
    atoms = {(ids[c], m): 0 for c in ids for m in Q1}
    for code, per_month in SEARCHED_COUNTS.items():
        atoms |= {(ids[code], m): n for m, n in zip(Q1, per_month, strict=True)}

    def sets(
        chosen: list[tuple[list[dict[str, object]], dict[int, int | None]]],
    ) -> list[frozenset[tuple[int, str]]]:
        return [
            s
            for rows, parents in chosen
            for s in published_sets([r for r in rows if r["indicator"] == "who5"], parents)
        ]

    known = dict(atoms)
    while found := isolatable_groups(known, sets(released[:2]), K):
        for group, _ in found:
            known |= {atom: K for atom in group}
    assert isolatable_groups(atoms, sets(released[:2]), K) != []  # v1 + v2 do leak
    assert isolatable_groups(known, sets(released), K) == []  # v3 adds nothing new
    assert any(r["status"] == "shown" for r in released[2][0])
