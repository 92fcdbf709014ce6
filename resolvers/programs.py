"""Programs (帮扶计划): reads and writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from db.models import Program, Region
from db.records import read_columns
from resolvers.pagination import Ordering, Page, paginate
from resolvers.scope import Scope
from resolvers.tx import Tx
from resolvers.validation import NAME_LENGTH, REASON_LENGTH, Checks
from resolvers.writes import mutation

MAX_TERM_MONTHS = 120

PROGRAM_ORDER = Ordering(columns=(Program.id,), key_of=lambda program: (program.id,))


async def list_programs(scope: Scope, *, first: int | None, after: str | None) -> Page[Program]:
    return await paginate(scope.db, select(*read_columns(Program)), PROGRAM_ORDER, first=first, after=after)


# --- writes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateProgram:
    name: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    policy_reference: str | None = None
    default_term_months: int = 36
    scope_region_id: str | None = None
    idempotency_key: str | None = None


@mutation("createProgram", replay=Program)
async def create_program(tx: Tx, request: CreateProgram) -> Program:
    region = await tx.load_optional(Region, request.scope_region_id, "scope_region_id")
    tx.require()
    checks = Checks()
    name = checks.text("name", request.name, max_length=NAME_LENGTH)
    policy = checks.text("policy_reference", request.policy_reference, max_length=REASON_LENGTH, required=False)
    checks.number("default_term_months", request.default_term_months, low=1, high=MAX_TERM_MONTHS)
    checks.dates_in_order("ends_on", request.starts_on, request.ends_on, strict=True)
    checks.done()
    return await tx.add(
        Program(
            name=name,
            policy_reference=policy,
            starts_on=request.starts_on,
            ends_on=request.ends_on,
            default_term_months=request.default_term_months,
            scope_region_id=region.id if region else None,
        )
    )
