"""Pairing progress and health, computed in SQL so that lists can filter and sort on it.

Rules (also in the README):
- percentComplete = achieved / (total - waived) * 100, 0 when nothing is countable.
- timeElapsedPercent = share of the term elapsed at today's China date, clamped to 0..100.
- health: COMPLETED if the pairing is COMPLETED; NOT_STARTED if it is PLANNED or today is before
  its start; OFF_TRACK if a milestone is more than 60 days overdue or percentComplete trails
  timeElapsedPercent by more than 30 points; AT_RISK if any milestone is overdue or the gap is
  more than 15 points; otherwise ON_TRACK.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Protocol, SupportsFloat, SupportsInt

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from db.functions import days_between, one_of
from db.models import CLOSED_MILESTONE_STATUSES, Milestone, MilestoneStatus, Pairing, PairingStatus

OFF_TRACK_OVERDUE_DAYS = 60
OFF_TRACK_GAP = 30
AT_RISK_GAP = 15


class Health(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    OFF_TRACK = "OFF_TRACK"
    COMPLETED = "COMPLETED"


# Looked up rather than called: calling the enum costs a few microseconds, on every row of a page.
HEALTH_BY_VALUE = {health.value: health for health in Health}


@dataclass(frozen=True)
class Progress:
    milestones_total: int
    milestones_achieved: int
    milestones_waived: int
    milestones_overdue: int
    max_days_overdue: int
    percent_complete: float
    time_elapsed_percent: float
    health: Health


# Spelled as the open statuses, each an equality: the (status, due_on) index then finds overdue
# milestones by ranges, where "not closed" scanned the table; and an IN list would be rewritten on
# every execution of a statement that is otherwise built once.
OPEN_MILESTONE_STATUSES = tuple(status for status in MilestoneStatus if status not in CLOSED_MILESTONE_STATUSES)


def overdue(today: dt.date) -> ColumnElement[bool]:
    is_open = or_(*(Milestone.status == status for status in OPEN_MILESTONE_STATUSES))
    return and_(Milestone.due_on < _date(today), is_open)


def is_overdue(due_on: dt.date, status: MilestoneStatus, today: dt.date) -> bool:
    return due_on < today and status not in CLOSED_MILESTONE_STATUSES


def progress_select(
    today: dt.date,
    pairing_filter: ColumnElement[bool] | None = None,
    milestone_filter: ColumnElement[bool] | None = None,
) -> Select[*tuple[Any, ...]]:
    """One row per pairing: id, the progress figures and health, in the order of `Progress`.
    `milestone_filter` picks the milestones of the pairings that `pairing_filter` picks; without
    it they are found through `pairing_filter` (see progress_of_pairings for why to give it).

    Its constants are written into the SQL rather than bound: bound, they made some forty
    parameters that every execution had to process."""
    zero, one, hundred = _number(0), _number(1), _number(100.0)
    on = _date(today)
    stats_query = select(
        Milestone.pairing_id,
        func.count().label("total"),
        func.sum(case((Milestone.status == MilestoneStatus.ACHIEVED, one), else_=zero)).label("achieved"),
        func.sum(case((Milestone.status == MilestoneStatus.WAIVED, one), else_=zero)).label("waived"),
        func.sum(case((overdue(today), one), else_=zero)).label("overdue"),
        func.max(case((overdue(today), days_between(Milestone.due_on, on)), else_=zero)).label("max_days"),
    ).group_by(Milestone.pairing_id)
    if milestone_filter is not None:
        stats_query = stats_query.where(milestone_filter)
    elif pairing_filter is not None:
        stats_query = stats_query.where(Milestone.pairing_id.in_(select(Pairing.id).where(pairing_filter)))
    stats = stats_query.subquery("milestone_stats")

    total = func.coalesce(stats.c.total, zero)
    achieved = func.coalesce(stats.c.achieved, zero)
    countable = total - func.coalesce(stats.c.waived, zero)
    overdue_count = func.coalesce(stats.c.overdue, zero)
    max_days = func.coalesce(stats.c.max_days, zero)
    percent_complete = case((countable > zero, cast(achieved, Float) * hundred / countable), else_=_number(0.0))
    term_days = days_between(Pairing.starts_on, Pairing.ends_on)
    time_elapsed = case(
        (on <= Pairing.starts_on, _number(0.0)),
        (on >= Pairing.ends_on, hundred),
        else_=cast(days_between(Pairing.starts_on, on), Float) * hundred / term_days,
    )
    gap = time_elapsed - percent_complete
    health = case(
        (Pairing.status == PairingStatus.COMPLETED, _health(Health.COMPLETED)),
        (or_(Pairing.status == PairingStatus.PLANNED, on < Pairing.starts_on), _health(Health.NOT_STARTED)),
        (
            or_(max_days > _number(OFF_TRACK_OVERDUE_DAYS), gap > _number(OFF_TRACK_GAP)),
            _health(Health.OFF_TRACK),
        ),
        (or_(overdue_count > zero, gap > _number(AT_RISK_GAP)), _health(Health.AT_RISK)),
        else_=_health(Health.ON_TRACK),
    )
    query = select(
        Pairing.id.label("pairing_id"),
        total.label("total"),
        achieved.label("achieved"),
        func.coalesce(stats.c.waived, zero).label("waived"),
        overdue_count.label("overdue"),
        max_days.label("max_days"),
        percent_complete.label("percent_complete"),
        time_elapsed.label("time_elapsed"),
        health.label("health"),
    ).outerjoin(stats, stats.c.pairing_id == Pairing.id)
    if pairing_filter is not None:
        query = query.where(pairing_filter)
    return query


def progress_of_pairings(today: dt.date, ids: str) -> Select[*tuple[Any, ...]]:
    """The progress of the pairings whose ids are bound to the parameter `ids` at execution. Their
    milestones are picked by the same ids, so PostgreSQL reads them through the (pairing_id,
    due_on) index: through a subquery on pairings it could not tell how few they are, and scanned
    every milestone."""
    return progress_select(today, one_of(Pairing.id, ids), one_of(Milestone.pairing_id, ids))


def _number(value: int | float) -> ColumnElement[Any]:
    return literal_column(repr(value), Float() if isinstance(value, float) else Integer())


def _health(value: Health) -> ColumnElement[str]:
    return literal_column(f"'{value.value}'", String())  # the names are plain capitals


class ProgressRow(Protocol):
    """A row of progress_select's figures, read by name (a Row, or a record of its part of a row).
    The databases give sums and ratios as their own numeric types."""

    @property
    def total(self) -> SupportsInt: ...
    @property
    def achieved(self) -> SupportsInt: ...
    @property
    def waived(self) -> SupportsInt: ...
    @property
    def overdue(self) -> SupportsInt: ...
    @property
    def max_days(self) -> SupportsInt: ...
    @property
    def percent_complete(self) -> SupportsFloat: ...
    @property
    def time_elapsed(self) -> SupportsFloat: ...
    @property
    def health(self) -> str: ...


def progress_from_row(row: ProgressRow) -> Progress:
    return Progress(
        milestones_total=int(row.total),
        milestones_achieved=int(row.achieved),
        milestones_waived=int(row.waived),
        milestones_overdue=int(row.overdue),
        max_days_overdue=int(row.max_days),
        percent_complete=round(float(row.percent_complete), 2),
        time_elapsed_percent=round(float(row.time_elapsed), 2),
        health=HEALTH_BY_VALUE[row.health],
    )


def pairings_with_health(today: dt.date, health: Health) -> Select[int]:
    """Ids of the pairings whose health today is `health`, for filtering lists in SQL."""
    rows = progress_select(today).subquery("progress")
    return select(rows.c.pairing_id).where(rows.c.health == health.value)


def _date(value: dt.date) -> ColumnElement[dt.date]:
    """Today as one parameter, however often a statement compares with it."""
    return bindparam("today", value, type_=Date())
