"""Milestone events: written in the transaction of the change they report."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Milestone, MilestoneEvent, MilestoneEventKind, MilestoneUpdate, Pairing


async def record_milestone_event(
    session: AsyncSession, kind: MilestoneEventKind, milestone: Milestone, update: MilestoneUpdate
) -> MilestoneEvent:
    """Log the event with the change; subscribers hear of it only once the transaction commits."""
    pairing = await session.get_one(Pairing, milestone.pairing_id)
    event = MilestoneEvent(
        kind=kind,
        milestone_id=milestone.id,
        update_id=update.id,
        pairing_id=pairing.id,
        program_id=pairing.program_id,
    )
    session.add(event)
    await session.flush()
    return event
