from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import MONEY, Base, Id, IdMixin, TimestampMixin, VoidableMixin


class ResourceKind(enum.StrEnum):
    CASH = "CASH"
    IN_KIND = "IN_KIND"


class ResourceLink(IdMixin, TimestampMixin, VoidableMixin, Base):
    """链接资源: one disbursement of a charity project linked in. `people_funded` counts the people
    newly funded by this record, so totals add up without counting a child twice."""

    __tablename__ = "resource_links"
    __table_args__ = (
        # The spreadsheet import finds a record again by its external ID (外部编号) in its pairing.
        Index("uq_resource_links_pairing_id_external_id", "pairing_id", "external_id", unique=True),
        CheckConstraint("amount_yuan >= 0", name="amount_not_negative"),
        CheckConstraint("people_funded >= 0", name="people_not_negative"),
        CheckConstraint("disbursement_batch IS NULL OR disbursement_batch >= 1", name="batch_positive"),
        Index("ix_resource_links_pairing_id_id", "pairing_id", "id"),
    )

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    project_name: Mapped[str] = mapped_column(String(200))
    donor: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[ResourceKind] = mapped_column(Enum(ResourceKind, native_enum=False, length=16, create_constraint=True))
    amount_yuan: Mapped[Decimal] = mapped_column(MONEY)
    disbursement_batch: Mapped[int | None] = mapped_column(Integer)
    people_funded: Mapped[int] = mapped_column(Integer, default=0)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
