"""Helpers for the pulse tests: a real SMTP server (aiosmtpd) started by the test, mail
settings pointing at it, address lists, and reading the raw database files."""

from __future__ import annotations

import email
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from bgm_dashboard.context import Context
from bgm_dashboard.pulse.mailconfig import MailSettings

PUBLIC_URL = "https://bgm.musterstadt.example"
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


@dataclass
class Received:
    to: str
    message: Message

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode("utf-8")

    @property
    def subject(self) -> str:
        return str(email.header.make_header(email.header.decode_header(self.message["Subject"])))

    @property
    def link(self) -> str:
        found = re.search(re.escape(PUBLIC_URL) + r"/\S*", self.body)
        assert found, self.body
        return found.group(0)

    @property
    def code(self) -> str | None:
        found = CODE.search(self.body)
        return found.group(0) if found else None


@dataclass
class Mailbox:
    """Everything the local SMTP server received, in order."""

    mails: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.mails.append(Received(rcpt, message))
        return "250 Message accepted for delivery"

    def take(self) -> list[Received]:
        with self.lock:
            out, self.mails = self.mails, []
        return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, MailSettings]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings = MailSettings(
        host="127.0.0.1",
        port=port,
        security="none",
        user="",
        sender="bgm@musterstadt.example",
        public_url=PUBLIC_URL,
        timeout=10,
    )
    try:
        yield box, settings
    finally:
        controller.stop()


def address_csv(units: dict[str, int], *, english_every: int = 0) -> tuple[bytes, list[str]]:
    """A list with ``count`` made-up addresses per unit code; every n-th one in English."""
    lines = ["email,unit,language"]
    addresses = []
    number = 0
    for unit, count in units.items():
        for _ in range(count):
            number += 1
            address = f"person{number:03d}.{unit.lower()}@musterstadt.example"
            language = "en" if english_every and number % english_every == 0 else "de"
            lines.append(f"{address},{unit},{language}")
            addresses.append(address)
    return ("\n".join(lines) + "\n").encode(), addresses


def raw_database_bytes(ctx: Context) -> bytes:
    """The database as an attacker with the files sees it: the SQLite file and its WAL, or
    every PostgreSQL table file of the schema after a checkpoint."""
    if ctx.engine.dialect.name == "sqlite":
        path = Path(str(ctx.engine.url.database))
        chunks = [path.read_bytes()]
        for extra in (path.with_name(path.name + "-wal"),):
            if extra.exists():
                chunks.append(extra.read_bytes())
        return b"".join(chunks)
    with ctx.engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        files = (
            conn.execute(
                text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relkind IN ('r', 't', 'i') "
                    "AND pg_relation_filepath(c.oid) IS NOT NULL"
                ),
                {"s": schema},
            )
            .scalars()
            .all()
        )
        chunks = []
        for name in files:
            data = conn.execute(
                text("SELECT pg_read_binary_file(:f, 0, 100000000, true)"), {"f": name}
            ).scalar_one()
            if data:
                chunks.append(bytes(data))
        return b"".join(chunks)
