from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin, UTCDateTime, utcnow


class MilestoneCategory(enum.StrEnum):
    GOVERNANCE = "GOVERNANCE"
    PROFESSIONAL_SERVICE = "PROFESSIONAL_SERVICE"
    TALENT = "TALENT"
    RESOURCE_MOBILIZATION = "RESOURCE_MOBILIZATION"
    INCUBATION = "INCUBATION"
    PROJECT_MANAGEMENT = "PROJECT_MANAGEMENT"


class MilestoneStatus(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"
    RETURNED = "RETURNED"
    ACHIEVED = "ACHIEVED"
    WAIVED = "WAIVED"


CLOSED_MILESTONE_STATUSES = (MilestoneStatus.ACHIEVED, MilestoneStatus.WAIVED)
OPEN_CONDITION = "status NOT IN ('ACHIEVED', 'WAIVED')"


class UpdateStatus(enum.StrEnum):
    PENDING_REVIEW = "PENDING_REVIEW"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"


class Milestone(IdMixin, TimestampMixin, Base):
    """能力建设里程碑 of a pairing. Overdue = past due and not ACHIEVED or WAIVED."""

    __tablename__ = "milestones"
    __table_args__ = (
        # The spreadsheet import finds a record again by its external ID (外部编号) in its pairing.
        Index("uq_milestones_pairing_id_external_id", "pairing_id", "external_id", unique=True),
        CheckConstraint("term_year BETWEEN 1 AND 3", name="term_year"),
        CheckConstraint("target_value IS NULL OR target_value >= 0", name="target_not_negative"),
        Index("ix_milestones_pairing_id_due_on", "pairing_id", "due_on"),
        # A pairing's milestones in id order, as its pages list them: a range of the index.
        Index("ix_milestones_pairing_id_id", "pairing_id", "id"),
        Index("ix_milestones_status_due_on", "status", "due_on"),
        # Open milestones in the order overdue lists page them: a page is the first rows of the
        # index, where over all statuses it sorted every overdue milestone of the program first.
        Index(
            "ix_milestones_open_due_on",
            "due_on",
            "id",
            sqlite_where=text(OPEN_CONDITION),
            postgresql_where=text(OPEN_CONDITION),
        ),
    )

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[MilestoneCategory] = mapped_column(
        Enum(MilestoneCategory, native_enum=False, length=24, create_constraint=True)
    )
    term_year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[MilestoneStatus] = mapped_column(
        Enum(MilestoneStatus, native_enum=False, length=16, create_constraint=True),
        default=MilestoneStatus.NOT_STARTED,
    )
    # When the work was achieved: the approved update's submission (China date) or the date the
    # reviewer gave. Compared with due_on it tells whether the work was on time, however long the
    # review took.
    achieved_on: Mapped[dt.date | None] = mapped_column(Date)
    # When staff approved it (China date).
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MilestoneUpdate(IdMixin, Base):
    """进展报告: submitted by the mentor agency, reviewed by staff."""

    __tablename__ = "milestone_updates"
    __table_args__ = (
        CheckConstraint("progress_percent IS NULL OR progress_percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint("progress_value IS NULL OR progress_value >= 0", name="value_not_negative"),
        Index("ix_milestone_updates_milestone_id_id", "milestone_id", "id"),
        Index("ix_milestone_updates_status", "status"),
        # One update pending review per milestone, whatever writers race: the rule's last guard.
        Index(
            "uq_milestone_updates_one_pending",
            "milestone_id",
            unique=True,
            sqlite_where=text("status = 'PENDING_REVIEW'"),
            postgresql_where=text("status = 'PENDING_REVIEW'"),
        ),
    )

    milestone_id: Mapped[int] = mapped_column(Id, ForeignKey("milestones.id"))
    note: Mapped[str] = mapped_column(Text)
    progress_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    progress_percent: Mapped[int | None] = mapped_column(Integer)
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[UpdateStatus] = mapped_column(
        Enum(UpdateStatus, native_enum=False, length=16, create_constraint=True), default=UpdateStatus.PENDING_REVIEW
    )
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
