"""Mutations recording a pairing's work (training, service, stations, incubations, resources) and
voiding records entered by mistake. Every record… and create… takes an idempotency key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from resolvers import activities, incubations, resources, stations, training
from resolvers.voiding import VoidRecord
from schema.activities import ServiceActivity
from schema.context import Info
from schema.enums import IncubationStage, ResourceKind, ServiceKind, TrainingMode
from schema.evidence import EvidenceInput, evidence_argument
from schema.incubations import IncubatedOrganization
from schema.inputs import UserError, VoidRecordInput, payload_of, request_of
from schema.resources import ResourceLink
from schema.stations import ServiceStation
from schema.training import TrainingSession


@strawberry.input
class RecordTrainingSessionInput:
    pairing_id: strawberry.ID
    topic: str
    starts_on: dt.date
    ends_on: dt.date | None = strawberry.field(default=None, description="Default: the start date.")
    hours: Decimal
    mode: TrainingMode
    participants: int
    idempotency_key: str | None = None
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.type
class TrainingSessionPayload:
    training_session: TrainingSession | None
    user_errors: list[UserError]


@strawberry.input
class RecordServiceActivityInput:
    pairing_id: strawberry.ID
    kind: ServiceKind
    occurred_on: dt.date
    count: int = strawberry.field(description="In the kind's unit: 人次, 节次 or 次.")
    beneficiaries: int | None = None
    station_id: strawberry.ID | None = None
    note: str | None = None
    idempotency_key: str | None = None
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.type
class ServiceActivityPayload:
    service_activity: ServiceActivity | None
    user_errors: list[UserError]


@strawberry.input
class CreateServiceStationInput:
    pairing_id: strawberry.ID
    name: str
    region_id: strawberry.ID = strawberry.field(description="A township or village.")
    established_on: dt.date
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="The operating agency; default the pairing's supported agency."
    )
    idempotency_key: str | None = None


@strawberry.type
class ServiceStationPayload:
    service_station: ServiceStation | None
    user_errors: list[UserError]


@strawberry.input
class RecordIncubationInput:
    pairing_id: strawberry.ID
    agency_id: strawberry.ID = strawberry.field(description="The incubated agency (create it first).")
    started_on: dt.date
    stage: IncubationStage | None = strawberry.field(default=None, description="Default INCUBATING.")
    registered_on: dt.date | None = None
    independent_on: dt.date | None = None
    idempotency_key: str | None = None
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.input(description="Stages only move forward: INCUBATING -> REGISTERED -> INDEPENDENT.")
class ChangeIncubationStageInput:
    incubation_id: strawberry.ID
    stage: IncubationStage
    on: dt.date | None = strawberry.field(default=None, description="The day the stage was reached; default today.")
    version: int | None = None
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.type
class IncubationPayload:
    incubated_organization: IncubatedOrganization | None
    user_errors: list[UserError]


@strawberry.input
class RecordResourceLinkInput:
    pairing_id: strawberry.ID
    project_name: str
    kind: ResourceKind
    amount_yuan: Decimal = strawberry.field(description="Yuan, at most 2 decimals.")
    occurred_on: dt.date
    donor: str | None = None
    disbursement_batch: int | None = None
    people_funded: int | None = strawberry.field(default=None, description="People newly funded by this record.")
    idempotency_key: str | None = None
    evidence: list[EvidenceInput] | None = evidence_argument()


@strawberry.type
class ResourceLinkPayload:
    resource_link: ResourceLink | None
    user_errors: list[UserError]


@strawberry.type
class RecordMutation:
    @strawberry.mutation
    async def record_training_session(self, info: Info, input: RecordTrainingSessionInput) -> TrainingSessionPayload:
        request = request_of(training.RecordTrainingSession, input)
        outcome = await training.record_training_session(info.context, request)
        return payload_of(TrainingSessionPayload, outcome, training_session=TrainingSession.from_model)

    @strawberry.mutation
    async def void_training_session(self, info: Info, input: VoidRecordInput) -> TrainingSessionPayload:
        outcome = await training.void_training_session(info.context, request_of(VoidRecord, input))
        return payload_of(TrainingSessionPayload, outcome, training_session=TrainingSession.from_model)

    @strawberry.mutation
    async def record_service_activity(self, info: Info, input: RecordServiceActivityInput) -> ServiceActivityPayload:
        request = request_of(activities.RecordServiceActivity, input)
        outcome = await activities.record_service_activity(info.context, request)
        return payload_of(ServiceActivityPayload, outcome, service_activity=ServiceActivity.from_model)

    @strawberry.mutation
    async def void_service_activity(self, info: Info, input: VoidRecordInput) -> ServiceActivityPayload:
        outcome = await activities.void_service_activity(info.context, request_of(VoidRecord, input))
        return payload_of(ServiceActivityPayload, outcome, service_activity=ServiceActivity.from_model)

    @strawberry.mutation
    async def create_service_station(self, info: Info, input: CreateServiceStationInput) -> ServiceStationPayload:
        request = request_of(stations.CreateServiceStation, input)
        outcome = await stations.create_service_station(info.context, request)
        return payload_of(ServiceStationPayload, outcome, service_station=ServiceStation.from_model)

    @strawberry.mutation
    async def void_service_station(self, info: Info, input: VoidRecordInput) -> ServiceStationPayload:
        outcome = await stations.void_service_station(info.context, request_of(VoidRecord, input))
        return payload_of(ServiceStationPayload, outcome, service_station=ServiceStation.from_model)

    @strawberry.mutation
    async def record_incubation(self, info: Info, input: RecordIncubationInput) -> IncubationPayload:
        outcome = await incubations.record_incubation(info.context, request_of(incubations.RecordIncubation, input))
        return payload_of(IncubationPayload, outcome, incubated_organization=IncubatedOrganization.from_model)

    @strawberry.mutation
    async def change_incubation_stage(self, info: Info, input: ChangeIncubationStageInput) -> IncubationPayload:
        request = request_of(incubations.ChangeIncubationStage, input)
        outcome = await incubations.change_incubation_stage(info.context, request)
        return payload_of(IncubationPayload, outcome, incubated_organization=IncubatedOrganization.from_model)

    @strawberry.mutation
    async def void_incubation(self, info: Info, input: VoidRecordInput) -> IncubationPayload:
        outcome = await incubations.void_incubation(info.context, request_of(VoidRecord, input))
        return payload_of(IncubationPayload, outcome, incubated_organization=IncubatedOrganization.from_model)

    @strawberry.mutation
    async def record_resource_link(self, info: Info, input: RecordResourceLinkInput) -> ResourceLinkPayload:
        request = request_of(resources.RecordResourceLink, input)
        outcome = await resources.record_resource_link(info.context, request)
        return payload_of(ResourceLinkPayload, outcome, resource_link=ResourceLink.from_model)

    @strawberry.mutation
    async def void_resource_link(self, info: Info, input: VoidRecordInput) -> ResourceLinkPayload:
        outcome = await resources.void_resource_link(info.context, request_of(VoidRecord, input))
        return payload_of(ResourceLinkPayload, outcome, resource_link=ResourceLink.from_model)
