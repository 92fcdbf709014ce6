from __future__ import annotations

import datetime as dt

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.regions import Region, load_region
from schema.relay import Node, instance


@strawberry.type(description="社工服务站: a social work station in a township or village.")
class ServiceStation(Node):
    name: str
    established_on: dt.date
    voided_at: dt.datetime | None = strawberry.field(
        description="Set when the record was voided; voided records count nowhere."
    )
    void_reason: str | None
    pk: strawberry.Private[int]
    region_pk: strawberry.Private[int]
    agency_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, station: models.ServiceStation) -> ServiceStation:
        return instance(
            cls,
            {
                "id": encode_id("ServiceStation", station.id),
                "pk": station.id,
                "voided_at": station.voided_at,
                "void_reason": station.void_reason,
                "name": station.name,
                "established_on": station.established_on,
                "region_pk": station.region_id,
                "agency_pk": station.agency_id,
            },
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await load_region(info, self.region_pk)

    @strawberry.field(description="The agency that operates the station.")
    async def agency(self, info: Info) -> Agency:
        return await load_agency(info.context.loaders, self.agency_pk)
