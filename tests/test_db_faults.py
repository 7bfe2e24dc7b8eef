"""Faults of the database: an unreachable or hung server is reported within seconds with a
clear German message (no Streamlit error page), sessions carry statement and idle timeouts
and TCP keepalives, lost connections and a SQLite file that was read-only are recovered from
without a restart, and concurrent `bgm init` on PostgreSQL is safe."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bgm_dashboard.context import Context
from bgm_dashboard.db.engine import POSTGRES_DEFAULTS, make_engine, normalise_url
from tests.auth_helpers import app_test
from tests.conftest import POSTGRES_URL, ROOT


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (a hung server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_server_is_given_up_on_within_seconds(silent_server: int) -> None:
    engine = make_engine(f"postgresql://bgm@127.0.0.1:{silent_server}/bgm")
    start = time.monotonic()
    with pytest.raises(OperationalError), engine.connect():
        pass
    waited = time.monotonic() - start
    assert waited < POSTGRES_DEFAULTS["connect_timeout"] + 3, waited
    engine.dispose()


def test_pages_say_in_german_that_the_database_is_unreachable(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(f"postgresql://bgm@127.0.0.1:{silent_server}/bgm", monkeypatch)
    at.run()
    assert not at.exception
    assert "Datenbank ist gerade nicht erreichbar" in " ".join(e.value for e in at.error)


needs_pg = pytest.mark.skipif(not POSTGRES_URL, reason="needs BGM_TEST_POSTGRES_URL")


@needs_pg
def test_postgres_sessions_have_timeouts_and_keepalives(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        return
    with ctx.engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "1min"
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "1min"
        assert conn.execute(text("SHOW search_path")).scalar_one().startswith("t_")
        params = conn.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
        assert params["keepalives"] == "1" and params["connect_timeout"] == "5"
        assert params["tcp_user_timeout"] == "30000"


@needs_pg
def test_statement_timeout_from_the_url_is_kept_and_applies() -> None:
    url = normalise_url(POSTGRES_URL) + "?options=-c%20statement_timeout%3D200"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "200ms"
        with pytest.raises(OperationalError):
            conn.execute(text("SELECT pg_sleep(2)"))
    engine.dispose()


@needs_pg
def test_the_pool_recovers_from_lost_connections(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        return
    with ctx.read() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()
    with ctx.read() as session:  # the dead pooled connection is replaced, not handed out
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


READONLY_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sqlalchemy import text
    from bgm_dashboard.db.engine import make_engine

    path = Path(sys.argv[1])
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    path.chmod(0o444)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        print("wrote while read-only")
    except Exception as exc:
        print("refused:", type(exc).__name__)
    sys.stdout.flush()
    input()  # the file is made writable again
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        print("rows:", conn.execute(text("SELECT count(*) FROM t")).scalar_one())
    """
)


def test_sqlite_recovers_once_a_read_only_file_is_writable_again(tmp_path: Path) -> None:
    """The write is refused while the file is read-only and succeeds on the same engine
    once the file is writable again (no restart)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "db.sqlite3"
    # root ignores file modes: drop the capability that lets it (setpriv, util-linux)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    child = subprocess.Popen(
        [*(prefix if os.geteuid() == 0 else []), sys.executable, "-c", READONLY_SCRIPT, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        cwd=folder,
    )
    assert child.stdout is not None and child.stdin is not None
    first = child.stdout.readline()
    assert first.startswith("refused: OperationalError"), first + (child.stderr.read() or "")
    for part in folder.glob("db.sqlite3*"):  # SQLite gave its -wal/-shm the file's mode
        part.chmod(0o644)
    out, err = child.communicate("\n", timeout=60)
    assert child.returncode == 0, err
    assert "rows: 1" in out


@needs_pg
def test_concurrent_init_on_postgres_is_safe(tmp_path: Path) -> None:
    from bgm_dashboard.bench.load import fresh_database

    with fresh_database("postgresql", tmp_path, POSTGRES_URL, "t_init") as url:
        env = {
            **os.environ,
            "BGM_DATABASE_URL": url,
            "BGM_AUDIT_KEY": "ab" * 32,
        }
        bgm = str(Path(sys.executable).parent / "bgm")
        runs = [
            subprocess.Popen([bgm, "init"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in runs]
        assert [code for code, _ in results] == [0, 0, 0], results
