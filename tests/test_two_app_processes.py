"""Deployment beyond one machine: two app processes (two replicas behind a proxy, each with
its own caches) on one PostgreSQL. Answers sent through either replica's survey page appear
on the HR wave overview of both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bgm_dashboard.bench.load import fresh_database
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.periods import month_of
from bgm_dashboard.survey.livecounts import band, band_text
from bgm_dashboard.survey.waves import open_wave
from tests.ballot_helpers import allow_open_link
from tests.conftest import POSTGRES_URL, REFERENCE, ROOT

REPLICA = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from streamlit.testing.v1 import AppTest
    from bgm_dashboard.auth.viewer import Viewer

    app, flags, name, count, unit = sys.argv[1:6]
    for i in range(int(count)):  # separate browser sessions of this replica
        at = AppTest.from_file(app, default_timeout=120).run()
        at.selectbox(key="department").set_value(unit)
        at.radio(key="item_enps").set_value(i % 11)
        at.button(key="submit").click().run()
        assert not at.exception and at.success, "not stored"
    Path(flags, name).touch()
    deadline = time.monotonic() + 120
    while len(list(Path(flags).iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # until the other replica has sent its answers
    at = AppTest.from_file(app, default_timeout=120)
    at.session_state["viewer"] = Viewer("hr.test", frozenset({"hr"}))
    at.switch_page("pages/waves.py").run()
    assert not at.exception, at.exception
    print(json.dumps(at.dataframe[0].value.astype(str).to_dict(orient="records")))
    """
)


@pytest.fixture
def shared_postgres(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path, POSTGRES_URL, "t_replicas") as url:
        yield url


@pytest.mark.skipif(not POSTGRES_URL, reason="needs BGM_TEST_POSTGRES_URL")
def test_answers_through_either_replica_appear_on_both(
    shared_postgres: str, tmp_path: Path
) -> None:
    from dataclasses import replace

    from bgm_dashboard.context import make_context
    from bgm_dashboard.settings import load_settings

    ctx = make_context(replace(load_settings({}), database_url=shared_postgres))
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)  # browsers answering without a code
        open_wave(
            session,
            month_of(date.today()),
            indicators=list(ctx.bank.indicator_codes),
            access="link",
        )
    ctx.engine.dispose()
    flags = tmp_path / "flags"
    flags.mkdir()
    env = {**os.environ, "BGM_DATABASE_URL": shared_postgres, "BGM_LANGUAGE": "de"}
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA, str(ROOT / "app.py"), str(flags), name, "3", unit],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, unit in (("a", "A10"), ("b", "A21"))
    ]
    outputs = [p.communicate(timeout=600) for p in replicas]
    column = t("waves.col_responses", "de")
    for process, (out, err) in zip(replicas, outputs, strict=True):
        assert process.returncode == 0, err[-2000:]
        rows = json.loads(out.strip().splitlines()[-1])
        # counts during a wave show only as published ranges (survey.livecounts): six answers,
        # three through each replica, are "5–9" on both; three alone would be hidden
        assert [r[column] for r in rows] == [band_text(band(6, 5), 5, "de")] == ["5–9"], rows
