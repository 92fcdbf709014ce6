"""Open WebSocket connections end when their credential does, on every worker and every server:
a token revoked, or a session (the web app's cookie) signed out, its account disabled or given a
new password, or past its absolute end.

A credential is checked once, at connection_init; a subscription may then stay open for days. So
each process re-checks the credentials of its open connections every `credential_recheck_seconds`,
in a query for tokens (resolvers/tokens.py: revoked_among) and one for sessions
(resolvers/sessions.py: ended_among), and closes those whose credential has ended. Asking the
database, rather than being told by the process that revoked (the CLI, another server), works
the same on SQLite and PostgreSQL and needs no channel that could miss a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Hashable
from dataclasses import dataclass

from db.background import cancel
from db.engine import Database
from resolvers.sessions import ended_among
from resolvers.tokens import revoked_among
from server import outage

log = logging.getLogger("qianshou.websocket")

Close = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Credential:
    """What a connection was accepted with: a token (its id) or a session (its secret's hash)."""

    token_id: int | None = None
    session_hash: str | None = None


class OpenSockets:
    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._open: dict[Hashable, tuple[Credential, Close]] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, connection: Hashable, credential: Credential, close: Close) -> None:
        self._open[connection] = (credential, close)

    def discard(self, connection: Hashable) -> None:
        self._open.pop(connection, None)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch_forever(), name="revoked-token-watch")

    async def stop(self) -> None:
        await cancel([self._task])
        self._task = None

    async def close_revoked(self) -> int:
        """Close the connections whose credential has ended; how many were closed."""
        open_now = dict(self._open)
        ended = await self._ended({credential for credential, _ in open_now.values()})
        closing = [(connection, close) for connection, (credential, close) in open_now.items() if credential in ended]
        for connection, close in closing:
            self.discard(connection)
            with contextlib.suppress(RuntimeError, OSError):  # the client left first
                await close()
        return len(closing)

    async def _ended(self, credentials: Collection[Credential]) -> set[Credential]:
        tokens = {credential.token_id for credential in credentials if credential.token_id is not None}
        sessions = {credential.session_hash for credential in credentials if credential.session_hash is not None}
        revoked, signed_out = await revoked_among(self.db, tokens), await ended_among(self.db, sessions)
        return {
            credential
            for credential in credentials
            if credential.token_id in revoked or credential.session_hash in signed_out
        }

    async def _watch_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if closed := await self.close_revoked():
                    log.info("closed %d WebSocket connection(s) whose token or session has ended", closed)
            except Exception as exc:
                # The next round tries again; an outage of the database must not end the watch.
                if not outage.database_away(exc):
                    log.exception("checking open WebSocket connections' credentials failed")
