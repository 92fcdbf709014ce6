"""Agencies (社会工作服务机构): reads and writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from db.models import Agency, AgencyStatus, Region
from db.records import read_columns
from resolvers.pagination import Ordering, Page, paginate
from resolvers.regions import in_subtree, region_by_global_id
from resolvers.scope import Scope
from resolvers.tx import Tx
from resolvers.validation import NAME_LENGTH, Checks, require_plain_input
from resolvers.writes import mutation

AGENCY_ORDER = Ordering(columns=(Agency.id,), key_of=lambda agency: (agency.id,))


@dataclass(frozen=True)
class AgencyFilter:
    name_contains: str | None = None
    region_id: str | None = None


async def list_agencies(scope: Scope, filter: AgencyFilter, *, first: int | None, after: str | None) -> Page[Agency]:
    require_plain_input(filter=filter)
    statement = select(*read_columns(Agency))
    if filter.name_contains:
        statement = statement.where(Agency.name.contains(filter.name_contains, autoescape=True))
    if filter.region_id is not None:
        region = await region_by_global_id(scope, filter.region_id)
        statement = statement.join(Region, Region.id == Agency.region_id).where(in_subtree(Region.path, region.path))
    return await paginate(scope.db, statement, AGENCY_ORDER, first=first, after=after)


# --- writes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateAgency:
    name: str
    region_id: str
    credit_code: str | None = None
    status: AgencyStatus = AgencyStatus.REGISTERED
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateAgency:
    """Fields left out (None) stay as they are."""

    agency_id: str
    version: int | None = None
    name: str | None = None
    region_id: str | None = None
    credit_code: str | None = None
    status: AgencyStatus | None = None


@mutation("createAgency", replay=Agency)
async def create_agency(tx: Tx, request: CreateAgency) -> Agency:
    region = await tx.load(Region, request.region_id, "region_id")
    tx.require()
    checks = Checks()
    name = checks.text("name", request.name, max_length=NAME_LENGTH)
    credit_code = checks.credit_code("credit_code", request.credit_code)
    checks.done()
    return await tx.add(Agency(name=name, region_id=region.id, credit_code=credit_code, status=request.status))


@mutation("updateAgency")
async def update_agency(tx: Tx, request: UpdateAgency) -> Agency:
    agency = await tx.load(Agency, request.agency_id, "agency_id")
    region = await tx.load_optional(Region, request.region_id, "region_id")
    tx.require(agency_id=agency.id, region_path=region.path if region else None)
    checks = Checks()
    values = {
        "name": checks.text("name", request.name, max_length=NAME_LENGTH) if request.name is not None else None,
        "credit_code": checks.credit_code("credit_code", request.credit_code),
        "region_id": region.id if region else None,
        "status": request.status,
    }
    checks.done()
    await tx.versioned_update(agency, {k: v for k, v in values.items() if v is not None}, request.version)
    return agency
