"""The national data set: row counts proportional to the scale, exact counter rows, idempotent load."""

from __future__ import annotations

from sqlalchemy import func, select

from db.demo.national import PROGRAM_NAME, Counts, NationalDemoError, load_national_demo
from db.models import (
    Agency,
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
