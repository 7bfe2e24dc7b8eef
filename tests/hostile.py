"""Hostile texts in every place a user can type one: unit names, measure titles, owners and
notes, crisis titles and descriptions, catalogue entries HR edits, account display names.
Each carries an outside image, bold, an HTML image and a javascript: link."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import update

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.db.models import Account, ActionPlan, CrisisEvent
from bgm_dashboard.demo import seed_demo
from bgm_dashboard.interventions.catalogue import load_catalogue, save_entry
from bgm_dashboard.settings import load_settings

EVIL_HOST = "evil.example"
HR = Viewer("hr", frozenset({"hr"}))


def hostile(tag: str) -> str:
    return (
        f"{tag} ![x](http://{EVIL_HOST}/{tag}.png) **fett** "
        f'<img src="http://{EVIL_HOST}/{tag}-i.png"> [l](javascript:alert(1))'
    )


TAGS = ("Unit", "Plan", "Owner", "Notes", "Crisis", "Story", "Entry", "About", "Person")


def hostile_sample(source: Path, target: Path) -> Path:
    """The demo's CSV files with hostile unit names (the org chart is frozen with each
    publication, so names must be hostile before the demo is loaded)."""
    shutil.copytree(source, target)
    path = target / "departments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["name"] = f"{row['name'][:40]} {hostile('Unit')}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def make_hostile(db_url: str, sample: Path, folder: Path) -> None:
    """A demo database whose texts are all hostile."""
    ctx = make_context(replace(load_settings({"BGM_ENV": "demo"}), database_url=db_url))
    seed_demo(ctx, folder=hostile_sample(sample, folder), today=date(2026, 11, 26))
    with ctx.write() as session:
        session.execute(
            update(ActionPlan).values(
                title=hostile("Plan"), owner=hostile("Owner"), notes=hostile("Notes")
            )
        )
        session.execute(
            update(CrisisEvent).values(title=hostile("Crisis"), description=hostile("Story"))
        )
        session.execute(update(Account).values(display_name=hostile("Person")))
        for entry in load_catalogue(session):
            data = entry.as_data()
            data["title"] = {"de": hostile("Entry"), "en": hostile("Entry")}
            data["description"] = {"de": hostile("About"), "en": hostile("About")}
            save_entry(session, HR, entry.code, data, bank=ctx.bank, new=False)
    ctx.engine.dispose()
