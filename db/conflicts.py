"""How each database spells an INSERT that skips rows a unique key already holds, and which of its
errors only say that another transaction was in the way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_new(session: AsyncSession, model: Any) -> Insert:
    """An INSERT into `model`'s table that leaves out rows conflicting with stored ones (ON CONFLICT
    DO NOTHING): two processes writing the same row both succeed and one row is stored."""
    return insert_new_into(dialect_of(session), model)


def dialect_of(session: AsyncSession) -> str:
    """The name of the database the session runs on: "postgresql" or "sqlite"."""
    if session.bind is None:
        raise RuntimeError("the session is bound to no database")
    return session.bind.dialect.name


def insert_new_into(dialect_name: str, model: Any) -> Insert:
    """`insert_new` for a statement made before there is a session (and so a database) to ask."""
    if dialect_name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


# PostgreSQL ends one of two transactions that wait for each other (deadlock_detected), or whose
# changes cannot be put in one order (serialization_failure): the one it ended succeeds when run again.
RETRYABLE_STATES = frozenset({"40P01", "40001"})


def must_retry(error: BaseException) -> bool:
    """Whether the database ended the transaction only because of another one."""
    return any(getattr(link, "sqlstate", None) in RETRYABLE_STATES for link in error_chain(error))


def error_chain(error: BaseException | None) -> Iterator[BaseException]:
    """The error and the ones it wraps, a few links deep: SQLAlchemy's, the adapter's, the driver's
    (`orig`), the one a GraphQL error carries (`original_error`), and their causes."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen and len(seen) < 8:
        seen.add(id(error))
        yield error
        wrapped = getattr(error, "orig", None) or getattr(error, "original_error", None)
        error = wrapped if isinstance(wrapped, BaseException) else (error.__cause__ or error.__context__)
