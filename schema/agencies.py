from __future__ import annotations

from collections.abc import Collection, Sequence

import strawberry

from db import models
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from schema.engine.lookahead import Lazy
from schema.enums import AgencyStatus
from schema.regions import Region
from schema.relay import Node, instance


@strawberry.type(description="社会工作服务机构: a social work service agency.")
class Agency(Node):
    name: str
    credit_code: str | None = strawberry.field(description="统一社会信用代码, 18 characters.")
    status: AgencyStatus
    version: int
    region: Region
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, agency: models.Agency, loaders: Loaders, region: Region | None = None) -> Agency:
        """`region` when the caller fetched it ahead; otherwise it loads if the query selects it."""
        return instance(
            cls,
            {
                "id": encode_id("Agency", agency.id),
                "pk": agency.id,
                "name": agency.name,
                "credit_code": agency.credit_code,
                "status": agency.status,
                "version": agency.version,
                "region": region or Lazy(lambda: region_of(loaders, agency.region_id)),
            },
        )


async def region_of(loaders: Loaders, pk: int) -> Region:
    return Region.from_model(await loaders.region.load(pk))


async def load_agency(loaders: Loaders, pk: int) -> Agency:
    return Agency.from_model(await loaders.agency.load(pk), loaders)


async def agencies_of(loaders: Loaders, rows: Sequence[models.Agency], paths: Collection[str]) -> list[Agency]:
    """The agencies of a page, their regions fetched in one batch when the query selects them."""
    regions: dict[int, Region] = {}
    if "region" in paths:
        loaded = await loaders.region.load_many([row.region_id for row in rows])
        regions = {region.id: Region.from_model(region) for region in loaded}
    return [Agency.from_model(row, loaders, regions.get(row.region_id)) for row in rows]
