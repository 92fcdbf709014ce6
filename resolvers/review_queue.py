"""The review queue: milestone updates waiting for staff, oldest first, in the pairings the caller
may read. Reading the queue is open to every reader; reviewing stays with the roles that hold
reviewMilestoneUpdate (resolvers/access.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Milestone, MilestoneUpdate, Pairing, UpdateStatus
from db.records import read_columns
from resolvers.pagination import Ordering, Page, paginate
from resolvers.pairings import PairingFilter, pairing_conditions
from resolvers.scope import Scope

# Ids ascend with time of submission, so the oldest waiting update comes first.
QUEUE_ORDER = Ordering(columns=(MilestoneUpdate.id,), key_of=lambda update: (update.id,))


async def list_pending_updates(
    scope: Scope, *, program_id: str | None, region_id: str | None, first: int | None, after: str | None
) -> Page[Any]:
    conditions = await pairing_conditions(scope, PairingFilter(program_id=program_id, region_id=region_id))
    statement = (
        select(*read_columns(MilestoneUpdate))
        .join(Milestone, Milestone.id == MilestoneUpdate.milestone_id)
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .where(MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW, *conditions)
    )
    return await paginate(scope.db, statement, QUEUE_ORDER, first=first, after=after)
