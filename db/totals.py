"""Counter rows recomputed from the records: after a bulk load, to repair, and to check the
counters kept by every write (a pairing's, by the code that writes; a program's, by triggers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CLOSED_MILESTONE_STATUSES,
    Milestone,
    Pairing,
    PairingStatus,
    PairingTotals,
    ProgramOpenMilestones,
    ProgramTotals,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
    ServiceKind,
    TrainingSession,
)
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS, PROGRAM_SLOTS

SERVICE_KIND_COLUMN = {
    ServiceKind.HOME_VISIT: "home_visits",
    ServiceKind.CASEWORK: "casework_cases",
    ServiceKind.GROUP_SESSION: "group_sessions",
    ServiceKind.THEMED_ACTIVITY: "themed_activities",
}


def recount_select() -> Select[*tuple[Any, ...]]:
    """The totals of every pairing recomputed from its records, voided ones left out."""
    activities = (
        select(
            ServiceActivity.pairing_id.label("pairing_id"),
            *(
                func.sum(case((ServiceActivity.kind == kind, ServiceActivity.count), else_=0)).label(column)
                for kind, column in SERVICE_KIND_COLUMN.items()
            ),
            func.sum(ServiceActivity.beneficiaries).label("beneficiaries"),
        )
        .where(ServiceActivity.voided_at.is_(None))
        .group_by(ServiceActivity.pairing_id)
        .subquery()
    )
    training = (
        select(TrainingSession.pairing_id.label("pairing_id"), func.count().label("training_sessions"))
        .where(TrainingSession.voided_at.is_(None))
        .group_by(TrainingSession.pairing_id)
        .subquery()
    )
    is_cash = ResourceLink.kind == ResourceKind.CASH
    resources = (
        select(
            ResourceLink.pairing_id.label("pairing_id"),
            func.sum(case((is_cash, ResourceLink.amount_yuan), else_=0)).label("cash_yuan"),
            func.sum(case((is_cash, 0), else_=ResourceLink.amount_yuan)).label("in_kind_yuan"),
            func.sum(case((is_cash, 1), else_=0)).label("disbursement_batches"),
            func.sum(ResourceLink.people_funded).label("people_funded"),
        )
        .where(ResourceLink.voided_at.is_(None))
        .group_by(ResourceLink.pairing_id)
        .subquery()
    )
    sources = {"activities": activities, "training": training, "resources": resources}
    columns = []
    for column in COUNTER_COLUMNS + MONEY_COLUMNS:
        source = next(sub for sub in sources.values() if column in sub.c)
        columns.append(func.coalesce(source.c[column], literal(0)).label(column))
    return (
        select(Pairing.id.label("pairing_id"), *columns)
        .outerjoin(activities, activities.c.pairing_id == Pairing.id)
        .outerjoin(training, training.c.pairing_id == Pairing.id)
        .outerjoin(resources, resources.c.pairing_id == Pairing.id)
    )


async def recount_all(session: AsyncSession) -> None:
    """Rebuild every counter row from the records (after a bulk load, or to repair)."""
    await session.execute(delete(PairingTotals))
    await session.execute(
        insert(PairingTotals).from_select(["pairing_id", *COUNTER_COLUMNS, *MONEY_COLUMNS], recount_select())
    )


def program_totals_select() -> Select[*tuple[Any, ...]]:
    """Every program's ProgramTotals rows recomputed from its pairings and their counter rows."""
    slot = (Pairing.id % PROGRAM_SLOTS).label("slot")
    return (
        select(
            Pairing.program_id,
            slot,
            func.count().label("pairings"),
            func.sum(case((Pairing.status == PairingStatus.ACTIVE, 1), else_=0)).label("active_pairings"),
            *(
                func.coalesce(func.sum(getattr(PairingTotals, column)), literal(0)).label(column)
                for column in COUNTER_COLUMNS + MONEY_COLUMNS
            ),
        )
        .outerjoin(PairingTotals, PairingTotals.pairing_id == Pairing.id)
        .group_by(Pairing.program_id, slot)
    )


def open_milestones_select() -> Select[*tuple[Any, ...]]:
    """Every program's ProgramOpenMilestones rows recomputed from its milestones."""
    return (
        select(Pairing.program_id, Milestone.due_on, func.count().label("open_milestones"))
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .where(Milestone.status.not_in(CLOSED_MILESTONE_STATUSES))
        .group_by(Pairing.program_id, Milestone.due_on)
    )


async def recount_programs(session: AsyncSession) -> None:
    """Rebuild the program counters from the pairings (after a load that ran with triggers off)."""
    for model, recount in ((ProgramTotals, program_totals_select()), (ProgramOpenMilestones, open_milestones_select())):
        await session.execute(delete(model))
        await session.execute(insert(model).from_select(list(recount.selected_columns.keys()), recount))
