"""Read replicas (QIANSHOU_DATABASE_REPLICA_URLS): which of them may serve a request's reads.

A query that the server routes (`Database.routed`, for a caller) reads from one replica in use,
the same one for the whole request; if it writes, the rest of it reads from the primary. A
mutation reads from the primary throughout: it decides on what it reads. Reads outside a routed
request (workers, the daily job, subscriptions and their events, sign-in) read from the primary:
they act on what they read, or follow a NOTIFY the primary sent.

Read-your-writes is by WAL position. After a routed write commits, the primary's WAL insert
position is kept for the caller (in Redis when configured, so every server knows it; else in the
process), for as long as a replica in use could still lack it. A later request of that caller reads
from a replica only if the replica had replayed past that position when it was last checked;
otherwise from the primary. Nothing is asked of a replica per request.

A task checks every replica each `check_seconds`: its replay position, against the positions the
primary had at each earlier check, gives how far behind it is in seconds. A replica that does not
answer, is not a standby, or is more than `max_lag` seconds behind is skipped until a check finds
it well again; with every replica skipped, reads go to the primary. A read that fails on a replica
because the replica went away in between is read again from the primary, and the replica is
skipped at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from db.background import cancel
from db.conflicts import error_chain

if TYPE_CHECKING:
    from db.engine import Database

log = logging.getLogger("qianshou.replicas")

# Positions as byte offsets into the WAL (an LSN minus 0/0), which compare as integers.
PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
# After a commit, the insert position is at or past its commit record whether or not the commit
# waited for the flush (synchronous_commit off); pg_current_wal_lsn() may still be short of it.
WRITTEN_POSITION = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
REPLAYED_POSITION = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
# A caller's position when the store of positions cannot say: no replica has replayed this far.
UNKNOWN_POSITION = 2**63
# Errors a replica reports that say nothing of the statement: it is going or gone.
_AWAY = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


class Positions(Protocol):
    """Each caller's last write position, kept for `ttl` seconds."""

    async def get(self, caller: str) -> int | None: ...

    async def put(self, caller: str, position: int, ttl: float) -> None: ...


class LocalPositions:
    """The positions of this process's callers, in its memory (the store without Redis)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._positions: dict[str, tuple[int, float]] = {}

    async def get(self, caller: str) -> int | None:
        return self.known(caller)

    def known(self, caller: str) -> int | None:
        kept = self._positions.get(caller)
        if kept is None or kept[1] < self.clock():
            return None
        return kept[0]

    async def put(self, caller: str, position: int, ttl: float) -> None:
        now = self.clock()
        if len(self._positions) > 10_000:  # callers come and go: drop those whose time is up
            self._positions = {key: kept for key, kept in self._positions.items() if kept[1] >= now}
        self._positions[caller] = (max(position, self.known(caller) or 0), now + ttl)


@dataclass(eq=False)
class Replica:
    name: str  # host:port/database, for logs and metrics (never the password)
    db: Database  # its own engines and pools; reads only
    in_use: bool = False  # not until a check finds it well
    lag_seconds: float | None = None
    replayed: int = -1
    reason: str = "not checked yet"

    def use(self, replayed: int, lag: float) -> None:
        if not self.in_use:
            log.warning("replica %s is in use (%.1f s behind)", self.name, lag)
        self.in_use, self.replayed, self.lag_seconds, self.reason = True, replayed, lag, "in use"

    def skip(self, reason: str) -> None:
        if self.in_use or self.reason == "not checked yet":
            log.warning("replica %s is skipped: %s; its reads go elsewhere", self.name, reason)
        self.in_use, self.reason = False, reason


@dataclass(eq=False)
class Route:
    """How one request reads: its caller, whether it reads from the primary (a mutation, or a
    request that wrote), and the replica it chose."""

    caller: str | None
    primary_only: bool = False
    choice: asyncio.Future[Replica | None] | None = None


_route: ContextVar[Route | None] = ContextVar("qianshou_route", default=None)


def current_route() -> Route | None:
    return _route.get()


@contextlib.contextmanager
def routing(caller: str | None, replicas: bool) -> Iterator[None]:
    token = _route.set(Route(caller, primary_only=not replicas))
    try:
        yield
    finally:
        _route.reset(token)


@dataclass(eq=False)
class Replicas:
    primary: Database
    replicas: list[Replica]
    max_lag: float = 10.0
    check_seconds: float = 1.0
    positions: Positions = field(default_factory=LocalPositions)
    # Told after every check, with every replica's state (server/metrics.py).
    listeners: list[Callable[[Sequence[Replica]], None]] = field(default_factory=list)
    _history: deque[tuple[float, int]] = field(default_factory=deque, init=False)
    _turns: itertools.count[int] = field(default_factory=itertools.count, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    @property
    def position_ttl(self) -> float:
        """How long a caller's write position is kept: while a replica in use may still lack it."""
        return 2 * (self.max_lag + self.check_seconds) + 5

    async def start(self) -> None:
        """Checks once (so the first requests already use the replicas that are well), then every
        `check_seconds` in the background."""
        await self.check()
        self._task = asyncio.create_task(self._check_forever(), name="replica-checks")

    async def stop(self) -> None:
        await cancel([self._task])
        self._task = None

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check()
            except Exception:  # a check that fails must not end the checks
                log.exception("replica check failed")

    async def check(self) -> None:
        now = time.monotonic()
        try:
            position = await asyncio.wait_for(self.primary.run_on_driver(lambda d: d.fetchval(PRIMARY_POSITION)), 5)
        except Exception as exc:  # the primary is away: lags are measured against what it last said
            log.debug("primary position unknown: %r", exc)
        else:
            self._history.append((now, position))
        horizon = now - (self.max_lag + 3 * self.check_seconds + 5)
        while len(self._history) > 1 and self._history[1][0] < horizon:
            self._history.popleft()
        await asyncio.gather(*(self._check(replica, now) for replica in self.replicas))
        for listener in self.listeners:
            listener(self.replicas)

    async def _check(self, replica: Replica, now: float) -> None:
        try:
            in_recovery, replayed = await asyncio.wait_for(
                replica.db.run_on_driver(lambda d: d.fetchrow(REPLAYED_POSITION)), max(2.0, self.check_seconds)
            )
        except Exception as exc:
            replica.lag_seconds = None
            replica.skip(f"not answering ({type(exc).__name__})")
            return
        if not in_recovery:
            replica.skip("not a standby (pg_is_in_recovery() is false)")
            return
        lag = self._lag(replayed, now)
        replica.replayed, replica.lag_seconds = replayed, lag
        if lag is None:
            replica.skip("the primary's position is not known yet")
        elif lag > self.max_lag:
            replica.skip(f"{lag:.1f} s behind the primary (the limit is {self.max_lag:g} s)")
        else:
            replica.use(replayed, lag)

    def _lag(self, replayed: int, now: float) -> float | None:
        """Seconds since the primary first had something the replica has not replayed: the time of
        the first check whose primary position is past the replica's (0 when none is)."""
        for checked_at, position in self._history:
            if position > replayed:
                return now - checked_at
        return 0.0 if self._history else None

    def pick(self, after: int | None) -> Replica | None:
        """A replica in use that has replayed past `after`, in turn; None: the primary."""
        fit = [r for r in self.replicas if r.in_use and (after is None or r.replayed >= after)]
        return fit[next(self._turns) % len(fit)] if fit else None

    async def for_route(self, route: Route) -> Replica | None:
        """The replica a routed request reads from, chosen at its first read."""
        if route.choice is None:
            route.choice = asyncio.ensure_future(self._choose(route.caller))
        replica = await route.choice
        return replica if replica is not None and replica.in_use else None

    async def _choose(self, caller: str | None) -> Replica | None:
        if not any(replica.in_use for replica in self.replicas):
            return None
        after = None
        if caller is not None:
            try:
                after = await self.positions.get(caller)
            except Exception as exc:  # the store is away: the primary has every write
                log.debug("write positions unavailable: %r", exc)
                after = UNKNOWN_POSITION
        return self.pick(after)

    async def written(self, caller: str) -> None:
        """Keeps the position of the caller's write that just committed."""
        try:
            position = await self.primary.run_on_driver(lambda d: d.fetchval(WRITTEN_POSITION))
            await self.positions.put(caller, position, self.position_ttl)
        except Exception:  # the write is committed: its caller must not be told otherwise
            log.exception("could not keep the write position of %s; its next reads may miss the write", caller)

    def failed(self, replica: Replica, error: BaseException) -> bool:
        """Whether a read that failed on `replica` is to be read again from the primary: when the
        replica went away (it is then skipped until a check finds it well), or cancelled the
        statement in a conflict with the WAL it was replaying."""
        if _conflict(error):
            return True
        if any(isinstance(link, asyncpg.PostgresError) and not isinstance(link, _AWAY) for link in error_chain(error)):
            return False  # the statement's own error: the primary would report it alike
        replica.skip(f"a read failed ({type(error).__name__})")
        for listener in self.listeners:
            listener(self.replicas)
        return True

    @property
    def engines(self) -> list[Any]:
        return [engine for replica in self.replicas for engine in replica.db.engines]

    async def dispose(self) -> None:
        await self.stop()
        for replica in self.replicas:
            await replica.db.dispose()


def _conflict(error: BaseException) -> bool:
    # 40001 on a standby: "canceling statement due to conflict with recovery".
    return any(getattr(link, "sqlstate", None) == "40001" for link in error_chain(error))


def replica_name(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def refuse_closed(engine: Any) -> None:
    """A pooled connection that the replica closed (it stopped) is not handed out: the pool
    connects afresh instead, and a replica that is away fails there, before a read begins."""

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():
            raise DisconnectionError("the replica closed this connection")

    event.listen(engine.sync_engine, "checkout", checkout)
