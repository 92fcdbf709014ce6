"""Milestone events to live subscribers: one broker per server process.

Every source of "event n committed" feeds one dispatcher, which reads the event rows by id, drops
ids it has already delivered, and fans each event out to the subscribers whose filter matches:
- PostgreSQL: one asyncpg connection per process LISTENs on the channel that
  `record_milestone_event` NOTIFYs, so a mutation handled by any process reaches every process.
  After a lost connection it catches up from the table before listening again.
- SQLite: the session's `after_commit` hook announces what this process wrote at once, and a poll
  of the table picks up what other processes (another worker, the CLI) wrote.

A subscriber has a bounded queue: one that falls too far behind is dropped and told so through
`on_overflow`, so a slow client can never make the server hold an unbounded backlog.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from db.background import cancel
from db.engine import Database
from db.listen import start_listening
from db.models import MilestoneEvent
from resolvers.access import Actor
from resolvers.errors import ApiError, ErrorCode
from resolvers.events import (
    NOTIFY_CHANNEL,
    PENDING_EVENTS_KEY,
    EventFilter,
    EventView,
    load_visible_event,
    replay_events,
)
from resolvers.loaders import Loaders
from resolvers.scope import Scope

log = logging.getLogger("qianshou.events")

DEFAULT_QUEUE_SIZE = 1000
# Delivered ids remembered to drop a second announcement of the same event.
SEEN_WINDOW = 4096
SQLITE_POLL_SECONDS = 1.0
LISTEN_READY_TIMEOUT = 10.0

_brokers: weakref.WeakSet[Broker] = weakref.WeakSet()

# The events of these ids (parameter `ids`), in order: made once, not per announcement.
_EVENTS_BY_ID = (
    select(MilestoneEvent).where(MilestoneEvent.id.in_(bindparam("ids", expanding=True))).order_by(MilestoneEvent.id)
)


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    event_ids = session.info.pop(PENDING_EVENTS_KEY, None)
    if not event_ids:
        return
    for broker in list(_brokers):
        if broker.owns(session):
            broker.announce(event_ids)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING_EVENTS_KEY, None)


class Subscriber:
    """One live subscription's inbox. None in the queue means it was dropped for falling behind."""

    def __init__(self, event_filter: EventFilter, queue_size: int, on_overflow: Callable[[], None]) -> None:
        self.filter = event_filter
        self.queue: asyncio.Queue[MilestoneEvent | None] = asyncio.Queue(maxsize=queue_size)
        self.on_overflow = on_overflow


class _RecentIds:
    def __init__(self, size: int) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def __contains__(self, event_id: int) -> bool:
        return event_id in self._ids

    def add(self, event_id: int) -> None:
        self._order.append(event_id)
        self._ids.add(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())

    def lowest(self) -> int | None:
        return min(self._order) if self._order else None


class Broker:
    def __init__(self, db: Database, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.db = db
        self.queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self._incoming: asyncio.Queue[int] = asyncio.Queue()
        self._seen = _RecentIds(SEEN_WINDOW)
        # The newest event id delivered or known at start; None until the database has answered.
        self._high_water: int | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._dispatch_forever(), name="milestone-events-dispatch"))
        if self.db.is_sqlite:
            _brokers.add(self)
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="milestone-events-poll"))
            return
        listening = start_listening(
            self.db.url,
            NOTIFY_CHANNEL,
            self._on_notify,
            log=log,
            what="milestone events",
            on_listening=self._catch_up_on_listening,
            ready_timeout=LISTEN_READY_TIMEOUT,
        )
        self._tasks.append(await listening)

    async def stop(self) -> None:
        _brokers.discard(self)
        await cancel(self._tasks)
        self._tasks.clear()

    def owns(self, session: Session) -> bool:
        return session.bind is self.db.write_engine.sync_engine

    def announce(self, event_ids: list[int]) -> None:
        for event_id in event_ids:
            self._incoming.put_nowait(event_id)

    def subscribe(self, event_filter: EventFilter, on_overflow: Callable[[], None]) -> Subscriber:
        subscriber = Subscriber(event_filter, self.queue_size, on_overflow)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def _dispatch_forever(self) -> None:
        while True:
            event_ids = [await self._incoming.get()]
            while not self._incoming.empty():
                event_ids.append(self._incoming.get_nowait())
            fresh = sorted({event_id for event_id in event_ids if event_id not in self._seen})
            if not fresh:
                continue
            if not self._subscribers:
                # Every write announces its event to every process: with nobody to tell, reading
                # the rows cost each process a statement per write. A subscriber that comes later
                # replays what it missed from the table.
                self._pass_over(fresh)
                continue
            try:
                async with self.db.read_sessions() as session:
                    rows = (await session.scalars(_EVENTS_BY_ID, {"ids": fresh})).all()
            except Exception:
                log.exception("could not read milestone events %s; they reach live subscribers only on replay", fresh)
                continue
            for row in rows:
                self._seen.add(row.id)
                self._high_water = max(self._high_water or 0, row.id)
                self._fan_out(row)

    def _pass_over(self, event_ids: list[int]) -> None:
        for event_id in event_ids:
            self._seen.add(event_id)
        self._high_water = max(self._high_water or 0, event_ids[-1])

    def _fan_out(self, milestone_event: MilestoneEvent) -> None:
        for subscriber in list(self._subscribers):
            if not subscriber.filter.matches(milestone_event):
                continue
            try:
                subscriber.queue.put_nowait(milestone_event)
            except asyncio.QueueFull:
                self._drop(subscriber)

    def _drop(self, subscriber: Subscriber) -> None:
        self.unsubscribe(subscriber)
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)
        subscriber.on_overflow()

    async def _mark_start(self) -> None:
        """Events written before the broker first reached the database are not live news."""
        if self._high_water is None:
            async with self.db.read_sessions() as session:
                self._high_water = await session.scalar(select(func.max(MilestoneEvent.id))) or 0

    async def _catch_up(self, after_id: int) -> None:
        """Announce events after `after_id` that no notification told us of."""
        async with self.db.read_sessions() as session:
            event_ids = (
                await session.scalars(
                    select(MilestoneEvent.id).where(MilestoneEvent.id > after_id).order_by(MilestoneEvent.id)
                )
            ).all()
        self.announce([event_id for event_id in event_ids if event_id not in self._seen])

    async def _poll_forever(self) -> None:
        # SQLite commits one writer at a time, so ids become visible in order: above the high-water
        # mark is everything not yet delivered.
        while True:
            try:
                if self._high_water is None:
                    await self._mark_start()
                else:
                    await self._catch_up(self._high_water)
            except Exception:
                log.exception("polling for milestone events failed")
            await asyncio.sleep(SQLITE_POLL_SECONDS)

    async def _catch_up_on_listening(self) -> None:
        if self._high_water is None:
            await self._mark_start()
        else:
            # Events may have committed while nobody listened; PostgreSQL commits out of id order,
            # so look back over the recent window as well.
            lowest = self._seen.lowest()
            await self._catch_up(self._high_water if lowest is None else min(lowest - 1, self._high_water))

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.announce([int(payload)])
        except ValueError:
            log.warning("ignoring a malformed milestone event notification %r", payload)


@dataclass
class ConnectionScope(Scope):
    """The context of one WebSocket connection. Its actor is set at connection_init; loaders and
    today are renewed for every event, so a long-lived connection neither caches stale rows nor
    grows its caches without bound."""

    broker: Broker | None = None
    clock: Callable[[], dt.date] | None = None
    on_overflow: Callable[[], None] = lambda: None
    connection_params: dict[str, Any] | None = field(default=None)

    def refresh(self) -> None:
        if self.clock is not None:
            self.today = self.clock()
        self.loaders = Loaders(self.db, self.actor, self.today)


async def milestone_event_stream(
    scope: ConnectionScope, event_filter: EventFilter, since_pk: int | None
) -> AsyncIterator[EventView]:
    """Replay what the actor may read after `since_pk`, then go on live with no gap and no repeat:
    the subscription starts collecting live events before the replay reads the table."""
    if scope.broker is None:
        raise ApiError(
            ErrorCode.INVALID,
            "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql",
            message_zh="订阅通过 /graphql 的 WebSocket（graphql-transport-ws）提供",
        )
    actor: Actor = scope.actor
    subscriber = scope.broker.subscribe(event_filter, scope.on_overflow)
    try:
        replayed: set[int] = set()
        if since_pk is not None:
            async with scope.db.read_sessions() as session:
                async for view in replay_events(session, actor, event_filter, since_pk):
                    replayed.add(view.event.id)
                    yield view
        while True:
            milestone_event = await subscriber.queue.get()
            if milestone_event is None:
                raise ApiError(
                    ErrorCode.LIMIT_EXCEEDED,
                    "subscriber too slow: events were dropped",
                    message_zh="订阅方接收过慢：部分事件已被丢弃",
                )
            if milestone_event.id in replayed:
                replayed.discard(milestone_event.id)
                continue
            if since_pk is not None and milestone_event.id <= since_pk:
                continue
            async with scope.db.read_sessions() as session:
                visible = await load_visible_event(session, actor, milestone_event.id)
            if visible is not None:
                yield visible
    finally:
        scope.broker.unsubscribe(subscriber)
