"""When each token and session was last used, written in the background, never by a request.

A request only notes the use in memory; every FLUSH_SECONDS the process writes what it noted, one
batched UPDATE per table in one transaction, and it writes what is left when it stops. A row is
written at most once per RESOLUTION: a process skips a use when it wrote (or read) the row's time
less than that ago, and the UPDATE's condition keeps the other processes from writing it again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy import Column, Update, bindparam, update

from db.background import cancel
from db.base import table_of
from db.engine import Database
from db.models import AccountSession, ApiToken

log = logging.getLogger("qianshou.credentials")

FLUSH_SECONDS = 2.0
RESOLUTION = dt.timedelta(minutes=1)
COLUMNS = {"token": table_of(ApiToken).c.last_used_at, "session": table_of(AccountSession).c.last_seen_at}


class LastUse:
    def __init__(self, db: Database, *, interval: float = FLUSH_SECONDS) -> None:
        self.db = db
        self.interval = interval
        self._written: dict[tuple[str, int], dt.datetime] = {}
        self._pending: dict[tuple[str, int], dt.datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def seen(self, kind: str, row_id: int, stored: dt.datetime | None) -> None:
        """What the database holds for the row, as read when the credential was verified."""
        if stored is not None and stored > self._written.get((kind, row_id), stored - RESOLUTION):
            self._written[(kind, row_id)] = stored

    def note(self, kind: str, row_id: int, now: dt.datetime) -> None:
        written = self._written.get((kind, row_id))
        if written is None or now - written >= RESOLUTION:
            self._pending[(kind, row_id)] = now

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever(), name="last-use-flush")

    async def stop(self) -> None:
        await cancel([self._task])
        self._task = None
        try:
            await self.flush()
        except Exception:
            log.exception("writing the last use of tokens and sessions at shutdown failed")

    async def flush(self) -> int:
        """Write the noted uses; how many rows were asked for. Kept for the next round on failure."""
        pending, self._pending = self._pending, {}
        if not pending:
            return 0
        try:
            async with self.db.writing() as session:
                for kind, column in COLUMNS.items():
                    rows = [
                        {"row_id": row_id, "now": now, "cutoff": now - RESOLUTION}
                        for (row_kind, row_id), now in pending.items()
                        if row_kind == kind
                    ]
                    if rows:
                        await session.execute(_statement(column), rows)
        except BaseException:
            for key, now in pending.items():
                self._pending.setdefault(key, now)
            raise
        self._written.update(pending)
        self._forget_old(max(pending.values()))
        return len(pending)

    def _forget_old(self, now: dt.datetime) -> None:
        # A row written longer than RESOLUTION ago is written on its next use anyway.
        for key in [key for key, written in self._written.items() if now - written >= RESOLUTION]:
            del self._written[key]

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.exception("writing the last use of tokens and sessions failed; trying again")


def _statement(column: Column[Any]) -> Update:
    # On the table, not the ORM class: a list of parameters then runs as one executemany.
    table = column.table
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"), column.is_(None) | (column <= bindparam("cutoff")))
        .values({column.key: bindparam("now")})
    )
