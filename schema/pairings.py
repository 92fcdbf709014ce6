from __future__ import annotations

import datetime as dt

import strawberry

from db import models
from resolvers.ids import encode_id
from resolvers.pagination import ChildPageKey
from resolvers.progress import Progress
from schema.activities import ServiceActivity
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import FocusArea, MilestoneStatus, PairingHealth, PairingStatus
from schema.incubations import IncubatedOrganization
from schema.milestones import Milestone
from schema.programs import Program, load_program
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


@strawberry.type(description="结对: a mentor agency paired one-to-one with a supported agency for a term.")
class Pairing(Node):
    status: PairingStatus
    starts_on: dt.date
    ends_on: dt.date
    version: int
    focus_areas: list[FocusArea]
    status_reason: str | None
    pk: strawberry.Private[int]
    program_pk: strawberry.Private[int]
    mentor_pk: strawberry.Private[int]
    supported_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, pairing: models.Pairing) -> Pairing:
        return cls(
            id=strawberry.ID(encode_id("Pairing", pairing.id)),
            pk=pairing.id,
            status=pairing.status,
            starts_on=pairing.starts_on,
            ends_on=pairing.ends_on,
            version=pairing.version,
            focus_areas=[models.FocusArea(area) for area in pairing.focus_areas],
            status_reason=pairing.status_reason,
            program_pk=pairing.program_id,
            mentor_pk=pairing.mentor_id,
            supported_pk=pairing.supported_id,
        )

    @strawberry.field
    async def program(self, info: Info) -> Program:
        return await load_program(info, self.program_pk)

    @strawberry.field(description="帮扶机构: the mentor agency.")
    async def mentor(self, info: Info) -> Agency:
        return await load_agency(info, self.mentor_pk)

    @strawberry.field(description="受援机构: the supported agency.")
    async def supported(self, info: Info) -> Agency:
        return await load_agency(info, self.supported_pk)

    @strawberry.field
    async def progress(self, info: Info) -> PairingProgress:
        return PairingProgress.from_progress(await info.context.loaders.progress.load(self.pk))

    @strawberry.field
    async def service_totals(self, info: Info) -> ServiceTotals:
        return ServiceTotals.from_totals(await info.context.loaders.totals.load(self.pk))

    @strawberry.field
    async def resource_totals(self, info: Info) -> ResourceTotals:
        return ResourceTotals.from_totals(await info.context.loaders.totals.load(self.pk))

    @strawberry.field
    async def milestones(
        self, info: Info, status: MilestoneStatus | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Milestone]:
        page = await info.context.loaders.milestones_of_pairing.load(ChildPageKey(self.pk, first, after, (status,)))
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


async def load_pairing(info: Info, pk: int) -> Pairing:
    return Pairing.from_model(await info.context.loaders.pairing.load(pk))
