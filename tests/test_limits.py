"""Query limits: depth, aliases, tokens, cost, one operation, body size. Each refusal comes before
any resolver runs (no SQL at all) and names the limit and its value, with code LIMIT_EXCEEDED."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from db.engine import Database
from db.statements import recording
from server.app import create_app
from server.settings import load_settings
from tests.conftest import TODAY

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module")
async def db(databases) -> AsyncIterator[Database]:
    database = await databases.new_database("limits", demo=True)
    yield database
    await database.dispose()


@asynccontextmanager
async def client_for(db: Database, **settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    app = create_app(load_settings(database_url=db.url, today=TODAY, rate_limit_per_minute=0, **settings))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client, app.state.service.db
    finally:
        await app.state.service.db.dispose()


async def post(db: Database, query: str, variables: dict | None = None, **settings: Any) -> tuple[int, dict, int]:
    """(status, body, SQL statements run) for one request under graphql-response+json."""
    async with client_for(db, **settings) as (client, app_db):
        with recording(app_db) as statements:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers={"Accept": GRAPHQL_RESPONSE}
            )
    return response.status_code, response.json(), statements.count


def assert_refused(status: int, body: dict, statements: int, limit: str, value: int) -> None:
    assert status == 400, body
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == limit and error["extensions"]["max"] == value
    assert str(value) in error["message"]
    assert statements == 0, "a refusal must come before any resolver runs"


DEEP_12 = (
    "{ pairings(first: 1) { edges { node { milestones(first: 1) { edges { node {"
    " pairing { milestones(first: 1) { edges { node { pairing { id } } } } } } } } } } } }"
)
DEEP_13 = DEEP_12.replace("pairing { id }", "pairing { program { id } }")


async def test_depth(db: Database) -> None:
    status, body, _ = await post(db, DEEP_12)
    assert status == 200 and "errors" not in body, body
    assert_refused(*await post(db, DEEP_13), "depth", 12)
    assert_refused(*await post(db, DEEP_12, max_query_depth=8), "depth", 8)


async def test_depth_counts_through_fragments(db: Database) -> None:
    query = (
        "{ pairings(first: 1) { ...P } }"
        " fragment P on PairingConnection { edges { node { milestones(first: 1) { ...M } } } }"
        " fragment M on MilestoneConnection { edges { node { pairing { program { id } } } } }"
    )
    assert_refused(*await post(db, query, max_query_depth=8), "depth", 8)
    status, body, _ = await post(db, query, max_query_depth=9)
    assert status == 200 and "errors" not in body, body


async def test_aliases(db: Database) -> None:
    thirty = " ".join(f"a{i}: viewer {{ role }}" for i in range(30))
    status, body, _ = await post(db, "{ %s }" % thirty)
    assert status == 200 and len(body["data"]) == 30
    assert_refused(*await post(db, "{ %s b: viewer { role } }" % thirty), "aliases", 30)
    assert_refused(*await post(db, "{ a: viewer { role } b: viewer { role } }", max_aliases=1), "aliases", 1)


async def test_tokens(db: Database) -> None:
    many = "{ viewer { %s } }" % " ".join(["role"] * 2000)
    assert_refused(*await post(db, many), "tokens", 2000)
    assert_refused(*await post(db, "{ viewer { role name agency { id name } } }", max_query_tokens=10), "tokens", 10)


COST = """query($n: Int) { pairings(first: $n) { edges { node {
  milestones(first: $n) { edges { node { updates(first: $n) { edges { node { id } } } } } } } } } }"""


async def test_cost_multiplies_page_sizes_down_the_nesting(db: Database) -> None:
    # 100 + 100*100 + 100*100*100 objects at most
    assert_refused(*await post(db, COST, {"n": 100}), "cost", 50_000)
    # 30 + 900 + 27,000
    status, body, _ = await post(db, COST, {"n": 30})
    assert status == 200 and "errors" not in body, body
    # A check is kept per document and page sizes: a larger size is checked again, not let through.
    assert_refused(*await post(db, COST, {"n": 100}), "cost", 50_000)
    # without `first`, connections count as 20: 20 + 400 + 8,000
    default = COST.replace("(first: $n)", "").replace("query($n: Int) ", "")
    assert_refused(*await post(db, default, max_query_cost=8_000), "cost", 8_000)
    status, body, _ = await post(db, default, max_query_cost=8_420)
    assert status == 200 and "errors" not in body, body


async def test_cost_of_nodes_counts_the_ids(db: Database) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    ids = ["UGFpcmluZzox"] * 5
    assert_refused(*await post(db, query, {"ids": ids}, max_query_cost=4), "cost", 4)
    status, body, _ = await post(db, query, {"ids": ids}, max_query_cost=5)
    assert status == 200 and len(body["data"]["nodes"]) == 5


async def test_exponential_fragments_are_checked_quickly(db: Database) -> None:
    """Each fragment spreads the next twice: 2^20 fields if expanded, walked once each here."""
    fragments = (
        " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20))
        + " fragment F20 on Query { pairings(first: 2) { totalCount } }"
    )
    assert_refused(*await post(db, "{ ...F0 } " + fragments), "cost", 50_000)


async def test_one_operation_per_document(db: Database) -> None:
    two = "query A { viewer { role } } query B { viewer { name } }"
    assert_refused(*await post(db, two), "operations", 1)
    async with client_for(db) as (client, _):
        response = await client.post(
            "/graphql", json={"query": two, "operationName": "A"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["limit"] == "operations"


async def test_body_size(db: Database) -> None:
    padding = " " * 3_000
    async with client_for(db, max_body_bytes=2_000) as (client, app_db):
        with recording(app_db) as statements:
            response = await client.post("/graphql", json={"query": "{ viewer { role } }" + padding})
        ok = await client.post("/graphql", json={"query": "{ viewer { role } }"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "2000 bytes" in response.json()["errors"][0]["message"]
    assert statements.count == 0
    assert ok.status_code == 200


async def test_default_body_limit_is_100_kb(db: Database) -> None:
    async with client_for(db) as (client, _):
        response = await client.post("/graphql", json={"query": "{ viewer { role } }" + " " * 100_001})
    assert response.status_code == 413
