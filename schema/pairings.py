from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from contextlib import suppress

import strawberry

from db import models
from resolvers.errors import ApiError
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.pagination import ChildPageKey
from resolvers.pairing_details import DetailParts, PairingDetails
from resolvers.progress import Progress
from schema.activities import ServiceActivity
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import FocusArea, MilestoneStatus, PairingHealth, PairingStatus
from schema.incubations import IncubatedOrganization
from schema.lookahead import Lazy, node_arguments
from schema.milestones import Milestone
from schema.programs import Program, load_program
from schema.regions import Region
from schema.relay import Connection, Node
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
        return cls(
            id=strawberry.ID(encode_id("Pairing", pk)),
            pk=pk,
            status=pairing.status,
            starts_on=pairing.starts_on,
            ends_on=pairing.ends_on,
            version=pairing.version,
            focus_areas=[FOCUS_AREAS[area] for area in pairing.focus_areas],
            status_reason=pairing.status_reason,
            program=Lazy(lambda: load_program(loaders, pairing.program_id)),
            mentor=agencies.get(details.mentor, details.mentor_region)
            or Lazy(lambda: load_agency(loaders, pairing.mentor_id)),
            supported=agencies.get(details.supported, details.supported_region)
            or Lazy(lambda: load_agency(loaders, pairing.supported_id)),
            progress=PairingProgress.from_progress(progress) if progress else Lazy(lambda: progress_of(loaders, pk)),
            service_totals=ServiceTotals.from_totals(totals) if totals else Lazy(lambda: service_totals_of(loaders, pk)),
            resource_totals=ResourceTotals.from_totals(totals)
            if totals
            else Lazy(lambda: resource_totals_of(loaders, pk)),
        )

    @strawberry.field
    async def milestones(
        self, info: Info, status: MilestoneStatus | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Milestone]:
        loaders = info.context.loaders
        page = await loaders.milestones_of_pairing.load(ChildPageKey(self.pk, first, after, (status,)))
        await fetch_updates_ahead(info, loaders, [row.id for row in page.items])
        return Connection.of(page, Milestone.from_model)

    @strawberry.field
    async def training_sessions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[TrainingSession]:
        page = await info.context.loaders.training_of_pairing.load(ChildPageKey(self.pk, first, after))
        return Connection.of(page, TrainingSession.from_model)

    @strawberry.field
    async def service_activities(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceActivity]:
        page = await info.context.loaders.activities_of_pairing.load(ChildPageKey(self.pk, first, after))
        return Connection.of(page, ServiceActivity.from_model)

    @strawberry.field
    async def resource_links(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ResourceLink]:
        page = await info.context.loaders.resources_of_pairing.load(ChildPageKey(self.pk, first, after))
        return Connection.of(page, ResourceLink.from_model)

    @strawberry.field
    async def service_stations(self, info: Info) -> list[ServiceStation]:
        return [ServiceStation.from_model(s) for s in await info.context.loaders.stations_of_pairing.load(self.pk)]

    @strawberry.field
    async def incubated_organizations(self, info: Info) -> list[IncubatedOrganization]:
        rows = await info.context.loaders.incubations_of_pairing.load(self.pk)
        return [IncubatedOrganization.from_model(row) for row in rows]


async def fetch_updates_ahead(info: Info, loaders: Loaders, milestone_ids: list[int]) -> None:
    """The pages of updates that the query selects on these milestones, fetched in one batch now,
    so that each milestone's `updates` completes at once (schema/milestones.py)."""
    keys = [
        ChildPageKey(pk, arguments.get("first"), arguments.get("after"))
        for arguments in node_arguments(info, "updates")
        for pk in milestone_ids
    ]
    # A page that cannot be fetched (`first` too large, a bad cursor) fails in its own field.
    with suppress(ApiError):
        await loaders.updates_of_milestone.load_many(keys)


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


async def pairings_of(loaders: Loaders, rows: Sequence[models.Pairing], paths: Collection[str]) -> list[Pairing]:
    """The pairings of a page, with what the query selects on them fetched in one statement."""
    parts = DetailParts(
        agencies=bool({"mentor", "supported"} & set(paths)),
        progress="progress" in paths,
        totals=bool({"serviceTotals", "resourceTotals"} & set(paths)),
    )
    if not parts:
        return [Pairing.from_model(row, loaders) for row in rows]
    details = await loaders.pairing_details(parts).load_many([row.id for row in rows])
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
