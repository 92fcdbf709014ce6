from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin, VoidableMixin


class ServiceStation(IdMixin, TimestampMixin, VoidableMixin, Base):
    """社工服务站 in a township or village."""

    __tablename__ = "service_stations"
    __table_args__ = (
        # The spreadsheet import finds a record again by its external ID (外部编号) in its pairing.
        Index("uq_service_stations_pairing_id_external_id", "pairing_id", "external_id", unique=True),
    )

    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(Id, ForeignKey("regions.id"), index=True)
    agency_id: Mapped[int] = mapped_column(Id, ForeignKey("agencies.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(Id, ForeignKey("pairings.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    established_on: Mapped[dt.date] = mapped_column(Date)
