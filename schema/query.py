from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import strawberry

from resolvers import access, agencies, audit, pairing_order, pairings, programs, regions
from resolvers.batching import BatchLoader
from resolvers.coverage import coverage_of
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_id
from resolvers.loaders import Loaders
from resolvers.overdue import list_overdue_milestones
from resolvers.stats import program_stats
from schema.activities import ServiceActivity
from schema.agencies import Agency, agencies_of
from schema.audit import AuditEvent
from schema.context import Info
from schema.coverage import Coverage
from schema.dashboard import DashboardQuery
from schema.engine.lookahead import node_paths
from schema.engine.pairing_pages import fetch_pairing_ahead, pairings_of
from schema.enums import PairingHealth, PairingSort, PairingStatus, RegionLevel, SortDirection
from schema.incubations import IncubatedOrganization
from schema.milestones import Milestone, MilestoneUpdate
from schema.pairings import Pairing
from schema.programs import Program
from schema.regions import Region
from schema.relay import Connection, Node
from schema.resources import ResourceLink
from schema.stations import ServiceStation
from schema.stats import ProgramStats
from schema.training import TrainingSession
from schema.viewer import Viewer

N = TypeVar("N", bound=Node)


def _from_row(from_model: Callable[[Any], Node]) -> Callable[[Any, Loaders], Node]:
    """A type built from its row alone."""
    return lambda row, loaders: from_model(row)


# Node type name -> (its loader in the request's Loaders, the GraphQL type built from a row).
NODE_TYPES: dict[str, tuple[Callable[[Loaders], BatchLoader[int, Any]], Callable[[Any, Loaders], Node]]] = {
    "Region": (lambda loaders: loaders.region, _from_row(Region.from_model)),
    "Agency": (lambda loaders: loaders.agency, Agency.from_model),
    "Program": (lambda loaders: loaders.program, _from_row(Program.from_model)),
    "Pairing": (lambda loaders: loaders.pairing, Pairing.from_model),
    "Milestone": (lambda loaders: loaders.milestone, _from_row(Milestone.from_model)),
    "MilestoneUpdate": (lambda loaders: loaders.milestone_update, _from_row(MilestoneUpdate.from_model)),
    "TrainingSession": (lambda loaders: loaders.training_session, _from_row(TrainingSession.from_model)),
    "ServiceActivity": (lambda loaders: loaders.service_activity, _from_row(ServiceActivity.from_model)),
    "ServiceStation": (lambda loaders: loaders.service_station, _from_row(ServiceStation.from_model)),
    "IncubatedOrganization": (
        lambda loaders: loaders.incubated_organization,
        _from_row(IncubatedOrganization.from_model),
    ),
    "ResourceLink": (lambda loaders: loaders.resource_link, _from_row(ResourceLink.from_model)),
    "AuditEvent": (lambda loaders: loaders.audit_event, _from_row(AuditEvent.from_model)),
}


# What the query selects below an object of these types, fetched while the object is read.
FETCH_AHEAD: dict[str, Callable[[Info, int], Coroutine[Any, Any, None]]] = {"Pairing": fetch_pairing_ahead}


async def resolve_node(info: Info, global_id: str) -> Node | None:
    """Any object by its global ID; an unknown ID is null, a malformed one an error, and one the
    caller may not read is null with a FORBIDDEN error."""
    type_name, pk = decode_id(global_id)
    if type_name not in NODE_TYPES:
        return None
    loader_of, convert = NODE_TYPES[type_name]
    loaders = info.context.loaders
    fetch_ahead = FETCH_AHEAD.get(type_name)
    # Asked for before the object's own read, in the same batches; never shown when the caller
    # may not read the object.
    fetching = None if fetch_ahead is None else fetch_ahead(info, pk)
    try:
        row = await loaders.readable_or_forbidden(loader_of(loaders), pk)
    finally:
        if fetching is not None:
            await fetching
    return None if row is None else convert(row, loaders)


async def resolve_typed(info: Info, global_id: str, node_type: type[N]) -> N | None:
    """An object of `node_type` by its global ID (as resolve_node), null for an ID of another type;
    the types' GraphQL names are their class names, as in NODE_TYPES."""
    if decode_id(global_id)[0] != node_type.__name__:
        return None
    node = await resolve_node(info, global_id)
    return node if isinstance(node, node_type) else None


@strawberry.input(description="Every given condition must hold.")
class PairingFilter:
    program_id: strawberry.ID | None = None
    status: PairingStatus | None = None
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="The supported agency lies in this region or below it."
    )
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="As mentor or as supported.")
    health: PairingHealth | None = None


@strawberry.input(description="A sort of a pairing list; ties are broken by creation order, in the same direction.")
class PairingOrder:
    field: PairingSort
    direction: SortDirection = SortDirection.ASC

    def of_list(self) -> pairing_order.PairingOrder:
        return pairing_order.PairingOrder(self.field, self.direction is SortDirection.DESC)


@strawberry.input
class AgencyFilter:
    name_contains: str | None = None
    region_id: strawberry.ID | None = strawberry.field(default=None, description="This region or below it.")


WITH_DESCENDANTS = (
    "With the trails of what is under the object: a milestone's updates; a pairing's milestones, their updates, "
    "and its training sessions, activities, stations, incubations and resources."
)


@strawberry.type
class Query(DashboardQuery):
    @strawberry.field(description="Any object by its global ID: null when there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Objects by global IDs, in the same order; null where there is none.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise ApiError(
                ErrorCode.PAGE_TOO_LARGE,
                f"at most 100 ids, got {len(ids)}",
                message_zh=f"最多 100 个 ID，实际为 {len(ids)} 个",
            )
        # Awaitables, not results: each item then fails on its own (null with its own error at
        # ["nodes", i]) when the caller may not read it, and the list still batches in one load.
        return [resolve_node(info, global_id) for global_id in ids]  # type: ignore[misc]

    @strawberry.field(description="Who the caller is.")
    def viewer(self, info: Info) -> Viewer:
        return Viewer.of(info.context.actor)

    @strawberry.field
    async def pairing(self, info: Info, id: strawberry.ID) -> Pairing | None:
        return await resolve_typed(info, id, Pairing)

    @strawberry.field
    async def program(self, info: Info, id: strawberry.ID) -> Program | None:
        return await resolve_typed(info, id, Program)

    @strawberry.field
    async def agency(self, info: Info, id: strawberry.ID) -> Agency | None:
        return await resolve_typed(info, id, Agency)

    @strawberry.field
    async def region(self, info: Info, id: strawberry.ID) -> Region | None:
        return await resolve_typed(info, id, Region)

    @strawberry.field
    async def pairings(
        self,
        info: Info,
        filter: PairingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: PairingOrder | None = None,
    ) -> Connection[Pairing]:
        conditions = pairings.PairingFilter(**vars(filter)) if filter else pairings.PairingFilter()
        order = order_by.of_list() if order_by else pairing_order.DEFAULT_ORDER
        page = await pairings.list_pairings(info.context, conditions, first=first, after=after, order=order)
        return Connection.of_nodes(page, await pairings_of(info, page.items))

    @strawberry.field
    async def programs(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Program]:
        page = await programs.list_programs(info.context, first=first, after=after)
        return Connection.of(page, Program.from_model)

    @strawberry.field
    async def agencies(
        self, info: Info, filter: AgencyFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Agency]:
        conditions = agencies.AgencyFilter(**vars(filter)) if filter else agencies.AgencyFilter()
        page = await agencies.list_agencies(info.context, conditions, first=first, after=after)
        return Connection.of_nodes(page, await agencies_of(info.context.loaders, page.items, node_paths(info)))

    @strawberry.field(description="Regions under a parent (or the roots) and/or of one level, ordered by code.")
    async def regions(
        self,
        info: Info,
        parent_id: strawberry.ID | None = None,
        level: RegionLevel | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Region]:
        page = await regions.list_regions(info.context, parent_id=parent_id, level=level, first=first, after=after)
        return Connection.of(page, Region.from_model)

    @strawberry.field(
        description="Open milestones past due (China date) in the pairings the caller may read, most overdue "
        "first; `regionId` keeps pairings whose supported agency lies in that region or below it."
    )
    async def overdue_milestones(
        self,
        info: Info,
        program_id: strawberry.ID | None = None,
        region_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Milestone]:
        page = await list_overdue_milestones(
            info.context, program_id=program_id, region_id=region_id, first=first, after=after
        )
        return Connection.of(page, Milestone.from_model)

    @strawberry.field(description="一区县一中心、一镇街一站点: agency and station coverage below a region.")
    async def coverage(self, info: Info, region_id: strawberry.ID) -> Coverage:
        return Coverage.from_figures(await coverage_of(info.context, region_id))

    @strawberry.field(description="Totals over the pairings of a program and/or region (that the caller may see).")
    async def program_stats(
        self, info: Info, program_id: strawberry.ID | None = None, region_id: strawberry.ID | None = None
    ) -> ProgramStats:
        return ProgramStats.from_stats(await program_stats(info.context, program_id=program_id, region_id=region_id))

    @strawberry.field(description="The audit trail of one object (by its global ID), oldest first.")
    async def audit_events(
        self,
        info: Info,
        object_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        include_descendants: Annotated[bool, strawberry.argument(description=WITH_DESCENDANTS)] = False,
    ) -> Connection[AuditEvent]:
        access.require_audit_reader(info.context.actor)
        page = await audit.list_audit_events(
            info.context, object_id, first=first, after=after, with_descendants=include_descendants
        )
        return Connection.of(page, AuditEvent.from_model)
