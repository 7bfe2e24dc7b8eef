"""Storage: migrations and models agree, SQLite runs with foreign keys and WAL, the
configuration refuses unsafe values, and moments kept at write time equal a rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Base, IndicatorMoment, ItemMoment
from bgm_dashboard.indicators.moments import rebuild_moments
from bgm_dashboard.settings import ConfigError, load_settings
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import open_wave
from tests.ballot_helpers import allow_open_link


def test_migrations_and_models_agree(ctx: Context) -> None:
    with ctx.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path: Path) -> None:
    from bgm_dashboard.db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()


def test_configuration_defaults_and_refusals(tmp_path: Path) -> None:
    settings = load_settings({})
    assert settings.min_group_size == 5 and settings.language == "de"
    assert settings.database_url.startswith("sqlite:///") and "/var/" in settings.database_url
    assert load_settings({"BGM_MIN_GROUP_SIZE": "3"}).min_group_size == 3
    for bad in ("2", "0", "-5", "fünf"):
        with pytest.raises(ConfigError):
            load_settings({"BGM_MIN_GROUP_SIZE": bad})
    with pytest.raises(ConfigError):
        load_settings({"BGM_LANGUAGE": "fr"})
    assert ".gitignore" and "var/" in (Path(__file__).parents[1] / ".gitignore").read_text()


def _moments(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    with ctx.read() as session:
        ind = (
            pd.DataFrame(
                session.execute(
                    select(
                        IndicatorMoment.period,
                        IndicatorMoment.department_id,
                        IndicatorMoment.indicator,
                        IndicatorMoment.n,
                        IndicatorMoment.s1,
                        IndicatorMoment.s2,
                        IndicatorMoment.b1,
                        IndicatorMoment.b2,
                    )
                ).all()
            )
            .sort_values(["period", "department_id", "indicator"])
            .reset_index(drop=True)
        )
        item = (
            pd.DataFrame(
                session.execute(
                    select(
                        ItemMoment.period,
                        ItemMoment.department_id,
                        ItemMoment.scale,
                        ItemMoment.item,
                        ItemMoment.n,
                        ItemMoment.s1,
                        ItemMoment.s2,
                    )
                ).all()
            )
            .sort_values(["period", "department_id", "scale", "item"])
            .reset_index(drop=True)
        )
    return ind, item


def test_moments_kept_at_write_time_equal_a_rebuild(reference_ctx: Context) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        allow_open_link(session, ctx.bank)
        wave_id = open_wave(
            session, "2026-11", indicators=list(ctx.bank.indicator_codes), access="link"
        ).id
    for i in range(12):
        answers = {f"who5_{j}": (i + j) % 6 for j in range(1, 6)}
        answers |= {"sol_1": 1 + i % 5, "sol_3": 5 - i % 5, "enps": i % 11, "brs_2": 2}
        with ctx.write() as session:
            submit(
                session,
                ctx.bank,
                wave_id=wave_id,
                department_code="A50",
                answers=answers,
                today=date(2026, 11, 26),
            )
    kept = _moments(ctx)
    with ctx.write() as session:
        rebuild_moments(session, ctx.bank)
    rebuilt = _moments(ctx)
    for a, b in zip(kept, rebuilt, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    assert len(kept[0]) > 0


def test_settings_from_env_reach_the_context(db_url: str) -> None:
    from bgm_dashboard.context import make_context

    settings = replace(load_settings({"BGM_MIN_GROUP_SIZE": "7"}), database_url=db_url)
    ctx = make_context(settings)
    from bgm_dashboard.governance.settings import current

    with ctx.read() as session:
        assert current(session, settings).min_group_size == 7
    ctx.engine.dispose()
