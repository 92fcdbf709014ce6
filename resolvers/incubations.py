"""Incubated organizations (孵化机构): new agencies a pairing incubated, moving forward through
INCUBATING -> REGISTERED -> INDEPENDENT, each stage dated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from db.models import Agency, IncubatedOrganization, IncubationStage, Pairing
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.tx import Tx
from resolvers.validation import Checks
from resolvers.voiding import VoidRecord, void_record
from resolvers.writes import mutation

STAGE_ORDER = (IncubationStage.INCUBATING, IncubationStage.REGISTERED, IncubationStage.INDEPENDENT)


@dataclass(frozen=True)
class RecordIncubation:
    pairing_id: str
    agency_id: str
    started_on: dt.date
    stage: IncubationStage = IncubationStage.INCUBATING
    registered_on: dt.date | None = None
    independent_on: dt.date | None = None
    idempotency_key: str | None = None
    # EvidenceUpload (or StoredEvidence once stored): the files the write attaches.
    evidence: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeIncubationStage:
    """`on` is the day the stage was reached; today when left out."""

    incubation_id: str
    stage: IncubationStage
    on: dt.date | None = None
    version: int | None = None
    # E.g. the registration certificate (登记证书) on reaching REGISTERED.
    evidence: list[Any] = field(default_factory=list)


def _check_stage_dates(
    checks: Checks,
    stage: IncubationStage,
    started_on: dt.date,
    registered_on: dt.date | None,
    independent_on: dt.date | None,
    today: dt.date,
) -> None:
    """Each stage reached has its date, no date of a stage not reached, and the dates in order."""
    reached = STAGE_ORDER.index(stage)
    for name, date, step in (("registered_on", registered_on, 1), ("independent_on", independent_on, 2)):
        if (date is not None) != (reached >= step):
            required = reached >= step
            checks.fail(
                name,
                f"{'required' if required else 'not allowed'} for stage {stage.value}",
                message_zh=f"{stage.value} 阶段{'必须填写' if required else '不应填写'}此日期",
            )
        checks.not_future(name, date, today)
    checks.dates_in_order("registered_on", started_on, registered_on)
    checks.dates_in_order("independent_on", registered_on or started_on, independent_on)


@mutation("recordIncubation", replay=IncubatedOrganization)
async def record_incubation(tx: Tx, request: RecordIncubation) -> IncubatedOrganization:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    agency = await tx.load(Agency, request.agency_id, "agency_id")
    tx.require(pairing=pairing)
    checks = Checks()
    if agency.id in (pairing.mentor_id, pairing.supported_id):
        checks.fail(
            "agency_id",
            "a pairing incubates a new agency, not one of its own two",
            message_zh="结对孵化的应是新机构，而不是结对双方之一",
        )
    checks.within_term("started_on", request.started_on, pairing)
    checks.not_future("started_on", request.started_on, tx.today)
    _check_stage_dates(
        checks, request.stage, request.started_on, request.registered_on, request.independent_on, tx.today
    )
    checks.done()
    if await _already_recorded(tx, pairing, agency):
        raise UserErrors(
            UserError(
                f"{agency.name} is already recorded as incubated by this pairing",
                ErrorCode.CONFLICT,
                ["agency_id"],
                message_zh=f"{agency.name} 已登记为本结对孵化的机构",
            )
        )
    return await tx.add(
        IncubatedOrganization(
            pairing_id=pairing.id,
            agency_id=agency.id,
            stage=request.stage,
            started_on=request.started_on,
            registered_on=request.registered_on,
            independent_on=request.independent_on,
        ),
        request.evidence,
    )


async def _already_recorded(tx: Tx, pairing: Pairing, agency: Agency) -> bool:
    existing = await tx.session.scalar(
        select(IncubatedOrganization.id).where(
            IncubatedOrganization.pairing_id == pairing.id,
            IncubatedOrganization.agency_id == agency.id,
            IncubatedOrganization.voided_at.is_(None),
        )
    )
    return existing is not None


@mutation("changeIncubationStage")
async def change_incubation_stage(tx: Tx, request: ChangeIncubationStage) -> IncubatedOrganization:
    incubation = await tx.load(IncubatedOrganization, request.incubation_id, "incubation_id")
    pairing = await tx.session.get_one(Pairing, incubation.pairing_id)
    tx.require(pairing=pairing)
    if incubation.voided_at is not None or STAGE_ORDER.index(request.stage) <= STAGE_ORDER.index(incubation.stage):
        raise UserErrors(
            UserError(
                f"a {'voided' if incubation.voided_at else incubation.stage.value} incubation cannot move to "
                f"{request.stage.value}; stages only move forward",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                ["stage"],
                message_zh=f"{'已作废' if incubation.voided_at else incubation.stage.value + ' 阶段'}的孵化不能转到 "
                f"{request.stage.value}；阶段只能向前推进",
            )
        )
    on = request.on or tx.today
    registered_on = incubation.registered_on or on
    independent_on = on if request.stage is IncubationStage.INDEPENDENT else None
    checks = Checks()
    checks.not_future("on", on, tx.today)
    checks.dates_in_order("on", incubation.registered_on or incubation.started_on, on)
    checks.done()
    values = {"stage": request.stage, "registered_on": registered_on, "independent_on": independent_on}
    files = await tx.attach(incubation, request.evidence)
    await tx.versioned_update(incubation, values, request.version, audit_extra=files)
    return incubation


@mutation("voidIncubation")
async def void_incubation(tx: Tx, request: VoidRecord) -> IncubatedOrganization:
    return await void_record(tx, IncubatedOrganization, request)
