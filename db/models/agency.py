from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin


class AgencyStatus(enum.StrEnum):
    PREPARING = "PREPARING"
    REGISTERED = "REGISTERED"
    DEREGISTERED = "DEREGISTERED"


class Agency(IdMixin, TimestampMixin, Base):
    """社会工作服务机构. An agency can mentor in one pairing and be supported in another."""

    __tablename__ = "agencies"

    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region_id: Mapped[int] = mapped_column(Id, ForeignKey("regions.id"), index=True)
    status: Mapped[AgencyStatus] = mapped_column(
        Enum(AgencyStatus, native_enum=False, length=16, create_constraint=True), default=AgencyStatus.REGISTERED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
