"""The audit log's secret key (outside the database): where it comes from, how it is made,
how it is rotated, and the HMAC-SHA-256 that chains the entries with it.

Life cycle: ``BGM_AUDIT_KEY`` (hex) or ``BGM_AUDIT_KEY_FILE`` (a file of hex keys, one per
line, oldest first, the last one in use); with neither, ``var/audit.key`` is created on first
start (mode 0600). Older keys stay in the file so that older entries still verify;
``bgm audit rotate-key`` adds a new one. A configured key that cannot be read stops the
start-up with a clear message, never a silent new key."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bgm_dashboard.settings import ConfigError

KEY_BYTES = 32
"""A new key: 256 random bits (the HMAC-SHA-256 block size is more than enough)."""
MIN_KEY_BYTES = 32
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_LOG = logging.getLogger(__name__)


def key_id(key: bytes) -> str:
    """A public name for a key (16 hex digits), stored with each entry; reveals nothing."""
    return hmac.new(key, b"bgm-audit-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The audit keys, oldest first; the last one signs new entries."""

    keys: tuple[bytes, ...] = field(repr=False)
    source: str
    path: Path | None = None

    @property
    def current(self) -> bytes:
        return self.keys[-1]

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def get(self, kid: str) -> bytes | None:
        for key in self.keys:
            if key_id(key) == kid:
                return key
        return None

    def sign(self, kid: str, payload: bytes) -> str | None:
        """HMAC-SHA-256 of ``payload`` with the key named ``kid`` (None: key not held)."""
        key = self.get(kid)
        return None if key is None else hmac.new(key, payload, hashlib.sha256).hexdigest()


def parse_keys(text: str, source: str) -> tuple[bytes, ...]:
    """Hex keys separated by commas, blanks or new lines; ``#`` starts a comment."""
    keys = []
    for line in text.splitlines():
        for word in re.split(r"[,\s]+", line.split("#", 1)[0].strip()):
            if not word:
                continue
            if not _HEX.fullmatch(word) or len(word) % 2:
                raise ConfigError(f"{source}: an audit key must be written in hex digits")
            key = bytes.fromhex(word)
            if len(key) < MIN_KEY_BYTES:
                raise ConfigError(
                    f"{source}: an audit key needs at least {MIN_KEY_BYTES} bytes "
                    f"({2 * MIN_KEY_BYTES} hex digits)"
                )
            keys.append(key)
    if not keys:
        raise ConfigError(f"{source}: no audit key in it")
    return tuple(keys)


def default_key_file(base: Path | None = None) -> Path:
    return (base or Path.cwd()) / "var" / "audit.key"


def _create(path: Path) -> bool:
    """Write a new random key to ``path`` unless it exists; True when it was made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    # written in full under a private name, then linked into place: another process starting
    # at the same moment sees either no file or the whole key, never an empty one
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


def _read_file(path: Path) -> tuple[bytes, ...]:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise ConfigError(f"BGM_AUDIT_KEY_FILE: {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"BGM_AUDIT_KEY_FILE: {path} cannot be read ({exc})") from exc
    return parse_keys(text, str(path))


def load_keyring(env: Mapping[str, str] | None = None, *, base: Path | None = None) -> Keyring:
    """The keyring from the environment; with nothing configured, the default key file
    (made on first use)."""
    env = os.environ if env is None else env
    inline = env.get("BGM_AUDIT_KEY", "").strip()
    if inline:
        return Keyring(parse_keys(inline, "BGM_AUDIT_KEY"), "BGM_AUDIT_KEY")
    named = env.get("BGM_AUDIT_KEY_FILE", "").strip()
    if named:
        path = Path(named).expanduser()
        return Keyring(_read_file(path), "BGM_AUDIT_KEY_FILE", path)
    path = default_key_file(base)
    if _create(path):
        _LOG.warning(
            "New audit key written to %s. Keep a copy apart from the database backups; "
            "every app server needs the same key (BGM_AUDIT_KEY_FILE).",
            path,
        )
    return Keyring(_read_file(path), "default", path)


def add_key(keyring: Keyring) -> tuple[Keyring, str]:
    """Append a new random key to the key file (atomically); the old file text is returned
    so that the caller can put it back if recording the rotation fails."""
    if keyring.path is None:
        raise ConfigError("BGM_AUDIT_KEY: rotate by adding a key to the value, oldest first")
    old_text = keyring.path.read_text(encoding="ascii")
    new_text = old_text.rstrip("\n") + "\n" + secrets.token_hex(KEY_BYTES) + "\n"
    write_key_file(keyring.path, new_text)
    return Keyring(_read_file(keyring.path), keyring.source, keyring.path), old_text


def write_key_file(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
