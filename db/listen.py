"""A LISTEN that lasts: one asyncpg connection held open for a channel's notifications, and made
again whenever it is lost. The milestone-event broker and the credential cache each hold one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

RECONNECT_SECONDS = 1.0

# asyncpg's listener signature: (connection, the notifier's pid, channel, payload).
Listener = Callable[[Any, int, str, str], None]


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg's own connect() takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_forever(
    url: str,
    channel: str,
    listener: Listener,
    *,
    log: logging.Logger,
    what: str,
    on_listening: Callable[[], Awaitable[None]],
    on_lost: Callable[[], None] = lambda: None,
    ready: asyncio.Event | None = None,
) -> None:
    """Listen on `channel` until cancelled. `on_listening` runs each time a connection is listening
    (to catch up on what was notified while none was), `on_lost` each time one ends; `ready` is set
    the first time `on_listening` has run."""
    while True:
        try:
            connection = await asyncpg.connect(asyncpg_dsn(url))
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot LISTEN for %s (%s); retrying", what, exc)
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        lost = asyncio.Event()
        # Bound now: an old connection's late termination must not set a later connection's event.
        connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
        try:
            await connection.add_listener(channel, listener)
            await on_listening()
            if ready is not None:
                ready.set()
            await lost.wait()
            log.warning("lost the LISTEN connection for %s; reconnecting", what)
        except Exception as exc:  # any failure: start over on a new connection
            log.warning("LISTEN for %s failed (%s); reconnecting", what, exc)
        finally:
            on_lost()
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)
        await asyncio.sleep(RECONNECT_SECONDS)


async def start_listening(
    url: str,
    channel: str,
    listener: Listener,
    *,
    log: logging.Logger,
    what: str,
    on_listening: Callable[[], Awaitable[None]],
    on_lost: Callable[[], None] = lambda: None,
    ready_timeout: float,
) -> asyncio.Task[None]:
    """`listen_forever` as a task, once it listens or `ready_timeout` has passed (it then goes on
    trying in the background): a server that starts listening misses nothing written after it."""
    ready = asyncio.Event()
    task = asyncio.create_task(
        listen_forever(
            url, channel, listener, log=log, what=what, on_listening=on_listening, on_lost=on_lost, ready=ready
        ),
        name=f"listen-{channel}",
    )
    try:
        await asyncio.wait_for(ready.wait(), ready_timeout)
    except TimeoutError:
        log.warning("not yet listening for %s; retrying in the background", what)
    return task
