from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow


class MilestoneEventKind(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"


class MilestoneEvent(IdMixin, Base):
    """The log behind the milestoneEvents subscription: written with the change it reports, so a
    reconnecting subscriber can replay what it missed since an event id."""

    __tablename__ = "milestone_events"

    kind: Mapped[MilestoneEventKind] = mapped_column(
        Enum(MilestoneEventKind, native_enum=False, length=16, create_constraint=True)
    )
    milestone_id: Mapped[int] = mapped_column(Id, ForeignKey("milestones.id"))
    update_id: Mapped[int] = mapped_column(Id, ForeignKey("milestone_updates.id"))
    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"), index=True)
    program_id: Mapped[int] = mapped_column(Id, ForeignKey("programs.id"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
