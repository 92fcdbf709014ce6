"""Service activities (服务记录): recorded per pairing, optionally at one of its stations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from db.models import Pairing, ServiceActivity, ServiceKind, ServiceStation
from resolvers.totals import activity_delta, add_to_totals
from resolvers.tx import Tx
from resolvers.validation import MAX_COUNT, MAX_PEOPLE, REASON_LENGTH, Checks
from resolvers.voiding import VoidRecord, void_record
from resolvers.writes import mutation


@dataclass(frozen=True)
class RecordServiceActivity:
    pairing_id: str
    kind: ServiceKind
    occurred_on: dt.date
    count: int
    beneficiaries: int = 0
    station_id: str | None = None
    note: str | None = None
    idempotency_key: str | None = None
    # EvidenceUpload (or StoredEvidence once stored): the files the write attaches.
    evidence: list[Any] = field(default_factory=list)


def check_activity(
    checks: Checks, pairing: Pairing, station: ServiceStation | None, request: RecordServiceActivity, today: dt.date
) -> str | None:
    """The rules of a service activity, for the mutation and the spreadsheet import; the note stripped."""
    if station is not None and (station.pairing_id != pairing.id or station.voided_at is not None):
        checks.fail(
            "station_id",
            "the station is not a (non-voided) station of this pairing",
            message_zh="服务站不是该结对（未作废）的服务站",
        )
    checks.within_term("occurred_on", request.occurred_on, pairing)
    checks.not_future("occurred_on", request.occurred_on, today)
    checks.number("count", request.count, high=MAX_COUNT)
    checks.number("beneficiaries", request.beneficiaries, high=MAX_PEOPLE)
    return checks.text("note", request.note, max_length=REASON_LENGTH, required=False)


@mutation("recordServiceActivity", replay=ServiceActivity)
async def record_service_activity(tx: Tx, request: RecordServiceActivity) -> ServiceActivity:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    station = await tx.load_optional(ServiceStation, request.station_id, "station_id")
    tx.require(pairing=pairing)
    checks = Checks()
    note = check_activity(checks, pairing, station, request, tx.today)
    checks.done()
    activity = await tx.add(
        ServiceActivity(
            pairing_id=pairing.id,
            station_id=station.id if station else None,
            kind=request.kind,
            occurred_on=request.occurred_on,
            count=request.count,
            beneficiaries=request.beneficiaries,
            note=note,
        ),
        request.evidence,
    )
    await add_to_totals(tx.session, pairing.id, activity_delta(activity))
    return activity


@mutation("voidServiceActivity")
async def void_service_activity(tx: Tx, request: VoidRecord) -> ServiceActivity:
    activity = await void_record(tx, ServiceActivity, request)
    await add_to_totals(tx.session, activity.pairing_id, activity_delta(activity, -1))
    return activity
