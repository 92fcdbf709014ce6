"""The caller's inbox (notifications, markNotificationsRead) and notification settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Row

from db import models
from resolvers import notifications
from resolvers.ids import encode_id
from schema.context import Info
from schema.inputs import UserError, payload_of, request_of
from schema.milestones import Milestone, MilestoneUpdate
from schema.pairings import Pairing
from schema.relay import Connection, instance

NotificationKind = models.NotificationKind
strawberry.enum(
    NotificationKind,
    name="NotificationKind",
    description="What a notification (or a webhook event) reports.",
)


@strawberry.type(description="An entry of the caller's inbox (通知); title and body are in Chinese.")
class Notification:
    id: strawberry.ID
    kind: NotificationKind
    title: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    pairing_pk: strawberry.Private[int | None]
    milestone_pk: strawberry.Private[int | None]
    update_pk: strawberry.Private[int | None]

    @strawberry.field
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry.field(description="The pairing it is about (null if the caller may no longer read it).")
    async def pairing(self, info: Info) -> Pairing | None:
        loaders = info.context.loaders
        row = None if self.pairing_pk is None else await loaders.pairing.load(self.pairing_pk)
        return None if row is None else Pairing.from_model(row, loaders)

    @strawberry.field
    async def milestone(self, info: Info) -> Milestone | None:
        row = None if self.milestone_pk is None else await info.context.loaders.milestone.load(self.milestone_pk)
        return None if row is None else Milestone.from_model(row)

    @strawberry.field
    async def update(self, info: Info) -> MilestoneUpdate | None:
        row = None if self.update_pk is None else await info.context.loaders.milestone_update.load(self.update_pk)
        return None if row is None else MilestoneUpdate.from_model(row)

    @classmethod
    def from_row(cls, row: Row[Any]) -> Notification:
        return instance(
            cls,
            {
                "id": encode_id("Notification", row.id),
                "kind": row.kind,
                "title": row.title,
                "body": row.body,
                "created_at": row.created_at,
                "read_at": row.read_at,
                "pairing_pk": row.pairing_id,
                "milestone_pk": row.milestone_id,
                "update_pk": row.update_id,
            },
        )


@strawberry.type(description="Where the caller's daily e-mail digest goes (staff roles get one).")
class NotificationSettings:
    email: str | None
    email_digest: bool


@strawberry.input(description="Give either `ids` (at most 100, your own) or `all: true`.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = None
    all: bool | None = None


@strawberry.type
class MarkNotificationsReadPayload:
    marked_count: int | None
    unread_count: int | None
    user_errors: list[UserError]


@strawberry.input(description='Fields left out stay as they are; `email: ""` removes the address.')
class UpdateNotificationSettingsInput:
    email: str | None = None
    email_digest: bool | None = None


@strawberry.type
class UpdateNotificationSettingsPayload:
    settings: NotificationSettings | None
    user_errors: list[UserError]


def _settings(value: notifications.Settings) -> NotificationSettings:
    return NotificationSettings(email=value.email, email_digest=value.email_digest)


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="The caller's inbox, newest first (a token's or an account's own); `unreadOnly` keeps the "
        "unread ones, whose `totalCount` is then the unread count. Anonymous callers have none (UNAUTHENTICATED)."
    )
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> Connection[Notification]:
        page = await notifications.list_notifications(info.context, unread_only=unread_only, first=first, after=after)
        return Connection.of(page, Notification.from_row)

    @strawberry.field(description="The caller's notification settings.")
    async def notification_settings(self, info: Info) -> NotificationSettings:
        return _settings(await notifications.settings_of(info.context))


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Mark entries of the caller's inbox read; not audited.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        # The rules take plain strings: a list of IDs is no list[str] to the type checker (lists are invariant).
        ids = None if input.ids is None else [str(id) for id in input.ids]
        request = notifications.MarkNotificationsRead(ids=ids, all=bool(input.all))
        outcome = await notifications.mark_read(info.context, request)
        return payload_of(
            MarkNotificationsReadPayload, outcome, marked_count=lambda v: v.marked, unread_count=lambda v: v.unread
        )

    @strawberry.mutation(description="Set the caller's e-mail address for the daily digest, or turn the digest off.")
    async def update_notification_settings(
        self, info: Info, input: UpdateNotificationSettingsInput
    ) -> UpdateNotificationSettingsPayload:
        outcome = await notifications.update_settings(
            info.context, request_of(notifications.UpdateNotificationSettings, input)
        )
        return payload_of(UpdateNotificationSettingsPayload, outcome, settings=_settings)
