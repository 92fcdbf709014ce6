"""Answers that PostgreSQL writes (schema/engine/sql_answers.py) are graphql-core's answers, value
for value, for every field that path reads, every caller and every odd argument; and they are
taken in one statement per root field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from graphql import parse
from sqlalchemy import select

from db.models import Agency, Milestone, MilestoneUpdate, Pairing, Role
from db.reads import fast_paths
from db.reads.fast_paths import FastPaths, fallbacks
from db.statements import recording
from resolvers.access import Actor
from resolvers.ids import encode_id
from schema.schema import execute_checked
from tests.conftest import make_scope

pytestmark = pytest.mark.usefixtures("switched_back")

EVERY_FIELD = """
query Every($id: ID!, $milestones: Int) {
  __typename
  pairing(id: $id) {
    __typename id status startsOn endsOn version statusReason
    mentor { __typename id name creditCode status version region { __typename id code name level } }
    supported { ...AgencyFields }
    progress {
      __typename milestonesTotal milestonesAchieved milestonesWaived milestonesOverdue maxDaysOverdue
      percentComplete timeElapsedPercent health
    }
    serviceTotals { __typename homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
    resourceTotals { __typename cashYuan inKindYuan disbursementBatches peopleFunded }
    milestones(first: $milestones) {
      __typename
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        __typename cursor
        node {
          id title category termYear dueOn targetValue unit status achievedOn approvedOn version
          updates(first: 2) {
            pageInfo { hasNextPage endCursor }
            edges { cursor node { id note progressValue progressPercent status submittedBy submittedAt reviewedBy reviewedAt } }
          }
        }
      }
    }
    trainingSessions(first: 100) {
      edges { node { id topic startsOn endsOn hours mode participants voidedAt voidReason } }
    }
    again: trainingSessions { pageInfo { hasNextPage startCursor } }
    serviceStations { id name establishedOn voidedAt voidReason }
    incubatedOrganizations { ... on IncubatedOrganization { id stage startedOn registeredOn independentOn version voidedAt voidReason } }
  }
}
fragment AgencyFields on Agency { id name region { name } }
"""

PAGE = """
query Page($first: Int, $after: String) {
  pairings(first: $first, after: $after) {
    __typename
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        id status mentor { name region { name } } supported { name }
        progress { percentComplete health } serviceTotals { homeVisits } resourceTotals { cashYuan }
        milestones(first: 2) { edges { node { title } } }
      }
    }
  }
}
"""


@pytest.fixture
def switched_back() -> Iterator[None]:
    yield
    fast_paths.use(FastPaths())


@pytest.fixture
def postgres(demo_db) -> Any:
    if demo_db.is_sqlite:
        pytest.skip("PostgreSQL writes these answers; on SQLite graphql-core answers every query")
    return demo_db


async def answer(db, document: str, variables: dict[str, Any], *, in_sql: bool, actor: Actor | None = None) -> Any:
    """The answer as the HTTP path writes it, parsed, with its errors; and the statements it ran."""
    fast_paths.use(FastPaths(sql_answers=in_sql))
    scope = make_scope(db) if actor is None else make_scope(db, actor)
    with recording(db) as statements:
        result = await execute_checked(parse(document), scope, variables, None)
    errors = [(error.message, error.path) for error in result.errors or ()]
    return (orjson.loads(orjson.dumps({"data": result.data})), errors), len(statements.recorded)


async def both(db, document: str, variables: dict[str, Any], actor: Actor | None = None) -> tuple[Any, int]:
    """The answer, which both paths give alike, and how many statements PostgreSQL's path ran."""
    (expected, _), (given, statements) = (
        await answer(db, document, variables, in_sql=False, actor=actor),
        await answer(db, document, variables, in_sql=True, actor=actor),
    )
    assert given == expected
    return given, statements


async def pairing_ids(db) -> list[int]:
    return [row.id for row in await db.fetch(select(Pairing.id).order_by(Pairing.id))]


async def test_every_field_of_every_pairing_reads_as_graphql_core_writes_it(postgres) -> None:
    handed_back = fallbacks().get("sql_answers.handed_back", 0)
    for pk in await pairing_ids(postgres):
        for milestones in (None, 0, 3):
            answered, statements = await both(
                postgres, EVERY_FIELD, {"id": encode_id("Pairing", pk), "milestones": milestones}
            )
            assert answered[0]["data"]["pairing"]["id"] == encode_id("Pairing", pk)
            assert statements == 1
    assert fallbacks().get("sql_answers.handed_back", 0) == handed_back


UPDATES = """
query Updates($id: ID!) {
  pairing(id: $id) { milestones(first: 100) { edges { node { updates(first: 100) { edges { node { id submittedAt } } } } } } }
}
"""


async def test_a_timestamp_with_microseconds_reads_the_same(postgres) -> None:
    update = (
        await postgres.fetch(
            select(MilestoneUpdate.id, MilestoneUpdate.submitted_at, Milestone.pairing_id)
            .join(Milestone, Milestone.id == MilestoneUpdate.milestone_id)
            .order_by(MilestoneUpdate.id)
            .limit(1)
        )
    )[0]
    assert update.submitted_at.microsecond == 0, "the demo's updates are on the hour"
    changed = update.submitted_at.replace(microsecond=120)
    await _submitted_at(postgres, update.id, changed)
    try:
        answered, _ = await both(postgres, UPDATES, {"id": encode_id("Pairing", update.pairing_id)})
    finally:
        await _submitted_at(postgres, update.id, update.submitted_at)
    assert f'"{changed.isoformat()}"' in orjson.dumps(answered).decode()
    assert changed.isoformat().endswith(".000120+00:00")


async def _submitted_at(db, pk: int, value: Any) -> None:
    async with db.write_engine.begin() as connection:
        await connection.execute(
            MilestoneUpdate.__table__.update().where(MilestoneUpdate.id == pk).values(submitted_at=value)
        )


async def test_pages_of_pairings_read_the_same_to_the_last_page(postgres) -> None:
    after, pages = None, 0
    while True:
        answered, statements = await both(postgres, PAGE, {"first": 7, "after": after})
        connection = answered[0]["data"]["pairings"]
        assert statements == 1  # the page and its pairings' answers
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == -(-len(await pairing_ids(postgres)) // 7)


async def test_each_caller_sees_what_graphql_core_shows_it(postgres) -> None:
    agency = (await postgres.fetch(select(Pairing.mentor_id).order_by(Pairing.id).limit(1)))[0].mentor_id
    other = (await postgres.fetch(select(Pairing.id).where(Pairing.mentor_id != agency).limit(1)))[0].id
    own = (await postgres.fetch(select(Pairing.id).where(Pairing.mentor_id == agency).limit(1)))[0].id
    mentor = Actor(name="mentor", role=Role.MENTOR_AGENCY, agency_id=agency)
    regional = Actor(name="region", role=Role.REGIONAL_STAFF, region_id=None)
    for actor in (mentor, regional, Actor(name="viewer", role=Role.VIEWER)):
        for pk in (own, other):
            await both(postgres, EVERY_FIELD, {"id": encode_id("Pairing", pk)}, actor)
        answered, _ = await both(postgres, PAGE, {"first": 100}, actor)
        shown = answered[0]["data"]["pairings"]["edges"]
        if actor is mentor:
            assert shown and all(edge["node"]["mentor"] for edge in shown)
    forbidden, _ = await both(postgres, EVERY_FIELD, {"id": encode_id("Pairing", other)}, mentor)
    assert forbidden[0]["data"]["pairing"] is None and forbidden[1]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (EVERY_FIELD, {"id": "not an id"}),
        (EVERY_FIELD, {"id": encode_id("Agency", 1)}),
        (EVERY_FIELD, {"id": encode_id("Pairing", 10**9)}),
        (EVERY_FIELD, {"id": encode_id("Pairing", 1), "milestones": -1}),
        (EVERY_FIELD, {"id": encode_id("Pairing", 1), "milestones": 101}),
        (EVERY_FIELD, {"id": 12}),
        (PAGE, {"first": 1000}),
        (PAGE, {"after": "bm90IGEgY3Vyc29y"}),
        (PAGE, {"first": "ten"}),
    ],
)
async def test_odd_arguments_get_graphql_cores_own_answer(postgres, document, variables) -> None:
    answered, _ = await both(postgres, document, variables)
    assert answered[1] or answered[0]["data"]["pairing"] is None


@pytest.mark.parametrize(
    "document",
    [
        "query($id: ID!) { pairing(id: $id) { id focusAreas } }",
        "query($id: ID!) { pairing(id: $id) { id program { name } } }",
        "query($id: ID!) { pairing(id: $id) { id milestones(status: ACHIEVED) { edges { node { id } } } } }",
        "query($id: ID!) { pairing(id: $id) { id milestones { totalCount } } }",
        "query($id: ID!) { pairing(id: $id) { id @include(if: true) status } }",
        "query($id: ID!) { pairing(id: $id) { id } a: pairing(id: $id) { status } regions { edges { node { id } } } }",
    ],
)
async def test_what_this_path_does_not_read_is_left_to_graphql_core(postgres, document) -> None:
    pk = (await pairing_ids(postgres))[0]
    answered, _ = await both(postgres, document, {"id": encode_id("Pairing", pk)})
    assert answered[0]["data"]["pairing"]["id"] == encode_id("Pairing", pk)


async def test_agencies_are_read_by_their_keys(postgres) -> None:
    """Guards the join: each pairing's mentor is its own, not the first agency's."""
    rows = await postgres.fetch(select(Pairing.id, Agency.name).join(Agency, Agency.id == Pairing.mentor_id).limit(5))
    for row in rows:
        answered, _ = await both(
            postgres, "query($id: ID!) { pairing(id: $id) { mentor { name } } }", {"id": encode_id("Pairing", row.id)}
        )
        assert answered[0]["data"]["pairing"]["mentor"]["name"] == row.name


async def test_over_http_the_server_answers_as_graphql_core_does(live_server, postgres) -> None:
    """Through the server's own checks, which hand their coerced variables on (here a variable's
    default): the same answers as graphql-core's in-process."""
    page = "query($first: Int = 4) { pairings(first: $first) { edges { node { id status progress { health } } } } }"
    detail = "query($id: ID!) { pairing(id: $id) { id milestones(first: 2) { edges { node { id title } } } } }"
    pk = (await pairing_ids(postgres))[0]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        for document, variables in ((page, {}), (detail, {"id": encode_id("Pairing", pk)})):
            sent = await client.post("/graphql", json={"query": document, "variables": variables})
            (expected, errors), _ = await answer(postgres, document, variables, in_sql=False)
            assert sent.status_code == 200 and not errors
            assert sent.json() == expected
    assert len(expected["data"]["pairing"]["milestones"]["edges"]) == 2
