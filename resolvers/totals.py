"""Service and resource totals per pairing, kept in counter rows and recountable from records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import CENT
from db.models import (
    Pairing,
    PairingTotals,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
    ServiceKind,
    TrainingSession,
)
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS

SERVICE_KIND_COLUMN = {
    ServiceKind.HOME_VISIT: "home_visits",
    ServiceKind.CASEWORK: "casework_cases",
    ServiceKind.GROUP_SESSION: "group_sessions",
    ServiceKind.THEMED_ACTIVITY: "themed_activities",
}


def activity_delta(activity: ServiceActivity, sign: int = 1) -> dict[str, Any]:
    return {SERVICE_KIND_COLUMN[activity.kind]: sign * activity.count, "beneficiaries": sign * activity.beneficiaries}


def training_delta(sign: int = 1) -> dict[str, Any]:
    return {"training_sessions": sign}


def resource_delta(link: ResourceLink, sign: int = 1) -> dict[str, Any]:
    if link.kind is ResourceKind.CASH:
        return {
            "cash_yuan": sign * link.amount_yuan,
            "disbursement_batches": sign,
            "people_funded": sign * link.people_funded,
        }
    return {"in_kind_yuan": sign * link.amount_yuan, "people_funded": sign * link.people_funded}


async def add_to_totals(session: AsyncSession, pairing_id: int, delta: dict[str, Any]) -> None:
    """Apply a record's (or a void's negative) contribution atomically in the caller's transaction."""
    values = {column: getattr(PairingTotals, column) + amount for column, amount in delta.items()}
    await session.execute(update(PairingTotals).where(PairingTotals.pairing_id == pairing_id).values(**values))


def recount_select() -> Select:
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


def money(value: Decimal | float | int | None) -> Decimal:
    """Sums come back as floats from SQLite; yuan are always shown to the cent."""
    return Decimal(str(value or 0)).quantize(CENT)
