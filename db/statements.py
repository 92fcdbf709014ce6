"""Records the SQL statements that a Database's engines run inside a block: how the tests guard
against N+1 queries and how the benchmark reports statements per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext

from db.engine import Database

# Transaction control and connection set-up are not statements of the query plan.
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


@dataclass
class Statements:
    recorded: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recorded)

    @property
    def texts(self) -> list[str]:
        return [statement for statement, _ in self.recorded]


@contextmanager
def recording(db: Database) -> Iterator[Statements]:
    statements = Statements()

    def record_prepared(statement: str, parameters: Any) -> None:
        statements.recorded.append((statement, parameters))

    def record(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            record_prepared(statement, parameters)

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    db.read_listeners.append(record_prepared)
    try:
        yield statements
    finally:
        db.read_listeners.remove(record_prepared)
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
