"""Notifications (通知): inbox entries, notification settings, webhook subscriptions and their outbox,
the claims that keep daily digests to one per recipient and day, and each pairing's last known health.

A recipient is a principal named generically by kind and id (an API token, or an account), so that
no table here depends on which kinds of principal exist.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow


class PrincipalKind(enum.StrEnum):
    TOKEN = "TOKEN"
    ACCOUNT = "ACCOUNT"


class NotificationKind(enum.StrEnum):
    """What happened; the same names are the webhook event kinds."""

    UPDATE_SUBMITTED = "UPDATE_SUBMITTED"
    UPDATE_APPROVED = "UPDATE_APPROVED"
    UPDATE_RETURNED = "UPDATE_RETURNED"
    MILESTONE_DUE_SOON = "MILESTONE_DUE_SOON"
    MILESTONE_OVERDUE = "MILESTONE_OVERDUE"
    PAIRING_OFF_TRACK = "PAIRING_OFF_TRACK"


class WebhookFormat(enum.StrEnum):
    PLAIN = "PLAIN"
    WECOM = "WECOM"
    DINGTALK = "DINGTALK"


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


def _enum(kind: type[enum.Enum], length: int = 24) -> Enum:
    return Enum(kind, native_enum=False, length=length, create_constraint=True)


class Notification(IdMixin, Base):
    """One inbox entry of one recipient. `event_key` names the event (e.g. the update submitted, or
    the milestone and due date that fell overdue): the unique key makes writing it twice a no-op,
    whichever process or run tries."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_kind", "recipient_id", "event_key"),
        Index("ix_notifications_inbox", "recipient_kind", "recipient_id", "id"),
    )

    recipient_kind: Mapped[PrincipalKind] = mapped_column(_enum(PrincipalKind, 16))
    recipient_id: Mapped[int] = mapped_column(Id)
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind))
    event_key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    pairing_id: Mapped[int | None] = mapped_column(Id, ForeignKey("pairings.id"))
    milestone_id: Mapped[int | None] = mapped_column(Id, ForeignKey("milestones.id"))
    update_id: Mapped[int | None] = mapped_column(Id, ForeignKey("milestone_updates.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(IdMixin, Base):
    """A principal's e-mail address for the daily digest: tokens (and accounts) carry none of their own."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("principal_kind", "principal_id"),)

    principal_kind: Mapped[PrincipalKind] = mapped_column(_enum(PrincipalKind, 16))
    principal_id: Mapped[int] = mapped_column(Id)
    email: Mapped[str | None] = mapped_column(String(254))
    email_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookSubscription(IdMixin, Base):
    """Where to POST which events. The secret signs each delivery, so it is kept as given (a hash
    could not sign); the API never shows it and the audit trail masks it."""

    __tablename__ = "webhook_subscriptions"
    # Columns whose values the audit trail must not copy.
    audit_masked = frozenset({"secret"})

    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_kinds: Mapped[list[str]] = mapped_column(JSON)
    format: Mapped[WebhookFormat] = mapped_column(_enum(WebhookFormat, 16))
    region_id: Mapped[int | None] = mapped_column(Id, ForeignKey("regions.id"))
    program_id: Mapped[int | None] = mapped_column(Id, ForeignKey("programs.id"))
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(IdMixin, Base):
    """The outbox: one row per event and subscription, written in the transaction that caused the
    event, sent by the worker. `claimed_by`/`lease_until` mark the worker sending it; a lease that
    runs out (a worker that died) frees the row again."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "subscription_id", "id"),
    )

    subscription_id: Mapped[int] = mapped_column(Id, ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    event_kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DigestClaim(IdMixin, Base):
    """The daily digest of one recipient on one China date: whoever inserts the row sends it."""

    __tablename__ = "digest_claims"
    __table_args__ = (UniqueConstraint("day", "principal_kind", "principal_id"),)

    day: Mapped[dt.date] = mapped_column(Date)
    principal_kind: Mapped[PrincipalKind] = mapped_column(_enum(PrincipalKind, 16))
    principal_id: Mapped[int] = mapped_column(Id)
    claimed_by: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PairingHealthMark(Base):
    """A pairing's health when last looked at, so that turning OFF_TRACK is noticed once."""

    __tablename__ = "pairing_health_marks"

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"), primary_key=True)
    health: Mapped[str] = mapped_column(String(16))
    since: Mapped[dt.date] = mapped_column(Date)
