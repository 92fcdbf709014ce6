"""What a list shows of a pairing beside its own columns: its agencies with their regions, its
progress and its kept totals, fetched for a whole page in one statement."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import FromClause, select
from sqlalchemy.sql.elements import KeyedColumnElement

from db.engine import Database
from db.functions import one_of
from db.models import Agency, Pairing, PairingTotals, Region
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.reads.prepared import PreparedRead
from db.records import read_columns, record_type
from resolvers.progress import Progress, progress_from_row, progress_of_pairings


@dataclass(frozen=True)
class DetailParts:
    """Which details to fetch: only what the query selects."""

    agencies: bool = False
    progress: bool = False
    totals: bool = False

    def __bool__(self) -> bool:
        return self.agencies or self.progress or self.totals


class PairingDetails(NamedTuple):
    """A part that was not fetched is None. A named tuple for the reason Progress is one."""

    mentor: Any = None
    mentor_region: Any = None
    supported: Any = None
    supported_region: Any = None
    progress: Progress | None = None
    totals: Any = None


async def fetch_pairing_details(
    db: Database, today: dt.date, pairing_ids: Sequence[int], parts: DetailParts
) -> list[PairingDetails]:
    """The details of each pairing, in order. Whoever asks has already checked that the actor may
    read these pairings; agencies and regions are public."""
    statement, layout = _statement(today, parts)
    found = {}
    for row in await db.fetch(statement, {"ids": pairing_ids}):
        values = {name: make(row[start:stop]) for name, start, stop, make in layout}
        if parts.progress:
            values["progress"] = progress_from_row(values["progress"])
        if parts.totals and values["totals"].pairing_id is None:
            values["totals"] = empty_totals(row[0])
        found[row[0]] = PairingDetails(**values)
    return [found[pk] for pk in pairing_ids]


def empty_totals(pairing_id: int) -> PairingTotals:
    """The totals of a pairing that has no totals row yet."""
    return PairingTotals(
        pairing_id=pairing_id,
        **dict.fromkeys(COUNTER_COLUMNS, 0),
        **dict.fromkeys(MONEY_COLUMNS, Decimal("0.00")),
    )


Layout = list[tuple[str, int, int, Callable[[Sequence[Any]], Any]]]


@functools.lru_cache(maxsize=32)
def _statement(today: dt.date, parts: DetailParts) -> tuple[PreparedRead, Layout]:
    """The statement (ids bound as `ids`) and where each part lies in its rows. Built once a day
    for each combination of parts: building it costs more than running it."""
    pairings = Pairing.__table__
    joined = pairings
    parts_columns: list[tuple[str, list[KeyedColumnElement[Any]]]] = []
    if parts.agencies:
        for side in ("mentor", "supported"):
            agency, region = Agency.__table__.alias(side), Region.__table__.alias(f"{side}_region")
            joined = joined.join(agency, agency.c.id == pairings.c[f"{side}_id"])
            joined = joined.join(region, region.c.id == agency.c.region_id)
            parts_columns += [(side, _read(agency, Agency)), (f"{side}_region", _read(region, Region))]
    if parts.progress:
        figures = progress_of_pairings(today, "ids").subquery("progress")
        joined = joined.join(figures, figures.c.pairing_id == pairings.c.id)
        parts_columns.append(("progress", list(figures.columns)))
    if parts.totals:
        kept = PairingTotals.__table__
        joined = joined.outerjoin(kept, kept.c.pairing_id == pairings.c.id)
        parts_columns.append(("totals", list(kept.columns)))
    columns: list[Any] = [pairings.c.id]
    layout: Layout = []
    for name, part in parts_columns:
        make = record_type(name, tuple(column.key for column in part))._make
        layout.append((name, len(columns), len(columns) + len(part), make))
        columns += part
    return PreparedRead(select(*columns).select_from(joined).where(one_of(pairings.c.id, "ids"))), layout


def _read(alias: FromClause, model: Any) -> list[KeyedColumnElement[Any]]:
    """The columns that reads fetch (db.records.read_columns) of an alias of a model's table."""
    return [alias.c[column.key] for column in read_columns(model)]
