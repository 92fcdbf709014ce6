"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30 08:31:39.712367
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id", "id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("principal", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_records_principal_key")),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "PROVINCE",
                "CITY",
                "COUNTY",
                "TOWNSHIP",
                "VILLAGE",
                name="regionlevel",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["regions.id"], name=op.f("fk_regions_parent_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_path"), ["path"], unique=False)

    op.create_table(
        "agencies",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("region_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PREPARING",
                "REGISTERED",
                "DEREGISTERED",
                name="agencystatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_agencies_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_agencies_credit_code")),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_agencies_region_id"), ["region_id"], unique=False)

    op.create_table(
        "programs",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("policy_reference", sa.String(length=500), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("default_term_months", sa.Integer(), nullable=False),
        sa.Column("scope_region_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("default_term_months BETWEEN 1 AND 120", name=op.f("ck_programs_term_months")),
        sa.CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name=op.f("ck_programs_period")),
        sa.ForeignKeyConstraint(["scope_region_id"], ["regions.id"], name=op.f("fk_programs_scope_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("name", name=op.f("uq_programs_name")),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_scope_region_id"), ["scope_region_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "MINISTRY",
                "REGIONAL_STAFF",
                "MENTOR_AGENCY",
                "SUPPORTED_AGENCY",
                "VIEWER",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("region_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_api_tokens_agency_id_agencies")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_api_tokens_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "pairings",
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("mentor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("supported_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PLANNED",
                "ACTIVE",
                "SUSPENDED",
                "COMPLETED",
                "TERMINATED",
                name="pairingstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("focus_areas", sa.JSON(), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_pairings_term")),
        sa.CheckConstraint("mentor_id <> supported_id", name=op.f("ck_pairings_mentor_is_not_supported")),
        sa.ForeignKeyConstraint(["mentor_id"], ["agencies.id"], name=op.f("fk_pairings_mentor_id_agencies")),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name=op.f("fk_pairings_program_id_programs")),
        sa.ForeignKeyConstraint(["supported_id"], ["agencies.id"], name=op.f("fk_pairings_supported_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairings")),
    )
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairings_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index("ix_pairings_program_id_id", ["program_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairings_supported_id"), ["supported_id"], unique=False)
        batch_op.create_index(
            "uq_pairings_one_active_per_supported",
            ["program_id", "supported_id"],
            unique=True,
            sqlite_where=sa.text("status = 'ACTIVE'"),
            postgresql_where=sa.text("status = 'ACTIVE'"),
        )

    op.create_table(
        "incubated_organizations",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "INCUBATING",
                "REGISTERED",
                "INDEPENDENT",
                name="incubationstage",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("independent_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_incubated_organizations_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairings.id"], name=op.f("fk_incubated_organizations_pairing_id_pairings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubated_organizations")),
    )
    with op.batch_alter_table("incubated_organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incubated_organizations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incubated_organizations_pairing_id"), ["pairing_id"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "GOVERNANCE",
                "PROFESSIONAL_SERVICE",
                "TALENT",
                "RESOURCE_MOBILIZATION",
                "INCUBATION",
                "PROJECT_MANAGEMENT",
                name="milestonecategory",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("term_year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("target_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "NOT_STARTED",
                "IN_PROGRESS",
                "SUBMITTED",
                "RETURNED",
                "ACHIEVED",
                "WAIVED",
                name="milestonestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("target_value IS NULL OR target_value >= 0", name=op.f("ck_milestones_target_not_negative")),
        sa.CheckConstraint("term_year BETWEEN 1 AND 3", name=op.f("ck_milestones_term_year")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_milestones_pairing_id_pairings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index("ix_milestones_pairing_id_due_on", ["pairing_id", "due_on"], unique=False)
        batch_op.create_index("ix_milestones_status_due_on", ["status", "due_on"], unique=False)

    op.create_table(
        "pairing_totals",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("home_visits", sa.Integer(), nullable=False),
        sa.Column("casework_cases", sa.Integer(), nullable=False),
        sa.Column("group_sessions", sa.Integer(), nullable=False),
        sa.Column("themed_activities", sa.Integer(), nullable=False),
        sa.Column("training_sessions", sa.Integer(), nullable=False),
        sa.Column("beneficiaries", sa.Integer(), nullable=False),
        sa.Column("cash_yuan", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("in_kind_yuan", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("disbursement_batches", sa.Integer(), nullable=False),
        sa.Column("people_funded", sa.Integer(), nullable=False),
        sa.CheckConstraint("beneficiaries >= 0", name=op.f("ck_pairing_totals_beneficiaries_not_negative")),
        sa.CheckConstraint("casework_cases >= 0", name=op.f("ck_pairing_totals_casework_cases_not_negative")),
        sa.CheckConstraint("cash_yuan >= 0", name=op.f("ck_pairing_totals_cash_yuan_not_negative")),
        sa.CheckConstraint(
            "disbursement_batches >= 0", name=op.f("ck_pairing_totals_disbursement_batches_not_negative")
        ),
        sa.CheckConstraint("group_sessions >= 0", name=op.f("ck_pairing_totals_group_sessions_not_negative")),
        sa.CheckConstraint("home_visits >= 0", name=op.f("ck_pairing_totals_home_visits_not_negative")),
        sa.CheckConstraint("in_kind_yuan >= 0", name=op.f("ck_pairing_totals_in_kind_yuan_not_negative")),
        sa.CheckConstraint("people_funded >= 0", name=op.f("ck_pairing_totals_people_funded_not_negative")),
        sa.CheckConstraint("themed_activities >= 0", name=op.f("ck_pairing_totals_themed_activities_not_negative")),
        sa.CheckConstraint("training_sessions >= 0", name=op.f("ck_pairing_totals_training_sessions_not_negative")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_pairing_totals_pairing_id_pairings")),
        sa.PrimaryKeyConstraint("pairing_id", name=op.f("pk_pairing_totals")),
    )
    op.create_table(
        "resource_links",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("donor", sa.String(length=200), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("CASH", "IN_KIND", name="resourcekind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("amount_yuan", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("disbursement_batch", sa.Integer(), nullable=True),
        sa.Column("people_funded", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("amount_yuan >= 0", name=op.f("ck_resource_links_amount_not_negative")),
        sa.CheckConstraint(
            "disbursement_batch IS NULL OR disbursement_batch >= 1", name=op.f("ck_resource_links_batch_positive")
        ),
        sa.CheckConstraint("people_funded >= 0", name=op.f("ck_resource_links_people_not_negative")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_resource_links_pairing_id_pairings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_links")),
    )
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.create_index("ix_resource_links_pairing_id_id", ["pairing_id", "id"], unique=False)

    op.create_table(
        "service_stations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_service_stations_agency_id_agencies")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_service_stations_pairing_id_pairings")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_service_stations_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_stations")),
    )
    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_stations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_stations_pairing_id"), ["pairing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_stations_region_id"), ["region_id"], unique=False)

    op.create_table(
        "training_sessions",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("ON_SITE", "REMOTE", name="trainingmode", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_training_sessions_dates")),
        sa.CheckConstraint("hours > 0", name=op.f("ck_training_sessions_hours_positive")),
        sa.CheckConstraint("participants >= 0", name=op.f("ck_training_sessions_participants_not_negative")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_training_sessions_pairing_id_pairings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_training_sessions_pairing_id_id", ["pairing_id", "id"], unique=False)

    op.create_table(
        "milestone_updates",
        sa.Column("milestone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("progress_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("progress_percent", sa.Integer(), nullable=True),
        sa.Column("evidence_urls", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING_REVIEW",
                "APPROVED",
                "RETURNED",
                name="updatestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "progress_percent IS NULL OR progress_percent BETWEEN 0 AND 100", name=op.f("ck_milestone_updates_percent")
        ),
        sa.CheckConstraint(
            "progress_value IS NULL OR progress_value >= 0", name=op.f("ck_milestone_updates_value_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name=op.f("fk_milestone_updates_milestone_id_milestones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_updates")),
    )
    with op.batch_alter_table("milestone_updates", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_updates_milestone_id_id", ["milestone_id", "id"], unique=False)
        batch_op.create_index("ix_milestone_updates_status", ["status"], unique=False)

    op.create_table(
        "service_activities",
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "HOME_VISIT",
                "CASEWORK",
                "GROUP_SESSION",
                "THEMED_ACTIVITY",
                name="servicekind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("beneficiaries", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("beneficiaries >= 0", name=op.f("ck_service_activities_beneficiaries_not_negative")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_service_activities_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairings.id"], name=op.f("fk_service_activities_pairing_id_pairings")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["service_stations.id"], name=op.f("fk_service_activities_station_id_service_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_activities")),
    )
    with op.batch_alter_table("service_activities", schema=None) as batch_op:
        batch_op.create_index("ix_service_activities_pairing_id_id", ["pairing_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_activities_station_id"), ["station_id"], unique=False)

    op.create_table(
        "milestone_events",
        sa.Column(
            "kind",
            sa.Enum(
                "SUBMITTED",
                "APPROVED",
                "RETURNED",
                name="milestoneeventkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("milestone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("update_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pairing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name=op.f("fk_milestone_events_milestone_id_milestones")
        ),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_milestone_events_pairing_id_pairings")),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name=op.f("fk_milestone_events_program_id_programs")),
        sa.ForeignKeyConstraint(
            ["update_id"], ["milestone_updates.id"], name=op.f("fk_milestone_events_update_id_milestone_updates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_events")),
    )
    with op.batch_alter_table("milestone_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_events_pairing_id"), ["pairing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_events_program_id"), ["program_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("milestone_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_events_program_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_events_pairing_id"))

    op.drop_table("milestone_events")
    with op.batch_alter_table("service_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_activities_station_id"))
        batch_op.drop_index("ix_service_activities_pairing_id_id")

    op.drop_table("service_activities")
    with op.batch_alter_table("milestone_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_updates_status")
        batch_op.drop_index("ix_milestone_updates_milestone_id_id")

    op.drop_table("milestone_updates")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_sessions_pairing_id_id")

    op.drop_table("training_sessions")
    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_stations_region_id"))
        batch_op.drop_index(batch_op.f("ix_service_stations_pairing_id"))
        batch_op.drop_index(batch_op.f("ix_service_stations_agency_id"))

    op.drop_table("service_stations")
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_links_pairing_id_id")

    op.drop_table("resource_links")
    op.drop_table("pairing_totals")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_status_due_on")
        batch_op.drop_index("ix_milestones_pairing_id_due_on")

    op.drop_table("milestones")
    with op.batch_alter_table("incubated_organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incubated_organizations_pairing_id"))
        batch_op.drop_index(batch_op.f("ix_incubated_organizations_agency_id"))

    op.drop_table("incubated_organizations")
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pairings_one_active_per_supported",
            sqlite_where=sa.text("status = 'ACTIVE'"),
            postgresql_where=sa.text("status = 'ACTIVE'"),
        )
        batch_op.drop_index(batch_op.f("ix_pairings_supported_id"))
        batch_op.drop_index("ix_pairings_program_id_id")
        batch_op.drop_index(batch_op.f("ix_pairings_mentor_id"))

    op.drop_table("pairings")
    op.drop_table("api_tokens")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_scope_region_id"))

    op.drop_table("programs")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_region_id"))
        batch_op.drop_index(batch_op.f("ix_agencies_name"))

    op.drop_table("agencies")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_path"))
        batch_op.drop_index(batch_op.f("ix_regions_parent_id"))

    op.drop_table("regions")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")

    op.drop_table("audit_events")
