from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, TimestampMixin


class Program(IdMixin, TimestampMixin, Base):
    """帮扶计划, e.g. 河南省社会工作服务机构牵手计划."""

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("default_term_months BETWEEN 1 AND 120", name="term_months"),
        CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="period"),
    )

    name: Mapped[str] = mapped_column(String(200), unique=True)
    policy_reference: Mapped[str | None] = mapped_column(String(500))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    default_term_months: Mapped[int] = mapped_column(Integer, default=36)
    scope_region_id: Mapped[int | None] = mapped_column(Id, ForeignKey("regions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
