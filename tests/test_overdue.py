"""isOverdue, progress.health and overdueMilestones on the demo data, with today fixed (TODAY)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import Agency, Pairing, Region, Role
from resolvers.access import Actor
from resolvers.ids import decode_typed_id, encode_id
from tests.conftest import TODAY, gql, run_graphql

HEALTHS = ("NOT_STARTED", "ON_TRACK", "AT_RISK", "OFF_TRACK", "COMPLETED")

PAIRINGS = """
query($after: String) {
  pairings(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status startsOn endsOn
      supported { name }
      progress { health milestonesOverdue percentComplete timeElapsedPercent }
      milestones(first: 100) { edges { node { id dueOn status isOverdue } } }
    } }
  }
}
"""

OVERDUE = """
query($programId: ID, $regionId: ID, $first: Int, $after: String) {
  overdueMilestones(programId: $programId, regionId: $regionId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id dueOn status isOverdue pairing { id } } }
  }
}
"""


async def all_pairings(db, actor=None):
    data = await gql(db, PAIRINGS, {}, **({"actor": actor} if actor else {}))
    assert not data["pairings"]["pageInfo"]["hasNextPage"]
    return [edge["node"] for edge in data["pairings"]["edges"]]


async def all_overdue(db, page_size: int, actor=None, **variables):
    nodes, after = [], None
    while True:
        data = await gql(
            db, OVERDUE, {**variables, "first": page_size, "after": after}, **({"actor": actor} if actor else {})
        )
        connection = data["overdueMilestones"]
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            assert connection["totalCount"] == len(nodes)
            return nodes
        after = connection["pageInfo"]["endCursor"]


def expected_health(pairing) -> str:
    """The README's rules, written out again independently of the SQL."""
    if pairing["status"] == "COMPLETED":
        return "COMPLETED"
    starts, ends = dt.date.fromisoformat(pairing["startsOn"]), dt.date.fromisoformat(pairing["endsOn"])
    if pairing["status"] == "PLANNED" or starts > TODAY:
        return "NOT_STARTED"
    milestones = [edge["node"] for edge in pairing["milestones"]["edges"]]
    countable = [m for m in milestones if m["status"] != "WAIVED"]
    achieved = sum(m["status"] == "ACHIEVED" for m in milestones)
    percent = achieved * 100 / len(countable) if countable else 0.0
    elapsed = min(100.0, max(0.0, (TODAY - starts).days * 100 / (ends - starts).days))
    overdue_days = [
        (TODAY - dt.date.fromisoformat(m["dueOn"])).days
        for m in milestones
        if dt.date.fromisoformat(m["dueOn"]) < TODAY and m["status"] not in ("ACHIEVED", "WAIVED")
    ]
    gap = elapsed - percent
    if (overdue_days and max(overdue_days) > 60) or gap > 30:
        return "OFF_TRACK"
    if overdue_days or gap > 15:
        return "AT_RISK"
    return "ON_TRACK"


async def test_is_overdue_is_past_due_and_still_open(demo_db):
    pairings = await all_pairings(demo_db)
    milestones = [edge["node"] for p in pairings for edge in p["milestones"]["edges"]]
    assert any(m["isOverdue"] for m in milestones) and not all(m["isOverdue"] for m in milestones)
    for milestone in milestones:
        past_due = dt.date.fromisoformat(milestone["dueOn"]) < TODAY
        assert milestone["isOverdue"] == (past_due and milestone["status"] not in ("ACHIEVED", "WAIVED")), milestone


async def test_health_follows_the_rules_and_the_ye_county_pairing_is_completed(demo_db):
    pairings = await all_pairings(demo_db)
    assert len(pairings) == 20
    for pairing in pairings:
        assert pairing["progress"]["health"] == expected_health(pairing), pairing["supported"]["name"]
        overdue = sum(edge["node"]["isOverdue"] for edge in pairing["milestones"]["edges"])
        assert pairing["progress"]["milestonesOverdue"] == overdue
    ye = next(p for p in pairings if p["supported"]["name"] == "叶县心天地社会工作服务中心")
    assert ye["progress"]["health"] == "COMPLETED"
    assert {p["progress"]["health"] for p in pairings} >= {"COMPLETED", "OFF_TRACK"}


async def test_the_health_filter_agrees_with_each_pairings_health_for_every_value(demo_db):
    by_health = {health: set() for health in HEALTHS}
    for pairing in await all_pairings(demo_db):
        by_health[pairing["progress"]["health"]].add(pairing["id"])
    for health in HEALTHS:
        data = await gql(
            demo_db,
            "query($h: PairingHealth){ pairings(first: 100, filter: {health: $h}) { totalCount edges { node { id } } } }",
            {"h": health},
        )
        found = {edge["node"]["id"] for edge in data["pairings"]["edges"]}
        assert found == by_health[health], health
        assert data["pairings"]["totalCount"] == len(found)


async def test_overdue_milestones_lists_every_overdue_milestone_most_overdue_first(demo_db):
    pairings = await all_pairings(demo_db)
    expected = sorted(
        (edge["node"]["dueOn"], edge["node"]["id"])
        for p in pairings
        for edge in p["milestones"]["edges"]
        if edge["node"]["isOverdue"]
    )
    listed = await all_overdue(demo_db, 4)
    assert listed, "the demo has overdue milestones"
    assert [m["dueOn"] for m in listed] == sorted(m["dueOn"] for m in listed)
    assert sorted((m["dueOn"], m["id"]) for m in listed) == expected
    assert len({m["id"] for m in listed}) == len(listed)
    assert all(m["isOverdue"] and m["status"] not in ("ACHIEVED", "WAIVED") for m in listed)
    # Pages of 4 give the same list as one page.
    assert [m["id"] for m in listed] == [m["id"] for m in await all_overdue(demo_db, 100)]


async def test_overdue_milestones_by_program_and_region(demo_db):
    async with demo_db.reading() as session:
        program_id = await session.scalar(select(Pairing.program_id).limit(1))
        pingdingshan = await session.scalar(select(Region).where(Region.code == "410400"))
        in_region = set(
            (
                await session.scalars(
                    select(Pairing.id)
                    .join(Agency, Agency.id == Pairing.supported_id)
                    .join(Region, Region.id == Agency.region_id)
                    .where(Region.path.startswith(pingdingshan.path))
                )
            ).all()
        )
    everything = await all_overdue(demo_db, 100)
    in_program = await all_overdue(demo_db, 100, programId=encode_id("Program", program_id))
    assert [m["id"] for m in in_program] == [m["id"] for m in everything]
    regional = await all_overdue(demo_db, 100, regionId=encode_id("Region", pingdingshan.id))
    assert {m["pairing"]["id"] for m in regional} <= {encode_id("Pairing", pk) for pk in in_region}
    assert [m["id"] for m in regional] == [
        m["id"] for m in everything if m["pairing"]["id"] in {encode_id("Pairing", pk) for pk in in_region}
    ]


async def test_an_agency_sees_only_the_overdue_milestones_of_its_own_pairings(demo_db):
    everything = await all_overdue(demo_db, 100)
    async with demo_db.reading() as session:
        first_pairing = decode_typed_id(everything[0]["pairing"]["id"], "Pairing")
        mentor_id = await session.scalar(select(Pairing.mentor_id).where(Pairing.id == first_pairing))
        own = set((await session.scalars(select(Pairing.id).where(Pairing.mentor_id == mentor_id))).all())
    mentor = Actor(name="mentor", role=Role.MENTOR_AGENCY, agency_id=mentor_id)
    listed = await all_overdue(demo_db, 100, actor=mentor)
    assert [m["id"] for m in listed] == [
        m["id"] for m in everything if m["pairing"]["id"] in {encode_id("Pairing", pk) for pk in own}
    ]
    assert len(listed) < len(everything)


async def test_a_malformed_overdue_cursor_is_refused(demo_db):
    result = await run_graphql(demo_db, OVERDUE, {"after": "bm90LWEtY3Vyc29y"})
    assert result.errors and result.errors[0].extensions["code"] == "BAD_CURSOR"
