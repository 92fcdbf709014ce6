from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin


class PairingStatus(enum.StrEnum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


class FocusArea(enum.StrEnum):
    LEFT_BEHIND_CHILDREN = "LEFT_BEHIND_CHILDREN"
    CHILDREN_IN_DIFFICULTY = "CHILDREN_IN_DIFFICULTY"
    ELDERLY = "ELDERLY"
    RELOCATION_COMMUNITY = "RELOCATION_COMMUNITY"
    GRASSROOTS_GOVERNANCE = "GRASSROOTS_GOVERNANCE"
    DISABILITY = "DISABILITY"
    SOCIAL_ASSISTANCE = "SOCIAL_ASSISTANCE"


class Pairing(IdMixin, TimestampMixin, Base):
    """结对: one mentor agency paired with one supported agency for a term."""

    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("mentor_id <> supported_id", name="mentor_is_not_supported"),
        CheckConstraint("ends_on > starts_on", name="term"),
        # A supported agency has at most one ACTIVE pairing per program.
        Index(
            "uq_pairings_one_active_per_supported",
            "program_id",
            "supported_id",
            unique=True,
            sqlite_where=text("status = 'ACTIVE'"),
            postgresql_where=text("status = 'ACTIVE'"),
        ),
        Index("ix_pairings_program_id_id", "program_id", "id"),
    )

    program_id: Mapped[int] = mapped_column(Id, ForeignKey("programs.id"))
    mentor_id: Mapped[int] = mapped_column(Id, ForeignKey("agencies.id"), index=True)
    supported_id: Mapped[int] = mapped_column(Id, ForeignKey("agencies.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PairingStatus] = mapped_column(
        Enum(PairingStatus, native_enum=False, length=16, create_constraint=True), default=PairingStatus.PLANNED
    )
    focus_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
