"""The fast execution path (schema/engine/execution.py) answers exactly as graphql-core's own path does."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import strawberry
from graphql import parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.queries import Q1_DASHBOARD, Q2_DETAIL, Q3_STATS
from db.engine import Database
from db.reads import fast_paths
from db.reads.fast_paths import FastPaths
from resolvers.access import ANONYMOUS, Actor, Role
from resolvers.ids import encode_id
from schema.engine.execution import FastExecutionContext
from schema.schema import execute_checked, schema
from tests.conftest import make_scope

ADMIN = Actor(name="admin", role=Role.ADMIN)

# The same types and extensions as the served schema, on graphql-core's own execution path.
plain_schema = strawberry.Schema(
    query=schema.query, mutation=schema.mutation, subscription=schema.subscription, extensions=schema.extensions
)

NODE_FIELDS = """
fragment AgencyParts on Agency { id name creditCode status region { __typename id code name level } }
fragment PairingParts on Pairing {
  __typename id status startsOn endsOn focusAreas statusReason version
  program { id name startsOn endsOn }
  mentor { ...AgencyParts }
  supported { ...AgencyParts }
  progress { health percentComplete maxDaysOverdue }
  resourceTotals { cashYuan inKindYuan }
}
"""

CORPUS: list[tuple[str, str, dict[str, Any]]] = [
    ("q1", Q1_DASHBOARD, {"first": 50}),
    ("q1-small-page", Q1_DASHBOARD, {"first": 3}),
    ("q2", Q2_DETAIL, {"id": "{pairing}"}),
    ("q3", Q3_STATS, {}),
    (
        "typename-everywhere",
        """{ __typename pairings(first: 4) { __typename pageInfo { __typename hasNextPage hasPreviousPage
             startCursor endCursor } edges { __typename cursor node { __typename id
             mentor { __typename name region { __typename name } } progress { __typename health }
             serviceTotals { __typename beneficiaries } } } } }""",
        {},
    ),
    (
        "aliases-and-merging",
        """{ first: pairings(first: 2) { edges { node { a: id b: id status
               mentor { name } mentor { id region { code } } who: supported { name } } } }
             again: pairings(first: 2) { edges { n: node { id } } } }""",
        {},
    ),
    (
        "skip-include",
        """query($full: Boolean!, $lean: Boolean!) { pairings(first: 5) { edges { node {
             id status @skip(if: $lean) mentor @include(if: $full) { name region @include(if: $lean) { name } }
             ... on Pairing @include(if: $full) { startsOn endsOn }
             progress @skip(if: $full) { health } } } } }""",
        {"full": True, "lean": False},
    ),
    (
        "skip-include-flipped",
        """query($full: Boolean!, $lean: Boolean!) { pairings(first: 5) { edges { node {
             id status @skip(if: $lean) mentor @include(if: $full) { name region @include(if: $lean) { name } }
             ... on Pairing @include(if: $full) { startsOn endsOn }
             progress @skip(if: $full) { health } } } } }""",
        {"full": False, "lean": True},
    ),
    ("node-fragments", NODE_FIELDS + "query($id: ID!) { node(id: $id) { id ...PairingParts } }", {"id": "{pairing}"}),
    (
        "node-inline-fragments",
        """query($id: ID!, $agency: ID!) {
             pairing: node(id: $id) { __typename ... on Pairing { status mentor { name } }
                                      ... on Agency { name } }
             agency: node(id: $agency) { __typename id ... on Agency { name status region { id name level } } } }""",
        {"id": "{pairing}", "agency": "{agency}"},
    ),
    (
        "nodes-mixed-with-unknown-and-bad-ids",
        NODE_FIELDS
        + """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ...PairingParts
             ... on Agency { name region { name } } ... on Region { code level } } }""",
        {"ids": ["{pairing}", "{agency}", "{region}", encode_id("Pairing", 999999), "not-an-id"]},
    ),
    ("bad-id", '{ pairing(id: "garbage") { id status } }', {}),
    (
        "field-that-raises",
        "query($id: ID!) { auditEvents(objectId: $id) { totalCount } pairings(first: 1) { edges { node { id } } } }",
        {"id": "{pairing}"},
    ),
    ("page-too-large", "{ pairings(first: 500) { edges { node { id } } } }", {}),
    (
        "agencies-programs-regions",
        """{ agencies(first: 20, filter: {nameContains: "社会工作"}) { edges { cursor node { id name creditCode
               status version region { name level code } } } pageInfo { endCursor hasNextPage } }
             programs(first: 5) { edges { node { id name policyReference startsOn endsOn defaultTermMonths
               scopeRegion { name } pairings(first: 3) { edges { node { id status mentor { name } } } } } } }
             regions(first: 10, level: PROVINCE) { edges { node { id code name level parent { id } } } } }""",
        {},
    ),
    (
        "milestones-overdue-and-stats",
        """{ overdueMilestones(first: 10) { edges { node { id title category termYear dueOn targetValue unit status
               achievedOn isOverdue pairing { id supported { name } } } } }
             programStats { pairings activePairings milestonesOverdue resourceTotals { cashYuan inKindYuan } } }""",
        {},
    ),
    (
        "pairing-detail-lists",
        """query($id: ID!) { pairing(id: $id) { id focusAreas program { name }
             serviceActivities(first: 5) { edges { node { id kind occurredOn count beneficiaries note stationId } } }
             resourceLinks(first: 5) { totalCount edges { node { id projectName donor kind amountYuan occurredOn } } }
             incubatedOrganizations { id stage startedOn registeredOn agency { name } }
             serviceStations { id name establishedOn } } }""",
        {"id": "{pairing}"},
    ),
    (
        "pairing-lists-read-ahead-with-arguments",
        """query($id: ID!, $n: Int!, $status: MilestoneStatus, $after: String) { pairing(id: $id) {
             open: milestones(first: $n, status: $status) { pageInfo { hasNextPage hasPreviousPage startCursor
               endCursor } edges { cursor node { id status isOverdue updates(first: 1) { edges { cursor node {
               id status } } pageInfo { endCursor } } more: updates(first: 3, after: $after) { edges { node { id } } }
               } } }
             all: milestones(first: 12) { totalCount edges { node { id updates { totalCount } } } }
             trainingSessions(first: 3) { edges { cursor node { id topic } } }
             again: trainingSessions(first: 3, after: $after) { edges { node { id } } }
             serviceStations { id name } incubatedOrganizations { id stage } } }""",
        {"id": "{pairing}", "n": 4, "status": "ACHIEVED", "after": "WzFd"},
    ),
    (
        "pairing-list-too-large",
        """query($id: ID!) { pairing(id: $id) { id serviceStations { id }
             resourceLinks(first: 101) { edges { node { id } } } } }""",
        {"id": "{pairing}"},
    ),
    (
        "node-pairing-lists-through-fragments",
        """fragment Lists on Pairing { milestones(first: 2) { edges { node { id updates(first: 2) { edges {
               node { id note } } } } } } serviceStations { name } }
             query($id: ID!, $agency: ID!) {
               pairing: node(id: $id) { id ... on Pairing { status ...Lists } }
               agency: node(id: $agency) { id ... on Agency { name } } }""",
        {"id": "{pairing}", "agency": "{agency}"},
    ),
    (
        "pairing-lists-under-directives",
        """query($id: ID!, $on: Boolean!) { pairing(id: $id) { id
             milestones(first: 3) @include(if: $on) { edges { node { id updates(first: 1) @skip(if: $on) {
               edges { node { id } } } } } }
             serviceStations @skip(if: $on) { id } trainingSessions(first: 2) { edges { node { id } } } } }""",
        {"id": "{pairing}", "on": True},
    ),
    (
        "nodes-of-several-pairings-with-lists",
        """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Pairing { milestones(first: 2) { edges { node {
               id updates(first: 2) { edges { node { id } } } } } } incubatedOrganizations { id } } } }""",
        {"ids": ["{pairing}", encode_id("Pairing", 2), encode_id("Pairing", 3), "{agency}"]},
    ),
    (
        "viewer-and-introspection",
        '{ viewer { __typename name role agency { id } } __type(name: "Pairing") { name kind } }',
        {},
    ),
]


async def ids(db: Database) -> dict[str, str]:
    """Global IDs from the demo data for the documents' variables."""
    result = await plain_schema.execute(
        "{ pairings(first: 1) { edges { node { id mentor { id region { id } } } } } }",
        context_value=make_scope(db),
    )
    node = result.data["pairings"]["edges"][0]["node"]
    return {"{pairing}": node["id"], "{agency}": node["mentor"]["id"], "{region}": node["mentor"]["region"]["id"]}


def substitute(value: Any, known: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [substitute(item, known) for item in value]
    return known.get(value, value) if isinstance(value, str) else value


async def both(db: Database, document: str, variables: dict[str, Any], actor: Actor = ANONYMOUS) -> tuple[Any, Any]:
    results = [
        await each.execute(document, variable_values=variables, context_value=make_scope(db, actor))
        for each in (schema, plain_schema)
    ]
    return tuple(
        (json.dumps(result.data, ensure_ascii=False), [error.formatted for error in result.errors or ()])
        for result in results
    )


@pytest.mark.parametrize(("name", "document", "variables"), CORPUS, ids=[name for name, _, _ in CORPUS])
async def test_fast_path_answers_as_graphql_core_does(demo_db, name, document, variables) -> None:
    known = await ids(demo_db)
    fast, plain = await both(demo_db, document, {k: substitute(v, known) for k, v in variables.items()})
    assert fast == plain
    assert fast[0] != "null" or fast[1], "every document answers something"


@pytest.mark.parametrize(("name", "document", "variables"), CORPUS, ids=[name for name, _, _ in CORPUS])
async def test_the_http_path_writes_what_graphql_core_answers(demo_db, name, document, variables) -> None:
    """The endpoint's execution leaves dates and times for orjson to write: the JSON is the same."""
    known = await ids(demo_db)
    variables = {key: substitute(value, known) for key, value in variables.items()}
    fast = await execute_checked(parse(document), make_scope(demo_db), variables, None)
    plain = await plain_schema.execute(document, variable_values=variables, context_value=make_scope(demo_db))
    assert orjson.loads(orjson.dumps(fast.data)) == json.loads(json.dumps(plain.data))
    assert [error.formatted for error in fast.errors or ()] == [error.formatted for error in plain.errors or ()]


async def test_the_http_path_keeps_dates_and_times_for_orjson(demo_db) -> None:
    known = await ids(demo_db)
    fast_paths.use(FastPaths(sql_answers=False))  # graphql-core's answer: PostgreSQL's is text
    try:
        result = await execute_checked(parse(Q2_DETAIL), make_scope(demo_db), {"id": known["{pairing}"]}, None)
    finally:
        fast_paths.use(FastPaths())
    pairing = result.data["pairing"]
    update = next(edge["node"] for m in pairing["milestones"]["edges"] for edge in m["node"]["updates"]["edges"])
    assert type(pairing["startsOn"]) is dt.date
    assert type(update["submittedAt"]) is dt.datetime
    assert orjson.dumps(update["submittedAt"]).decode() == f'"{update["submittedAt"].isoformat()}"'


async def test_admin_reads_the_same_on_both_paths(demo_db) -> None:
    known = await ids(demo_db)
    document = "query($id: ID!) { auditEvents(objectId: $id, first: 5) { totalCount edges { node { id } } } }"
    fast, plain = await both(demo_db, document, {"id": known["{pairing}"]}, ADMIN)
    assert fast == plain
    assert not fast[1]


class CountingFields:
    """Counts the fields graphql-core executes itself (the fast path executes none)."""

    executed = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        CountingFields.executed += 1
        return super().execute_field(*args, **kwargs)  # type: ignore[misc]


class CountingFast(CountingFields, FastExecutionContext):
    pass


class CountingPlain(CountingFields, StrawberryGraphQLCoreExecutionContext):
    pass


@pytest.fixture
def counted() -> Iterator[dict[str, strawberry.Schema]]:
    def build(context_class: type) -> strawberry.Schema:
        return strawberry.Schema(
            query=schema.query,
            mutation=schema.mutation,
            subscription=schema.subscription,
            extensions=schema.extensions,
            execution_context_class=context_class,
        )

    yield {"fast": build(CountingFast), "plain": build(CountingPlain)}


async def test_dashboard_takes_the_fast_path(demo_db, counted) -> None:
    executed = {}
    for name, each in counted.items():
        CountingFields.executed = 0
        result = await each.execute(Q1_DASHBOARD, variable_values={"first": 50}, context_value=make_scope(demo_db))
        assert result.errors is None
        executed[name] = CountingFields.executed
    # Only the root `pairings` field has a resolver; everything under it is plain attributes.
    assert executed["fast"] == 1
    assert executed["plain"] > 20 * 30


async def test_a_pairing_detail_takes_the_fast_path(demo_db, counted) -> None:
    """`pairing(id)` fetches the lists its query selects, and the updates of its milestones, while
    the pairing is read; their fields are then read ahead, with no resolver of their own."""
    known = await ids(demo_db)
    executed, answers = {}, {}
    for name, each in counted.items():
        CountingFields.executed = 0
        result = await each.execute(
            Q2_DETAIL, variable_values={"id": known["{pairing}"]}, context_value=make_scope(demo_db)
        )
        assert result.errors is None
        executed[name], answers[name] = CountingFields.executed, result.data
    assert answers["fast"] == answers["plain"]
    assert answers["fast"]["pairing"]["milestones"]["edges"]
    assert executed["fast"] == 1
    assert executed["plain"] > 12 * 5


PAGE_WITH_LISTS = """{ pairings(first: 6) { edges { node { id
  milestones(first: 3) { edges { node { title updates(first: 2) { edges { node { status } } } } } }
  trainingSessions(first: 2) { edges { node { topic } } } serviceStations { name } incubatedOrganizations { stage }
} } } }"""


async def test_a_page_of_pairings_reads_their_lists_ahead(demo_db, counted) -> None:
    """A page of pairings fetches the lists its query selects on them, one batch per list."""
    executed, answers = {}, {}
    for name, each in counted.items():
        CountingFields.executed = 0
        result = await each.execute(PAGE_WITH_LISTS, context_value=make_scope(demo_db))
        assert result.errors is None
        executed[name], answers[name] = CountingFields.executed, result.data
    assert answers["fast"] == answers["plain"]
    assert any(edge["node"]["milestones"]["edges"] for edge in answers["fast"]["pairings"]["edges"])
    assert executed["fast"] == 1
    assert executed["plain"] > 6 * 5


async def test_a_repeated_document_reuses_its_plan(demo_db, monkeypatch) -> None:
    await schema.execute(Q1_DASHBOARD, variable_values={"first": 5}, context_value=make_scope(demo_db))
    built = []
    monkeypatch.setattr(
        FastExecutionContext, "_plan_fields", lambda self, *args: built.append(args) or None, raising=True
    )
    result = await schema.execute(Q1_DASHBOARD, variable_values={"first": 7}, context_value=make_scope(demo_db))
    assert len(result.data["pairings"]["edges"]) == 7
    assert built == [], "the second request of a document plans nothing"
    # With @include the selection depends on the variables: such a document is planned each time.
    document = "query($on: Boolean!) { pairings(first: 2) { edges { node { id status @include(if: $on) } } } }"
    await schema.execute(document, variable_values={"on": True}, context_value=make_scope(demo_db))
    assert built, "a document with directives is planned per request"
