from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin, VoidableMixin


class IncubationStage(enum.StrEnum):
    INCUBATING = "INCUBATING"
    REGISTERED = "REGISTERED"
    INDEPENDENT = "INDEPENDENT"


class IncubatedOrganization(IdMixin, TimestampMixin, VoidableMixin, Base):
    """孵化机构: the new agency a pairing incubated."""

    __tablename__ = "incubated_organizations"

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"), index=True)
    agency_id: Mapped[int] = mapped_column(Id, ForeignKey("agencies.id"), index=True)
    stage: Mapped[IncubationStage] = mapped_column(
        Enum(IncubationStage, native_enum=False, length=16, create_constraint=True), default=IncubationStage.INCUBATING
    )
    started_on: Mapped[dt.date] = mapped_column(Date)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    independent_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
