"""A synthetic national 牵手计划 for load and performance work: `load_national_demo(db, scale)`.

At scale 1: the 31 provinces (real GB/T 2260 codes and names), their capitals (real codes) and two
synthetic cities each, three synthetic counties per city and one synthetic township per county
(regions.py); 3,000 agencies (1,000 mentors, 1,500 supported, 500 incubated), 1,500 pairings, and
per pairing 12 milestones with 2 updates each (pairings.py), 20 training sessions, 200 service
activities (2 of them voided), 10 resource links (records.py) and 1 or 2 service stations: about
400,000 rows. Everything but the regions scales with `scale`; everything is drawn from seeded
generators, so a load is the same on every machine.

Statuses and dates are set against `AS_OF` (2026-11-30, the date the tests fix) so that every health
value (NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETED) is represented.

Rows are written with bulk statements (bulk.py) with ids assigned here, in one transaction, and the
counter rows are rebuilt from the records at the end. Slices of rows are made in a thread while the
previous slice is written, so that making rows and PostgreSQL's writing them overlap.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of
from db.demo.national.bulk import bulk_insert, indexes_built_after, next_id, reset_sequence, triggers_off
from db.demo.national.catalog import MAX_SCALE, POLICY_PREFIX, PROGRAM_NAME, Counts
from db.demo.national.pairings import generate
from db.demo.national.regions import load_regions
from db.demo.national.rows import Rows
from db.engine import Database
from db.models import (
    Agency,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    Program,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.totals import recount_all, recount_programs

__all__ = ["PROGRAM_NAME", "Counts", "NationalDemoError", "check_scale", "load_national_demo"]

# In the order they are written, parents first.
TABLES: tuple[Table, ...] = tuple(
    table_of(model)
    for model in (
        Agency,
        Program,
        Pairing,
        ServiceStation,
        IncubatedOrganization,
        Milestone,
        MilestoneUpdate,
        TrainingSession,
        ServiceActivity,
        ResourceLink,
    )
)
AGENCIES = table_of(Agency)
# The rows of a slice of pairings, by table name.
Slice = dict[str, list[dict[str, Any]]]


class NationalDemoError(Exception):
    """The national data cannot be loaded as asked; the message is one line fit for the terminal."""


def check_scale(scale: float) -> float:
    if not (0 < scale <= MAX_SCALE) or not math.isfinite(scale):
        raise NationalDemoError(f"scale must be above 0 and at most {MAX_SCALE:g}, got {scale}")
    return scale


async def load_national_demo(db: Database, scale: float = 1.0) -> bool:
    """Load the data set in one transaction; False, with nothing changed, if it is already there at
    this scale. A different scale already loaded is an error: drop the database to change it."""
    check_scale(scale)
    policy = f"{POLICY_PREFIX}{scale:g}"
    async with db.writing() as session:
        existing = await session.scalar(select(Program.policy_reference).where(Program.name == PROGRAM_NAME))
        if existing is not None:
            if existing != policy:
                raise NationalDemoError(
                    f"the national data is already loaded with {existing.removeprefix(POLICY_PREFIX)!r}; "
                    f"use a new database for scale {scale:g}"
                )
            return False
        regions = await load_regions(session)
        rows = Rows(next_id={table.name: await next_id(session, table) for table in TABLES})
        # Made and written a slice of pairings at a time: at scale 30 (12 million rows) the whole
        # set would not fit in memory.
        slices = generate(rows, Counts.of(scale), regions, policy)
        async with indexes_built_after(session, TABLES):
            async for made in _made_ahead(slices):
                await _write(session, made)
            async with triggers_off(session):
                await recount_all(session)
                await recount_programs(session)
        for table in TABLES:
            await reset_sequence(session, table)
        # Fresh planner statistics: without them the first hours after a bulk load get plans made
        # for empty tables (sequential scans where an index range is a hundred times cheaper).
        await session.execute(text("ANALYZE"))
    return True


async def _made_ahead(slices: Iterator[Slice]) -> AsyncIterator[Slice]:
    """The slices, each made in a thread while the one before it is being written."""
    ahead = asyncio.ensure_future(asyncio.to_thread(next, slices, None))
    while (made := await ahead) is not None:
        ahead = asyncio.ensure_future(asyncio.to_thread(next, slices, None))
        yield made


async def _write(session: AsyncSession, made: Slice) -> None:
    """Agencies are written with their triggers, which tell the servers that a region has new
    agencies (and move the data version); the rest without (bulk.triggers_off)."""
    await bulk_insert(session, AGENCIES, made.get(AGENCIES.name, []))
    async with triggers_off(session):
        for table in TABLES:
            if table is not AGENCIES:
                await bulk_insert(session, table, made.get(table.name, []))
