from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer
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
# A program's pairings are spread over this many ProgramTotals rows by id.
PROGRAM_SLOTS = 16


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


def _zero() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


def _no_money() -> Mapped[Decimal]:
    return mapped_column(MONEY, default=Decimal("0.00"), server_default="0")


class ProgramTotals(Base):
    """A program's pairings, active pairings and the sums of their PairingTotals, so that the
    statistics of a whole program read a few rows instead of joining every pairing. Kept by
    triggers (migration 0010_national_counters) in the transaction of every write that adds a
    pairing, changes its status or its counter row, whoever writes. A pairing counts in the row of
    its id modulo PROGRAM_SLOTS: writers to different pairings of one program seldom wait for the
    same row lock."""

    __tablename__ = "program_totals"

    program_id: Mapped[int] = mapped_column(Id, ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pairings: Mapped[int] = _zero()
    active_pairings: Mapped[int] = _zero()
    home_visits: Mapped[int] = _zero()
    casework_cases: Mapped[int] = _zero()
    group_sessions: Mapped[int] = _zero()
    themed_activities: Mapped[int] = _zero()
    training_sessions: Mapped[int] = _zero()
    beneficiaries: Mapped[int] = _zero()
    cash_yuan: Mapped[Decimal] = _no_money()
    in_kind_yuan: Mapped[Decimal] = _no_money()
    disbursement_batches: Mapped[int] = _zero()
    people_funded: Mapped[int] = _zero()


class ProgramOpenMilestones(Base):
    """How many milestones of a program that are still open (neither achieved nor waived) fall due
    on each day: a program's overdue count is the sum of the days before today, which moves with
    the calendar as well as with writes. Kept by triggers, as ProgramTotals."""

    __tablename__ = "program_open_milestones"

    program_id: Mapped[int] = mapped_column(Id, ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    open_milestones: Mapped[int] = _zero()
