"""Sorting the whole pairing list (`orderBy`): every sort, both directions, walked page by page
with cursors across ties, gives the same list as one big page, in the right order; in a constant
number of statements; and a cursor of one sort is refused by another."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from db.models import Agency, Milestone, MilestoneCategory, MilestoneStatus, Pairing, PairingStatus, Program
from db.statements import recording
from db.totals import recount_all
from resolvers.ids import decode_id, encode_id
from tests.conftest import gql, run_graphql

LIST = """query($first: Int, $after: String, $order: PairingOrder, $filter: PairingFilter) {
  pairings(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id startsOn mentor { name } supported { name region { code } }
      progress { percentComplete milestonesOverdue health } } }
  } }"""

HEALTH_RANK = {"COMPLETED": 0, "NOT_STARTED": 1, "ON_TRACK": 2, "AT_RISK": 3, "OFF_TRACK": 4}
# The value each sort orders by, read off a node; text is compared by the database's collation,
# so only its ties (by id) are checked here, not the order of its values.
NUMERIC_KEYS = {
    "ID": lambda node: 0,
    "STARTS_ON": lambda node: node["startsOn"],
    "PROGRESS": lambda node: node["progress"]["percentComplete"],
    "OVERDUE": lambda node: node["progress"]["milestonesOverdue"],
    "HEALTH": lambda node: HEALTH_RANK[node["progress"]["health"]],
}
TEXT_KEYS = {
    "SUPPORTED_NAME": lambda node: node["supported"]["name"],
    "MENTOR_NAME": lambda node: node["mentor"]["name"],
    "REGION": lambda node: node["supported"]["region"]["code"],
}


@pytest.fixture(scope="module")
async def tied(databases):
    """The demo plus 40 pairings that tie in every sort many times over: two start dates, four
    levels of progress, statuses that make every health, agencies shared between them."""
    db = await databases.new_database("order", demo=True)
    async with db.writing() as session:
        agencies = (await session.scalars(select(Agency.id).order_by(Agency.id))).all()
        programs = [
            Program(name=f"排序测试 {k}", starts_on=dt.date(2023, 1, 1), default_term_months=36) for k in range(4)
        ]
        session.add_all(programs)
        await session.flush()
        statuses = [PairingStatus.ACTIVE, PairingStatus.SUSPENDED, PairingStatus.PLANNED, PairingStatus.COMPLETED]
        # Each program pairs the same ten supported agencies (one pairing each), with other mentors.
        pairings = [
            Pairing(
                program_id=program.id,
                mentor_id=agencies[(i + 1 + k) % 12],
                supported_id=agencies[i],
                starts_on=dt.date(2023, 1 + 5 * (i % 2), 1),
                ends_on=dt.date(2025, 12, 31),
                status=statuses[(i + k) % 4],
                focus_areas=[],
            )
            for k, program in enumerate(programs)
            for i in range(10)
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
                status=MilestoneStatus.ACHIEVED if year <= n % 4 else MilestoneStatus.IN_PROGRESS,
            )
            for n, p in enumerate(pairings)
            for year in (1, 2, 3)
        )
        await recount_all(session)
    yield db
    await db.dispose()


async def walk(db, order, size: int, filter: dict | None = None) -> list[dict]:
    """Every node of the list, `size` at a time, following the cursors."""
    nodes, after = [], None
    while True:
        page = (await gql(db, LIST, {"first": size, "after": after, "order": order, "filter": filter}))["pairings"]
        nodes += [edge["node"] for edge in page["edges"]]
        assert [edge["cursor"] for edge in page["edges"]][-1:] == (
            [page["pageInfo"]["endCursor"]] if page["edges"] else []
        )
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def pk(node: dict) -> int:
    return decode_id(node["id"])[1]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", [*NUMERIC_KEYS, *TEXT_KEYS])
async def test_pages_across_ties_give_the_whole_list_in_order(tied, field, direction):
    order = {"field": field, "direction": direction}
    whole = (await gql(tied, LIST, {"first": 100, "order": order}))["pairings"]
    assert whole["totalCount"] == len(whole["edges"]) == 60
    everything = [edge["node"] for edge in whole["edges"]]
    assert await walk(tied, order, 7) == everything  # no pairing lost or repeated at a page's edge
    key = {**NUMERIC_KEYS, **TEXT_KEYS}[field]
    sign = -1 if direction == "DESC" else 1
    if field in NUMERIC_KEYS:
        assert everything == sorted(everything, key=lambda node: (key(node), pk(node)), reverse=sign < 0)
    ties = [[pk(node) for node in group] for _, group in itertools.groupby(everything, key)]
    assert all(group == sorted(group, reverse=sign < 0) for group in ties), ties
    assert len(ties) < len(everything)  # there were ties to page across


async def test_a_region_filter_sorts_the_same_way(tied):
    """A region's list is built per request (its region is read first): its sorts follow the same rules."""
    region = (await gql(tied, "{ regions(first: 1) { edges { node { id } } } }"))["regions"]["edges"][0]["node"]["id"]
    order = {"field": "PROGRESS", "direction": "DESC"}
    filter = {"regionId": region}
    whole = [
        edge["node"]
        for edge in (await gql(tied, LIST, {"first": 100, "order": order, "filter": filter}))["pairings"]["edges"]
    ]
    assert len(whole) > 10
    assert await walk(tied, order, 4, filter) == whole
    assert whole == sorted(whole, key=lambda node: (node["progress"]["percentComplete"], pk(node)), reverse=True)


async def test_a_health_filter_and_a_sort_together(tied):
    order = {"field": "MENTOR_NAME", "direction": "ASC"}
    nodes = await walk(tied, order, 3, {"health": "NOT_STARTED"})
    expected = (await gql(tied, LIST, {"first": 100, "filter": {"health": "NOT_STARTED"}}))["pairings"]["totalCount"]
    assert len(nodes) == expected > 3
    assert {node["progress"]["health"] for node in nodes} == {"NOT_STARTED"}


async def test_a_sorted_page_takes_as_many_statements_whatever_its_size(tied):
    order = {"field": "HEALTH", "direction": "DESC"}
    counts = {}
    for first in (5, 50):
        with recording(tied) as counter:
            page = (await gql(tied, LIST, {"first": first, "order": order}))["pairings"]
        assert len(page["edges"]) == first
        counts[first] = counter.count
    assert counts[5] == counts[50] == 3, counts  # the page, its count, its agencies and progress


async def test_a_cursor_of_another_sort_is_refused(tied):
    by_name = (await gql(tied, LIST, {"first": 2, "order": {"field": "SUPPORTED_NAME"}}))["pairings"]
    result = await run_graphql(
        tied, LIST, {"first": 2, "after": by_name["pageInfo"]["endCursor"], "order": {"field": "PROGRESS"}}
    )
    assert result.errors and result.errors[0].extensions["code"] == "BAD_CURSOR"
    assert (
        "另一种排序" in result.errors[0].extensions.get("messageZh", "") or "another order" in result.errors[0].message
    )
    plain = await run_graphql(tied, LIST, {"first": 2, "after": by_name["pageInfo"]["endCursor"]})
    assert plain.errors and plain.errors[0].extensions["code"] == "BAD_CURSOR"


async def test_the_default_order_is_unchanged_and_its_cursors_still_work(tied):
    nodes = await walk(tied, None, 9)
    assert [pk(node) for node in nodes] == sorted(pk(node) for node in nodes)
    assert encode_id("Pairing", pk(nodes[0])) == nodes[0]["id"]
