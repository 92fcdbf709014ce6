from __future__ import annotations

import datetime as dt

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.context import Info
from schema.enums import ServiceKind
from schema.evidence import EVIDENCE_DESCRIPTION, EvidenceFile, evidence_of
from schema.relay import Node, instance


@strawberry.type(description="服务记录: `count` is in the kind's unit (人次, 节次 or 次).")
class ServiceActivity(Node):
    kind: ServiceKind
    occurred_on: dt.date
    count: int
    beneficiaries: int
    note: str | None
    station_id: strawberry.ID | None
    voided_at: dt.datetime | None = strawberry.field(
        description="Set when the record was voided; voided records count nowhere."
    )
    void_reason: str | None
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, activity: models.ServiceActivity) -> ServiceActivity:
        return instance(
            cls,
            {
                "id": encode_id("ServiceActivity", activity.id),
                "pk": activity.id,
                "voided_at": activity.voided_at,
                "void_reason": activity.void_reason,
                "kind": activity.kind,
                "occurred_on": activity.occurred_on,
                "count": activity.count,
                "beneficiaries": activity.beneficiaries,
                "note": activity.note,
                "station_id": None if activity.station_id is None else encode_id("ServiceStation", activity.station_id),
            },
        )

    @strawberry.field(description=EVIDENCE_DESCRIPTION)
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await evidence_of(info, "ServiceActivity", self.pk)
