from __future__ import annotations

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.context import Info
from schema.enums import RegionLevel
from schema.relay import Node, instance


@strawberry.type(description="行政区划: a region with its GB/T 2260 code.")
class Region(Node):
    code: str
    name: str
    level: RegionLevel
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, region: models.Region) -> Region:
        return instance(
            cls,
            {
                "id": encode_id("Region", region.id),
                "pk": region.id,
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "parent_pk": region.parent_id,
            },
        )

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        if self.parent_pk is None:
            return None
        return Region.from_model(await info.context.loaders.region.load(self.parent_pk))


async def load_region(info: Info, pk: int) -> Region:
    return Region.from_model(await info.context.loaders.region.load(pk))
