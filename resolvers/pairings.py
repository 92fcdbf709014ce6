"""Pairings (结对): lists with filters, each filter in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select

from db.models import Agency, Pairing, PairingStatus, Region
from resolvers.access import visible_pairings
from resolvers.ids import decode_typed_id
from resolvers.pagination import Ordering, Page, paginate
from resolvers.progress import Health, pairings_with_health
from resolvers.regions import in_subtree, region_by_global_id
from resolvers.scope import Scope

PAIRING_ORDER = Ordering(columns=(Pairing.id,), key_of=lambda pairing: (pairing.id,))


@dataclass(frozen=True)
class PairingFilter:
    program_id: str | None = None
    status: PairingStatus | None = None
    region_id: str | None = None
    agency_id: str | None = None
    health: Health | None = None


async def pairing_conditions(scope: Scope, filter: PairingFilter) -> list[ColumnElement[bool]]:
    """The WHERE clause of a pairing list: the actor's scope and the filter, all in SQL."""
    conditions = [visible_pairings(scope.actor)]
    if filter.program_id is not None:
        conditions.append(Pairing.program_id == decode_typed_id(filter.program_id, "Program"))
    if filter.status is not None:
        conditions.append(Pairing.status == filter.status)
    if filter.agency_id is not None:
        agency_pk = decode_typed_id(filter.agency_id, "Agency")
        conditions.append(or_(Pairing.mentor_id == agency_pk, Pairing.supported_id == agency_pk))
    if filter.region_id is not None:
        region = await region_by_global_id(scope, filter.region_id)
        supported_in_region = (
            select(Agency.id).join(Region, Region.id == Agency.region_id).where(in_subtree(Region.path, region))
        )
        conditions.append(Pairing.supported_id.in_(supported_in_region))
    if filter.health is not None:
        conditions.append(Pairing.id.in_(pairings_with_health(scope.today, filter.health)))
    return conditions


async def pairings_query(scope: Scope, filter: PairingFilter) -> Select:
    return select(Pairing).where(*await pairing_conditions(scope, filter))


async def list_pairings(
    scope: Scope, filter: PairingFilter, *, first: int | None, after: str | None
) -> Page[Pairing]:
    return await paginate(
        scope.db.read_sessions, await pairings_query(scope, filter), PAIRING_ORDER, first=first, after=after
    )
