"""The national data set: row counts proportional to the scale, exact counter rows, idempotent load,
and the same rows, counters and indexes however fast the load."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import func, select, text

from db.data_version import VERSION
from db.demo.national import PROGRAM_NAME, Counts, NationalDemoError, load_national_demo
from db.models import (
    Agency,
    Base,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingTotals,
    Program,
    Region,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.totals import recount_select
from resolvers.progress import progress_select
from resolvers.totals import money
from tests.conftest import TODAY
from tests.test_program_counters import stored_and_recounted

SCALE = 0.01
MODELS = (
    Region,
    Agency,
    Program,
    Pairing,
    Milestone,
    MilestoneUpdate,
    TrainingSession,
    ServiceActivity,
    ResourceLink,
    ServiceStation,
    IncubatedOrganization,
    PairingTotals,
)


async def counts(db) -> dict[str, int]:
    async with db.reading() as session:
        return {model.__name__: await session.scalar(select(func.count()).select_from(model)) for model in MODELS}


async def test_row_counts_are_proportional_to_the_scale(databases):
    db = await databases.new_database("national")
    try:
        assert await load_national_demo(db, SCALE) is True
        found = await counts(db)
        pairings = 15
        assert Counts.of(SCALE) == Counts(pairings=pairings, mentors=10, incubated=5)
        assert Counts.of(1).agencies == 3000 and Counts.of(1).pairings == 1500
        assert found == {
            "Region": 31 + 31 * 3 + 31 * 9 * 2,  # provinces, 3 cities each, 3 counties a city with a township each
            "Agency": 30,
            "Program": 1,
            "Pairing": pairings,
            "Milestone": 12 * pairings,
            "MilestoneUpdate": 24 * pairings,
            "TrainingSession": 20 * pairings,
            "ServiceActivity": 200 * pairings,
            "ResourceLink": 10 * pairings,
            "ServiceStation": pairings + pairings // 2,
            "IncubatedOrganization": 5,
            "PairingTotals": pairings,
        }
        # A second load at the same scale changes nothing; another scale is refused.
        assert await load_national_demo(db, SCALE) is False
        assert await counts(db) == found
        try:
            await load_national_demo(db, 0.02)
        except NationalDemoError as exc:
            assert "0.01" in str(exc)
        else:
            raise AssertionError("loading another scale over the data set must fail")
        assert await counts(db) == found
    finally:
        await db.dispose()


async def test_totals_paths_and_health(databases):
    db = await databases.new_database("national")
    try:
        await load_national_demo(db, SCALE)
        async with db.reading() as session:
            totals = {row.pairing_id: row for row in await session.scalars(select(PairingTotals))}
            recounted = (await session.execute(recount_select())).all()
            regions = {region.id: region for region in await session.scalars(select(Region))}
            health = {row.health for row in await session.execute(progress_select(TODAY))}
            program = await session.scalar(select(Program).where(Program.name == PROGRAM_NAME))
        assert program is not None and len(recounted) == len(totals) == 15
        for row in recounted:
            stored = totals[row.pairing_id]
            assert [getattr(stored, c) for c in COUNTER_COLUMNS] == [int(getattr(row, c)) for c in COUNTER_COLUMNS]
            assert [money(getattr(stored, c)) for c in MONEY_COLUMNS] == [money(getattr(row, c)) for c in MONEY_COLUMNS]
        assert sum(t.home_visits for t in totals.values()) > 0
        for region in regions.values():
            parent_path = regions[region.parent_id].path if region.parent_id else "/"
            assert region.path == f"{parent_path}{region.id}/"
        provinces = {r.code: r.name for r in regions.values() if r.parent_id is None}
        assert len(provinces) == 31 and provinces["110000"] == "北京市" and provinces["650000"] == "新疆维吾尔自治区"
        assert health == {"NOT_STARTED", "ON_TRACK", "AT_RISK", "OFF_TRACK", "COMPLETED"}
    finally:
        await db.dispose()


# Digests of every table the load writes, at SCALE on an empty database, as the loader that wrote
# its rows one COPY at a time with every trigger, foreign-key check and index in place made them
# (SQLite and PostgreSQL alike). A faster load must make the same database.
LOADED_DIGESTS = {
    "regions": "e8c8f1e0874a2bba",
    "agencies": "0a71fe50d3ab84ed",
    "programs": "8a4a1c6b6508aef0",
    "pairings": "834003ea3f88ced2",
    "service_stations": "30ef8e093f0f0700",
    "incubated_organizations": "e6a2cf72b06f7503",
    "milestones": "8eead0e29401e03b",
    "milestone_updates": "95a8f20b8c45224e",
    "training_sessions": "b6f2e98afdf5314a",
    "service_activities": "78b59eb1596a278d",
    "resource_links": "18796175393973e4",
    "pairing_totals": "7150f9618461f778",
}


def _canonical(value: Any) -> Any:
    """A value as both databases give it back: numbers without trailing zeros, times in UTC."""
    if isinstance(value, Decimal | float):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return value


async def digests(db) -> dict[str, str]:
    found = {}
    async with db.reading() as session:
        for name in LOADED_DIGESTS:
            table = Base.metadata.tables[name]
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            text = repr([tuple(_canonical(value) for value in row) for row in rows])
            found[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return found


async def indexes(db) -> set[str]:
    async with db.reading() as session:
        return set(await session.scalars(text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")))


async def test_the_load_makes_the_same_rows_counters_and_indexes(databases):
    db = await databases.new_database("national")
    try:
        ((version_before,),) = await db.fetch(VERSION)
        indexes_before = None if db.is_sqlite else await indexes(db)
        await load_national_demo(db, SCALE)
        assert await digests(db) == LOADED_DIGESTS
        stored, recounted = await stored_and_recounted(db)
        assert stored == recounted and stored
        ((version_after,),) = await db.fetch(VERSION)
        assert version_after > version_before
        if indexes_before is not None:
            assert await indexes(db) == indexes_before
    finally:
        await db.dispose()
