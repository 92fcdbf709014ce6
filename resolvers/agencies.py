"""Agencies (社会工作服务机构): reads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from db.models import Agency, Region
from resolvers.pagination import Ordering, Page, paginate
from resolvers.regions import in_subtree, region_by_global_id
from resolvers.scope import Scope

AGENCY_ORDER = Ordering(columns=(Agency.id,), key_of=lambda agency: (agency.id,))


@dataclass(frozen=True)
class AgencyFilter:
    name_contains: str | None = None
    region_id: str | None = None


async def list_agencies(scope: Scope, filter: AgencyFilter, *, first: int | None, after: str | None) -> Page[Agency]:
    statement = select(Agency)
    if filter.name_contains:
        statement = statement.where(Agency.name.contains(filter.name_contains, autoescape=True))
    if filter.region_id is not None:
        region = await region_by_global_id(scope, filter.region_id)
        statement = statement.join(Region, Region.id == Agency.region_id).where(in_subtree(Region.path, region))
    return await paginate(scope.db.read_sessions, statement, AGENCY_ORDER, first=first, after=after)
