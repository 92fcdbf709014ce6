from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from db import models
from resolvers.ids import encode_id
from resolvers.totals import money
from schema.context import Info
from schema.enums import ResourceKind
from schema.evidence import EVIDENCE_DESCRIPTION, EvidenceFile, evidence_of
from schema.relay import Node, instance


@strawberry.type(description="链接资源: one disbursement of a charity project linked in.")
class ResourceLink(Node):
    project_name: str
    donor: str | None
    kind: ResourceKind
    amount_yuan: Decimal
    disbursement_batch: int | None
    people_funded: int = strawberry.field(description="People newly funded by this disbursement.")
    occurred_on: dt.date
    voided_at: dt.datetime | None = strawberry.field(
        description="Set when the record was voided; voided records count nowhere."
    )
    void_reason: str | None
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, link: models.ResourceLink) -> ResourceLink:
        return instance(
            cls,
            {
                "id": encode_id("ResourceLink", link.id),
                "pk": link.id,
                "voided_at": link.voided_at,
                "void_reason": link.void_reason,
                "project_name": link.project_name,
                "donor": link.donor,
                "kind": link.kind,
                "amount_yuan": money(link.amount_yuan),
                "disbursement_batch": link.disbursement_batch,
                "people_funded": link.people_funded,
                "occurred_on": link.occurred_on,
            },
        )

    @strawberry.field(description=EVIDENCE_DESCRIPTION)
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await evidence_of(info, "ResourceLink", self.pk)
