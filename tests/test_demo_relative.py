"""The demo tells the same story on whatever day it is loaded: its running pairings move with the
load day, so their health mix a year later is the one designed; its regional staff have work."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from db.demo.henan import AS_OF, load_henan_demo, move_months
from db.engine import Database
from db.migrate import upgrade
from resolvers.access import SYSTEM, Actor
from resolvers.scope import Scope
from resolvers.tokens import authenticate, demo_scopes, rotate_demo_tokens
from schema.schema import schema
from server.settings import load_settings
from tests.conftest import TODAY

A_YEAR_ON = dt.date(TODAY.year + 1, TODAY.month, TODAY.day)
STORY = """{ pairings(first: 100) { edges { node {
  status supported { name }
  progress { health milestonesOverdue milestonesAchieved }
  milestones(first: 12) { edges { node { status isOverdue } } }
} } } }"""


async def story(db: Database, today: dt.date, actor: Actor = SYSTEM) -> list[dict]:
    result = await schema.execute(STORY, context_value=Scope(db=db, actor=actor, today=today))
    assert result.errors is None, result.errors
    return [edge["node"] for edge in result.data["pairings"]["edges"]]


async def loaded_on(databases, today: dt.date) -> Database:
    db = Database.from_url(await databases.new_url("demo-later"))
    await upgrade(db.write_engine)
    assert await load_henan_demo(db, today)
    return db


async def test_a_year_later_the_demo_shows_the_health_mix_as_designed(demo_db: Database, databases):
    designed = await story(demo_db, TODAY)
    later_db = await loaded_on(databases, A_YEAR_ON)
    try:
        later = await story(later_db, A_YEAR_ON)
        # Loaded a year on without moving, the same pairings would now be a year further behind.
        stale = await story(demo_db, A_YEAR_ON)
    finally:
        await later_db.dispose()
    assert later == designed
    healths = Counter(pairing["progress"]["health"] for pairing in designed)
    assert {"ON_TRACK", "AT_RISK", "COMPLETED"} <= set(healths), healths
    assert Counter(pairing["progress"]["health"] for pairing in stale) != healths


def test_moving_by_months_keeps_month_ends_and_firsts():
    assert move_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert move_months(dt.date(2027, 2, 28), 1) == dt.date(2027, 3, 31)
    assert move_months(dt.date(2024, 1, 1), 13) == dt.date(2025, 2, 1)
    assert move_months(dt.date(2026, 1, 30), 1) == dt.date(2026, 2, 28)
    assert move_months(AS_OF, -2) == dt.date(2026, 9, 1)


async def test_the_demo_regional_staff_see_an_active_pairing_with_an_update_to_review(databases):
    db = await loaded_on(databases, A_YEAR_ON)
    try:
        secrets = await rotate_demo_tokens(db, await demo_scopes(db))
        actor = await authenticate(db, secrets["demo-regional-staff"])
        seen = await story(db, A_YEAR_ON, actor)
    finally:
        await db.dispose()
    to_review = [
        pairing
        for pairing in seen
        if pairing["status"] == "ACTIVE"
        and any(edge["node"]["status"] == "SUBMITTED" for edge in pairing["milestones"]["edges"])
    ]
    assert to_review, [pairing["supported"]["name"] for pairing in seen]


def test_an_empty_today_setting_means_unset(monkeypatch):
    monkeypatch.setenv("QIANSHOU_TODAY", "")
    assert load_settings().today is None
    monkeypatch.setenv("QIANSHOU_TODAY", "2027-11-30")
    assert load_settings().today == dt.date(2027, 11, 30)
