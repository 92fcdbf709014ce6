from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.base import MONEY, Base, Id

# The ServiceTotals figures, in the order dashboards and reports show them.
SERVICE_COLUMNS = (
    "home_visits",
    "casework_cases",
    "group_sessions",
    "themed_activities",
    "training_sessions",
    "beneficiaries",
)
COUNTER_COLUMNS = (*SERVICE_COLUMNS, "disbursement_batches", "people_funded")
MONEY_COLUMNS = ("cash_yuan", "in_kind_yuan")


class PairingTotals(Base):
    """Service and resource totals of one pairing, kept exact in the same transaction as every
    record or void that changes them, so a dashboard page reads one row per pairing instead of
    summing thousands of records."""

    __tablename__ = "pairing_totals"
    __table_args__ = tuple(
        CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative") for column in COUNTER_COLUMNS + MONEY_COLUMNS
    )

    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairings.id"), primary_key=True)
    home_visits: Mapped[int] = mapped_column(Integer, default=0)
    casework_cases: Mapped[int] = mapped_column(Integer, default=0)
    group_sessions: Mapped[int] = mapped_column(Integer, default=0)
    themed_activities: Mapped[int] = mapped_column(Integer, default=0)
    training_sessions: Mapped[int] = mapped_column(Integer, default=0)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    cash_yuan: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    in_kind_yuan: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    disbursement_batches: Mapped[int] = mapped_column(Integer, default=0)
    people_funded: Mapped[int] = mapped_column(Integer, default=0)
