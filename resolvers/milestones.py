"""Capacity milestones (能力建设里程碑) and their review workflow.

A mentor agency submits an update: the milestone becomes SUBMITTED and the update PENDING_REVIEW.
Staff review it, quoting the milestone version they saw: APPROVE makes the update APPROVED and the
milestone ACHIEVED (at 100 % or when the reviewer says so) or IN_PROGRESS; RETURN (with a note)
makes both RETURNED. ACHIEVED and WAIVED milestones take no more updates. Every change bumps the
milestone's version, so two reviewers acting on the same version cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from db.base import utcnow
from db.models import (
    CLOSED_MILESTONE_STATUSES,
    Milestone,
    MilestoneCategory,
    MilestoneEventKind,
    MilestoneStatus,
    MilestoneUpdate,
    Pairing,
    UpdateStatus,
)
from resolvers import access, notices
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.events import record_milestone_event
from resolvers.validation import NAME_LENGTH, NOTE_LENGTH, Checks
from resolvers.writes import Tx, mutation

UNIT_LENGTH = 20


class ReviewDecision(enum.StrEnum):
    APPROVE = "APPROVE"
    RETURN = "RETURN"


@dataclass(frozen=True)
class CreateMilestone:
    pairing_id: str
    title: str
    category: MilestoneCategory
    term_year: int
    due_on: dt.date
    target_value: Decimal | None = None
    unit: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateMilestone:
    """Fields left out (None) stay as they are; `waive` sets the milestone WAIVED."""

    milestone_id: str
    version: int
    title: str | None = None
    category: MilestoneCategory | None = None
    term_year: int | None = None
    due_on: dt.date | None = None
    target_value: Decimal | None = None
    unit: str | None = None
    waive: bool = False


@dataclass(frozen=True)
class SubmitMilestoneUpdate:
    milestone_id: str
    note: str
    progress_percent: int | None = None
    progress_value: Decimal | None = None
    evidence_urls: list[str] = field(default_factory=list)
    idempotency_key: str | None = None
    # EvidenceUpload (or StoredEvidence once stored): the files the write attaches.
    evidence: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewMilestoneUpdate:
    update_id: str
    decision: ReviewDecision
    milestone_version: int
    review_note: str | None = None
    mark_achieved: bool | None = None


@dataclass(frozen=True)
class Reviewed:
    update: MilestoneUpdate
    milestone: Milestone


def _check_plan(checks: Checks, pairing: Pairing, term_year: int | None, due_on: dt.date | None,
                target_value: Decimal | None) -> None:
    checks.number("term_year", term_year, low=1, high=3)
    checks.within_term("due_on", due_on, pairing)
    checks.decimal("target_value", target_value)


@mutation("createMilestone", replay=Milestone)
async def create_milestone(tx: Tx, request: CreateMilestone) -> Milestone:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    access.require(tx.scope.actor, "createMilestone", pairing=pairing)
    checks = Checks()
    title = checks.text("title", request.title, max_length=NAME_LENGTH)
    unit = checks.text("unit", request.unit, max_length=UNIT_LENGTH, required=False)
    _check_plan(checks, pairing, request.term_year, request.due_on, request.target_value)
    checks.done()
    milestone = await tx.add(
        Milestone(
            pairing_id=pairing.id,
            title=title,
            category=request.category,
            term_year=request.term_year,
            due_on=request.due_on,
            target_value=request.target_value,
            unit=unit,
        )
    )
    await notices.on_milestones_changed(tx, pairing.id)
    return milestone


@mutation("updateMilestone")
async def update_milestone(tx: Tx, request: UpdateMilestone) -> Milestone:
    milestone = await tx.load(Milestone, request.milestone_id, "milestone_id")
    pairing = await tx.session.get_one(Pairing, milestone.pairing_id)
    access.require(tx.scope.actor, "updateMilestone", pairing=pairing)
    checks = Checks()
    values = {
        "title": checks.text("title", request.title, max_length=NAME_LENGTH) if request.title is not None else None,
        "unit": checks.text("unit", request.unit, max_length=UNIT_LENGTH) if request.unit is not None else None,
        "category": request.category,
        "term_year": request.term_year,
        "due_on": request.due_on,
        "target_value": request.target_value,
    }
    _check_plan(checks, pairing, request.term_year, request.due_on, request.target_value)
    if request.waive:
        if milestone.status is MilestoneStatus.ACHIEVED:
            checks.fail("waive", "an ACHIEVED milestone cannot be waived", ErrorCode.NOT_ALLOWED_TRANSITION)
        values["status"] = MilestoneStatus.WAIVED
    checks.done()
    await tx.versioned_update(milestone, {k: v for k, v in values.items() if v is not None}, request.version)
    await notices.on_milestones_changed(tx, pairing.id)
    return milestone


@mutation("submitMilestoneUpdate", replay=MilestoneUpdate)
async def submit_milestone_update(tx: Tx, request: SubmitMilestoneUpdate) -> MilestoneUpdate:
    # Submitters quote no version: two submitting at once both succeed, one after the other.
    milestone = await tx.load(Milestone, request.milestone_id, "milestone_id", lock=True)
    pairing = await tx.session.get_one(Pairing, milestone.pairing_id)
    access.require(tx.scope.actor, "submitMilestoneUpdate", pairing=pairing)
    checks = Checks()
    note = checks.text("note", request.note, max_length=NOTE_LENGTH)
    checks.number("progress_percent", request.progress_percent, low=0, high=100)
    checks.decimal("progress_value", request.progress_value)
    urls = checks.urls("evidence_urls", request.evidence_urls)
    checks.done()
    if milestone.status in CLOSED_MILESTONE_STATUSES:
        raise UserErrors(
            UserError(
                f"the milestone is {milestone.status.value} and takes no more updates",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                ["milestone_id"],
            )
        )
    await tx.versioned_update(milestone, {"status": MilestoneStatus.SUBMITTED})
    update = await tx.add(
        MilestoneUpdate(
            milestone_id=milestone.id,
            note=note,
            progress_percent=request.progress_percent,
            progress_value=request.progress_value,
            evidence_urls=urls,
            submitted_by=tx.scope.actor.name,
        ),
        request.evidence,
    )
    await record_milestone_event(tx.session, MilestoneEventKind.SUBMITTED, milestone, update)
    await notices.on_review_step(tx, MilestoneEventKind.SUBMITTED, milestone, update)
    return update


@mutation("reviewMilestoneUpdate")
async def review_milestone_update(tx: Tx, request: ReviewMilestoneUpdate) -> Reviewed:
    update = await tx.load(MilestoneUpdate, request.update_id, "update_id")
    milestone = await tx.session.get_one(Milestone, update.milestone_id)
    pairing = await tx.session.get_one(Pairing, milestone.pairing_id)
    access.require(tx.scope.actor, "reviewMilestoneUpdate", pairing=pairing)
    checks = Checks()
    returning = request.decision is ReviewDecision.RETURN
    note = checks.text("review_note", request.review_note, max_length=NOTE_LENGTH, required=returning)
    checks.done()
    # The version is checked first: of two reviewers racing on one version, the loser is told
    # that someone else acted, whatever that did to the update.
    if request.milestone_version != milestone.version:
        raise UserErrors(_stale(milestone, request.milestone_version))
    if update.status is not UpdateStatus.PENDING_REVIEW:
        raise UserErrors(_not_reviewable(f"the update is {update.status.value}, not PENDING_REVIEW"))
    if milestone.status in CLOSED_MILESTONE_STATUSES:
        raise UserErrors(_not_reviewable(f"the milestone is already {milestone.status.value}"))
    if returning:
        milestone_status, update_status, kind = MilestoneStatus.RETURNED, UpdateStatus.RETURNED, MilestoneEventKind.RETURNED
    else:
        achieved = update.progress_percent == 100 or bool(request.mark_achieved)
        milestone_status = MilestoneStatus.ACHIEVED if achieved else MilestoneStatus.IN_PROGRESS
        update_status, kind = UpdateStatus.APPROVED, MilestoneEventKind.APPROVED
    milestone_values: dict[str, object] = {"status": milestone_status}
    if milestone_status is MilestoneStatus.ACHIEVED:
        milestone_values["achieved_on"] = tx.today
    await tx.versioned_update(milestone, milestone_values, request.milestone_version, "milestone_version")
    await tx.guarded_update(
        update,
        {"status": update_status, "review_note": note, "reviewed_by": tx.scope.actor.name, "reviewed_at": utcnow()},
        MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW,
        _not_reviewable("the update was reviewed meanwhile"),
    )
    await record_milestone_event(tx.session, kind, milestone, update)
    await notices.on_review_step(tx, kind, milestone, update)
    await notices.on_milestones_changed(tx, pairing.id)
    return Reviewed(update=update, milestone=milestone)


def _stale(milestone: Milestone, version: int) -> UserError:
    return UserError(
        f"the milestone is at version {milestone.version}, you reviewed version {version}; reload it and try again",
        ErrorCode.STALE_VERSION,
        ["milestone_version"],
    )


def _not_reviewable(message: str) -> UserError:
    return UserError(message, ErrorCode.NOT_ALLOWED_TRANSITION, ["update_id"])
