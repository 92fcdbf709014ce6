from __future__ import annotations

import datetime as dt

import strawberry

from resolvers.events import EventView
from resolvers.ids import encode_id
from schema.enums import MilestoneEventKind
from schema.milestones import Milestone, MilestoneUpdate


@strawberry.type(
    description="A milestone update was submitted, approved or returned. `milestone` and `update` are "
    "as they are when the event is delivered; pass the last `id` received as `since` to resume."
)
class MilestoneEvent:
    id: strawberry.ID = strawberry.field(description="Global ID of the event; ascending in time of writing.")
    kind: MilestoneEventKind
    occurred_at: dt.datetime
    milestone: Milestone
    update: MilestoneUpdate

    @classmethod
    def from_view(cls, view: EventView) -> MilestoneEvent:
        return cls(
            id=strawberry.ID(encode_id("MilestoneEvent", view.event.id)),
            kind=view.event.kind,
            occurred_at=view.event.occurred_at,
            milestone=Milestone.from_model(view.milestone),
            update=MilestoneUpdate.from_model(view.update),
        )
