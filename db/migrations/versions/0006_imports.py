"""spreadsheet imports: external IDs of records, and import jobs

Records imported from a spreadsheet keep the key the import finds them by again (an explicit
external ID, or one made of the row's date, kind and place among its like), unique in their pairing;
records written by the mutations have none. Large imports over GraphQL run as jobs.

Revision ID: 0006_imports
Revises: 0003_accounts
Create Date: 2026-12-06 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_imports"
down_revision: str | None = "0003_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_TABLES = ("milestones", "service_activities", "training_sessions", "resource_links", "service_stations")


def upgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        op.create_index(f"uq_{table}_pairing_id_external_id", table, ["pairing_id", "external_id"], unique=True)
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "QUEUED",
                "RUNNING",
                "SUCCEEDED",
                "FAILED",
                name="importjobstatus",
                native_enum=False,
                length=16,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index("ix_import_jobs_actor_name_id", "import_jobs", ["actor_name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_jobs_actor_name_id", table_name="import_jobs")
    op.drop_table("import_jobs")
    for table in RECORD_TABLES:
        op.drop_index(f"uq_{table}_pairing_id_external_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("external_id")
