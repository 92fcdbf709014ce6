"""The worker's side of the webhook outbox: claim due deliveries, record how each attempt went.

Claiming is safe with any number of workers in any number of processes: a claim marks rows with
the worker's name and a lease (`lease_until`) in one UPDATE, which picks its rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (a second worker skips rows another is claiming) and
under SQLite's write lock (BEGIN IMMEDIATE) on SQLite. A worker that dies leaves its rows leased
until the lease runs out; then they are claimed again, so each event is delivered at least once.

Deliveries of one subscription go out in the order their events happened: only the oldest
undelivered delivery of a subscription can be claimed, so a failing one holds the later ones back
until it succeeds or the subscription is paused. After `max_attempts` failed attempts, spaced by
exponential backoff, the delivery is FAILED and its subscription paused (resume it with
updateWebhookSubscription(paused: false)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select, update

from db.base import utcnow
from db.engine import Database
from db.models import DeliveryStatus, WebhookDelivery, WebhookFormat, WebhookSubscription

ERROR_LENGTH = 500


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 10.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failure: base, 2 × base, 4 × base, … up to the cap."""
        return dt.timedelta(seconds=min(self.base_seconds * 2 ** (attempts - 1), self.max_seconds))


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    event_kind: str
    payload: dict[str, Any]
    attempts: int
    subscription_id: int
    url: str
    secret: str
    format: WebhookFormat


def _claimable(now: dt.datetime) -> Select[int]:
    # The oldest undelivered delivery of each subscription (PENDING or FAILED: a FAILED one holds its
    # paused subscription back until it is resumed and the delivery sent again).
    first_in_line = (
        select(func.min(WebhookDelivery.id))
        .where(WebhookDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]))
        .group_by(WebhookDelivery.subscription_id)
    )
    return (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.id.in_(first_in_line.scalar_subquery()),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            WebhookSubscription.paused_at.is_(None),
            WebhookSubscription.deleted_at.is_(None),
        )
        .order_by(WebhookDelivery.id)
    )


async def claim(db: Database, worker: str, *, limit: int, lease: dt.timedelta) -> list[Claimed]:
    """Up to `limit` due deliveries, each the oldest undelivered one of its subscription, leased to `worker`."""
    now = utcnow()
    # Most rounds find nothing to do: a read says so without taking the write lock.
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
    )
    if not await db.fetch(due.limit(1)):
        return []
    candidates = _claimable(now).limit(limit)
    if not db.is_sqlite:
        candidates = candidates.with_for_update(skip_locked=True, of=WebhookDelivery)
    async with db.writing() as session:
        ids = (
            await session.scalars(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(candidates.scalar_subquery()))
                .values(claimed_by=worker, lease_until=now + lease)
                .returning(WebhookDelivery.id)
            )
        ).all()
        if not ids:
            return []
        rows = (
            await session.execute(
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.event_id,
                    WebhookDelivery.event_kind,
                    WebhookDelivery.payload,
                    WebhookDelivery.attempts,
                    WebhookDelivery.subscription_id,
                    WebhookSubscription.url,
                    WebhookSubscription.secret,
                    WebhookSubscription.format,
                )
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(WebhookDelivery.id.in_(ids))
                .order_by(WebhookDelivery.id)
            )
        ).all()
    return [Claimed(*row) for row in rows]


@dataclass(frozen=True)
class Attempt:
    """How sending one claimed delivery went: `error` is None when it was delivered."""

    claimed: Claimed
    status_code: int | None
    error: str | None = None


async def record(db: Database, worker: str, attempts: list[Attempt], policy: RetryPolicy) -> list[Attempt]:
    """Record a round's attempts in one transaction: delivered, retried after a backoff, or, at the
    last attempt, FAILED with the subscription paused. Only rows still claimed by `worker` change.
    Returns the attempts that paused their subscription."""
    now, paused = utcnow(), []
    async with db.writing() as session:
        for attempt in attempts:
            claimed = attempt.claimed
            values: dict[str, Any] = {
                "attempts": claimed.attempts + 1,
                "last_status_code": attempt.status_code,
                "last_error": None,
                "claimed_by": None,
                "lease_until": None,
            }
            giving_up = False
            if attempt.error is None:
                values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
            else:
                values["last_error"] = attempt.error[:ERROR_LENGTH]
                giving_up = claimed.attempts + 1 >= policy.max_attempts
                if giving_up:
                    values["status"] = DeliveryStatus.FAILED
                else:
                    values["next_attempt_at"] = now + policy.delay(claimed.attempts + 1)
            changed = await session.scalar(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == claimed.id, WebhookDelivery.claimed_by == worker)
                .values(**values)
                .returning(WebhookDelivery.id)
            )
            if giving_up and changed is not None:
                paused.append(attempt)
                reason = f"delivery {claimed.event_id} failed {claimed.attempts + 1} times; last: {attempt.error}"
                await session.execute(
                    update(WebhookSubscription)
                    .where(WebhookSubscription.id == claimed.subscription_id, WebhookSubscription.paused_at.is_(None))
                    .values(paused_at=now, pause_reason=reason[:ERROR_LENGTH])
                )
    return paused


async def backlog(db: Database) -> dict[str, int]:
    """The deliveries not yet delivered, by status (for /metrics): DELIVERED rows pile up and are
    not counted; the others are read from the index on status."""
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    rows = await db.fetch(
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.status.in_(waiting))
        .group_by(WebhookDelivery.status)
    )
    return {status.value: 0 for status in waiting} | {status.value: count for status, count in rows}
