"""The audit log proves itself: an HMAC chain with a key outside the database, a sequence
number and anchors kept outside. With the database's append-only guard switched off (what the
owner of the tables, or a copy of the database file, allows), every manipulation is caught:
a truncated tail, a re-hashed chain, a forged appended entry, an edited entry, a deleted
middle entry. The key's life cycle (default file, configured file, rotation, a wrong key) and
the carry-over of the older unkeyed chain. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from bgm_dashboard.auth.audit import Anchor, head, record, verify_chain
from bgm_dashboard.auth.audit_key import key_id, load_keyring
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.engine import make_engine
from bgm_dashboard.db.migrate import alembic_config
from bgm_dashboard.settings import ConfigError, load_settings
from tests.auth_helpers import audit_rows
from tests.cli_helpers import cli

COUNCIL = Viewer("pr-clara", frozenset({"council"}))
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
ATTACKER_KEY = b"the attacker does not have the key" * 2


def fill(ctx: Context, count: int = 6) -> None:
    with ctx.write() as session:
        for i in range(count):
            record(session, f"user{i % 2}", "login", f"t{i}", {"i": i}, at=T0 + timedelta(hours=i))


def tamper(ctx: Context, *statements: str, params: dict[str, Any] | None = None) -> None:
    """What someone with the table owner's rights does: switch the guard off, then edit."""
    with ctx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def check(ctx: Context, anchors: list[Anchor] | None = None) -> Any:
    with ctx.read() as session:
        return verify_chain(session, COUNCIL, anchors or [])


def anchor_now(ctx: Context) -> Anchor:
    with ctx.read() as session:
        return head(session, COUNCIL)


def attacker_hash(row: Any, prev_hash: str, key: bytes = ATTACKER_KEY) -> str:
    """The chain recomputed the way the source code shows, with a key the attacker made up."""
    fields = [
        row.seq,
        row.key_id,
        prev_hash,
        row.at_iso,
        row.actor,
        row.action,
        row.target,
        row.details,
    ]
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def rehash_from(ctx: Context, start_seq: int, key: bytes = ATTACKER_KEY) -> None:
    """Recompute hash and link of every entry from ``start_seq`` on."""
    rows = audit_rows(ctx)
    prev = rows[start_seq - 2].hash if start_seq > 1 else "0" * 64
    for row in rows[start_seq - 1 :]:
        at = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at.astimezone(UTC)
        row.at_iso = at.isoformat()
        new = attacker_hash(row, prev, key)
        tamper(
            ctx,
            "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i",
            params={"p": prev, "h": new, "i": row.id},
        )
        prev = new


def test_an_untouched_chain_verifies_with_numbers_keys_and_its_anchor(ctx: Context) -> None:
    fill(ctx)
    anchor = anchor_now(ctx)
    fill(ctx, 2)
    rows = audit_rows(ctx)
    assert [r.seq for r in rows] == list(range(1, 9))
    assert {r.key_id for r in rows} == {ctx.keyring.current_id}
    assert rows[0].prev_hash == "0" * 64 and all(
        b.prev_hash == a.hash for a, b in itertools.pairwise(rows)
    )
    result = check(ctx, [anchor])
    assert result.ok and result.entries == 8 and anchor.seq == 6
    assert (result.head_seq, result.head_hash) == (8, rows[-1].hash)


def test_a_truncated_tail_is_caught_by_the_anchor(ctx: Context) -> None:
    fill(ctx)
    anchor = anchor_now(ctx)
    tamper(ctx, "DELETE FROM audit_log WHERE seq > 4")
    assert check(ctx).ok  # what is left is a consistent chain: only an anchor can tell
    result = check(ctx, [anchor])
    assert not result.ok and result.problem == "truncated" and result.first_bad_seq == 5


def test_a_re_hashed_chain_is_caught(ctx: Context) -> None:
    fill(ctx)
    tamper(ctx, "UPDATE audit_log SET actor = 'unschuldig' WHERE seq = 3")
    rehash_from(ctx, 3)
    result = check(ctx)
    assert not result.ok and result.problem == "hash" and result.first_bad_seq == 3


def test_a_chain_re_hashed_with_the_stolen_key_is_caught_by_the_anchor(ctx: Context) -> None:
    fill(ctx)
    anchor = anchor_now(ctx)
    tamper(ctx, "UPDATE audit_log SET actor = 'unschuldig' WHERE seq = 2")
    rehash_from(ctx, 2, key=ctx.keyring.current)
    assert check(ctx).ok  # whoever holds the key can rewrite the chain ...
    result = check(ctx, [anchor])  # ... but not what was noted outside
    assert not result.ok and result.problem == "anchor" and result.first_bad_seq == anchor.seq


def test_a_chain_re_hashed_without_key_as_old_entries_is_caught(ctx: Context) -> None:
    fill(ctx)
    rows = audit_rows(ctx)
    prev = "0" * 64
    for row in rows:  # the pre-0005 unkeyed SHA-256 scheme, for every entry
        at = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at.astimezone(UTC)
        payload = json.dumps(
            [prev, at.isoformat(), "unschuldig", row.action, row.target, row.details],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        new = hashlib.sha256(payload.encode()).hexdigest()
        tamper(
            ctx,
            "UPDATE audit_log SET key_id = '', actor = 'unschuldig', prev_hash = :p, hash = :h "
            "WHERE id = :i",
            params={"p": prev, "h": new, "i": row.id},
        )
        prev = new
    result = check(ctx)
    assert not result.ok and result.problem == "legacy"


@pytest.mark.parametrize("forged_key", ["current", "legacy"])
def test_a_forged_appended_entry_is_caught(ctx: Context, forged_key: str) -> None:
    fill(ctx)
    last = audit_rows(ctx)[-1]
    kid = ctx.keyring.current_id if forged_key == "current" else ""

    row = SimpleNamespace(
        seq=7, key_id=kid, at_iso=T0.isoformat(), actor="x", action="login", target="t", details={}
    )
    forged = attacker_hash(row, last.hash)
    tamper(
        ctx,
        "INSERT INTO audit_log (seq, key_id, at, actor, action, target, details, prev_hash, hash) "
        "VALUES (7, :k, :at, 'x', 'login', 't', '{}', :p, :h)",
        params={"k": kid, "at": T0, "p": last.hash, "h": forged},
    )
    result = check(ctx)
    assert not result.ok and result.first_bad_seq == 7
    assert result.problem == ("hash" if forged_key == "current" else "legacy")


def test_an_edited_entry_is_caught(ctx: Context) -> None:
    fill(ctx)
    tamper(ctx, "UPDATE audit_log SET target = 'anderes' WHERE seq = 4")
    result = check(ctx)
    assert not result.ok and result.problem == "hash" and result.first_bad_seq == 4


def test_a_deleted_middle_entry_is_caught_even_with_the_numbers_closed_up(ctx: Context) -> None:
    fill(ctx)
    tamper(ctx, "DELETE FROM audit_log WHERE seq = 3")
    result = check(ctx)
    assert not result.ok and result.problem == "link" and result.first_bad_seq == 4
    # the attacker closes the gap and links around it: the HMAC still breaks
    tamper(
        ctx,
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 3",
        "UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000",
    )
    rows = audit_rows(ctx)
    tamper(
        ctx,
        "UPDATE audit_log SET prev_hash = :p WHERE seq = 3",
        params={"p": rows[1].hash},
    )
    result = check(ctx)
    assert not result.ok and result.problem == "hash" and result.first_bad_seq == 3


def test_a_wrong_key_is_named_as_such(ctx: Context, tmp_path: Path) -> None:
    fill(ctx, 2)
    other = tmp_path / "other.key"
    other.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
    ring = load_keyring({"BGM_AUDIT_KEY_FILE": str(other)})
    with ctx.read() as session:
        result = verify_chain(session, COUNCIL, keyring=ring)
    assert not result.ok and result.problem == "key" and result.first_bad_seq == 1


def test_key_comes_from_outside_the_database_and_a_missing_one_stops_the_start(
    tmp_path: Path,
) -> None:
    made = load_keyring({}, base=tmp_path)
    path = tmp_path / "var" / "audit.key"
    assert made.path == path and len(made.current) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring({}, base=tmp_path).current == made.current  # made once, then kept
    inline = os.urandom(32).hex()
    assert load_keyring({"BGM_AUDIT_KEY": inline}).current == bytes.fromhex(inline)
    for env in (
        {"BGM_AUDIT_KEY_FILE": str(tmp_path / "missing.key")},
        {"BGM_AUDIT_KEY": "abc"},
        {"BGM_AUDIT_KEY": "00" * 16},
        {"BGM_AUDIT_KEY": "zz" * 32},
    ):
        with pytest.raises(ConfigError):
            load_keyring(env, base=tmp_path)
    settings = replace(
        load_settings({}),
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        audit_key_file=str(tmp_path / "missing.key"),
    )
    with pytest.raises(ConfigError):
        make_context(settings)


def test_rotation_keeps_old_entries_verifiable_and_names_the_switch(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile = tmp_path / "audit.key"
    keyfile.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
    monkeypatch.setenv("BGM_AUDIT_KEY_FILE", str(keyfile))
    first = cli(monkeypatch, capsys, db_url, "audit", "anchor")
    assert first.returncode == 0, first.stderr
    old_id = key_id(bytes.fromhex(keyfile.read_text().split()[0]))
    rotated = cli(monkeypatch, capsys, db_url, "audit", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    keys = keyfile.read_text().split()
    assert len(keys) == 2 and stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    new_id = key_id(bytes.fromhex(keys[1]))
    assert cli(monkeypatch, capsys, db_url, "audit", "anchor").returncode == 0
    ctx = make_context(replace(load_settings(), database_url=db_url))
    rows = audit_rows(ctx)
    assert [(r.action, r.key_id) for r in rows] == [
        ("audit_anchor", old_id),
        ("audit_key_rotated", old_id),
        ("audit_anchor", new_id),
    ]
    assert check(ctx).ok
    verified = cli(monkeypatch, capsys, db_url, "audit", "verify")
    assert verified.returncode == 0 and "3 entries" in verified.stdout
    # the old key alone cannot vouch for the new entries
    keyfile.write_text(keys[0] + "\n", encoding="ascii")
    broken = cli(monkeypatch, capsys, db_url, "audit", "verify")
    assert broken.returncode == 1 and "no. 3" in broken.stderr
    ctx.engine.dispose()


def test_cli_anchor_file_catches_truncation(
    ctx: Context,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fill(ctx, 4)
    anchors = tmp_path / "anchors.jsonl"
    made = cli(monkeypatch, capsys, db_url, "audit", "anchor", "--output", str(anchors))
    assert made.returncode == 0, made.stderr
    line = json.loads(anchors.read_text().splitlines()[0])
    last = audit_rows(ctx)[-1]
    assert (line["seq"], line["hash"]) == (5, last.hash) and last.action == "audit_anchor"
    fine = cli(monkeypatch, capsys, db_url, "audit", "verify", "--anchor", str(anchors))
    assert fine.returncode == 0 and "1 noted anchors match" in fine.stdout
    tamper(ctx, "DELETE FROM audit_log WHERE seq >= 4")
    cut = cli(monkeypatch, capsys, db_url, "audit", "verify", "--anchor", str(anchors))
    assert cut.returncode == 1 and "cut off" in cut.stderr
    assert cli(monkeypatch, capsys, db_url, "audit", "verify").returncode == 0


def test_entries_from_before_the_keyed_chain_stay_verifiable(db_url: str) -> None:
    """A database at revision 0001 with unkeyed entries: after the upgrade they keep their
    hashes, get their numbers, and the first keyed entry seals their head."""
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0001")
    prev = "0" * 64
    with engine.begin() as conn:
        for i in range(3):
            at = T0 + timedelta(minutes=i)
            details = {"i": i}
            payload = json.dumps(
                [prev, at.isoformat(), "alt", "login", f"t{i}", details],
                sort_keys=True,
                ensure_ascii=False,
                default=str,
            )
            digest = hashlib.sha256(payload.encode()).hexdigest()
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, target, details, prev_hash, hash) "
                    "VALUES (:at, 'alt', 'login', :t, :d, :p, :h)"
                ),
                {"at": at, "t": f"t{i}", "d": json.dumps(details), "p": prev, "h": digest},
            )
            prev = digest
    engine.dispose()
    ctx = make_context(replace(load_settings({}), database_url=db_url))
    rows = audit_rows(ctx)
    assert [(r.seq, r.key_id) for r in rows][:3] == [(1, ""), (2, ""), (3, "")]
    seal = rows[3]
    assert seal.action == "audit_chain_keyed" and seal.prev_hash == prev
    assert seal.details == {"legacy_entries": 3, "legacy_head": prev}
    fill(ctx, 2)
    assert check(ctx).ok and check(ctx).entries == 6
    # rewriting an old entry and its unkeyed chain no longer goes unnoticed
    tamper(ctx, "UPDATE audit_log SET actor = 'jemand' WHERE seq = 3")
    rows = audit_rows(ctx)
    at = rows[2].at.replace(tzinfo=UTC) if rows[2].at.tzinfo is None else rows[2].at
    payload = json.dumps(
        [rows[1].hash, at.astimezone(UTC).isoformat(), "jemand", "login", "t2", {"i": 2}],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    tamper(
        ctx,
        "UPDATE audit_log SET hash = :h WHERE seq = 3",
        params={"h": hashlib.sha256(payload.encode()).hexdigest()},
    )
    result = check(ctx)
    assert not result.ok and result.problem == "link" and result.first_bad_seq == 4
    ctx.engine.dispose()


def test_the_council_page_shows_the_head_to_note_and_names_the_break(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.auth_helpers import app_test

    fill(ctx, 3)
    at = app_test(db_url, monkeypatch, BGM_LANGUAGE="en")
    at.session_state["viewer"] = COUNCIL
    at.switch_page("pages/audit.py").run()
    assert not at.exception, at.exception
    last = audit_rows(ctx)[-1]
    captions = " ".join(c.value for c in at.caption)
    assert f"Entry no. {last.seq} · check value {last.hash}" in captions
    assert at.success and not at.error
    tamper(ctx, "UPDATE audit_log SET target = 'anders' WHERE seq = 2")
    at.run()
    assert "broken at no. 2" in at.error[0].value and "altered or forged" in at.error[0].value


def test_the_key_never_shows_in_a_repr(ctx: Context) -> None:
    """Tracebacks and test reports print the context: the key must not be in it."""
    shown = repr(ctx) + repr(ctx.keyring)
    for key in ctx.keyring.keys:
        assert key.hex() not in shown and repr(key) not in shown
