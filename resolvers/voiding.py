"""Voiding a record of a pairing (a training session, service activity, resource link, service
station or incubated organization): each record kind's void mutation runs `void_record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from db.models import IncubatedOrganization, Pairing, ResourceLink, ServiceActivity, ServiceStation, TrainingSession
from resolvers.tx import Tx
from resolvers.validation import REASON_LENGTH, Checks

# A record of a pairing that can be voided (void_record).
V = TypeVar("V", bound=TrainingSession | ServiceActivity | ResourceLink | ServiceStation | IncubatedOrganization)


@dataclass(frozen=True)
class VoidRecord:
    """A record entered by mistake: kept with the reason, left out of totals from now on."""

    id: str
    reason: str


async def void_record(tx: Tx, model: type[V], request: VoidRecord) -> V:
    row = await tx.load(model, request.id, "id")
    pairing = None if row.pairing_id is None else await tx.session.get_one(Pairing, row.pairing_id)
    tx.require(pairing=pairing)
    checks = Checks()
    reason = checks.text("reason", request.reason, max_length=REASON_LENGTH)
    checks.done()
    assert reason is not None  # a blank reason was refused by checks.done()
    await tx.void(row, reason)
    return row
