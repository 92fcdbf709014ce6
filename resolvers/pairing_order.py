"""How a pairing list may be sorted: by a column of its own, of its agencies, or by its progress
computed in SQL; each sort is keyset-paginated on (sort value, id), so pages stay right across ties."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, and_, case, type_coerce
from sqlalchemy.orm import aliased

from db.models import Agency, Pairing, Region
from resolvers.pagination import Ordering
from resolvers.progress import Health, progress_select


class PairingSort(enum.StrEnum):
    ID = "ID"
    SUPPORTED_NAME = "SUPPORTED_NAME"
    MENTOR_NAME = "MENTOR_NAME"
    REGION = "REGION"
    STARTS_ON = "STARTS_ON"
    PROGRESS = "PROGRESS"
    OVERDUE = "OVERDUE"
    HEALTH = "HEALTH"


# Ascending health goes from best to worst, so that descending puts the pairings in trouble first.
HEALTH_RANK = {
    Health.COMPLETED: 0,
    Health.NOT_STARTED: 1,
    Health.ON_TRACK: 2,
    Health.AT_RISK: 3,
    Health.OFF_TRACK: 4,
}


@dataclass(frozen=True)
class PairingOrder:
    sort: PairingSort = PairingSort.ID
    descending: bool = False


DEFAULT_ORDER = PairingOrder()
ID_ORDER = Ordering(columns=(Pairing.id.expression,), key_of=lambda pairing: (pairing.id,))
SORT_KEY = "sort_key"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def ordered(
    statement: Select[Any], order: PairingOrder, today: dt.date, conditions: list[ColumnElement[bool]]
) -> tuple[Select[Any], Ordering]:
    """`statement` (a select of pairings under `conditions`) with the column it sorts on, as
    `sort_key`, and the ordering of its pages. What a sort needs is joined in the same statement:
    the supported agency and its region, the mentor, or the progress of the listed pairings."""
    if order == DEFAULT_ORDER:
        return statement, ID_ORDER
    statement, key = _sort_key(statement, order.sort, today, conditions)
    ordering = Ordering(
        columns=(key, Pairing.id.expression),
        key_of=lambda row: (_plain(getattr(row, SORT_KEY)), row.id),
        descending=order.descending,
        name=f"{order.sort.value}:{'DESC' if order.descending else 'ASC'}",
    )
    return statement.add_columns(key.label(SORT_KEY)), ordering


def _sort_key(
    statement: Select[Any], sort: PairingSort, today: dt.date, conditions: list[ColumnElement[bool]]
) -> tuple[Select[Any], ColumnElement[Any]]:
    if sort is PairingSort.ID:
        return statement, Pairing.id.expression
    if sort is PairingSort.STARTS_ON:
        return statement, Pairing.starts_on.expression
    if sort in (PairingSort.SUPPORTED_NAME, PairingSort.MENTOR_NAME, PairingSort.REGION):
        agency = aliased(Agency)
        side = Pairing.mentor_id if sort is PairingSort.MENTOR_NAME else Pairing.supported_id
        statement = statement.join(agency, agency.id == side)
        if sort is not PairingSort.REGION:
            return statement, agency.name.expression
        region = aliased(Region)
        return statement.join(region, region.id == agency.region_id), region.code.expression
    # The progress of the pairings listed only: their milestones alone are aggregated.
    progress = progress_select(today, and_(*conditions)).subquery("progress")
    statement = statement.join(progress, progress.c.pairing_id == Pairing.id)
    if sort is PairingSort.PROGRESS:
        return statement, type_coerce(progress.c.percent_complete, Float())
    if sort is PairingSort.OVERDUE:
        return statement, type_coerce(progress.c.overdue, Integer())
    ranks = [(progress.c.health == health.value, rank) for health, rank in HEALTH_RANK.items()]
    rank = case(*ranks, else_=len(HEALTH_RANK))
    return statement, type_coerce(rank, Integer())
