"""Password hashing (Argon2id, argon2-cffi's RFC 9106 defaults) and the rules a new password keeps.

Hashing and verifying take tens of milliseconds of CPU on purpose, so they run in a thread and
never stall the event loop."""

from __future__ import annotations

import asyncio
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200

HASHER = PasswordHasher()


def password_problem(password: str, name: str) -> tuple[str, str] | None:
    """What is wrong with a new password, in English and Chinese; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters", f"至少 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters", f"最多 {MAX_LENGTH} 个字符"
    if password.strip().casefold() == name.strip().casefold():
        return "must not be the account's name", "不能与账号名相同"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (no such account) a dummy hash is verified
    instead, so that an unknown name takes as long to refuse as a wrong password."""
    try:
        return (
            await asyncio.to_thread(HASHER.verify, password_hash or _dummy_hash(), password)
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))
