"""The Henan 牵手计划 demo: the program of the Henan Daily report (2020), its 20 pairings and their records.

What it loads, and which of it is real and which illustrative, is in db/demo/henan_data.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import Date, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime
from db.credit_code import credit_code_check_char
from db.demo.henan_data import (
    AS_OF,
    COMPLETED,
    HENAN,
    INCUBATIONS,
    MENTORS,
    ORG_CODE_WEIGHTS,
    PAIRINGS,
    POLICY_REFERENCE,
    PROGRAM_NAME,
    PROGRAM_STARTS_ON,
    REGIONS_CSV,
    SEED,
    STATIONS,
    SUSPENSION_REASON,
    TERM_MONTHS,
    YE_COUNTY,
    months_between,
    move_months,
)
from db.demo.henan_records import generated_records, load_milestones, ye_county_records
from db.engine import Database
from db.models import (
    Agency,
    AgencyStatus,
    Base,
    IncubatedOrganization,
    IncubationStage,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingStatus,
    Program,
    Region,
    RegionLevel,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.totals import recount_all

# --- unified social credit codes ----------------------------------------------------------------


def organization_code_check_digit(body: str) -> str:
    """The GB 11714 check character of the 8-character organization code at positions 9-16."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def social_organization_credit_code(region_code: str, name: str) -> str:
    """A well-formed code of a 民办非企业单位 ("52") registered in `region_code`. The serial comes from the
    name (string seeds are hashed stably), so an agency gets the same code on every load."""
    body = f"MJ{random.Random(name).randrange(1_000_000):06d}"
    first17 = f"52{region_code}{body}{organization_code_check_digit(body)}"
    return first17 + credit_code_check_char(first17)


# --- loading ------------------------------------------------------------------------------------


async def load_henan_demo(db: Database, today: dt.date | None = None) -> bool:
    """Load the demo in one transaction; False, with nothing changed, if the program already exists.
    `today` (AS_OF if not given) is the day it is loaded on: see `_move_running`."""
    try:
        async with db.writing() as session:
            if await _program_exists(session):
                return False
            await _load(session, months_between(AS_OF, today or AS_OF))
    except IntegrityError:
        # A concurrent load that committed first is the same outcome as finding the demo loaded.
        async with db.reading() as session:
            if await _program_exists(session):
                return False
        raise
    return True


async def _program_exists(session: AsyncSession) -> bool:
    return await session.scalar(select(Program.id).where(Program.name == PROGRAM_NAME)) is not None


async def _load(session: AsyncSession, months: int) -> None:
    rng = random.Random(SEED)
    regions = await _load_regions(session)
    agencies = await _load_agencies(session, regions)
    program = Program(
        name=PROGRAM_NAME,
        policy_reference=POLICY_REFERENCE,
        starts_on=PROGRAM_STARTS_ON,
        ends_on=None,
        default_term_months=TERM_MONTHS,
        scope_region_id=regions[HENAN].id,
    )
    session.add(program)
    await session.flush()
    pairings = [
        Pairing(
            program_id=program.id,
            mentor_id=agencies[row.mentor].id,
            supported_id=agencies[row.supported].id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            focus_areas=[area.value for area in row.focus_areas],
            status_reason=SUSPENSION_REASON if row.status is PairingStatus.SUSPENDED else None,
        )
        for row in PAIRINGS
    ]
    session.add_all(pairings)
    await session.flush()
    stations = await _load_stations(session, regions, agencies, pairings)
    session.add_all(_incubations(agencies, pairings))
    await load_milestones(session, rng, pairings)
    # PAIRINGS opens with the Ye County pairing, whose records are the report's; the rest are generated.
    session.add_all(ye_county_records(pairings[0], stations[YE_COUNTY]))
    for row, pairing in zip(PAIRINGS[1:], pairings[1:], strict=True):
        session.add_all(generated_records(rng, row, pairing, stations.get(row.supported), regions[row.county_code]))
    await session.flush()
    if months:
        await _move_running(session, months)
    await recount_all(session)


# Dates a row keeps whenever it is loaded: when it was written, not what it tells.
BOOKKEEPING_DATES = frozenset({"created_at", "updated_at", "voided_at"})
# What a pairing holds, each with the column naming its pairing.
IN_PAIRINGS = (
    (Pairing, Pairing.id),
    (Milestone, Milestone.pairing_id),
    (TrainingSession, TrainingSession.pairing_id),
    (ServiceActivity, ServiceActivity.pairing_id),
    (ServiceStation, ServiceStation.pairing_id),
    (IncubatedOrganization, IncubatedOrganization.pairing_id),
    (ResourceLink, ResourceLink.pairing_id),
)


async def _move_running(session: AsyncSession, months: int) -> None:
    """Move every date the demo tells of in the running pairings (and their milestones, updates,
    records, stations and incubations) by `months`: built as of AS_OF, the demo is then as of the
    month it is loaded in. Their dates are month-based (terms start on the first, milestones fall due
    on a month's last day), so a reader anywhere in that month sees the statuses as designed."""
    running = select(Pairing.id).where(Pairing.status != COMPLETED).scalar_subquery()
    rows: list[Base] = []
    for model, pairing_key in IN_PAIRINGS:
        rows += (await session.scalars(select(model).where(pairing_key.in_(running)))).all()
    updates = select(MilestoneUpdate).join(Milestone, Milestone.id == MilestoneUpdate.milestone_id)
    rows += (await session.scalars(updates.where(Milestone.pairing_id.in_(running)))).all()
    for row in rows:
        for column in type(row).__table__.columns:
            value = getattr(row, column.key)
            if value is None or column.key in BOOKKEEPING_DATES:
                continue
            if isinstance(column.type, UTCDateTime):
                setattr(row, column.key, dt.datetime.combine(move_months(value.date(), months), value.timetz()))
            elif isinstance(column.type, Date):
                setattr(row, column.key, move_months(value, months))
    await session.flush()


async def _load_regions(session: AsyncSession) -> dict[str, Region]:
    """Insert the regions of the CSV level by level, reusing any already present by code, and give each
    its path of ids, which exists only once the region and its ancestors have ids."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    existing = await session.scalars(select(Region).where(Region.code.in_([row["code"] for row in rows])))
    by_code = {region.code: region for region in existing}
    for level in RegionLevel:
        fresh = [
            (
                parent_code := row["parent_code"],
                Region(
                    code=row["code"],
                    name=row["name"],
                    level=level,
                    parent_id=by_code[parent_code].id if parent_code else None,
                ),
            )
            for row in rows
            if row["level"] == level and row["code"] not in by_code
        ]
        session.add_all(region for _, region in fresh)
        await session.flush()
        for parent_code, region in fresh:
            region.path = f"{by_code[parent_code].path if parent_code else '/'}{region.id}/"
            by_code[region.code] = region
    return by_code


async def _load_agencies(session: AsyncSession, regions: dict[str, Region]) -> dict[str, Agency]:
    """Mentors keyed by their MENTORS key, supported and incubated agencies by name."""
    specs = [(key, name, code, AgencyStatus.REGISTERED) for key, name, code in MENTORS]
    specs += [(row.supported, row.supported, row.county_code, AgencyStatus.REGISTERED) for row in PAIRINGS]
    specs += [
        (name, name, code, AgencyStatus.PREPARING if stage is IncubationStage.INCUBATING else AgencyStatus.REGISTERED)
        for name, code, stage, *_ in INCUBATIONS.values()
    ]
    agencies = {
        key: Agency(
            name=name,
            # An agency still being incubated is not registered yet, so it has no credit code.
            credit_code=social_organization_credit_code(code, name) if status is AgencyStatus.REGISTERED else None,
            region_id=regions[code].id,
            status=status,
        )
        for key, name, code, status in specs
    }
    session.add_all(agencies.values())
    await session.flush()
    return agencies


async def _load_stations(
    session: AsyncSession, regions: dict[str, Region], agencies: dict[str, Agency], pairings: Sequence[Pairing]
) -> dict[str, ServiceStation]:
    pairing_of = {row.supported: pairing for row, pairing in zip(PAIRINGS, pairings, strict=True)}
    stations = {
        supported: ServiceStation(
            name=name,
            region_id=regions[code].id,
            agency_id=agencies[supported].id,
            pairing_id=pairing_of[supported].id,
            established_on=established_on,
        )
        for supported, (name, code, established_on) in STATIONS.items()
    }
    session.add_all(stations.values())
    await session.flush()
    return stations


def _incubations(agencies: dict[str, Agency], pairings: Sequence[Pairing]) -> list[IncubatedOrganization]:
    pairing_of = {row.supported: pairing for row, pairing in zip(PAIRINGS, pairings, strict=True)}
    return [
        IncubatedOrganization(
            pairing_id=pairing_of[supported].id,
            agency_id=agencies[name].id,
            stage=stage,
            started_on=started_on,
            registered_on=registered_on,
            independent_on=independent_on,
        )
        for supported, (name, _, stage, started_on, registered_on, independent_on) in INCUBATIONS.items()
    ]
