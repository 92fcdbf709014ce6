"""The statements a request runs, the round trips they take and their time, counted in a context
variable, so that concurrent requests on one event loop each see their own (metrics and the request
log read them).

Reads that db/reads/combined.py runs together for several requests are counted by the request whose
task ran the combination (each part as one statement, the combination as one round trip), so figures
are exact per process and close per request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext

if TYPE_CHECKING:
    from db.engine import Database

# Transaction control and connection set-up are not statements of the query plan.
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


@dataclass
class Tally:
    statements: int = 0
    # Statements sent to the database: fewer than `statements` where reads went together.
    round_trips: int = 0
    seconds: float = 0.0


_current: ContextVar[Tally | None] = ContextVar("qianshou_sql_tally", default=None)


@contextmanager
def counting() -> Iterator[Tally]:
    """A new tally for the block (a request); statements run inside it are added to it."""
    tally = Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)


def spent(seconds: float) -> None:
    """A round trip outside SQLAlchemy's cursor events (a prepared read, alone or combined), and its time."""
    if (tally := _current.get()) is not None:
        tally.round_trips += 1
        tally.seconds += seconds


def watch(db: Database) -> None:
    """Count every statement `db` runs into the current tally, for the life of `db`."""

    def before(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        conn.info.setdefault("qianshou_started", []).append(time.perf_counter())

    def after(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        started = conn.info["qianshou_started"].pop()
        if (tally := _current.get()) is None:
            return
        tally.seconds += time.perf_counter() - started
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            tally.statements += 1
            tally.round_trips += 1

    def prepared(statement: str, parameters: Any) -> None:
        if (tally := _current.get()) is not None:
            tally.statements += 1

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
    db.read_listeners.append(prepared)
