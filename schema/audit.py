from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from db import models
from resolvers.ids import encode_id
from schema.relay import Node, instance


@strawberry.type(description="Who did what to which object, when: one per object a mutation changed. Append-only.")
class AuditEvent(Node):
    occurred_at: dt.datetime
    actor_name: str
    action: str = strawberry.field(description="The mutation, e.g. submitMilestoneUpdate.")
    object_type: str
    object_id: strawberry.ID = strawberry.field(description="The global ID of the changed object.")
    changes: JSON = strawberry.field(description='{"before": {...}, "after": {...}} of the changed fields.')
    request_id: str | None
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, event: models.AuditEvent) -> AuditEvent:
        return instance(
            cls,
            {
                "id": encode_id("AuditEvent", event.id),
                "pk": event.id,
                "occurred_at": event.occurred_at,
                "actor_name": event.actor_name,
                "action": event.action,
                "object_type": event.object_type,
                "object_id": encode_id(event.object_type, event.object_id),
                "changes": event.changes,
                "request_id": event.request_id,
            },
        )
