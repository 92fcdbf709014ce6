"""The number of SQL statements behind a page does not grow with the page size."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from db.models import Agency, Milestone, MilestoneCategory, MilestoneStatus, Pairing, PairingStatus, Program
from db.statements import recording
from db.totals import recount_all
from tests.conftest import gql, run_graphql

DASHBOARD = """query($first: Int, $program: ID) { pairings(first: $first, filter: {programId: $program}) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id status startsOn endsOn
    mentor { name region { name } }
    supported { name region { name } }
    progress { milestonesTotal milestonesAchieved milestonesOverdue percentComplete timeElapsedPercent health }
    serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
    resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
  } } } }"""

DETAIL = """query($first: Int, $program: ID) { pairings(first: $first, filter: {programId: $program}) { edges { node {
  program { name }
  milestones(first: 12) { totalCount edges { node { title isOverdue updates(first: 5) { totalCount edges { node { status } } } } } }
  trainingSessions(first: 20) { totalCount edges { node { topic } } }
  serviceStations { name region { name } agency { name } }
  incubatedOrganizations { stage agency { name } }
} } } }"""


@pytest.fixture(scope="module")
async def sixty_pairings(databases):
    """The demo plus a program of 60 pairings between demo agencies, each with milestones."""
    db = await databases.new_database("nplusone", demo=True)
    async with db.writing() as session:
        agencies = (await session.scalars(select(Agency.id).order_by(Agency.id))).all()
        program = Program(name="N+1 probe", starts_on=dt.date(2024, 1, 1), default_term_months=36)
        session.add(program)
        await session.flush()
        pairs = [(m, s) for m, s in itertools.permutations(agencies, 2)][:60]
        pairings = [
            Pairing(
                program_id=program.id,
                mentor_id=m,
                supported_id=s,
                starts_on=dt.date(2024, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                status=PairingStatus.SUSPENDED,
                focus_areas=[],
            )
            for m, s in pairs
        ]
        session.add_all(pairings)
        await session.flush()
        session.add_all(
            Milestone(
                pairing_id=p.id,
                title=f"里程碑 {year}",
                category=MilestoneCategory.GOVERNANCE,
                term_year=year,
                due_on=dt.date(2023 + year, 6, 30),
                status=MilestoneStatus.IN_PROGRESS,
            )
            for p in pairings
            for year in (1, 2, 3)
        )
        await recount_all(session)
    yield db, program.id
    await db.dispose()


@pytest.mark.parametrize("query", [DASHBOARD, DETAIL], ids=["dashboard", "detail"])
async def test_statement_count_is_constant_in_page_size(sixty_pairings, query):
    db, program_pk = sixty_pairings
    from resolvers.ids import encode_id

    counts = {}
    for first in (5, 50):
        with recording(db) as counter:
            data = await gql(db, query, {"first": first, "program": encode_id("Program", program_pk)})
        assert len(data["pairings"]["edges"]) == first
        counts[first] = counter.count
    assert counts[5] == counts[50], counts


async def test_dashboard_page_takes_three_statements(sixty_pairings):
    db, program_pk = sixty_pairings
    from resolvers.ids import encode_id

    with recording(db) as counter:
        await gql(db, DASHBOARD, {"first": 50, "program": encode_id("Program", program_pk)})
    # The page, its totalCount, and its agencies, regions, progress and totals in one statement.
    assert counter.count == 3, counter.texts


async def test_a_page_fetches_only_what_the_query_selects(sixty_pairings):
    db, program_pk = sixty_pairings
    from resolvers.ids import encode_id

    program = encode_id("Program", program_pk)
    with recording(db) as bare:
        await gql(
            db,
            "query($p: ID) { pairings(first: 50, filter: {programId: $p}) { edges { node { id status } } } }",
            {"p": program},
        )
    with recording(db) as through_fragment:
        data = await gql(
            db,
            """query($p: ID) { pairings(first: 50, filter: {programId: $p}) { edges { node { ...Names } } } }
            fragment Names on Pairing { mentor { name region { name } } }""",
            {"p": program},
        )
    assert bare.count == 1, bare.texts
    assert through_fragment.count == 2, through_fragment.texts  # the page, then its agencies with their regions
    details = through_fragment.texts[1]
    assert "supported_region" in details
    assert "milestones" not in details and "pairing_totals" not in details, "progress and totals were not selected"
    assert all(edge["node"]["mentor"]["region"]["name"] for edge in data["pairings"]["edges"])


AHEAD = """query($n: Int, $pairing: ID!) { pairing(id: $pairing) { milestones(first: 20) { edges { node {
  id ...Updates
  a: updates(first: $n) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status } } }
  ... on Milestone { c: updates(first: 1) { edges { node { id note } } } }
} } } } }
fragment Updates on Milestone { b: updates { edges { node { id progressPercent } } } }"""

ONE_BY_ONE = """query($n: Int, $id: ID!) { node(id: $id) { ... on Milestone {
  id ...Updates
  a: updates(first: $n) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status } } }
  ... on Milestone { c: updates(first: 1) { edges { node { id note } } } }
} } }
fragment Updates on Milestone { b: updates { edges { node { id progressPercent } } } }"""


async def demo_pairing_with_updates(db) -> str:
    data = await gql(
        db,
        "{ pairings(first: 50) { edges { node { id milestones(first: 50) { edges { node {"
        " updates(first: 1) { totalCount } } } } } } } }",
    )
    for edge in data["pairings"]["edges"]:
        counts = [m["node"]["updates"]["totalCount"] for m in edge["node"]["milestones"]["edges"]]
        if sum(counts) > 2:
            return edge["node"]["id"]
    raise AssertionError("the demo has no pairing with updates")


async def test_updates_fetched_ahead_answer_as_each_milestone_does(demo_db):
    """A page of milestones fetches the updates it selects ahead, once per distinct arguments
    (aliases, a variable, fragments); each milestone shows what it shows when asked for alone."""
    pairing = await demo_pairing_with_updates(demo_db)
    with recording(demo_db) as statements:
        data = await gql(demo_db, AHEAD, {"n": 2, "pairing": pairing})
    milestones = [edge["node"] for edge in data["pairing"]["milestones"]["edges"]]
    assert sum(m["a"]["totalCount"] for m in milestones) > 2
    for milestone in milestones:
        alone = await gql(demo_db, ONE_BY_ONE, {"n": 2, "id": milestone["id"]})
        assert alone["node"] == milestone
    # One statement for each of the three argument sets, whatever the number of milestones.
    assert sum("milestone_updates" in text and "row_number" in text for text in statements.texts) == 3


async def test_updates_that_cannot_be_fetched_ahead_fail_in_their_own_field(demo_db):
    pairing = await demo_pairing_with_updates(demo_db)
    query = """query($p: ID!) { pairing(id: $p) { milestones(first: 2) { edges { node { id
      updates(first: 101) { totalCount } } } } } }"""
    result = await run_graphql(demo_db, query, {"p": pairing})
    assert result.errors and {error.extensions["code"] for error in result.errors} == {"PAGE_TOO_LARGE"}
    assert all(error.path[-1] == "updates" for error in result.errors)


async def test_a_pairing_page_is_the_same_statement_wherever_it_starts(sixty_pairings):
    """The cursor and the page size are bound, not written into the SQL: the page's statement is
    built and compiled once (resolvers/pagination.py ListStatement)."""
    db, _program = sixty_pairings
    query = "query($first: Int, $after: String) { pairings(first: $first, after: $after) { pageInfo { endCursor } } }"
    texts = set()
    after = None
    for first in (5, 7, 9):
        with recording(db) as statements:
            data = await gql(db, query, {"first": first, "after": after})
        after = data["pairings"]["pageInfo"]["endCursor"]
        texts.add(statements.texts[0])
    assert len(texts) == 2  # the first page, and every page after a cursor


async def test_pairings_by_id_fetch_their_lists_in_one_batch_each(sixty_pairings):
    """`nodes(ids:)` reads each pairing and fetches its lists ahead: the lists of all the pairings
    go in one batch per list, however many pairings there are."""
    db, program_pk = sixty_pairings
    from resolvers.ids import encode_id

    page = await gql(
        db,
        "query($p: ID) { pairings(first: 30, filter: {programId: $p}) { edges { node { id } } } }",
        {"p": encode_id("Program", program_pk)},
    )
    ids = [edge["node"]["id"] for edge in page["pairings"]["edges"]]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Pairing { id
      milestones(first: 2) { edges { node { title updates(first: 1) { edges { node { id } } } } } }
      trainingSessions(first: 2) { edges { node { id } } } serviceStations { id } } } }"""
    counts = {}
    for size in (1, 30):
        with recording(db) as counter:
            data = await gql(db, query, {"ids": ids[:size]})
        assert [node["id"] for node in data["nodes"]] == ids[:size]
        assert all(len(node["milestones"]["edges"]) == 2 for node in data["nodes"])
        counts[size] = counter.count
    # The pairings, then their milestones, training sessions and stations, then the milestones' updates.
    assert counts == {1: 5, 30: 5}, counts


async def test_what_a_pairing_fetches_ahead_follows_each_requests_variables(demo_db):
    """What a document fetches ahead is worked out once, except where its arguments are variables:
    each request then fetches ahead by its own. A page fetched ahead by other arguments would load
    again in its field, one more statement."""
    pairing = await demo_pairing_with_updates(demo_db)
    query = """query($p: ID!, $n: Int!, $u: Int!) { pairing(id: $p) { id
      milestones(first: $n) { edges { node { id updates(first: $u) { edges { node { id } } } } } }
      trainingSessions(first: $n) { edges { node { id } } } } }"""
    counts = set()
    for n, u in ((1, 1), (3, 2), (2, 1), (3, 2)):
        with recording(demo_db) as counter:
            data = await gql(demo_db, query, {"p": pairing, "n": n, "u": u})
        milestones = data["pairing"]["milestones"]["edges"]
        assert len(milestones) == n and len(data["pairing"]["trainingSessions"]["edges"]) <= n
        assert all(len(m["node"]["updates"]["edges"]) <= u for m in milestones)
        counts.add(counter.count)
    # The pairing, its milestones, their updates and its training sessions.
    assert counts == {4}, counts
