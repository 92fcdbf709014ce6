"""The Henan demo loads once, reproduces the report's Ye County figures exactly and is consistent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from db.credit_code import credit_code_problem
from db.demo.henan import AS_OF, PROGRAM_NAME, YE_COUNTY, load_henan_demo
from db.engine import Database
from db.models import (
    Agency,
    Base,
    IncubatedOrganization,
    IncubationStage,
    Milestone,
    MilestoneStatus,
    MilestoneUpdate,
    Pairing,
    PairingStatus,
    PairingTotals,
    Program,
    Region,
    RegionLevel,
    ServiceStation,
    UpdateStatus,
)

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory


@pytest.fixture(scope="module")
async def demo(databases: DatabaseFactory) -> AsyncIterator[tuple[Database, bool]]:
    """A new migrated database with the demo loaded once; yields it and what the load returned."""
    db = await databases.new_database("demo_data")
    try:
        yield db, await load_henan_demo(db)
    finally:
        await db.dispose()


async def ye_county_pairing(db: Database) -> Pairing:
    supported = aliased(Agency)
    async with db.reading() as session:
        return (
            await session.scalars(
                select(Pairing).join(supported, supported.id == Pairing.supported_id).where(supported.name == YE_COUNTY)
            )
        ).one()


async def row_counts(db: Database) -> dict[str, int]:
    async with db.reading() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


async def test_first_load_reports_it_loaded(demo: tuple[Database, bool]) -> None:
    assert demo[1] is True


async def test_program_has_twenty_pairings(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    async with db.reading() as session:
        program = (await session.scalars(select(Program).where(Program.name == PROGRAM_NAME))).one()
        pairings = (await session.scalars(select(Pairing).where(Pairing.program_id == program.id))).all()
    assert program.default_term_months == 36 and program.ends_on is None
    assert len(pairings) == 20
    assert all(pairing.ends_on > pairing.starts_on for pairing in pairings)
    assert all(pairing.mentor_id != pairing.supported_id for pairing in pairings)


async def test_ye_county_totals_match_the_report(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    pairing = await ye_county_pairing(db)
    async with db.reading() as session:
        totals = await session.get(PairingTotals, pairing.id)
    assert totals is not None
    assert (totals.home_visits, totals.casework_cases, totals.group_sessions, totals.themed_activities) == (
        312,
        62,
        89,
        14,
    )
    assert totals.training_sessions == 4
    assert totals.beneficiaries == 1800
    assert totals.cash_yuan == Decimal("92300.00")
    assert totals.disbursement_batches == 3
    assert totals.people_funded == 47
    assert totals.in_kind_yuan > 100_000


async def test_ye_county_station_and_incubation(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    pairing = await ye_county_pairing(db)
    async with db.reading() as session:
        station = (await session.scalars(select(ServiceStation).where(ServiceStation.pairing_id == pairing.id))).one()
        village = await session.get(Region, station.region_id)
        township = await session.get(Region, village.parent_id)
        incubation = (
            await session.scalars(select(IncubatedOrganization).where(IncubatedOrganization.pairing_id == pairing.id))
        ).one()
        incubated = await session.get(Agency, incubation.agency_id)
        county = await session.get(Region, incubated.region_id)
    assert station.name == "尚德社工服务站" and station.agency_id == pairing.supported_id
    assert (village.name, village.level, township.name) == ("十亩地洼村", RegionLevel.VILLAGE, "下汤镇")
    assert incubation.stage is IncubationStage.REGISTERED
    assert (incubated.name, county.code) == ("鲁山县尚德社会工作服务中心", "410423")


async def test_every_pairing_has_milestones_in_each_term_year(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Pairing.id, Milestone.term_year, Milestone.due_on, Pairing.starts_on, Pairing.ends_on).join(
                    Milestone, Milestone.pairing_id == Pairing.id
                )
            )
        ).all()
        pairing_ids = set((await session.scalars(select(Pairing.id))).all())
    years: dict[int, set[int]] = {}
    for pairing_id, term_year, due_on, starts_on, ends_on in rows:
        years.setdefault(pairing_id, set()).add(term_year)
        assert starts_on < due_on <= ends_on
    assert years.keys() == pairing_ids
    assert all(found == {1, 2, 3} for found in years.values())


async def test_milestones_show_every_review_state(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    async with db.reading() as session:
        pairs = set(
            (await session.execute(select(Milestone.status, MilestoneUpdate.status).join(MilestoneUpdate))).all()
        )
        achieved_without_date = await session.scalar(
            select(func.count())
            .select_from(Milestone)
            .where(Milestone.status == MilestoneStatus.ACHIEVED, Milestone.achieved_on.is_(None))
        )
        approved = (
            await session.scalars(select(MilestoneUpdate).where(MilestoneUpdate.status == UpdateStatus.APPROVED))
        ).all()
        returned_notes = (
            await session.scalars(
                select(MilestoneUpdate.review_note).where(MilestoneUpdate.status == UpdateStatus.RETURNED)
            )
        ).all()
    assert (MilestoneStatus.SUBMITTED, UpdateStatus.PENDING_REVIEW) in pairs
    assert (MilestoneStatus.RETURNED, UpdateStatus.RETURNED) in pairs
    assert (MilestoneStatus.ACHIEVED, UpdateStatus.APPROVED) in pairs
    assert achieved_without_date == 0
    assert approved and all(
        update.progress_percent == 100 and update.reviewed_by and update.reviewed_at for update in approved
    )
    assert returned_notes and all(returned_notes)


async def test_active_pairings_have_overdue_milestones(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    async with db.reading() as session:
        overdue = await session.scalar(
            select(func.count())
            .select_from(Milestone)
            .join(Pairing, Pairing.id == Milestone.pairing_id)
            .where(
                Pairing.status == PairingStatus.ACTIVE,
                Milestone.due_on < AS_OF,
                Milestone.status.not_in([MilestoneStatus.ACHIEVED, MilestoneStatus.WAIVED]),
            )
        )
    assert overdue > 0


async def test_credit_codes_have_valid_check_digits(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    # The worked example of GB 32100-2015 keeps the helper itself honest.
    assert credit_code_problem("91350100M000100Y43") is None
    assert credit_code_problem("91350100M000100Y44") is not None
    async with db.reading() as session:
        agencies = (await session.scalars(select(Agency))).all()
        region_codes = {region.id: region.code for region in (await session.scalars(select(Region))).all()}
    codes = [agency.credit_code for agency in agencies if agency.credit_code is not None]
    assert len(codes) >= 29
    assert [code for code in codes if credit_code_problem(code) is not None] == []
    assert all(
        agency.credit_code[:2] == "52" and agency.credit_code[2:8] == region_codes[agency.region_id]
        for agency in agencies
        if agency.credit_code is not None
    )


async def test_region_paths_follow_parents(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    async with db.reading() as session:
        regions = {region.id: region for region in (await session.scalars(select(Region))).all()}
    for region in regions.values():
        assert region.path.endswith(f"/{region.id}/")
        if region.parent_id is None:
            assert region.path == f"/{region.id}/"
        else:
            parent = regions[region.parent_id]
            assert region.path == f"{parent.path}{region.id}/" and region.path.startswith(parent.path)
    henan = next(region for region in regions.values() if region.code == "410000")
    below_henan = [region for region in regions.values() if region.path.startswith(henan.path) and region is not henan]
    assert sum(region.level is RegionLevel.CITY for region in below_henan) == 17
    assert sum(region.level is RegionLevel.COUNTY for region in below_henan) == 157


async def test_second_load_changes_nothing(demo: tuple[Database, bool]) -> None:
    db, _ = demo
    before = await row_counts(db)
    assert await load_henan_demo(db) is False
    assert await row_counts(db) == before
