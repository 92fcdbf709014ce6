from __future__ import annotations

import datetime as dt
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any

import strawberry

from db import models
from db.fast_paths import FAST_PATHS, fell_back
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.pagination import ChildPageKey, NestedPageKey
from resolvers.pairing_details import DetailParts, PairingDetails
from resolvers.progress import Progress
from schema.activities import ServiceActivity
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import FocusArea, MilestoneStatus, PairingHealth, PairingStatus
from schema.incubations import IncubatedOrganization
from schema.loaded import LoadedField, connection_field, list_field
from schema.lookahead import Lazy, Selected, node_paths
from schema.milestones import UPDATES, Milestone
from schema.node_cache import NodeCache
from schema.programs import Program, load_program
from schema.regions import Region
from schema.relay import Connection, Node, instance
from schema.resources import ResourceLink
from schema.stations import ServiceStation
from schema.stats import ResourceTotals, ServiceTotals
from schema.training import TrainingSession


@strawberry.type(description="Milestone progress of a pairing and its health; the rules are in the README.")
class PairingProgress:
    milestones_total: int
    milestones_achieved: int
    milestones_overdue: int
    milestones_waived: int
    max_days_overdue: int = strawberry.field(description="Days the most overdue open milestone is past due.")
    percent_complete: float = strawberry.field(description="achieved / (total - waived) * 100")
    time_elapsed_percent: float = strawberry.field(description="Share of the term elapsed today (China date), 0..100.")
    health: PairingHealth

    @classmethod
    def from_progress(cls, progress: Progress) -> PairingProgress:
        return cls(
            milestones_total=progress.milestones_total,
            milestones_achieved=progress.milestones_achieved,
            milestones_overdue=progress.milestones_overdue,
            milestones_waived=progress.milestones_waived,
            max_days_overdue=progress.max_days_overdue,
            percent_complete=progress.percent_complete,
            time_elapsed_percent=progress.time_elapsed_percent,
            health=progress.health,
        )


def _milestones_key(
    pk: int, status: MilestoneStatus | None = None, first: int | None = None, after: str | None = None
) -> ChildPageKey:
    return ChildPageKey(pk, first, after, (status,))


# The lists of a pairing; LISTS holds them by their fields' names.
MILESTONES_OF = connection_field("milestones_of_pairing", Milestone.from_model, _milestones_key)
TRAINING_OF = connection_field("training_of_pairing", TrainingSession.from_model)
ACTIVITIES_OF = connection_field("activities_of_pairing", ServiceActivity.from_model)
RESOURCES_OF = connection_field("resources_of_pairing", ResourceLink.from_model)
STATIONS_OF = list_field("stations_of_pairing", ServiceStation.from_model)
INCUBATIONS_OF = list_field("incubations_of_pairing", IncubatedOrganization.from_model)
LISTS = {
    "milestones": MILESTONES_OF,
    "trainingSessions": TRAINING_OF,
    "serviceActivities": ACTIVITIES_OF,
    "resourceLinks": RESOURCES_OF,
    "serviceStations": STATIONS_OF,
    "incubatedOrganizations": INCUBATIONS_OF,
}

NO_DETAILS = PairingDetails()
# Looked up, not called: a page converts a hundred of them.
FOCUS_AREAS = {area.value: area for area in models.FocusArea}


@strawberry.type(description="结对: a mentor agency paired one-to-one with a supported agency for a term.")
class Pairing(Node):
    status: PairingStatus
    starts_on: dt.date
    ends_on: dt.date
    version: int
    focus_areas: list[FocusArea]
    status_reason: str | None
    program: Program
    mentor: Agency = strawberry.field(description="帮扶机构: the mentor agency.")
    supported: Agency = strawberry.field(description="受援机构: the supported agency.")
    progress: PairingProgress
    service_totals: ServiceTotals
    resource_totals: ResourceTotals
    pk: strawberry.Private[int]

    @classmethod
    def from_model(
        cls,
        pairing: models.Pairing,
        loaders: Loaders,
        details: PairingDetails = NO_DETAILS,
        agencies: FetchedAgencies | None = None,
    ) -> Pairing:
        """`details` holds what a page fetched with its rows; what is missing loads if selected."""
        agencies = agencies or FetchedAgencies(loaders)
        pk = pairing.id
        progress, totals = details.progress, details.totals
        return instance(cls, {
            "id": encode_id("Pairing", pk),
            "pk": pk,
            "status": pairing.status,
            "starts_on": pairing.starts_on,
            "ends_on": pairing.ends_on,
            "version": pairing.version,
            "focus_areas": [FOCUS_AREAS[area] for area in pairing.focus_areas],
            "status_reason": pairing.status_reason,
            "program": Lazy(lambda: load_program(loaders, pairing.program_id)),
            "mentor": agencies.get(details.mentor, details.mentor_region)
            or Lazy(lambda: load_agency(loaders, pairing.mentor_id)),
            "supported": agencies.get(details.supported, details.supported_region)
            or Lazy(lambda: load_agency(loaders, pairing.supported_id)),
            "progress": PairingProgress.from_progress(progress) if progress else Lazy(lambda: progress_of(loaders, pk)),
            "service_totals": ServiceTotals.from_totals(totals)
            if totals
            else Lazy(lambda: service_totals_of(loaders, pk)),
            "resource_totals": ResourceTotals.from_totals(totals)
            if totals
            else Lazy(lambda: resource_totals_of(loaders, pk)),
        })

    @strawberry.field(metadata=MILESTONES_OF.metadata)
    async def milestones(
        self, info: Info, status: MilestoneStatus | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Milestone]:
        loaders, here = info.context.loaders, Selected.here(info)
        updates = _updates_ahead(loaders, [self.pk], ListsAhead.of_updates(here))
        try:
            page = await MILESTONES_OF.load(loaders, self.pk, status=status, first=first, after=after)
        finally:
            await _fetched_ahead(updates)
        return MILESTONES_OF.value(page)

    @strawberry.field(metadata=TRAINING_OF.metadata)
    async def training_sessions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[TrainingSession]:
        return await TRAINING_OF.resolve(info.context.loaders, self.pk, first=first, after=after)

    @strawberry.field(metadata=ACTIVITIES_OF.metadata)
    async def service_activities(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceActivity]:
        return await ACTIVITIES_OF.resolve(info.context.loaders, self.pk, first=first, after=after)

    @strawberry.field(metadata=RESOURCES_OF.metadata)
    async def resource_links(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ResourceLink]:
        return await RESOURCES_OF.resolve(info.context.loaders, self.pk, first=first, after=after)

    @strawberry.field(metadata=STATIONS_OF.metadata)
    async def service_stations(self, info: Info) -> list[ServiceStation]:
        return await STATIONS_OF.resolve(info.context.loaders, self.pk)

    @strawberry.field(metadata=INCUBATIONS_OF.metadata)
    async def incubated_organizations(self, info: Info) -> list[IncubatedOrganization]:
        return await INCUBATIONS_OF.resolve(info.context.loaders, self.pk)


@dataclass(frozen=True)
class ListsAhead:
    """What fetch_lists_ahead asks for on each pairing of a selection: the arguments of every
    selection of each list it selects, and the pages of updates it selects on their milestones.
    Worked out once per selection (the parser cache gives a document's requests the same nodes),
    and again for each request where an argument is a variable."""

    lists: tuple[tuple[LoadedField[Any, Any, Any], tuple[dict[str, Any], ...]], ...]
    milestones: tuple[dict[str, Any], ...]
    # Keyed with a parent of 0: only their first, after and filters count.
    update_pages: tuple[ChildPageKey, ...]
    variable: bool

    @classmethod
    def of(cls, selected: Selected) -> ListsAhead:
        subs = {name: sub for name in LISTS if (sub := selected.sub(name)).field_nodes}
        ahead = cls.of_updates(subs["milestones"]) if "milestones" in subs else NOTHING_AHEAD
        return replace(
            ahead,
            lists=tuple((LISTS[name], tuple(sub.arguments())) for name, sub in subs.items()),
            variable=ahead.variable or any(sub.has_variables() for sub in subs.values()),
        )

    @classmethod
    def of_updates(cls, milestones: Selected) -> ListsAhead:
        """The pages of updates alone that the query selects on the nodes of pages of `milestones`."""
        updates = milestones.connection_nodes().sub("updates")
        if not updates.field_nodes:
            return NOTHING_AHEAD
        return cls(
            lists=(),
            milestones=tuple(milestones.arguments()),
            update_pages=tuple(UPDATES.key(0, **arguments) for arguments in updates.arguments()),
            variable=milestones.has_variables() or updates.has_variables(),
        )


NOTHING_AHEAD = ListsAhead(lists=(), milestones=(), update_pages=(), variable=False)
_lists_ahead: NodeCache[ListsAhead] = NodeCache(4096)


def fetch_lists_ahead(loaders: Loaders, pks: list[int], selected: Selected) -> Coroutine[Any, Any, None]:
    """The lists that the query selects on these pairings (`selected`: where it selects them),
    asked for now, in the same batches as whatever else is asked for in this turn of the event loop,
    so that the pairings' fields read them ahead; and with them the updates that it selects on their
    milestones, with the pages of milestones rather than after them: each milestone's `updates` then
    reads its page ahead. The coroutine returned waits for them. Nothing fails here: what could not
    be fetched loads, and fails, again in its own field."""
    if not FAST_PATHS.fetch_ahead:
        return _fetched_ahead([])
    ahead = _lists_ahead.get(tuple(selected.field_nodes), lambda: ListsAhead.of(selected))
    if ahead.variable:
        ahead = ListsAhead.of(selected)
    fetches = [field.fetch(loaders, pks, arguments) for field, arguments in ahead.lists]
    return _fetched_ahead(fetches + _updates_ahead(loaders, pks, ahead))


def fetch_pairing_ahead(info: Info, pk: int) -> Coroutine[Any, Any, None]:
    """fetch_lists_ahead for the pairing that `pairing(id)` or `node(id)` reads."""
    return fetch_lists_ahead(info.context.loaders, [pk], Selected.here(info, "Pairing"))


def _updates_ahead(loaders: Loaders, pks: list[int], ahead: ListsAhead) -> list[Coroutine[Any, Any, Any]]:
    """The pages of updates of `ahead` on the pages of milestones of these pairings, in one batch."""
    if not ahead.update_pages:
        return []
    keys = [
        NestedPageKey(outer, page.first, page.after, page.filters)
        for outer in MILESTONES_OF.keys(pks, ahead.milestones)
        for page in ahead.update_pages
    ]
    return [loaders.updates_on_milestone_pages.load_many(keys)]


async def _fetched_ahead(fetches: list[Coroutine[Any, Any, Any]]) -> None:
    # In order: the updates are primed once the pages of milestones, asked for first, are in.
    # A failed fetch is counted and dropped: the field that needs it loads again when resolved, and
    # fails there, in its own place in the response, if it fails again.
    for fetch in fetches:
        try:
            await fetch
        except Exception as error:
            fell_back("fetch_ahead.error", error)


async def load_pairing(loaders: Loaders, pk: int) -> Pairing:
    return Pairing.from_model(await loaders.pairing.load(pk), loaders)


# A pairing built outside a page loads what it shows through the same details a page fetches.
PROGRESS, TOTALS = DetailParts(progress=True), DetailParts(totals=True)


async def progress_of(loaders: Loaders, pk: int) -> PairingProgress:
    return PairingProgress.from_progress((await loaders.pairing_details(PROGRESS).load(pk)).progress)


async def service_totals_of(loaders: Loaders, pk: int) -> ServiceTotals:
    return ServiceTotals.from_totals((await loaders.pairing_details(TOTALS).load(pk)).totals)


async def resource_totals_of(loaders: Loaders, pk: int) -> ResourceTotals:
    return ResourceTotals.from_totals((await loaders.pairing_details(TOTALS).load(pk)).totals)


async def pairings_of(info: Info, rows: Sequence[models.Pairing]) -> list[Pairing]:
    """The pairings of the page that the current field returns, with what the query selects on them
    fetched ahead: their agencies, progress and totals in one statement, their lists in a batch each."""
    loaders, paths, pks = info.context.loaders, node_paths(info), [row.id for row in rows]
    parts = DetailParts(
        agencies=bool({"mentor", "supported"} & paths),
        progress="progress" in paths,
        totals=bool({"serviceTotals", "resourceTotals"} & paths),
    )
    fetching = fetch_lists_ahead(loaders, pks, Selected.here(info).connection_nodes())
    try:
        if not parts or not FAST_PATHS.fetch_ahead:
            return [Pairing.from_model(row, loaders) for row in rows]
        details = await loaders.pairing_details(parts).load_many(pks)
    finally:
        await fetching
    agencies = FetchedAgencies(loaders)
    return [Pairing.from_model(row, loaders, found, agencies) for row, found in zip(rows, details, strict=True)]


class FetchedAgencies:
    """The agencies and regions a page fetched, each built once however many of its pairings share it."""

    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders
        self.agencies: dict[int, Agency] = {}
        self.regions: dict[int, Region] = {}

    def get(self, row: models.Agency | None, region_row: models.Region | None) -> Agency | None:
        if row is None:
            return None
        agency = self.agencies.get(row.id)
        if agency is None:
            region = self.regions.get(region_row.id)
            if region is None:
                region = self.regions[region_row.id] = Region.from_model(region_row)
            agency = self.agencies[row.id] = Agency.from_model(row, self.loaders, region)
        return agency
