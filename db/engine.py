"""Engines and session factories for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import orjson
from sqlalchemy import Connection, Executable, PoolProxiedConnection, Row, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool
from sqlalchemy.util.concurrency import greenlet_spawn

from db import tally
from db.reads.combined import combinable, combination
from db.reads.fast_paths import FAST_PATHS
from db.reads.prepared import Listener, PreparedRead
from db.reads.rounds import Rounds
from db.replicas import Replica, Replicas, current_route, refuse_closed, replica_name, routing

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Prepared reads and their combinations come in a fixed, small set of shapes: keep them all.
CONNECT_TIMEOUT_SECONDS = 5
MAX_PREPARED_SQL = 256 * 1024

T = TypeVar("T")


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message is fit to show as one line."""


def normalise_url(url: str) -> str:
    """Accept the usual spellings and name the async driver we use for each database."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"malformed database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseUrlError(f"unsupported database {backend!r} in URL; use sqlite:/// or postgresql://")


def _configure_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let us emit BEGIN ourselves: pysqlite's implicit transactions defer the write lock,
        # and a deferred reader that later writes fails at once instead of waiting its turn.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def _server_going(error: Exception) -> bool:
    """Whether an error the database reported says the connection is ending (class 08, connection
    exception; 57, operator intervention: the server shutting down), not only that a statement failed.
    Such a connection kept for the next read would hand it a protocol in the middle of its end."""
    return (getattr(error, "sqlstate", None) or "")[:2] in ("08", "57")


def _give_back(pooled: PoolProxiedConnection, healthy: bool) -> None:
    if not healthy:
        pooled.invalidate()
    pooled.close()


@dataclass
class Database:
    """Owns the engines. Reads and writes get separate SQLite engines so that a write transaction
    takes SQLite's lock when it begins (BEGIN IMMEDIATE) while reads stay concurrent."""

    url: str
    read_engine: AsyncEngine
    write_engine: AsyncEngine
    # The engine of prepared reads (db/reads/prepared.py), which run on its driver connections.
    prepared_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession] = field(init=False)
    write_sessions: async_sessionmaker[AsyncSession] = field(init=False)
    # Told of each PreparedRead's statement, which SQLAlchemy's events do not see (db.statements).
    read_listeners: list[Listener] = field(default_factory=list)
    idle_reads: int = 4
    # Statements a turn's reads are spread over when no other reads are running (db/reads/combined.py).
    idle_spread: int = 2
    # Read replicas (db/replicas.py), on PostgreSQL when QIANSHOU_DATABASE_REPLICA_URLS names some.
    replicas: Replicas | None = None
    _idle: list[PoolProxiedConnection] = field(default_factory=list, init=False)
    _rounds: Rounds = field(init=False)

    def __post_init__(self) -> None:
        self._rounds = Rounds(self._read_alone, self._read_together, lambda: self.idle_spread)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        self.write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        replica_urls: Sequence[str] = (),
        replica_max_lag: float = 10.0,
        replica_check_seconds: float = 1.0,
    ) -> Database:
        if replica_urls:
            db = cls.from_url(url, echo=echo, pool_size=pool_size)
            db.replicas = Replicas(
                db,
                [db._replica(each, echo, pool_size) for each in replica_urls],
                replica_max_lag,
                replica_check_seconds,
            )
            return db
        url = normalise_url(url)
        # JSON columns are read with orjson: a page of pairings decodes one per row.
        options = {"echo": echo, "json_deserializer": orjson.loads}
        if make_url(url).get_backend_name() == "sqlite":
            read_engine = create_async_engine(url, **options)
            write_engine = create_async_engine(url, **options)
            _configure_sqlite(read_engine, "BEGIN")
            _configure_sqlite(write_engine, "BEGIN IMMEDIATE")
        else:
            write_engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=False,
                # A database that is away is answered with 503 within seconds (server/outage.py),
                # not after asyncpg's default minute of trying to connect.
                connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
                **options,
            )
            # Each read is one statement in a session of its own, so a transaction around it buys
            # nothing and costs a BEGIN and a ROLLBACK round trip; reads share the writers' pool.
            read_engine = write_engine.execution_options(isolation_level="AUTOCOMMIT")
            # Prepared reads are built once and run with new ids, limits and cursors; PostgreSQL
            # planned each execution afresh (its custom plans won on estimates), which cost more
            # than running it: half a millisecond for a pairing's detail. Their connections keep
            # the generic plan, made once per connection; every other statement keeps the default.
            prepared_engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=0,
                pool_pre_ping=False,
                connect_args={
                    "timeout": CONNECT_TIMEOUT_SECONDS,
                    # random_page_cost: the generic plans are made without the ids they run with.
                    # With the default cost of a random read (4, for spinning disks) a small table
                    # (a pairing's incubated organizations) was read whole rather than by index.
                    "server_settings": {"plan_cache_mode": "force_generic_plan", "random_page_cost": "1.1"},
                    # asyncpg keeps statements prepared only up to 15 KB of SQL by default; a
                    # combination of reads (db/reads/combined.py) can be longer, and would be parsed
                    # and planned again on every execution.
                    "max_cacheable_statement_size": MAX_PREPARED_SQL,
                },
                **options,
            ).execution_options(isolation_level="AUTOCOMMIT")
            return cls(url, read_engine, write_engine, prepared_engine)
        return cls(url, read_engine, write_engine, read_engine)

    def _replica(self, url: str, echo: bool, pool_size: int) -> Replica:
        replica = type(self).from_url(url, echo=echo, pool_size=pool_size)
        if self.is_sqlite or replica.is_sqlite:
            raise DatabaseUrlError("read replicas need PostgreSQL, for the database and for each replica")
        replica.read_listeners = self.read_listeners  # its prepared reads are counted as ours
        for engine in replica.engines:
            refuse_closed(engine)
        return Replica(replica_name(url), replica)

    async def start(self) -> None:
        """Starts checking the replicas, if there are any."""
        if self.replicas is not None:
            await self.replicas.start()

    def routed(self, caller: str | None, *, replicas: bool = True) -> AbstractContextManager[None]:
        """A request of `caller`'s: its reads may go to a replica if `replicas` (a query), and its
        writes are read back by the caller's next requests (db/replicas.py). Outside such a block
        every read is the primary's."""
        return nullcontext() if self.replicas is None else routing(caller, replicas)

    def route(self, caller: str | None, *, replicas: bool) -> None:
        """Names the caller of the routed request under way, and whether its reads may go to a replica
        from now on (a request learns both as it goes: who calls, then what it asks)."""
        if self.replicas is not None and (route := current_route()) is not None:
            route.caller, route.primary_only = caller, not replicas

    async def _reader(self) -> Replica | None:
        """The replica this read goes to; None: the primary."""
        if self.replicas is None or (route := current_route()) is None or route.primary_only:
            return None
        return await self.replicas.for_route(route)

    @property
    def is_sqlite(self) -> bool:
        return self.read_engine.dialect.name == "sqlite"

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """An engine for each pool, the pool's own engine first: events and disposal on these
        cover every connection. (On PostgreSQL the read engine is the write engine with other
        options, and listeners on such an engine hear only its own statements, not its parent's.)"""
        engines: dict[int, AsyncEngine] = {}
        for engine in (self.write_engine, self.read_engine, self.prepared_engine):
            engines.setdefault(id(engine.pool), engine)
        return tuple(engines.values()) + tuple(self.replicas.engines if self.replicas is not None else ())

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        session = None
        if self.replicas is not None and (replica := await self._reader()) is not None:
            session = replica.db.read_sessions()
            try:
                await session.connection()  # a replica that went away: the primary reads instead
            except Exception as exc:
                await session.close()
                if not self.replicas.failed(replica, exc):
                    raise
                session = None
        async with session or self.read_sessions() as session:
            yield session

    @asynccontextmanager
    async def read_transaction(self) -> AsyncIterator[AsyncSession]:
        """A read in a transaction of its own, for a read that streams through a server-side
        cursor: PostgreSQL keeps one only inside a transaction, which plain reads do without."""
        engine = self.read_engine if self.is_sqlite else self.write_engine
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises. In a routed
        request, the request's later reads are the primary's, and its caller's next ones read
        what it wrote (db/replicas.py)."""
        replicas = self.replicas
        route = current_route() if replicas is not None else None
        if route is not None:
            route.primary_only = True
        async with self.write_sessions() as session, session.begin():
            yield session
        if replicas is not None and route is not None and route.caller is not None:
            await replicas.written(route.caller)

    async def fetch(
        self, statement: Executable | PreparedRead, parameters: dict[str, Any] | None = None, *, alone: bool = False
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        """The rows of one read statement as plain rows. Reads that return many rows come here
        rather than through a session: building ORM objects costs more than fetching the rows.
        A prepared read `alone` goes at once, without waiting for the turn's other reads: one that
        is all its request reads (the data version of a 304) has none to meet there."""
        # Tested first, without a call: the hot path of every read when there are no replicas.
        if self.replicas is not None and (replica := await self._reader()) is not None:
            try:
                return await replica.db.fetch(statement, parameters, alone=alone)
            except Exception as exc:
                if not self.replicas.failed(replica, exc):
                    raise
        if isinstance(statement, PreparedRead):
            if not FAST_PATHS.prepared_reads:  # the plain path: SQLAlchemy's execution of the same statement
                statement = statement.statement
            elif alone:
                return await self._read_alone(statement, parameters)
            else:
                return await self._prepared(statement, parameters)
        async with self.read_engine.connect() as connection:
            return (await connection.execute(statement, parameters)).all()

    async def _prepared(self, statement: PreparedRead, parameters: dict[str, Any] | None) -> list[Any]:
        """A prepared read on a connection of `prepared_engine` as the driver's own, with no SQLAlchemy
        Connection around it (40 µs a statement on PostgreSQL). Outside a transaction either way:
        asyncpg runs each statement on its own, and SQLite connections are set up without implicit
        transactions. On PostgreSQL, the reads asked for in the same turn of the event loop go
        together, in as few statements as db/reads/rounds.py makes of them."""
        if self.is_sqlite or not FAST_PATHS.combined_reads or not combinable(statement):
            return await self._read_alone(statement, parameters)
        return await self._rounds.read(statement, parameters)

    async def _read_alone(self, statement: PreparedRead, parameters: dict[str, Any] | None) -> list[Any]:
        dialect, listeners = self.prepared_engine.dialect, self.read_listeners
        return await self._on_driver(lambda driver: statement.run(driver, dialect, parameters, listeners))

    async def _read_together(
        self, statements: tuple[PreparedRead, ...], parameter_sets: list[dict[str, Any] | None]
    ) -> list[list[Any]]:
        dialect, listeners, combined = self.prepared_engine.dialect, self.read_listeners, combination(statements)
        return await self._on_driver(lambda driver: combined.run(driver, dialect, parameter_sets, listeners))

    async def run_on_driver(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """`work` on a driver connection, its statements uncounted: the replicas' bookkeeping."""
        return await self._on_driver(work)

    async def _on_driver(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """`work` done on the driver's own connection of a pooled connection.

        Up to `idle_reads` connections stay checked out between reads, kept here: a checkout from
        SQLAlchemy's pool and its return cost two greenlet switches, as much again as the statement.
        A connection that failed other than with an SQL error is dropped rather than kept or pooled."""
        pooled = self._idle.pop() if self._idle else await self.prepared_engine.raw_connection()
        healthy = False
        started = time.perf_counter()
        try:
            result = await work(pooled.driver_connection)
            healthy = True
            return result
        except self._sql_errors as error:
            healthy = not _server_going(error)
            raise
        finally:
            tally.spent(time.perf_counter() - started)
            if healthy and len(self._idle) < self.idle_reads and self._pool_has_room():
                self._idle.append(pooled)
            else:
                await greenlet_spawn(_give_back, pooled, healthy)

    def _pool_has_room(self) -> bool:
        """Whether the pool has a connection to give, so that none waits for it. A connection kept
        here while the pool is spent would go to the reads that come after, and one waiting in the
        pool would wait until its timeout (a 503): more reads at once than the pool holds happen
        as soon as a request is cheap enough (an answer kept by server/answer_cache.py)."""
        pool = self.prepared_engine.pool
        return not isinstance(pool, QueuePool) or pool.checkedout() < pool.size()

    @property
    def reads_held(self) -> int:
        """Connections kept checked out for prepared reads between them."""
        return len(self._idle)

    @property
    def _sql_errors(self) -> type[Exception]:
        """Errors the database reports about a statement, after which the connection is still good."""
        return sqlite3.Error if self.is_sqlite else asyncpg.PostgresError

    async def ping(self) -> None:
        async with self.read_engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        # A read still running would keep its connection after the pools are gone.
        if self.replicas is not None:
            await self.replicas.dispose()
        await self._rounds.settled()
        idle, self._idle = self._idle, []
        for pooled in idle:
            await greenlet_spawn(_give_back, pooled, True)
        for engine in self.engines:
            await engine.dispose()
