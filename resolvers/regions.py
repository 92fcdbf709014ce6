"""Regions (行政区划): lookups and subtree conditions."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, select

from db.models import Region, RegionLevel
from db.records import read_columns
from resolvers import access
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.pagination import Ordering, Page, paginate
from resolvers.scope import Scope

REGION_ORDER = Ordering(columns=(Region.code, Region.id), key_of=lambda region: (region.code, region.id))


async def region_by_global_id(scope: Scope, region_id: str) -> Region:
    # A row of the region's read columns, which reads as the model does.
    region: Region | None = await scope.loaders.region.load(decode_typed_id(region_id, "Region"))
    if region is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no region {region_id!r}", message_zh=f"没有行政区划 {region_id!r}")
    return region


def in_subtree(path_column: SQLColumnExpression[str], path: str) -> ColumnElement[bool]:
    """`path_column` is a region path at or below the region at `path`: an index range, not a LIKE scan."""
    low, high = access.subtree(path)
    return and_(path_column >= low, path_column < high)


async def list_regions(
    scope: Scope, *, parent_id: str | None, level: RegionLevel | None, first: int | None, after: str | None
) -> Page[Region]:
    statement = select(*read_columns(Region))
    if parent_id is not None:
        parent = await region_by_global_id(scope, parent_id)
        statement = statement.where(Region.parent_id == parent.id)
    if level is not None:
        statement = statement.where(Region.level == level)
    return await paginate(scope.db, statement, REGION_ORDER, first=first, after=after)
