from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin, VoidableMixin


class ServiceKind(enum.StrEnum):
    HOME_VISIT = "HOME_VISIT"  # 家庭探访, 人次
    CASEWORK = "CASEWORK"  # 个案, 人次
    GROUP_SESSION = "GROUP_SESSION"  # 小组活动, 节次
    THEMED_ACTIVITY = "THEMED_ACTIVITY"  # 主题活动, 次


class ServiceActivity(IdMixin, TimestampMixin, VoidableMixin, Base):
    """服务记录: `count` is in the kind's unit (人次, 节次 or 次)."""

    __tablename__ = "service_activities"
    __table_args__ = (
        # The spreadsheet import finds a record again by its external ID (外部编号) in its pairing.
        Index("uq_service_activities_pairing_id_external_id", "pairing_id", "external_id", unique=True),
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint("beneficiaries >= 0", name="beneficiaries_not_negative"),
        Index("ix_service_activities_pairing_id_id", "pairing_id", "id"),
        # The overview's monthly trends read activities by date range (migration 0008).
        Index("ix_service_activities_occurred_on", "occurred_on"),
    )

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    station_id: Mapped[int | None] = mapped_column(Id, ForeignKey("service_stations.id"), index=True)
    kind: Mapped[ServiceKind] = mapped_column(Enum(ServiceKind, native_enum=False, length=16, create_constraint=True))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(500))
