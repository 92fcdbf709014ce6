"""Capacity milestones (能力建设里程碑) and their review workflow.

A mentor agency submits an update: the milestone becomes SUBMITTED and the update PENDING_REVIEW.
Staff review it, quoting the milestone version they saw: APPROVE makes the update APPROVED and the
milestone ACHIEVED (at 100 % or when the reviewer says so) or IN_PROGRESS; RETURN (with a note)
makes both RETURNED. ACHIEVED and WAIVED milestones take no more updates. Every change bumps the
milestone's version, so two reviewers acting on the same version cannot both succeed.

One update is pending review per milestone at a time: a second submission is refused with
UPDATE_PENDING (not queued, not superseding: the mentor waits for the review, or the reviewer
returns the update), and a unique index on pending updates holds the rule against racing writers.
So the update a reviewer acts on is always the milestone's current one.

An achieved milestone keeps two dates: `achieved_on`, when the work was reported (the approved
update's submission, China date, or an earlier date the reviewer gives) and `approved_on`, when the
review approved it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

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
from resolvers import notices
from resolvers.constraint_errors import UPDATE_PENDING
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.events import record_milestone_event
from resolvers.scope import CHINA
from resolvers.tx import Tx
from resolvers.validation import NAME_LENGTH, NOTE_LENGTH, Checks
from resolvers.writes import mutation

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
    # When the work was achieved, if not on the update's submission date.
    achieved_on: dt.date | None = None


@dataclass(frozen=True)
class Reviewed:
    update: MilestoneUpdate
    milestone: Milestone


def _check_plan(
    checks: Checks, pairing: Pairing, term_year: int | None, due_on: dt.date | None, target_value: Decimal | None
) -> None:
    checks.number("term_year", term_year, low=1, high=3)
    checks.within_term("due_on", due_on, pairing)
    checks.decimal("target_value", target_value)


def check_new_milestone(checks: Checks, pairing: Pairing, request: CreateMilestone) -> tuple[str | None, str | None]:
    """The rules of a milestone's plan, for the mutation and the spreadsheet import; title and unit stripped."""
    title = checks.text("title", request.title, max_length=NAME_LENGTH)
    unit = checks.text("unit", request.unit, max_length=UNIT_LENGTH, required=False)
    _check_plan(checks, pairing, request.term_year, request.due_on, request.target_value)
    return title, unit


@mutation("createMilestone", replay=Milestone)
async def create_milestone(tx: Tx, request: CreateMilestone) -> Milestone:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    tx.require(pairing=pairing)
    checks = Checks()
    title, unit = check_new_milestone(checks, pairing, request)
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
    tx.require(pairing=pairing)
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
            checks.fail(
                "waive",
                "an ACHIEVED milestone cannot be waived",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                message_zh="已达成（ACHIEVED）的里程碑不能免除",
            )
        values["status"] = MilestoneStatus.WAIVED
    checks.done()
    await tx.versioned_update(milestone, {k: v for k, v in values.items() if v is not None}, request.version)
    await notices.on_milestones_changed(tx, pairing.id)
    return milestone


# The id of the milestone's update pending review, if any, and the notice's subject: read with the milestone.
SUBMIT_ALSO = (
    *notices.SUBJECT_COLUMNS,
    (
        "pending",
        select(MilestoneUpdate.id)
        .where(MilestoneUpdate.milestone_id == Milestone.id, MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW)
        .scalar_subquery(),
    ),
)


@mutation("submitMilestoneUpdate", replay=MilestoneUpdate, claim_with_load=True)
async def submit_milestone_update(tx: Tx, request: SubmitMilestoneUpdate) -> MilestoneUpdate:
    # Submitters quote no version: two submitting at once both succeed, one after the other.
    milestone, loaded = await tx.load_with(Milestone, request.milestone_id, "milestone_id", lock=True, also=SUBMIT_ALSO)
    pairing = await tx.session.get_one(Pairing, milestone.pairing_id)
    tx.require(pairing=pairing)
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
                message_zh=f"该里程碑已是 {milestone.status.value}，不再接受进展报告",
            )
        )
    # Read with the row, before its lock was granted: a submission that committed while this one
    # waited is not seen here, and the unique index on pending updates refuses this one instead.
    if loaded["pending"] is not None:
        raise UserErrors(UPDATE_PENDING)
    update = await tx.versioned_update_and_add(
        milestone,
        {"status": MilestoneStatus.SUBMITTED},
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
    _announce(tx, MilestoneEventKind.SUBMITTED, pairing, loaded, milestone, update)
    return update


@mutation("reviewMilestoneUpdate")
async def review_milestone_update(tx: Tx, request: ReviewMilestoneUpdate) -> Reviewed:
    update, loaded = await tx.load_with(MilestoneUpdate, request.update_id, "update_id", also=notices.SUBJECT_COLUMNS)
    milestone = await tx.session.get_one(Milestone, update.milestone_id)
    pairing = await tx.session.get_one(Pairing, milestone.pairing_id)
    tx.require(pairing=pairing)
    checks = Checks()
    returning = request.decision is ReviewDecision.RETURN
    note = checks.text("review_note", request.review_note, max_length=NOTE_LENGTH, required=returning)
    checks.done()
    # The version is checked first: of two reviewers racing on one version, the loser is told
    # that someone else acted, whatever that did to the update.
    if request.milestone_version != milestone.version:
        raise UserErrors(_stale(milestone, request.milestone_version))
    if update.status is not UpdateStatus.PENDING_REVIEW:
        raise UserErrors(
            _not_reviewable(
                f"the update is {update.status.value}, not PENDING_REVIEW",
                f"该进展报告的状态是 {update.status.value}，不是待审核（PENDING_REVIEW）",
            )
        )
    if milestone.status in CLOSED_MILESTONE_STATUSES:
        raise UserErrors(
            _not_reviewable(
                f"the milestone is already {milestone.status.value}", f"该里程碑已是 {milestone.status.value}"
            )
        )
    if returning:
        milestone_status, update_status, kind = (
            MilestoneStatus.RETURNED,
            UpdateStatus.RETURNED,
            MilestoneEventKind.RETURNED,
        )
    else:
        achieved = update.progress_percent == 100 or bool(request.mark_achieved)
        milestone_status = MilestoneStatus.ACHIEVED if achieved else MilestoneStatus.IN_PROGRESS
        update_status, kind = UpdateStatus.APPROVED, MilestoneEventKind.APPROVED
    milestone_values: dict[str, object] = {"status": milestone_status}
    if milestone_status is MilestoneStatus.ACHIEVED:
        milestone_values["achieved_on"] = _achieved_on(tx, update, pairing, request.achieved_on)
        milestone_values["approved_on"] = tx.today
    elif request.achieved_on is not None:
        raise UserErrors(
            UserError(
                "only an update that marks the milestone ACHIEVED takes an achievedOn date",
                ErrorCode.INVALID,
                ["achieved_on"],
                message_zh="只有标记里程碑为已达成的审核才能填写达成日期",
            )
        )
    await tx.versioned_update_and_guarded_update(
        milestone,
        milestone_values,
        request.milestone_version,
        "milestone_version",
        update,
        {"status": update_status, "review_note": note, "reviewed_by": tx.scope.actor.name, "reviewed_at": utcnow()},
        ("status", UpdateStatus.PENDING_REVIEW),
        _not_reviewable("the update was reviewed meanwhile", "该进展报告已被他人审核"),
    )
    _announce(tx, kind, pairing, loaded, milestone, update)
    await notices.on_milestones_changed(tx, pairing.id)
    return Reviewed(update=update, milestone=milestone)


def _announce(
    tx: Tx,
    kind: MilestoneEventKind,
    pairing: Pairing,
    loaded: dict[str, Any],
    milestone: Milestone,
    update: MilestoneUpdate,
) -> None:
    """The milestone event (for subscriptions) and the notice (inbox, webhooks) of a review step,
    written with the write's batch; `loaded`: the notice's subject columns, read with the row."""
    record_milestone_event(tx.session, tx.batch, kind, milestone, update, pairing)
    notices.on_review_step(tx, kind, notices.subject_from(pairing, loaded), milestone, update)


def _achieved_on(tx: Tx, update: MilestoneUpdate, pairing: Pairing, given: dt.date | None) -> dt.date:
    """When the work was achieved: the update's submission (China date) unless the reviewer gives an
    earlier day within the pairing's term. Never after today, which a demo or test may fix in the past."""
    submitted_on = min(update.submitted_at.astimezone(CHINA).date(), tx.today)
    if given is None:
        return submitted_on
    checks = Checks()
    if not pairing.starts_on <= given <= submitted_on:
        checks.fail(
            "achieved_on",
            f"must lie between the pairing's start {pairing.starts_on.isoformat()} and the update's submission "
            f"{submitted_on.isoformat()}",
            message_zh=f"达成日期须在结对开始日期 {pairing.starts_on.isoformat()} 与报告提交日期 "
            f"{submitted_on.isoformat()} 之间",
        )
    checks.done()
    return given


def _stale(milestone: Milestone, version: int) -> UserError:
    return UserError(
        f"the milestone is at version {milestone.version}, you reviewed version {version}; reload it and try again",
        ErrorCode.STALE_VERSION,
        ["milestone_version"],
        message_zh=f"该里程碑已是第 {milestone.version} 版，您审核的是第 {version} 版；请刷新后重试",
    )


def _not_reviewable(message: str, message_zh: str) -> UserError:
    return UserError(message, ErrorCode.NOT_ALLOWED_TRANSITION, ["update_id"], message_zh=message_zh)
