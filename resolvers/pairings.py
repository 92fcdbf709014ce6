"""Pairings (结对): lists with filters, each filter in SQL; creation and status changes."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import ColumnElement, or_, select

from db.models import Agency, AgencyStatus, FocusArea, Pairing, PairingStatus, PairingTotals, Program, Region
from db.records import read_columns
from resolvers.access import Actor, visible_pairings
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.ids import decode_typed_id
from resolvers.pagination import ListStatement, Page, paginate
from resolvers.pairing_order import DEFAULT_ORDER, PairingOrder, ordered
from resolvers.progress import Health, pairings_with_health
from resolvers.regions import in_subtree, region_by_global_id
from resolvers.scope import Scope
from resolvers.tx import Tx
from resolvers.validation import REASON_LENGTH, Checks
from resolvers.writes import mutation


@dataclass(frozen=True)
class PairingFilter:
    program_id: str | None = None
    status: PairingStatus | None = None
    region_id: str | None = None
    agency_id: str | None = None
    health: Health | None = None


async def pairing_conditions(scope: Scope, filter: PairingFilter) -> list[ColumnElement[bool]]:
    """The WHERE clause of a pairing list: the actor's scope and the filter, all in SQL."""
    conditions = filter_conditions(scope.actor, filter, scope.today)
    if filter.region_id is not None:
        conditions.append(supported_in_region((await region_by_global_id(scope, filter.region_id)).path))
    return conditions


def supported_in_region(path: str) -> ColumnElement[bool]:
    """The pairing's supported agency lies in the region at `path` or below it."""
    in_region = select(Agency.id).join(Region, Region.id == Agency.region_id).where(in_subtree(Region.path, path))
    return Pairing.supported_id.in_(in_region)


def filter_conditions(actor: Actor, filter: PairingFilter, today: dt.date) -> list[ColumnElement[bool]]:
    """The conditions of a pairing list but its region's, which needs the region read first."""
    conditions = [visible_pairings(actor)]
    if filter.program_id is not None:
        conditions.append(Pairing.program_id == decode_typed_id(filter.program_id, "Program"))
    if filter.status is not None:
        conditions.append(Pairing.status == filter.status)
    if filter.agency_id is not None:
        agency_pk = decode_typed_id(filter.agency_id, "Agency")
        conditions.append(or_(Pairing.mentor_id == agency_pk, Pairing.supported_id == agency_pk))
    if filter.health is not None:
        conditions.append(Pairing.id.in_(pairings_with_health(today, filter.health)))
    return conditions


async def list_pairings(
    scope: Scope, filter: PairingFilter, *, first: int | None, after: str | None, order: PairingOrder = DEFAULT_ORDER
) -> Page[Pairing]:
    if filter.region_id is None:
        return await listing(scope.actor, filter, scope.today, order).page(scope.db, first=first, after=after)
    conditions = await pairing_conditions(scope, filter)
    statement, ordering = ordered(select(*read_columns(Pairing)).where(*conditions), order, scope.today, conditions)
    return await paginate(scope.db, statement, ordering, first=first, after=after)


@functools.lru_cache(maxsize=128)
def listing(actor: Actor, filter: PairingFilter, today: dt.date, order: PairingOrder) -> ListStatement:
    """The list of pairings an actor sees through a filter, in an order: what dashboards poll all
    day. Today is part of the key because the health filter and the sorts by progress compare with it."""
    conditions = filter_conditions(actor, filter, today)
    statement, ordering = ordered(select(*read_columns(Pairing)).where(*conditions), order, today, conditions)
    return ListStatement(statement, ordering)


# --- writes ---------------------------------------------------------------------------------------

# Which status a pairing may move to from each status; COMPLETED and TERMINATED are final.
PAIRING_TRANSITIONS: dict[PairingStatus, frozenset[PairingStatus]] = {
    PairingStatus.PLANNED: frozenset({PairingStatus.ACTIVE, PairingStatus.TERMINATED}),
    PairingStatus.ACTIVE: frozenset({PairingStatus.SUSPENDED, PairingStatus.COMPLETED, PairingStatus.TERMINATED}),
    PairingStatus.SUSPENDED: frozenset({PairingStatus.ACTIVE, PairingStatus.TERMINATED}),
    PairingStatus.COMPLETED: frozenset(),
    PairingStatus.TERMINATED: frozenset(),
}
INITIAL_STATUSES = frozenset({PairingStatus.PLANNED, PairingStatus.ACTIVE})


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, kept at the month's last day where the month is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CreatePairing:
    program_id: str
    mentor_id: str
    supported_id: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    status: PairingStatus = PairingStatus.PLANNED
    focus_areas: list[FocusArea] = field(default_factory=list)
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ChangePairingStatus:
    pairing_id: str
    status: PairingStatus
    reason: str | None = None
    version: int | None = None


def term_end(starts_on: dt.date, term_months: int) -> dt.date:
    """A term is inclusive of its last day: 36 months from 2017-09-01 end on 2020-08-31."""
    return add_months(starts_on, term_months) - dt.timedelta(days=1)


def check_new_pairing(
    checks: Checks, mentor: Agency, supported: Agency, status: PairingStatus, starts_on: dt.date, ends_on: dt.date
) -> None:
    """The rules of a new pairing, for the mutation and the spreadsheet import."""
    if mentor.id == supported.id:
        checks.fail(
            "supported_id", "the supported agency must not be its own mentor", message_zh="受援机构不能是自己的帮扶机构"
        )
    for name, agency in (("mentor_id", mentor), ("supported_id", supported)):
        if agency.status is AgencyStatus.DEREGISTERED:
            checks.fail(name, f"{agency.name} is deregistered", message_zh=f"{agency.name}已注销")
    if status not in INITIAL_STATUSES:
        checks.fail("status", "a new pairing is PLANNED or ACTIVE", message_zh="新结对的状态只能是计划中或进行中")
    checks.dates_in_order("ends_on", starts_on, ends_on, strict=True)


@mutation("createPairing", replay=Pairing)
async def create_pairing(tx: Tx, request: CreatePairing) -> Pairing:
    program = await tx.load(Program, request.program_id, "program_id")
    mentor = await tx.load(Agency, request.mentor_id, "mentor_id")
    supported = await tx.load(Agency, request.supported_id, "supported_id")
    parties = SimpleNamespace(mentor_id=mentor.id, supported_id=supported.id)
    tx.require(pairing=parties)
    ends_on = request.ends_on or term_end(request.starts_on, program.default_term_months)
    checks = Checks()
    check_new_pairing(checks, mentor, supported, request.status, request.starts_on, ends_on)
    checks.done()
    pairing = await tx.add(
        Pairing(
            program_id=program.id,
            mentor_id=mentor.id,
            supported_id=supported.id,
            starts_on=request.starts_on,
            ends_on=ends_on,
            status=request.status,
            focus_areas=[area.value for area in dict.fromkeys(request.focus_areas)],
        )
    )
    tx.session.add(PairingTotals(pairing_id=pairing.id))
    return pairing


@mutation("changePairingStatus")
async def change_pairing_status(tx: Tx, request: ChangePairingStatus) -> Pairing:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    tx.require(pairing=pairing)
    checks = Checks()
    reason = checks.text(
        "reason", request.reason, max_length=REASON_LENGTH, required=request.status is PairingStatus.TERMINATED
    )
    checks.done()
    if request.status not in PAIRING_TRANSITIONS[pairing.status]:
        raise UserErrors(
            UserError(
                f"a {pairing.status.value} pairing cannot become {request.status.value}",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                ["status"],
                message_zh=f"{pairing.status.value} 状态的结对不能变为 {request.status.value}",
            )
        )
    await tx.versioned_update(pairing, {"status": request.status, "status_reason": reason}, request.version)
    return pairing
