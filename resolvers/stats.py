"""Program statistics: totals over many pairings, summed in SQL from the counter rows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import case, func, select

from db.models import Milestone, Pairing, PairingStatus, PairingTotals
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from resolvers.pairings import PairingFilter, pairing_conditions
from resolvers.progress import overdue
from resolvers.scope import Scope
from resolvers.totals import money


@dataclass(frozen=True)
class ProgramStats:
    pairings: int
    active_pairings: int
    totals: PairingTotals
    milestones_overdue: int


async def program_stats(scope: Scope, *, program_id: str | None, region_id: str | None) -> ProgramStats:
    conditions = await pairing_conditions(scope, PairingFilter(program_id=program_id, region_id=region_id))
    selected = select(Pairing.id).where(*conditions)
    sums = select(
        func.count(Pairing.id),
        func.sum(case((Pairing.status == PairingStatus.ACTIVE, 1), else_=0)),
        *(func.sum(getattr(PairingTotals, column)) for column in COUNTER_COLUMNS + MONEY_COLUMNS),
    ).select_from(Pairing).outerjoin(PairingTotals, PairingTotals.pairing_id == Pairing.id).where(*conditions)
    overdue_count = select(func.count()).select_from(Milestone).where(
        Milestone.pairing_id.in_(selected), overdue(scope.today)
    )
    # Two statements at once, on two connections: the database works on both together.
    (row,), ((milestones_overdue,),) = await asyncio.gather(scope.db.fetch(sums), scope.db.fetch(overdue_count))
    pairings, active, *figures = row
    values = dict(zip(COUNTER_COLUMNS + MONEY_COLUMNS, figures, strict=True))
    totals = PairingTotals(
        **{column: int(values[column] or 0) for column in COUNTER_COLUMNS},
        **{column: money(values[column]) for column in MONEY_COLUMNS},
    )
    return ProgramStats(
        pairings=pairings, active_pairings=int(active or 0), totals=totals, milestones_overdue=milestones_overdue
    )
