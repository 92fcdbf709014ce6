"""evidence files

Files attached to milestone updates and records (佐证材料): one row per attached file, naming its
owner and the SHA-256 of its bytes in the file store.

Revision ID: 0004_evidence_files
Revises: 0002_workflow_hardening
Create Date: 2026-12-06 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_evidence_files"
down_revision: str | None = "0002_workflow_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("owner_type", sa.String(length=64), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("size", ID, nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_evidence_files_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index("ix_evidence_files_owner", "evidence_files", ["owner_type", "owner_id", "id"])
    op.create_index("ix_evidence_files_sha256", "evidence_files", ["sha256"])
    op.create_index("ix_evidence_files_thumbnail_sha256", "evidence_files", ["thumbnail_sha256"])


def downgrade() -> None:
    op.drop_index("ix_evidence_files_thumbnail_sha256", table_name="evidence_files")
    op.drop_index("ix_evidence_files_sha256", table_name="evidence_files")
    op.drop_index("ix_evidence_files_owner", table_name="evidence_files")
    op.drop_table("evidence_files")
