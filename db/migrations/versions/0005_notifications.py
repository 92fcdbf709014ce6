"""notifications: inbox, notification settings, webhook subscriptions and outbox, digest claims

The tables of the notifications feature (db/models/notification.py); nothing existing changes.

Revision ID: 0005_notifications
Revises: 0006_imports
Create Date: 2026-12-06 05:28:37.641264
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005_notifications"
down_revision: str | None = "0006_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_claims",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "principal_kind",
            sa.Enum("TOKEN", "ACCOUNT", name="principalkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("principal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_claims")),
        sa.UniqueConstraint(
            "day", "principal_kind", "principal_id", name=op.f("uq_digest_claims_day_principal_kind_principal_id")
        ),
    )
    op.create_table(
        "notification_settings",
        sa.Column(
            "principal_kind",
            sa.Enum("TOKEN", "ACCOUNT", name="principalkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("principal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_digest", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint(
            "principal_kind", "principal_id", name=op.f("uq_notification_settings_principal_kind_principal_id")
        ),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("event_kinds", sa.JSON(), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "PLAIN", "WECOM", "DINGTALK", name="webhookformat", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("region_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.String(length=500), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_webhook_subscriptions_program_id_programs")
        ),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_webhook_subscriptions_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "pairing_health_marks",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("health", sa.String(length=16), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairings.id"], name=op.f("fk_pairing_health_marks_pairing_id_pairings")
        ),
        sa.PrimaryKeyConstraint("pairing_id", name=op.f("pk_pairing_health_marks")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column(
            "event_kind",
            sa.Enum(
                "UPDATE_SUBMITTED",
                "UPDATE_APPROVED",
                "UPDATE_RETURNED",
                "MILESTONE_DUE_SOON",
                "MILESTONE_OVERDUE",
                "PAIRING_OFF_TRACK",
                name="notificationkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "DELIVERED",
                "FAILED",
                name="deliverystatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("subscription_id", "event_id", name=op.f("uq_webhook_deliveries_subscription_id_event_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "subscription_id", "id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column(
            "recipient_kind",
            sa.Enum("TOKEN", "ACCOUNT", name="principalkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "UPDATE_SUBMITTED",
                "UPDATE_APPROVED",
                "UPDATE_RETURNED",
                "MILESTONE_DUE_SOON",
                "MILESTONE_OVERDUE",
                "PAIRING_OFF_TRACK",
                name="notificationkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("milestone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("update_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name=op.f("fk_notifications_milestone_id_milestones")
        ),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_notifications_pairing_id_pairings")),
        sa.ForeignKeyConstraint(
            ["update_id"], ["milestone_updates.id"], name=op.f("fk_notifications_update_id_milestone_updates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "recipient_kind",
            "recipient_id",
            "event_key",
            name=op.f("uq_notifications_recipient_kind_recipient_id_event_key"),
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_inbox", ["recipient_kind", "recipient_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_inbox")

    op.drop_table("notifications")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    op.drop_table("pairing_health_marks")
    op.drop_table("webhook_subscriptions")
    op.drop_table("notification_settings")
    op.drop_table("digest_claims")
