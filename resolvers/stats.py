"""Program statistics: totals over many pairings, summed in SQL from the counter rows.

A caller who sees every pairing, asking for a whole program (or all of them), is answered from the
program counters (db/models/totals.py: a few rows per program, kept by triggers), whatever the
program's size; a region, or a caller who sees only some pairings, sums the pairings' counter rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import case, func, select

from db.models import Milestone, Pairing, PairingStatus, PairingTotals, ProgramOpenMilestones, ProgramTotals
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.reads.prepared import PreparedRead
from resolvers.access import READS_ALL, Actor
from resolvers.ids import decode_typed_id
from resolvers.pairings import PairingFilter, filter_conditions, supported_in_region
from resolvers.progress import overdue
from resolvers.regions import region_by_global_id
from resolvers.scope import Scope
from resolvers.totals import money


@dataclass(frozen=True)
class ProgramStats:
    pairings: int
    active_pairings: int
    totals: PairingTotals
    milestones_overdue: int


async def program_stats(scope: Scope, *, program_id: str | None, region_id: str | None) -> ProgramStats:
    if counted(scope, region_id):
        sums, overdue_count = _counter_reads(_program_pk(program_id), scope.today)
    else:
        region_path = None if region_id is None else (await region_by_global_id(scope, region_id)).path
        sums, overdue_count = _stats_reads(scope.actor, PairingFilter(program_id=program_id), region_path, scope.today)
    # Asked for at once: one statement on PostgreSQL (db/reads/combined.py).
    (row,), ((milestones_overdue,),) = await asyncio.gather(scope.db.fetch(sums), scope.db.fetch(overdue_count))
    pairings, active, *figures = row
    values = dict(zip(COUNTER_COLUMNS + MONEY_COLUMNS, figures, strict=True))
    totals = PairingTotals(
        **{column: int(values[column] or 0) for column in COUNTER_COLUMNS},
        **{column: money(values[column]) for column in MONEY_COLUMNS},
    )
    return ProgramStats(
        pairings=int(pairings or 0),
        active_pairings=int(active or 0),
        totals=totals,
        milestones_overdue=int(milestones_overdue or 0),
    )


@functools.lru_cache(maxsize=128)
def _stats_reads(
    actor: Actor, filter: PairingFilter, region_path: str | None, today: dt.date
) -> tuple[PreparedRead, PreparedRead]:
    """The sums and the overdue count of the pairings an actor sees through a filter, built once:
    dashboards poll the same few; building and compiling them cost more than running them. Today
    is part of the key because overdue compares with it."""
    conditions = filter_conditions(actor, filter, today)
    if region_path is not None:
        conditions.append(supported_in_region(region_path))
    sums = (
        select(
            func.count(Pairing.id),
            func.sum(case((Pairing.status == PairingStatus.ACTIVE, 1), else_=0)),
            *(func.sum(getattr(PairingTotals, column)) for column in COUNTER_COLUMNS + MONEY_COLUMNS),
        )
        .select_from(Pairing)
        .outerjoin(PairingTotals, PairingTotals.pairing_id == Pairing.id)
        .where(*conditions)
    )
    overdue_count = (
        select(func.count())
        .select_from(Milestone)
        .where(Milestone.pairing_id.in_(select(Pairing.id).where(*conditions)), overdue(today))
    )
    return PreparedRead(sums), PreparedRead(overdue_count)


def counted(scope: Scope, region_id: str | None) -> bool:
    """Whether the program counters answer for this caller and filter: all of a program's pairings."""
    return region_id is None and scope.actor.role in READS_ALL


async def counted_overdue(scope: Scope, program_id: str | None) -> int:
    """The open milestones past due of a program (or all), from the counters; see `counted`."""
    _, overdue_count = _counter_reads(_program_pk(program_id), scope.today)
    ((count,),) = await scope.db.fetch(overdue_count)
    return int(count or 0)


def _program_pk(program_id: str | None) -> int | None:
    return None if program_id is None else decode_typed_id(program_id, "Program")


@functools.lru_cache(maxsize=128)
def _counter_reads(program_pk: int | None, today: dt.date) -> tuple[PreparedRead, PreparedRead]:
    """The same two figures from the program counters: the sums of the program's slot rows, and its
    open milestones due before today."""
    in_program = [] if program_pk is None else [ProgramTotals.program_id == program_pk]
    sums = select(
        func.sum(ProgramTotals.pairings),
        func.sum(ProgramTotals.active_pairings),
        *(func.sum(getattr(ProgramTotals, column)) for column in COUNTER_COLUMNS + MONEY_COLUMNS),
    ).where(*in_program)
    due = [ProgramOpenMilestones.due_on < today]
    if program_pk is not None:
        due.append(ProgramOpenMilestones.program_id == program_pk)
    overdue_count = select(func.sum(ProgramOpenMilestones.open_milestones)).where(*due)
    return PreparedRead(sums), PreparedRead(overdue_count)
