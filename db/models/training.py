from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin, VoidableMixin


class TrainingMode(enum.StrEnum):
    ON_SITE = "ON_SITE"
    REMOTE = "REMOTE"


class TrainingSession(IdMixin, TimestampMixin, VoidableMixin, Base):
    """社工人才培养, counted in 期."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        # The spreadsheet import finds a record again by its external ID (外部编号) in its pairing.
        Index("uq_training_sessions_pairing_id_external_id", "pairing_id", "external_id", unique=True),
        CheckConstraint("participants >= 0", name="participants_not_negative"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        Index("ix_training_sessions_pairing_id_id", "pairing_id", "id"),
    )

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    mode: Mapped[TrainingMode] = mapped_column(Enum(TrainingMode, native_enum=False, length=16, create_constraint=True))
    participants: Mapped[int] = mapped_column(Integer)
