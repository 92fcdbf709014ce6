from __future__ import annotations

import datetime as dt

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import IncubationStage
from schema.evidence import EVIDENCE_DESCRIPTION, EvidenceFile, evidence_of
from schema.relay import Node, instance


@strawberry.type(description="孵化机构: a new agency a pairing incubated.")
class IncubatedOrganization(Node):
    stage: IncubationStage
    started_on: dt.date
    registered_on: dt.date | None
    independent_on: dt.date | None
    version: int
    voided_at: dt.datetime | None = strawberry.field(
        description="Set when the record was voided; voided records count nowhere."
    )
    void_reason: str | None
    pk: strawberry.Private[int]
    agency_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, incubation: models.IncubatedOrganization) -> IncubatedOrganization:
        return instance(
            cls,
            {
                "id": encode_id("IncubatedOrganization", incubation.id),
                "pk": incubation.id,
                "voided_at": incubation.voided_at,
                "void_reason": incubation.void_reason,
                "stage": incubation.stage,
                "started_on": incubation.started_on,
                "registered_on": incubation.registered_on,
                "independent_on": incubation.independent_on,
                "version": incubation.version,
                "agency_pk": incubation.agency_id,
            },
        )

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return await load_agency(info.context.loaders, self.agency_pk)

    @strawberry.field(description=EVIDENCE_DESCRIPTION)
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await evidence_of(info, "IncubatedOrganization", self.pk)
