from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.access import reads_review_notes
from resolvers.ids import encode_id
from resolvers.progress import is_overdue
from schema.context import Info
from schema.engine.loaded import connection_field
from schema.enums import MilestoneCategory, MilestoneStatus, UpdateStatus
from schema.evidence import EVIDENCE_DESCRIPTION, EvidenceFile, evidence_of
from schema.relay import Connection, Node, instance

if TYPE_CHECKING:
    from schema.pairings import Pairing


# A milestone's updates, which a page of milestones fetches ahead (schema/pairings.py, PAIRING_LISTS).
UPDATES = connection_field(lambda loaders: loaders.updates_of_milestone, lambda row: MilestoneUpdate.from_model(row))


@strawberry.type(description="能力建设里程碑: a capacity milestone of a pairing.")
class Milestone(Node):
    title: str
    category: MilestoneCategory
    term_year: int = strawberry.field(description="Year of the pairing's term, 1 to 3.")
    due_on: dt.date
    target_value: Decimal | None
    unit: str | None
    status: MilestoneStatus
    achieved_on: dt.date | None = strawberry.field(
        description="When the work was achieved (China date): the approved update's submission, or the date the "
        "reviewer gave. Compare it with dueOn to tell whether the work was on time."
    )
    approved_on: dt.date | None = strawberry.field(
        description="When staff approved the update that marked the milestone ACHIEVED (China date)."
    )
    version: int = strawberry.field(description="Bumped by every change; reviews must quote it.")
    pk: strawberry.Private[int]
    pairing_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, milestone: models.Milestone) -> Milestone:
        return instance(
            cls,
            {
                "id": encode_id("Milestone", milestone.id),
                "pk": milestone.id,
                "title": milestone.title,
                "category": milestone.category,
                "term_year": milestone.term_year,
                "due_on": milestone.due_on,
                "target_value": milestone.target_value,
                "unit": milestone.unit,
                "status": milestone.status,
                "achieved_on": milestone.achieved_on,
                "approved_on": milestone.approved_on,
                "version": milestone.version,
                "pairing_pk": milestone.pairing_id,
            },
        )

    @strawberry.field(description="Past due (China date) and neither ACHIEVED nor WAIVED.")
    def is_overdue(self, info: Info) -> bool:
        return is_overdue(self.due_on, self.status, info.context.today)

    @strawberry.field
    async def pairing(self, info: Info) -> Annotated[Pairing, strawberry.lazy("schema.pairings")]:
        from schema.pairings import load_pairing  # noqa: PLC0415 - Pairing refers back to Milestone

        return await load_pairing(info.context.loaders, self.pairing_pk)

    @strawberry.field(metadata=UPDATES.metadata)
    async def updates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MilestoneUpdate]:
        return await UPDATES.resolve(info.context.loaders, self.pk, first=first, after=after)


@strawberry.type(description="进展报告: a progress update submitted by the mentor agency and reviewed by staff.")
class MilestoneUpdate(Node):
    note: str
    progress_value: Decimal | None
    progress_percent: int | None
    evidence_urls: list[str]
    status: UpdateStatus
    submitted_by: str
    submitted_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_note_text: strawberry.Private[str | None]
    pk: strawberry.Private[int]
    milestone_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, update: models.MilestoneUpdate) -> MilestoneUpdate:
        return instance(
            cls,
            {
                "id": encode_id("MilestoneUpdate", update.id),
                "pk": update.id,
                "note": update.note,
                "progress_value": update.progress_value,
                "progress_percent": update.progress_percent,
                "evidence_urls": list(update.evidence_urls),
                "status": update.status,
                "submitted_by": update.submitted_by,
                "submitted_at": update.submitted_at,
                "reviewed_by": update.reviewed_by,
                "reviewed_at": update.reviewed_at,
                "review_note_text": update.review_note,
                "milestone_pk": update.milestone_id,
            },
        )

    @strawberry.field(description="The reviewer's note; null for VIEWER tokens, which do not read review notes.")
    def review_note(self, info: Info) -> str | None:
        return self.review_note_text if reads_review_notes(info.context.actor) else None

    @strawberry.field(description=EVIDENCE_DESCRIPTION)
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await evidence_of(info, "MilestoneUpdate", self.pk)

    @strawberry.field
    async def milestone(self, info: Info) -> Milestone:
        return Milestone.from_model(await info.context.loaders.milestone.load(self.milestone_pk))
