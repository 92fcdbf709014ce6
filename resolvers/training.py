"""Training sessions (社工人才培养, counted in 期): recorded by the mentor agency, voided if wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from db.models import Pairing, TrainingMode, TrainingSession
from resolvers.totals import add_to_totals, training_delta
from resolvers.tx import Tx
from resolvers.validation import MAX_COUNT, NAME_LENGTH, Checks
from resolvers.voiding import VoidRecord, void_record
from resolvers.writes import mutation

MAX_HOURS = Decimal("9999.9")


@dataclass(frozen=True)
class RecordTrainingSession:
    pairing_id: str
    topic: str
    starts_on: dt.date
    mode: TrainingMode
    participants: int
    hours: Decimal
    ends_on: dt.date | None = None
    idempotency_key: str | None = None
    # EvidenceUpload (or StoredEvidence once stored): the files the write attaches.
    evidence: list[Any] = field(default_factory=list)


def check_training(checks: Checks, pairing: Pairing, request: RecordTrainingSession, today: dt.date) -> str | None:
    """The rules of a training session, for the mutation and the spreadsheet import; the topic stripped."""
    ends_on = request.ends_on or request.starts_on
    topic = checks.text("topic", request.topic, max_length=NAME_LENGTH)
    checks.within_term("starts_on", request.starts_on, pairing)
    checks.not_future("starts_on", request.starts_on, today)
    checks.dates_in_order("ends_on", request.starts_on, ends_on)
    checks.within_term("ends_on", ends_on, pairing)
    checks.number("participants", request.participants, high=MAX_COUNT)
    if request.hours <= 0:
        checks.fail("hours", "must be more than 0", message_zh="必须大于 0")
    checks.decimal("hours", request.hours, places=1, high=MAX_HOURS)
    return topic


@mutation("recordTrainingSession", replay=TrainingSession)
async def record_training_session(tx: Tx, request: RecordTrainingSession) -> TrainingSession:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    tx.require(pairing=pairing)
    ends_on = request.ends_on or request.starts_on
    checks = Checks()
    topic = check_training(checks, pairing, request, tx.today)
    checks.done()
    session = await tx.add(
        TrainingSession(
            pairing_id=pairing.id,
            topic=topic,
            starts_on=request.starts_on,
            ends_on=ends_on,
            hours=request.hours,
            mode=request.mode,
            participants=request.participants,
        ),
        request.evidence,
    )
    await add_to_totals(tx.session, pairing.id, training_delta())
    return session


@mutation("voidTrainingSession")
async def void_training_session(tx: Tx, request: VoidRecord) -> TrainingSession:
    session = await void_record(tx, TrainingSession, request)
    await add_to_totals(tx.session, session.pairing_id, training_delta(-1))
    return session
