"""The command line starts fast: parsing (and `bgm --help`) loads none of the heavy libraries;
they load when a command runs. The choices the parser offers equal the modules' own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bgm_dashboard.auth.accounts import LOGIN_ROLES
from bgm_dashboard.cli import parser
from bgm_dashboard.commands import core, pulse, users
from bgm_dashboard.context import Context
from bgm_dashboard.exports.tables import FORMATS
from bgm_dashboard.pulse.letters import LAYOUTS

HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "sqlalchemy",
    "alembic",
    "fpdf",
    "streamlit",
    "openpyxl",
    "argon2",
    "babel",
)

PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from bgm_dashboard.cli import main
with redirect_stdout(io.StringIO()) as out:
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))
print(json.dumps({"heavy": heavy, "help": out.getvalue()}))
"""


def probe(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_help_loads_no_heavy_library() -> None:
    for args in (["--help"], ["export", "--help"], ["user", "add", "--help"], ["letters", "-h"]):
        result = probe(*args)
        assert result["heavy"] == [], (args, result["heavy"])
        assert "usage: bgm" in str(result["help"])


def test_the_parser_offers_the_modules_own_choices() -> None:
    assert core.FORMATS == FORMATS
    assert pulse.LAYOUTS == LAYOUTS
    assert users.LOGIN_ROLES == LOGIN_ROLES
    args = parser().parse_args(["export", "indicators", "--format", "xlsx"])
    assert args.format == "xlsx"


def test_the_fast_schema_check_knows_alembics_head(tmp_path: Path) -> None:
    """`upgrade` skips Alembic when the database has the head read from the files; that head
    must be Alembic's own."""
    from alembic.script import ScriptDirectory

    from bgm_dashboard.db.engine import make_engine
    from bgm_dashboard.db.migrate import alembic_config, shipped_heads

    engine = make_engine(f"sqlite:///{tmp_path / 'head.sqlite3'}")
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert shipped_heads() == set(script.get_heads())
    engine.dispose()


def test_export_loads_only_what_it_needs(ctx: Context, tmp_path: Path) -> None:
    """`bgm export indicators` on a current database reads published figures: no Alembic
    (the schema is current), no scipy, no openpyxl for CSV, no PDF or web libraries."""
    import os

    env = {**os.environ, "BGM_DATABASE_URL": ctx.settings.database_url}
    result = probe("export", "indicators", "--output", str(tmp_path / "out.csv"), env=env)
    assert (tmp_path / "out.csv").exists()
    assert set(result["heavy"]) <= {"pandas", "numpy", "sqlalchemy"}, result["heavy"]  # type: ignore[arg-type]


def test_the_parser_offers_the_analytics_tables_there_are() -> None:
    from bgm_dashboard.exports.analytics import TABLES

    assert core.TABLES == TABLES
