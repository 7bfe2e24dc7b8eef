"""Password hashing with Argon2id (argon2-cffi) and the password rules for built-in accounts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bgm_dashboard.errors import ValidationError

MIN_LENGTH = 10
"""At least ten characters (NIST SP 800-63B asks for eight at the very least)."""
MAX_LENGTH = 256
"""An upper bound, so that nobody makes the server hash megabytes."""

_HASHER = PasswordHasher(memory_cost=47_104, time_cost=1, parallelism=1)
"""Argon2id with 46 MiB, one pass, one lane: the first configuration the OWASP Password
Storage Cheat Sheet recommends (about 50 ms per login on a small server). Hashes made with
other parameters are upgraded at the next successful login (``needs_rehash``)."""

_DUMMY_HASH = _HASHER.hash("no account has this password")
"""Verified against when a login names no account, so that both cases take the same time."""


def check_policy(password: str, username: str) -> None:
    """Refuse passwords that are too short, too long, or the user name itself."""
    if len(password) < MIN_LENGTH:
        raise ValidationError("account.password_too_short", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise ValidationError("account.password_too_long", max=MAX_LENGTH)
    if password.strip().casefold() == username.strip().casefold():
        raise ValidationError("account.password_is_username")


def hash_password(password: str) -> str:
    """An Argon2id hash in PHC string format (salt and parameters included)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing or broken hash never matches."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def burn_time(password: str) -> None:
    """Spend the time of one verification (for logins naming an unknown account)."""
    verify_password(None, password)
