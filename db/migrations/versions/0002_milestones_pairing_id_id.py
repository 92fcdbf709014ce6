"""index a pairing's milestones by id

A page of a pairing's milestones is ordered by id, as every page of children is. With only the
(pairing_id, due_on) index, PostgreSQL read all of a pairing's milestones and sorted them for each
page; with this one, a page is a range of the index and the numbering stops at its end.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_milestones_pairing_id_id", "milestones", ["pairing_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_milestones_pairing_id_id", table_name="milestones")
