"""Service and resource totals per pairing: what each record adds to its pairing's counter row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import CENT
from db.models import (
    PairingTotals,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
)
from db.models.totals import PROGRAM_SLOTS
from db.totals import SERVICE_KIND_COLUMN

# Pairing rows locked per statement: well under SQLite's limit of bound parameters.
LOCK_BATCH = 1_000


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


async def add_to_many_totals(session: AsyncSession, deltas: dict[int, dict[str, Any]]) -> None:
    """Apply many pairings' deltas, taking the rows in the one order every writer takes them.

    A write adds to its pairing's counter row, and a trigger then adds to the program's row of that
    pairing's slot (ProgramTotals). Two transactions that each took some of these rows in another
    order could each wait for the other: so first every pairing's row is locked in id order, then
    the rows are changed in slot order, which takes the program's rows in slot order. A single
    record's write (one pairing row, then its slot) fits the same order."""
    changed = {pairing_id: delta for pairing_id, delta in deltas.items() if any(delta.values())}
    ids = sorted(changed)
    for start in range(0, len(ids), LOCK_BATCH):
        batch = ids[start : start + LOCK_BATCH]
        await session.execute(
            select(PairingTotals.pairing_id)
            .where(PairingTotals.pairing_id.in_(batch))
            .order_by(PairingTotals.pairing_id)
            .with_for_update()
        )
    for pairing_id in sorted(ids, key=lambda pairing_id: (pairing_id % PROGRAM_SLOTS, pairing_id)):
        await add_to_totals(session, pairing_id, changed[pairing_id])


def money(value: Decimal | float | int | None) -> Decimal:
    """Yuan, always shown to the cent. Sums come back as floats from SQLite: a float goes through
    its shortest text, as its binary expansion would carry digits no one wrote."""
    amount = value or 0
    return Decimal(str(amount) if isinstance(amount, float) else amount).quantize(CENT)
