"""Mutations on programs, agencies and pairings (staff)."""

from __future__ import annotations

import datetime as dt

import strawberry

from resolvers import agencies, pairings, programs
from schema.agencies import Agency
from schema.context import Info
from schema.enums import AgencyStatus, FocusArea, PairingStatus
from schema.inputs import UserError, payload_of, request_of
from schema.pairings import Pairing
from schema.programs import Program


@strawberry.input
class CreateProgramInput:
    name: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    policy_reference: str | None = None
    default_term_months: int | None = strawberry.field(default=None, description="Default 36.")
    scope_region_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.type
class CreateProgramPayload:
    program: Program | None
    user_errors: list[UserError]


@strawberry.input
class CreateAgencyInput:
    name: str
    region_id: strawberry.ID
    credit_code: str | None = strawberry.field(default=None, description="统一社会信用代码, checked (GB 32100-2015).")
    status: AgencyStatus | None = strawberry.field(default=None, description="Default REGISTERED.")
    idempotency_key: str | None = None


@strawberry.type
class CreateAgencyPayload:
    agency: Agency | None
    user_errors: list[UserError]


@strawberry.input(description="Fields left out stay as they are.")
class UpdateAgencyInput:
    agency_id: strawberry.ID
    version: int | None = strawberry.field(default=None, description="The version you saw; STALE_VERSION if changed.")
    name: str | None = None
    region_id: strawberry.ID | None = None
    credit_code: str | None = None
    status: AgencyStatus | None = None


@strawberry.type
class UpdateAgencyPayload:
    agency: Agency | None
    user_errors: list[UserError]


@strawberry.input
class CreatePairingInput:
    program_id: strawberry.ID
    mentor_id: strawberry.ID
    supported_id: strawberry.ID
    starts_on: dt.date
    ends_on: dt.date | None = strawberry.field(default=None, description="Default: startsOn plus the program's term.")
    status: PairingStatus | None = strawberry.field(default=None, description="PLANNED (default) or ACTIVE.")
    focus_areas: list[FocusArea] | None = None
    idempotency_key: str | None = None


@strawberry.type
class CreatePairingPayload:
    pairing: Pairing | None
    user_errors: list[UserError]


@strawberry.input(
    description="Allowed: PLANNED -> ACTIVE; ACTIVE <-> SUSPENDED; ACTIVE -> COMPLETED; "
    "PLANNED, ACTIVE or SUSPENDED -> TERMINATED (with a reason)."
)
class ChangePairingStatusInput:
    pairing_id: strawberry.ID
    status: PairingStatus
    reason: str | None = None
    version: int | None = strawberry.field(default=None, description="The version you saw; STALE_VERSION if changed.")


@strawberry.type
class ChangePairingStatusPayload:
    pairing: Pairing | None
    user_errors: list[UserError]


@strawberry.type
class ProgramMutation:
    @strawberry.mutation(description="Create a program (帮扶计划).")
    async def create_program(self, info: Info, input: CreateProgramInput) -> CreateProgramPayload:
        outcome = await programs.create_program(info.context, request_of(programs.CreateProgram, input))
        return payload_of(CreateProgramPayload, outcome, program=Program.from_model)

    @strawberry.mutation(description="Create an agency (社会工作服务机构).")
    async def create_agency(self, info: Info, input: CreateAgencyInput) -> CreateAgencyPayload:
        outcome = await agencies.create_agency(info.context, request_of(agencies.CreateAgency, input))
        return payload_of(CreateAgencyPayload, outcome, agency=lambda row: Agency.from_model(row, info.context.loaders))

    @strawberry.mutation
    async def update_agency(self, info: Info, input: UpdateAgencyInput) -> UpdateAgencyPayload:
        outcome = await agencies.update_agency(info.context, request_of(agencies.UpdateAgency, input))
        return payload_of(UpdateAgencyPayload, outcome, agency=lambda row: Agency.from_model(row, info.context.loaders))

    @strawberry.mutation(description="Pair a mentor agency with a supported agency (结对).")
    async def create_pairing(self, info: Info, input: CreatePairingInput) -> CreatePairingPayload:
        outcome = await pairings.create_pairing(info.context, request_of(pairings.CreatePairing, input))
        return payload_of(
            CreatePairingPayload, outcome, pairing=lambda row: Pairing.from_model(row, info.context.loaders)
        )

    @strawberry.mutation
    async def change_pairing_status(self, info: Info, input: ChangePairingStatusInput) -> ChangePairingStatusPayload:
        outcome = await pairings.change_pairing_status(info.context, request_of(pairings.ChangePairingStatus, input))
        return payload_of(
            ChangePairingStatusPayload, outcome, pairing=lambda row: Pairing.from_model(row, info.context.loaders)
        )
