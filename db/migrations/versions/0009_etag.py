"""the data version that conditional requests compare (db/data_version.py)

A table of slots whose sum goes up with every committed change to what a query can return, kept by
a trigger on each such table.

Revision ID: 0009_etag
Revises: 0008_activity_date_index
Create Date: 2026-12-06 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db import data_version

revision: str = "0009_etag"
down_revision: str | None = "0008_activity_date_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables a query reads at this revision; later ones get theirs from data_version.watch_all.
WATCHED = (
    "accounts",
    "agencies",
    "audit_events",
    "evidence_files",
    "import_jobs",
    "incubated_organizations",
    "milestone_events",
    "milestone_updates",
    "milestones",
    "notification_settings",
    "notifications",
    "pairing_health_marks",
    "pairing_totals",
    "pairings",
    "programs",
    "regions",
    "resource_links",
    "service_activities",
    "service_stations",
    "training_sessions",
    "webhook_deliveries",
    "webhook_subscriptions",
)


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_data_versions")),
    )
    connection = op.get_bind()
    data_version.create(connection)
    data_version.watch(connection, list(WATCHED))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # With the triggers of every table that has one, including those watch_all gave later tables.
        op.execute("DROP FUNCTION IF EXISTS data_changed() CASCADE")
    else:
        names = connection.scalars(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data_changed_%'")
        )
        for name in list(names):
            op.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    op.drop_table("data_versions")
