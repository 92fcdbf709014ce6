"""Milestone events: written in the transaction of the change they report, announced after it commits.

The row in `milestone_events` is the truth; announcing only says "event n exists now". On
PostgreSQL the announcement is a NOTIFY, which the server delivers to every listening process only
when the transaction commits. On SQLite the event id waits on `session.info` until the session's
`after_commit` hook hands it to the in-process broker (resolvers/broker.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Result, Select, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of, utcnow
from db.batch import Batch, typed_parameters
from db.conflicts import dialect_of
from db.models import Milestone, MilestoneEvent, MilestoneEventKind, MilestoneUpdate, Pairing
from resolvers.access import Actor, visible_pairings
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_typed_id

NOTIFY_CHANNEL = "qianshou_milestone_events"
# Event ids that the current transaction wrote, published by the after_commit hook.
PENDING_EVENTS_KEY = "qianshou_pending_milestone_events"
# A reconnecting client that missed more than this re-reads the state instead of a replay.
MAX_REPLAY = 10_000
REPLAY_BATCH = 200


EVENT_COLUMNS = ["kind", "milestone_id", "update_id", "pairing_id", "program_id", "occurred_at"]
_events = table_of(MilestoneEvent)
# One INSERT on both databases. SQLite serializes every write transaction, so ids become visible in
# order by themselves. A replay "since n" reads ids above n, so an event must not take a lower id
# than one already committed: on PostgreSQL a deferred trigger (migration 0011_event_order) takes
# the event-order lock at COMMIT, gives the row its id in commit order and NOTIFYs it, so that
# writers of events queue only for the commit itself, not for a round trip to their client.
_RECORD = (
    insert(_events)
    .from_select(EVENT_COLUMNS, select(*typed_parameters(MilestoneEvent, EVENT_COLUMNS, "event_")))
    .returning(_events.c.id)
)


def record_milestone_event(
    session: AsyncSession,
    batch: Batch,
    kind: MilestoneEventKind,
    milestone: Milestone,
    update: MilestoneUpdate,
    pairing: Pairing,
) -> None:
    """Log the event with the change, in the write's batch; subscribers hear of it only once the
    transaction commits."""
    values = {
        "event_kind": kind,
        "event_milestone_id": milestone.id,
        "event_update_id": update.id,
        "event_pairing_id": pairing.id,
        "event_program_id": pairing.program_id,
        "event_occurred_at": utcnow(),
    }
    if dialect_of(session) == "postgresql":
        batch.add(_RECORD, values)
        return

    def pending(result: Result[Any]) -> None:
        session.info.setdefault(PENDING_EVENTS_KEY, []).append(result.scalar_one())

    batch.add(_RECORD, values, then=pending)


@dataclass(frozen=True)
class EventFilter:
    """What one subscription asked for, as primary keys (None: any)."""

    program_pk: int | None = None
    pairing_pk: int | None = None

    @classmethod
    def of(cls, program_id: str | None, pairing_id: str | None) -> EventFilter:
        return cls(
            program_pk=None if program_id is None else decode_typed_id(program_id, "Program"),
            pairing_pk=None if pairing_id is None else decode_typed_id(pairing_id, "Pairing"),
        )

    def matches(self, event: MilestoneEvent) -> bool:
        return (self.program_pk is None or event.program_id == self.program_pk) and (
            self.pairing_pk is None or event.pairing_id == self.pairing_pk
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = []
        if self.program_pk is not None:
            conditions.append(MilestoneEvent.program_id == self.program_pk)
        if self.pairing_pk is not None:
            conditions.append(MilestoneEvent.pairing_id == self.pairing_pk)
        return conditions


@dataclass(frozen=True)
class EventView:
    """An event as one actor may see it: the event row with its milestone and update as they are now."""

    event: MilestoneEvent
    milestone: Milestone
    update: MilestoneUpdate


def _visible_events(actor: Actor) -> Select[MilestoneEvent, Milestone, MilestoneUpdate]:
    return (
        select(MilestoneEvent, Milestone, MilestoneUpdate)
        .join(Milestone, Milestone.id == MilestoneEvent.milestone_id)
        .join(MilestoneUpdate, MilestoneUpdate.id == MilestoneEvent.update_id)
        .join(Pairing, Pairing.id == MilestoneEvent.pairing_id)
        .where(visible_pairings(actor))
    )


async def load_visible_event(session: AsyncSession, actor: Actor, event_id: int) -> EventView | None:
    """The event if `actor` may read its pairing, else None."""
    row = (await session.execute(_visible_events(actor).where(MilestoneEvent.id == event_id))).first()
    return None if row is None else EventView(*row)


def decode_since(since: str | None) -> int | None:
    return None if since is None else decode_typed_id(since, "MilestoneEvent")


async def replay_events(
    session: AsyncSession, actor: Actor, event_filter: EventFilter, since_pk: int
) -> AsyncIterator[EventView]:
    """The events after `since_pk` that the actor may read, oldest first, in batches by keyset."""
    last = since_pk
    replayed = 0
    while True:
        statement = (
            _visible_events(actor)
            .where(MilestoneEvent.id > last, *event_filter.conditions())
            .order_by(MilestoneEvent.id)
            .limit(REPLAY_BATCH)
        )
        rows = (await session.execute(statement)).all()
        for row in rows:
            replayed += 1
            if replayed > MAX_REPLAY:
                raise ApiError(
                    ErrorCode.LIMIT_EXCEEDED,
                    f"more than {MAX_REPLAY} events since the given one; re-read the state and subscribe without `since`",
                    message_zh=f"自指定事件以来的事件超过 {MAX_REPLAY} 个；请重新读取当前状态，并不带 `since` 订阅",
                )
            yield EventView(*row)
        if len(rows) < REPLAY_BATCH:
            return
        last = rows[-1][0].id
