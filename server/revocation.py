"""Open WebSocket connections end when their token is revoked, on every worker and every server.

A token is checked once, at connection_init; a subscription may then stay open for days. So each
process re-checks the tokens of its open connections every `credential_recheck_seconds` in one
query (resolvers/tokens.py: revoked_among) and closes those whose token was revoked. Asking the
database, rather than being told by the process that revoked (the CLI, another server), works
the same on SQLite and PostgreSQL and needs no channel that could miss a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable

from db.engine import Database
from resolvers.tokens import revoked_among
from server import outage

log = logging.getLogger("qianshou.websocket")

Close = Callable[[], Awaitable[None]]


class OpenSockets:
    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._open: dict[Hashable, tuple[int, Close]] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, connection: Hashable, token_id: int, close: Close) -> None:
        self._open[connection] = (token_id, close)

    def discard(self, connection: Hashable) -> None:
        self._open.pop(connection, None)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch_forever(), name="revoked-token-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close_revoked(self) -> int:
        """Close the connections whose token is revoked; how many were closed."""
        open_now = dict(self._open)
        revoked = await revoked_among(self.db, {token_id for token_id, _ in open_now.values()})
        closing = [(connection, close) for connection, (token_id, close) in open_now.items() if token_id in revoked]
        for connection, close in closing:
            self.discard(connection)
            with contextlib.suppress(RuntimeError, OSError):  # the client left first
                await close()
        return len(closing)

    async def _watch_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if closed := await self.close_revoked():
                    log.info("closed %d WebSocket connection(s) whose token was revoked", closed)
            except Exception as exc:
                # The next round tries again; an outage of the database must not end the watch.
                if not outage.database_away(exc):
                    log.exception("checking open WebSocket connections' tokens failed")
