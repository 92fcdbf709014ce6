"""INSERT that skips rows a unique key already holds, as each database spells it."""

from __future__ import annotations

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
