"""Overdue milestones across pairings, most overdue first: what ministry staff chase."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from db.models import Milestone, Pairing
from db.records import read_columns
from resolvers.pagination import Ordering, Page, paginate
from resolvers.pairings import PairingFilter, pairing_conditions
from resolvers.progress import overdue
from resolvers.scope import Scope
from resolvers.stats import counted, counted_overdue

# (due_on, id): the cursor holds the date as ISO text, compared as a date in SQL.
OVERDUE_ORDER = Ordering(
    columns=(Milestone.due_on, Milestone.id), key_of=lambda milestone: (milestone.due_on.isoformat(), milestone.id)
)


async def list_overdue_milestones(
    scope: Scope, *, program_id: str | None, region_id: str | None, first: int | None, after: str | None
) -> Page[Any]:
    """Open milestones past due today in the pairings the actor may read, oldest due date first."""
    conditions = await pairing_conditions(scope, PairingFilter(program_id=program_id, region_id=region_id))
    statement = (
        select(*read_columns(Milestone))
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .where(overdue(scope.today), *conditions)
    )
    page = await paginate(scope.db, statement, OVERDUE_ORDER, first=first, after=after)
    if counted(scope, region_id):
        # The count from the program counters: counting the rows joined every pairing of the program.
        return dataclasses.replace(page, count=lambda: counted_overdue(scope, program_id))
    return page
