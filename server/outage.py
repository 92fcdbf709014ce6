"""A database that is away (restarting, failing over, unreachable) is a 503, never a crash.

Which failures mean "away" is decided here alone, from the exception and what it wraps: lost or
refused connections, a server shutting down or starting up, a pool with no connection to give,
SQLite's file that cannot be opened or stays locked. Any of them, wherever it surfaces (token
authentication, a resolver, a report, a WebSocket's connection_init), becomes SERVICE_UNAVAILABLE
with Retry-After. Nothing is kept between requests: the pools hand out fresh connections once
the database answers again, so the server recovers by itself.
"""

from __future__ import annotations

import errno
import socket
import sqlite3

import asyncpg
from sqlalchemy import exc as sa

from db.conflicts import error_chain

CODE = "SERVICE_UNAVAILABLE"
# The pools reconnect on the next request after the database is back, usually within a second.
RETRY_AFTER_SECONDS = 1
MESSAGE = "the database is unavailable for a moment; retry shortly"
MESSAGE_ZH = "数据库暂时无法访问，请稍后重试"

_AWAY = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,  # no connection free in the pool in time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    # A pooled connection whose server ended it while it sat idle: the shutdown's message was still
    # being consumed when the next statement began.
    asyncpg.InternalClientError,
    ConnectionError,
    socket.gaierror,
)
# SQLite reports a missing table as an OperationalError too: only these mean the file is away.
_SQLITE_AWAY = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_IOERR")
_NETWORK_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
)


class DatabaseUnavailable(Exception):
    """Raised where an away database was seen inside a result (a resolver's error) rather than
    as an exception, so that the request is answered 503 as a whole."""


def database_away(error: BaseException | None) -> bool:
    return any(_away(link) for link in error_chain(error))


def _away(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorname", None) or "").startswith(_SQLITE_AWAY)
    if isinstance(error, sa.DBAPIError) and isinstance(error.orig, sqlite3.Error):
        return False  # the driver's error, next in the chain, decides
    if isinstance(error, (DatabaseUnavailable, *_AWAY)):
        return True
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


def describe(error: BaseException) -> str:
    """One short line naming why the database is away, fit for a log line per refused request:
    the driver's own error rather than SQLAlchemy's, whose text carries the whole statement and
    its parameters (kilobytes a request, and a credential's hash when authentication failed)."""
    links = list(error_chain(error))
    cause = next((link for link in reversed(links) if _away(link)), links[-1] if links else error)
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line[:200]}" if first_line else type(cause).__name__
