"""Service and resource totals per pairing: what each record adds to its pairing's counter row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import CENT
from db.models import (
    PairingTotals,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
)
from db.totals import SERVICE_KIND_COLUMN


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


def money(value: Decimal | float | int | None) -> Decimal:
    """Yuan, always shown to the cent. Sums come back as floats from SQLite: a float goes through
    its shortest text, as its binary expansion would carry digits no one wrote."""
    amount = value or 0
    return Decimal(str(amount) if isinstance(amount, float) else amount).quantize(CENT)
