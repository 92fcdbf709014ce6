"""Mutations on milestones: planning (staff), submitting updates (mentor agency), reviewing (staff)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from resolvers import milestones
from schema.context import Info
from schema.enums import MilestoneCategory
from schema.evidence import EvidenceInput, evidence_argument
from schema.inputs import UserError, payload_of, request_of
from schema.milestones import Milestone, MilestoneUpdate

ReviewDecision = milestones.ReviewDecision
strawberry.enum(ReviewDecision, name="ReviewDecision")


@strawberry.input
class CreateMilestoneInput:
    pairing_id: strawberry.ID
    title: str
    category: MilestoneCategory
    term_year: int = strawberry.field(description="Year of the pairing's term, 1 to 3.")
    due_on: dt.date = strawberry.field(description="Within the pairing's term.")
    target_value: Decimal | None = None
    unit: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class CreateMilestonePayload:
    milestone: Milestone | None
    user_errors: list[UserError]


@strawberry.input(description="Fields left out stay as they are.")
class UpdateMilestoneInput:
    milestone_id: strawberry.ID
    version: int = strawberry.field(description="The version you saw; STALE_VERSION if it changed since.")
    title: str | None = None
    category: MilestoneCategory | None = None
    term_year: int | None = None
    due_on: dt.date | None = None
    target_value: Decimal | None = None
    unit: str | None = None
    waive: bool | None = strawberry.field(default=None, description="true: the milestone no longer applies (WAIVED).")


@strawberry.type
class UpdateMilestonePayload:
    milestone: Milestone | None
    user_errors: list[UserError]


@strawberry.input
class SubmitMilestoneUpdateInput:
    milestone_id: strawberry.ID
    note: str
    progress_percent: int | None = None
    progress_value: Decimal | None = None
    evidence_urls: list[str] | None = strawberry.field(default=None, description="http(s) links only.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key and input returns the first result."
    )
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.type
class SubmitMilestoneUpdatePayload:
    milestone_update: MilestoneUpdate | None
    user_errors: list[UserError]


@strawberry.input
class ReviewMilestoneUpdateInput:
    update_id: strawberry.ID
    decision: ReviewDecision
    review_note: str | None = strawberry.field(default=None, description="Required to RETURN.")
    milestone_version: int = strawberry.field(description="The version of the milestone the reviewer saw.")
    mark_achieved: bool | None = strawberry.field(
        default=None, description="On APPROVE: mark the milestone ACHIEVED below 100 %."
    )
    achieved_on: dt.date | None = strawberry.field(
        default=None,
        description="On an APPROVE that marks the milestone ACHIEVED: when the work was achieved, if before the "
        "update's submission date (the default); not before the pairing's start.",
    )


@strawberry.type
class ReviewMilestoneUpdatePayload:
    milestone_update: MilestoneUpdate | None
    milestone: Milestone | None
    user_errors: list[UserError]


@strawberry.type
class MilestoneMutation:
    @strawberry.mutation
    async def create_milestone(self, info: Info, input: CreateMilestoneInput) -> CreateMilestonePayload:
        outcome = await milestones.create_milestone(info.context, request_of(milestones.CreateMilestone, input))
        return payload_of(CreateMilestonePayload, outcome, milestone=Milestone.from_model)

    @strawberry.mutation
    async def update_milestone(self, info: Info, input: UpdateMilestoneInput) -> UpdateMilestonePayload:
        outcome = await milestones.update_milestone(info.context, request_of(milestones.UpdateMilestone, input))
        return payload_of(UpdateMilestonePayload, outcome, milestone=Milestone.from_model)

    @strawberry.mutation(
        description="The mentor agency reports progress; the milestone becomes SUBMITTED. UPDATE_PENDING while "
        "another update of the milestone waits for review; NOT_ALLOWED_TRANSITION in a SUSPENDED, COMPLETED or "
        "TERMINATED pairing."
    )
    async def submit_milestone_update(
        self, info: Info, input: SubmitMilestoneUpdateInput
    ) -> SubmitMilestoneUpdatePayload:
        request = request_of(milestones.SubmitMilestoneUpdate, input)
        outcome = await milestones.submit_milestone_update(info.context, request)
        return payload_of(SubmitMilestoneUpdatePayload, outcome, milestone_update=MilestoneUpdate.from_model)

    @strawberry.mutation(
        description="Staff approve or return the milestone's pending update; NOT_ALLOWED_TRANSITION in a "
        "COMPLETED or TERMINATED pairing."
    )
    async def review_milestone_update(
        self, info: Info, input: ReviewMilestoneUpdateInput
    ) -> ReviewMilestoneUpdatePayload:
        request = request_of(milestones.ReviewMilestoneUpdate, input)
        outcome = await milestones.review_milestone_update(info.context, request)
        return payload_of(
            ReviewMilestoneUpdatePayload,
            outcome,
            milestone_update=lambda reviewed: MilestoneUpdate.from_model(reviewed.update),
            milestone=lambda reviewed: Milestone.from_model(reviewed.milestone),
        )
