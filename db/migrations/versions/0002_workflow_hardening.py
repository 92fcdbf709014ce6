"""one pending update per milestone; a milestone's achieved and approved dates

- At most one update PENDING_REVIEW per milestone, as a partial unique index (SQLite and PostgreSQL
  both have them). Where earlier data holds several, the newest stays pending and the older ones
  become RETURNED with a note saying why, so that no reviewer can act on a stale one.
- `milestones.approved_on`: when the approval happened. Until now `achieved_on` held that date; it
  moves to `approved_on`, and `achieved_on` becomes the approved update's submission date (China
  time), when the work was reported.

Revision ID: 0002_workflow_hardening
Revises: 0002
Create Date: 2026-12-06 05:40:00
"""

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0002_workflow_hardening"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = ZoneInfo("Asia/Shanghai")
SUPERSEDED_NOTE = "superseded by a later update of the same milestone (one update is pending review at a time)"

updates = sa.table(
    "milestone_updates",
    sa.column("id", sa.BigInteger),
    sa.column("milestone_id", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("reviewed_by", sa.String),
    sa.column("reviewed_at", sa.DateTime(timezone=True)),
    sa.column("review_note", sa.Text),
)
milestones = sa.table(
    "milestones",
    sa.column("id", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("achieved_on", sa.Date),
    sa.column("approved_on", sa.Date),
)


def upgrade() -> None:
    connection = op.get_bind()
    _return_older_pending_updates(connection)
    op.create_index(
        "uq_milestone_updates_one_pending",
        "milestone_updates",
        ["milestone_id"],
        unique=True,
        sqlite_where=sa.text("status = 'PENDING_REVIEW'"),
        postgresql_where=sa.text("status = 'PENDING_REVIEW'"),
    )
    op.add_column("milestones", sa.Column("approved_on", sa.Date(), nullable=True))
    _split_achieved_dates(connection)


def _return_older_pending_updates(connection: sa.Connection) -> None:
    pending = updates.c.status == "PENDING_REVIEW"
    newest = (
        sa.select(updates.c.milestone_id, sa.func.max(updates.c.id).label("id"))
        .where(pending)
        .group_by(updates.c.milestone_id)
        .subquery()
    )
    older = (
        sa.select(updates.c.id)
        .join(newest, newest.c.milestone_id == updates.c.milestone_id)
        .where(pending, updates.c.id < newest.c.id)
    )
    connection.execute(
        updates.update()
        .where(updates.c.id.in_(older.scalar_subquery()))
        .values(
            status="RETURNED",
            reviewed_by="system",
            reviewed_at=dt.datetime.now(dt.UTC),
            review_note=SUPERSEDED_NOTE,
        )
    )


def _split_achieved_dates(connection: sa.Connection) -> None:
    """Per achieved milestone: approved_on takes the old achieved_on, achieved_on the China date of
    its latest approved update's submission (if it has one)."""
    connection.execute(
        milestones.update().where(milestones.c.status == "ACHIEVED").values(approved_on=milestones.c.achieved_on)
    )
    latest = (
        sa.select(updates.c.milestone_id, sa.func.max(updates.c.submitted_at).label("submitted_at"))
        .join(milestones, milestones.c.id == updates.c.milestone_id)
        .where(updates.c.status == "APPROVED", milestones.c.status == "ACHIEVED")
        .group_by(updates.c.milestone_id)
    )
    rows = [
        {"milestone_id": milestone_id, "reported_on": _china_date(submitted_at)}
        for milestone_id, submitted_at in connection.execute(latest)
    ]
    if rows:
        connection.execute(
            milestones.update()
            .where(milestones.c.id == sa.bindparam("milestone_id"))
            .values(achieved_on=sa.bindparam("reported_on")),
            rows,
        )


def _china_date(moment: dt.datetime | str) -> dt.date:
    if isinstance(moment, str):  # SQLite hands back text without the offset of the UTC it holds
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        milestones.update().where(milestones.c.approved_on.is_not(None)).values(achieved_on=milestones.c.approved_on)
    )
    with op.batch_alter_table("milestones") as batch:
        batch.drop_column("approved_on")
    op.drop_index("uq_milestone_updates_one_pending", table_name="milestone_updates")
