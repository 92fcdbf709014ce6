"""Webhook subscriptions (managed by ADMIN), the outbox they are fed from, and the delivery log.

A subscription names a URL, the event kinds it wants, optionally a region (the pairing's supported
agency lies in it or below) and a program, and a format (PLAIN JSON, or the markdown messages of
WeCom and DingTalk group robots). Each event it wants becomes a row of `webhook_deliveries`, written
in the transaction that caused the event; server/webhook_worker.py sends them. A paused subscription
keeps collecting deliveries; resuming it sends them, and those that had failed, in order.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, String, bindparam, or_, select, update

from db.base import Id, utcnow
from db.batch import typed_parameters
from db.conflicts import insert_new_into
from db.functions import is_prefix_of, json_list_holds
from db.models import (
    DeliveryStatus,
    NotificationKind,
    Program,
    Region,
    WebhookDelivery,
    WebhookFormat,
    WebhookSubscription,
)
from resolvers import access
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.ids import decode_typed_id
from resolvers.pagination import Page
from resolvers.recent import paginate_newest_first
from resolvers.scope import Scope
from resolvers.tx import Tx
from resolvers.validation import Checks
from resolvers.webhook_targets import TargetRefused, resolve_target
from resolvers.writes import mutation

PERMISSION = "manageWebhooks"
SECRET_MIN, SECRET_MAX = 16, 200
NAME_MAX = 100


DELIVERY_COLUMNS = ["event_id", "event_kind", "payload", "status", "attempts", "next_attempt_at", "created_at"]


@functools.cache
def deliveries_insert(dialect_name: str) -> Insert:
    """The INSERT ... SELECT of a delivery for each live subscription that wants an event: of its
    kinds, in its program (or any) and its region (or any); once per subscription and event. Made
    once; its parameters are `deliveries_parameters`."""
    wanted = (
        select(
            WebhookSubscription.id.label("subscription_id"), *typed_parameters(WebhookDelivery, DELIVERY_COLUMNS, "d_")
        )
        .outerjoin(Region, Region.id == WebhookSubscription.region_id)
        .where(
            WebhookSubscription.deleted_at.is_(None),
            json_list_holds(WebhookSubscription.event_kinds, bindparam("wanted_kind", type_=String())),
            or_(
                WebhookSubscription.program_id.is_(None),
                WebhookSubscription.program_id == bindparam("program_id", type_=Id),
            ),
            or_(Region.path.is_(None), is_prefix_of(Region.path, bindparam("supported_path", type_=String()))),
        )
        .order_by(WebhookSubscription.id)
    )
    return insert_new_into(dialect_name, WebhookDelivery.__table__).from_select(
        ["subscription_id", *DELIVERY_COLUMNS], wanted
    )


def deliveries_parameters(
    event_id: str, kind: NotificationKind, payload: dict[str, Any], program_id: int, supported_path: str
) -> dict[str, Any]:
    now = utcnow()
    delivery = {
        "event_id": event_id,
        "event_kind": kind,
        "payload": payload,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return {
        **{f"d_{name}": value for name, value in delivery.items()},
        "wanted_kind": kind.value,
        "program_id": program_id,
        "supported_path": supported_path,
    }


# --- subscriptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateWebhookSubscription:
    name: str
    url: str
    event_kinds: list[NotificationKind]
    format: WebhookFormat = WebhookFormat.PLAIN
    secret: str | None = None
    region_id: str | None = None
    program_id: str | None = None


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: WebhookSubscription
    # Shown once, when the server made it; None when the caller gave one.
    generated_secret: str | None

    @property
    def id(self) -> int:
        return self.subscription.id


@dataclass(frozen=True)
class UpdateWebhookSubscription:
    """Fields left out stay as they are. `paused: false` resumes a paused subscription and sends
    its failed deliveries again; `paused: true` holds its deliveries back."""

    id: str
    version: int | None = None
    name: str | None = None
    url: str | None = None
    event_kinds: list[NotificationKind] | None = None
    format: WebhookFormat | None = None
    secret: str | None = None
    region_id: str | None = None
    program_id: str | None = None
    paused: bool | None = None


@dataclass(frozen=True)
class DeleteWebhookSubscription:
    id: str


async def _check_url(checks: Checks, url: str | None) -> str | None:
    url = checks.text("url", url, max_length=2000, required=False) if url is not None else None
    if url is None:
        return None
    try:
        await resolve_target(url)
    except TargetRefused as refused:
        checks.fail("url", refused.message, message_zh=refused.message_zh)
    return url


def _check_kinds(checks: Checks, kinds: list[NotificationKind] | None) -> list[str] | None:
    if kinds is None:
        return None
    if not kinds:
        checks.fail("event_kinds", "name at least one event kind", message_zh="至少选择一种事件")
    return sorted({kind.value for kind in kinds})


def _check_secret(checks: Checks, secret: str | None) -> None:
    if secret is not None and not SECRET_MIN <= len(secret) <= SECRET_MAX:
        checks.fail(
            "secret",
            f"must be {SECRET_MIN} to {SECRET_MAX} characters",
            message_zh=f"密钥长度须为 {SECRET_MIN} 到 {SECRET_MAX} 个字符",
        )


@mutation("createWebhookSubscription")
async def create_subscription(tx: Tx, request: CreateWebhookSubscription) -> CreatedSubscription:
    tx.require(PERMISSION)
    region = await tx.load_optional(Region, request.region_id, "region_id")
    program = await tx.load_optional(Program, request.program_id, "program_id")
    checks = Checks()
    name = checks.text("name", request.name, max_length=NAME_MAX)
    url = await _check_url(checks, request.url)
    if url is None and not checks.errors:
        checks.fail("url", "must not be blank", message_zh="不能为空")
    kinds = _check_kinds(checks, request.event_kinds)
    _check_secret(checks, request.secret)
    checks.done()
    generated = None if request.secret is not None else secrets.token_urlsafe(32)
    subscription = await tx.add(
        WebhookSubscription(
            name=name,
            url=url,
            secret=request.secret or generated,
            event_kinds=kinds,
            format=request.format,
            region_id=region.id if region else None,
            program_id=program.id if program else None,
        )
    )
    return CreatedSubscription(subscription, generated)


async def _live_subscription(tx: Tx, global_id: str) -> WebhookSubscription:
    tx.require(PERMISSION)
    subscription = await tx.load(WebhookSubscription, global_id, "id")
    if subscription.deleted_at is not None:
        raise UserErrors(
            UserError(
                f"no WebhookSubscription with ID {global_id!r}", ErrorCode.NOT_FOUND, ["id"], message_zh="找不到该订阅"
            )
        )
    return subscription


@mutation("updateWebhookSubscription")
async def update_subscription(tx: Tx, request: UpdateWebhookSubscription) -> WebhookSubscription:
    subscription = await _live_subscription(tx, request.id)
    region = await tx.load_optional(Region, request.region_id, "region_id")
    program = await tx.load_optional(Program, request.program_id, "program_id")
    checks = Checks()
    values: dict[str, Any] = {
        "name": checks.text("name", request.name, max_length=NAME_MAX) if request.name is not None else None,
        "url": await _check_url(checks, request.url),
        "event_kinds": _check_kinds(checks, request.event_kinds),
        "format": request.format,
        "secret": request.secret,
        "region_id": region.id if region else None,
        "program_id": program.id if program else None,
    }
    _check_secret(checks, request.secret)
    checks.done()
    values = {key: value for key, value in values.items() if value is not None}
    resuming = request.paused is False and subscription.paused_at is not None
    if request.paused is True and subscription.paused_at is None:
        values.update(paused_at=utcnow(), pause_reason="paused by an administrator")
    elif resuming:
        values.update(paused_at=None, pause_reason=None)
    await tx.versioned_update(subscription, values, request.version)
    if resuming:
        await tx.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.status == DeliveryStatus.FAILED)
            .values(
                status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow(), claimed_by=None, lease_until=None
            )
        )
    return subscription


@mutation("deleteWebhookSubscription")
async def delete_subscription(tx: Tx, request: DeleteWebhookSubscription) -> WebhookSubscription:
    """Kept, marked deleted, so that its delivery log stays readable; nothing more is sent."""
    subscription = await _live_subscription(tx, request.id)
    await tx.versioned_update(subscription, {"deleted_at": utcnow()})
    return subscription


# --- reads (ADMIN) --------------------------------------------------------------------------------


def _require_admin(scope: Scope) -> None:
    access.require(scope.actor, PERMISSION)


async def list_subscriptions(scope: Scope, *, first: int | None, after: str | None) -> Page[Any]:
    _require_admin(scope)
    statement = select(*WebhookSubscription.__table__.columns).where(WebhookSubscription.deleted_at.is_(None))
    return await paginate_newest_first(scope.db, statement, WebhookSubscription.id, first=first, after=after)


async def list_deliveries(
    scope: Scope, *, subscription_id: str | None, status: DeliveryStatus | None, first: int | None, after: str | None
) -> Page[Any]:
    """The delivery log, newest first."""
    _require_admin(scope)
    statement = select(*WebhookDelivery.__table__.columns)
    if subscription_id is not None:
        statement = statement.where(
            WebhookDelivery.subscription_id == decode_typed_id(subscription_id, "WebhookSubscription")
        )
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return await paginate_newest_first(scope.db, statement, WebhookDelivery.id, first=first, after=after)
