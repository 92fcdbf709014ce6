"""an index on service_activities' date

The overview's monthly trends group a program's or region's activities by month of `occurred_on`
within a date range; without an index each reading scans the whole table.

Revision ID: 0008_activity_date_index
Revises: 0005_notifications
Create Date: 2026-12-06 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_activity_date_index"
down_revision: str | None = "0005_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_activities_occurred_on", "service_activities", ["occurred_on"])


def downgrade() -> None:
    op.drop_index("ix_service_activities_occurred_on", table_name="service_activities")
