"""Webhook subscriptions and their delivery log: ADMIN only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Row
from strawberry.scalars import JSON

from db import models
from resolvers import webhooks
from resolvers.ids import encode_id
from schema.context import Info
from schema.inputs import UserError, payload_of, request_of
from schema.notifications import NotificationKind
from schema.regions import Region, load_region
from schema.relay import Connection, instance

WebhookFormat = models.WebhookFormat
strawberry.enum(
    WebhookFormat,
    name="WebhookFormat",
    description="PLAIN: the event as JSON; WECOM / DINGTALK: a markdown message for a 企业微信 / 钉钉 group robot.",
)
DeliveryStatus = models.DeliveryStatus
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")

ADMIN_ONLY = " ADMIN only."


@strawberry.type(description="Where events are POSTed, signed with X-Qianshou-Signature (README: Notifications).")
class WebhookSubscription:
    id: strawberry.ID
    name: str
    url: str
    event_kinds: list[NotificationKind]
    format: WebhookFormat
    program_id: strawberry.ID | None
    paused_at: dt.datetime | None = strawberry.field(description="Set when deliveries kept failing, or by an admin.")
    pause_reason: str | None
    version: int
    created_at: dt.datetime
    region_pk: strawberry.Private[int | None]

    @strawberry.field(description="Events of pairings whose supported agency lies in this region or below it.")
    async def region(self, info: Info) -> Region | None:
        return None if self.region_pk is None else await load_region(info, self.region_pk)

    @classmethod
    def from_row(cls, row: models.WebhookSubscription | Row[Any]) -> WebhookSubscription:
        return instance(
            cls,
            {
                "id": encode_id("WebhookSubscription", row.id),
                "name": row.name,
                "url": row.url,
                "event_kinds": [models.NotificationKind(kind) for kind in row.event_kinds],
                "format": row.format,
                "program_id": None if row.program_id is None else encode_id("Program", row.program_id),
                "paused_at": row.paused_at,
                "pause_reason": row.pause_reason,
                "version": row.version,
                "created_at": row.created_at,
                "region_pk": row.region_id,
            },
        )


@strawberry.type(description="One event for one subscription: the delivery log.")
class WebhookDelivery:
    id: strawberry.ID
    subscription_id: strawberry.ID
    event_id: str = strawberry.field(description="Sent as X-Qianshou-Event-Id; the same on every retry.")
    event_kind: NotificationKind
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: JSON = strawberry.field(description="The event as the PLAIN format sends it.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> WebhookDelivery:
        return instance(
            cls,
            {
                "id": encode_id("WebhookDelivery", row.id),
                "subscription_id": encode_id("WebhookSubscription", row.subscription_id),
                "event_id": row.event_id,
                "event_kind": row.event_kind,
                "status": row.status,
                "attempts": row.attempts,
                "next_attempt_at": row.next_attempt_at,
                "last_status_code": row.last_status_code,
                "last_error": row.last_error,
                "created_at": row.created_at,
                "delivered_at": row.delivered_at,
                "payload": row.payload,
            },
        )


@strawberry.input
class CreateWebhookSubscriptionInput:
    name: str
    url: str = strawberry.field(description="http(s) only; loopback and private addresses are refused.")
    event_kinds: list[NotificationKind]
    format: WebhookFormat | None = strawberry.field(default=None, description="Default PLAIN.")
    secret: str | None = strawberry.field(
        default=None, description="16-200 characters; left out, one is made and returned once in the payload."
    )
    region_id: strawberry.ID | None = None
    program_id: strawberry.ID | None = None


@strawberry.type
class CreateWebhookSubscriptionPayload:
    subscription: WebhookSubscription | None
    secret: str | None = strawberry.field(description="The secret the server made, shown only this once.")
    user_errors: list[UserError]


@strawberry.input(
    description="Fields left out stay as they are. `paused: false` resumes and resends failed deliveries."
)
class UpdateWebhookSubscriptionInput:
    id: strawberry.ID
    version: int | None = strawberry.field(default=None, description="The version you saw; STALE_VERSION if changed.")
    name: str | None = None
    url: str | None = None
    event_kinds: list[NotificationKind] | None = None
    format: WebhookFormat | None = None
    secret: str | None = None
    region_id: strawberry.ID | None = None
    program_id: strawberry.ID | None = None
    paused: bool | None = None


@strawberry.input
class DeleteWebhookSubscriptionInput:
    id: strawberry.ID


@strawberry.type
class WebhookSubscriptionPayload:
    subscription: WebhookSubscription | None
    user_errors: list[UserError]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Webhook subscriptions, newest first." + ADMIN_ONLY)
    async def webhook_subscriptions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookSubscription]:
        page = await webhooks.list_subscriptions(info.context, first=first, after=after)
        return Connection.of(page, WebhookSubscription.from_row)

    @strawberry.field(description="The delivery log, newest first." + ADMIN_ONLY)
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID | None = None,
        status: DeliveryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        page = await webhooks.list_deliveries(
            info.context, subscription_id=subscription_id, status=status, first=first, after=after
        )
        return Connection.of(page, WebhookDelivery.from_row)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Subscribe a URL to events." + ADMIN_ONLY)
    async def create_webhook_subscription(
        self, info: Info, input: CreateWebhookSubscriptionInput
    ) -> CreateWebhookSubscriptionPayload:
        outcome = await webhooks.create_subscription(
            info.context, request_of(webhooks.CreateWebhookSubscription, input)
        )
        return payload_of(
            CreateWebhookSubscriptionPayload,
            outcome,
            subscription=lambda created: WebhookSubscription.from_row(created.subscription),
            secret=lambda created: created.generated_secret,
        )

    @strawberry.mutation(description="Change, pause or resume a subscription." + ADMIN_ONLY)
    async def update_webhook_subscription(
        self, info: Info, input: UpdateWebhookSubscriptionInput
    ) -> WebhookSubscriptionPayload:
        outcome = await webhooks.update_subscription(
            info.context, request_of(webhooks.UpdateWebhookSubscription, input)
        )
        return payload_of(WebhookSubscriptionPayload, outcome, subscription=WebhookSubscription.from_row)

    @strawberry.mutation(description="Stop a subscription; its delivery log stays readable." + ADMIN_ONLY)
    async def delete_webhook_subscription(
        self, info: Info, input: DeleteWebhookSubscriptionInput
    ) -> WebhookSubscriptionPayload:
        outcome = await webhooks.delete_subscription(
            info.context, request_of(webhooks.DeleteWebhookSubscription, input)
        )
        return payload_of(WebhookSubscriptionPayload, outcome, subscription=WebhookSubscription.from_row)
