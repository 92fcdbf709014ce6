"""The pairing (结对) and its progress: types and field wiring. What a page of pairings fetches
ahead is the engine's (schema/engine/pairing_pages.py, schema/engine/fetch_ahead.py); this module
only declares the lists a pairing can fetch ahead (PAIRING_LISTS)."""

from __future__ import annotations

import datetime as dt

import strawberry

from db import models
from resolvers.child_pages import ChildPageKey
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.pairing_details import DetailParts, PairingDetails
from resolvers.progress import Progress
from schema.activities import ServiceActivity
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.engine.fetch_ahead import ListsOf, NestedList, fetch_nested_ahead
from schema.engine.loaded import connection_field, list_field
from schema.engine.lookahead import Lazy, Selected
from schema.enums import FocusArea, MilestoneStatus, PairingHealth, PairingStatus
from schema.incubations import IncubatedOrganization
from schema.milestones import UPDATES, Milestone
from schema.programs import Program, load_program
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


# The lists of a pairing, each loaded by its loader in the request's Loaders.
MILESTONES_OF = connection_field(lambda loaders: loaders.milestones_of_pairing, Milestone.from_model, _milestones_key)
TRAINING_OF = connection_field(lambda loaders: loaders.training_of_pairing, TrainingSession.from_model)
ACTIVITIES_OF = connection_field(lambda loaders: loaders.activities_of_pairing, ServiceActivity.from_model)
RESOURCES_OF = connection_field(lambda loaders: loaders.resources_of_pairing, ResourceLink.from_model)
STATIONS_OF = list_field(lambda loaders: loaders.stations_of_pairing, ServiceStation.from_model)
INCUBATIONS_OF = list_field(lambda loaders: loaders.incubations_of_pairing, IncubatedOrganization.from_model)
# The updates on a pairing's milestones, read with the pages of milestones rather than after them.
MILESTONE_UPDATES = NestedList(
    parent="milestones",
    field="updates",
    parent_loaded=MILESTONES_OF,
    loaded=UPDATES,
    loader=lambda loaders: loaders.updates_on_milestone_pages,
)
# What a pairing, or a page of them, fetches ahead (schema/engine/fetch_ahead.py): its lists by
# field name, and its milestones' updates.
PAIRING_LISTS = ListsOf(
    lists={
        "milestones": MILESTONES_OF,
        "trainingSessions": TRAINING_OF,
        "serviceActivities": ACTIVITIES_OF,
        "resourceLinks": RESOURCES_OF,
        "serviceStations": STATIONS_OF,
        "incubatedOrganizations": INCUBATIONS_OF,
    },
    nested=MILESTONE_UPDATES,
)

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
        mentor: Agency | None = None,
        supported: Agency | None = None,
    ) -> Pairing:
        """`details`, `mentor` and `supported` hold what a page fetched with its rows
        (schema/engine/pairing_pages.py); what is missing loads if selected."""
        pk = pairing.id
        progress, totals = details.progress, details.totals
        return instance(
            cls,
            {
                "id": encode_id("Pairing", pk),
                "pk": pk,
                "status": pairing.status,
                "starts_on": pairing.starts_on,
                "ends_on": pairing.ends_on,
                "version": pairing.version,
                "focus_areas": [FOCUS_AREAS[area] for area in pairing.focus_areas],
                "status_reason": pairing.status_reason,
                "program": Lazy(lambda: load_program(loaders, pairing.program_id)),
                "mentor": mentor or Lazy(lambda: load_agency(loaders, pairing.mentor_id)),
                "supported": supported or Lazy(lambda: load_agency(loaders, pairing.supported_id)),
                "progress": PairingProgress.from_progress(progress)
                if progress
                else Lazy(lambda: progress_of(loaders, pk)),
                "service_totals": ServiceTotals.from_totals(totals)
                if totals
                else Lazy(lambda: service_totals_of(loaders, pk)),
                "resource_totals": ResourceTotals.from_totals(totals)
                if totals
                else Lazy(lambda: resource_totals_of(loaders, pk)),
            },
        )

    @strawberry.field(metadata=MILESTONES_OF.metadata)
    async def milestones(
        self, info: Info, status: MilestoneStatus | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Milestone]:
        loaders = info.context.loaders
        # Where the milestones are resolved, not read ahead, their updates still come with them.
        updates = fetch_nested_ahead(loaders, self.pk, MILESTONE_UPDATES, Selected.here(info))
        try:
            page = await MILESTONES_OF.load(loaders, self.pk, status=status, first=first, after=after)
        finally:
            await updates
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


async def load_pairing(loaders: Loaders, pk: int) -> Pairing:
    return Pairing.from_model(await loaders.pairing.load(pk), loaders)


# A pairing built outside a page loads what it shows through the same details a page fetches.
PROGRESS, TOTALS = DetailParts(progress=True), DetailParts(totals=True)


async def progress_of(loaders: Loaders, pk: int) -> PairingProgress:
    progress = (await loaders.pairing_details(PROGRESS).load(pk)).progress
    if progress is None:  # details fetched with PROGRESS always hold it
        raise LookupError(f"no progress in the details of pairing {pk}")
    return PairingProgress.from_progress(progress)


async def service_totals_of(loaders: Loaders, pk: int) -> ServiceTotals:
    return ServiceTotals.from_totals((await loaders.pairing_details(TOTALS).load(pk)).totals)


async def resource_totals_of(loaders: Loaders, pk: int) -> ResourceTotals:
    return ResourceTotals.from_totals((await loaders.pairing_details(TOTALS).load(pk)).totals)
