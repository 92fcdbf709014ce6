from __future__ import annotations

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.context import Info
from schema.enums import AgencyStatus
from schema.regions import Region, load_region
from schema.relay import Node


@strawberry.type(description="社会工作服务机构: a social work service agency.")
class Agency(Node):
    name: str
    credit_code: str | None = strawberry.field(description="统一社会信用代码, 18 characters.")
    status: AgencyStatus
    version: int
    pk: strawberry.Private[int]
    region_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, agency: models.Agency) -> Agency:
        return cls(
            id=strawberry.ID(encode_id("Agency", agency.id)),
            pk=agency.id,
            name=agency.name,
            credit_code=agency.credit_code,
            status=agency.status,
            version=agency.version,
            region_pk=agency.region_id,
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await load_region(info, self.region_pk)


async def load_agency(info: Info, pk: int) -> Agency:
    return Agency.from_model(await info.context.loaders.agency.load(pk))
