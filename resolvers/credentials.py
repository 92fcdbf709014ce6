"""Verified tokens and sessions, remembered by each process so that authenticating a request costs
no query, and how every process learns within a second that what it remembers has changed.

A credential found valid is kept under the SHA-256 of its secret for at most `ttl` seconds, at
most `size` of them; refusals are not kept. Whatever may change what a credential stands for (a
token revoked or renamed, an account disabled or given a new role, scope or password, a session
ended, an agency added to or moved out of a region) fires a trigger (migration 0009_authcache),
whoever writes it: a request on another worker, the CLI, or SQL typed by hand.
- PostgreSQL: the trigger NOTIFYs `qianshou_credentials` on commit; each process LISTENs on a
  connection of its own. Until it listens (at start, after the connection is lost) it remembers
  nothing, since it could miss a change.
- SQLite: the trigger bumps `credential_changes.version`, which each process reads every
  POLL_SECONDS.
On either, the process then forgets every credential: such changes are rare next to requests.
A lookup that began before a change is announced does not store what it read (`generation`).
The time of last use is written in the background (resolvers/last_use.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.background import cancel
from db.base import utcnow
from db.engine import Database
from db.listen import start_listening
from db.models import CredentialChanges
from db.reads.prepared import PreparedRead
from resolvers.access import Actor
from resolvers.last_use import LastUse
from resolvers.sessions import SessionPolicy, check_session, sign_out
from resolvers.tokens import SECRET_PATTERN, check_token, hash_secret, refused_token

log = logging.getLogger("qianshou.credentials")

CHANNEL = "qianshou_credentials"
POLL_SECONDS = 0.25
LISTEN_READY_TIMEOUT = 5.0
# Read as a prepared read (Database.fetch), not through a session: four times a second in every
# process, a session's checkout, statement and rollback cost about 1 ms of CPU each, this 0.05 ms.
CHANGES_VERSION = PreparedRead(select(CredentialChanges.version))


@dataclass
class Verified:
    actor: Actor
    row_id: int  # the token's or the session's
    until: float  # on the cache's clock: asked of the database again after this
    expires_at: dt.datetime | None = None  # a session's: its absolute end
    last_seen: dt.datetime | None = None  # a session's: its last use known to this process


class CredentialCache:
    """Bounded and short-lived; `trusted` only while changes are being watched."""

    def __init__(self, *, size: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self.trusted = False
        self.generation = 0
        self._entries: dict[str, Verified] = {}

    def get(self, key: str) -> Verified | None:
        entry = self._entries.get(key) if self.trusted else None
        if entry is not None and self.clock() >= entry.until:
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, entry: Verified, generation: int) -> None:
        """Keep `entry`, unless a change was announced since `generation` was read."""
        if not self.trusted or generation != self.generation or self.size <= 0 or self.ttl <= 0:
            return
        entry.until = self.clock() + self.ttl
        self._entries[key] = entry
        if len(self._entries) > self.size:
            del self._entries[next(iter(self._entries))]  # the oldest stored

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_all(self) -> None:
        self._entries.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


def _session_ended(entry: Verified, now: dt.datetime, policy: SessionPolicy) -> bool:
    """A cached session has passed its end or been idle too long. An entry without a session's
    times (never made for a session) is taken as ended, to be asked of the database again."""
    if entry.expires_at is None or entry.last_seen is None:
        return True
    return now >= entry.expires_at or now - entry.last_seen >= policy.idle


class Credentials:
    """The process's way from a presented secret to an Actor."""

    def __init__(self, db: Database, *, size: int = 10_000, ttl: float = 60.0) -> None:
        self.db = db
        self.cache = CredentialCache(size=size, ttl=ttl)
        self.last_use = LastUse(db)
        self._tasks: list[asyncio.Task[None]] = []
        self._version: int | None = None  # SQLite: credential_changes.version as last read

    async def start(self) -> None:
        self.last_use.start()
        if self.db.is_sqlite:
            await self._poll()
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="credential-changes-poll"))
            return
        listening = start_listening(
            self.db.url,
            CHANNEL,
            self._on_notify,
            log=log,
            what="credential changes (verifying every request meanwhile)",
            on_listening=self._trust_on_listening,
            on_lost=self._untrust,
            ready_timeout=LISTEN_READY_TIMEOUT,
        )
        self._tasks.append(await listening)

    async def stop(self) -> None:
        await cancel(self._tasks)
        self._tasks.clear()
        self._untrust()
        await self.last_use.stop()  # writes what is still pending

    async def token_actor(self, secret: str) -> Actor:
        """The token's Actor; ApiError UNAUTHENTICATED when it is malformed, unknown or revoked."""
        if not SECRET_PATTERN.fullmatch(secret):
            raise refused_token()
        key = "t" + hash_secret(secret)
        entry = self.cache.get(key)
        if entry is None:
            generation = self.cache.generation
            checked = await check_token(self.db, secret)
            self.last_use.seen("token", checked.token_id, checked.last_used_at)
            entry = Verified(checked.actor, checked.token_id, 0.0)
            self.cache.put(key, entry, generation)
        self.last_use.note("token", entry.row_id, utcnow())
        return entry.actor

    async def session_actor(self, secret: str, policy: SessionPolicy) -> Actor | None:
        """The signed-in account of a session secret; None when its session has ended."""
        key = "s" + hash_secret(secret)
        now = utcnow()
        entry = self.cache.get(key)
        if entry is not None and _session_ended(entry, now, policy):
            self.cache.drop(key)
            entry = None  # asked again, which ends the session
        if entry is None:
            generation = self.cache.generation
            checked = await check_session(self.db, secret, policy, now)
            if checked is None:
                return None
            if checked.actor is None:
                await sign_out(self.db, secret)
                return None
            self.last_use.seen("session", checked.session_id, checked.last_seen_at)
            entry = Verified(checked.actor, checked.session_id, 0.0, checked.expires_at, checked.last_seen_at)
            self.cache.put(key, entry, generation)
        entry.last_seen = now
        self.last_use.note("session", entry.row_id, now)
        return entry.actor

    async def sign_out(self, secret: str) -> None:
        """End a session: forgotten by this process at once, by the others within a second."""
        self.cache.drop("s" + hash_secret(secret))
        await sign_out(self.db, secret)

    def _untrust(self) -> None:
        self.cache.trusted = False
        self.cache.forget_all()

    def _trust(self) -> None:
        self.cache.forget_all()  # whatever was kept may have changed while nobody watched
        self.cache.trusted = True

    async def _poll(self) -> None:
        try:
            rows = await self.db.fetch(CHANGES_VERSION)
            version = rows[0][0] if rows else None
        except Exception:
            log.exception("reading credential_changes failed; verifying every request until it answers")
            self._untrust()
            self._version = None
            return
        if version != self._version:
            self._trust()
            self._version = version

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self._poll()

    async def _trust_on_listening(self) -> None:
        self._trust()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, _payload: str) -> None:
        self.cache.forget_all()
