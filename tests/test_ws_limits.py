"""Operations over WebSocket (graphql-transport-ws) pass the same checks as HTTP requests: the
limits of server/limits.py and the production rules, against real Uvicorn servers and a real client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from websockets.asyncio.client import ClientConnection

from db.engine import Database
from db.models import Program, Role
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from server.graphql_errors import INTERNAL_MESSAGE
from tests.conftest import LiveServer
from tests.test_subscriptions import open_connection, receive

pytestmark = pytest.mark.slow  # WebSockets to a real server

LIMITS = {
    "QIANSHOU_MAX_QUERY_DEPTH": "6",
    "QIANSHOU_MAX_ALIASES": "2",
    "QIANSHOU_MAX_QUERY_TOKENS": "120",
    "QIANSHOU_MAX_QUERY_COST": "500",
}
DEEP = "{ pairings(first: 1) { edges { node { program { pairings(first: 1) { edges { node { id } } } } } } } }"
# 30 programs and 30 pairings of each: 930 objects, within the depth limit.
COSTLY = "{ programs(first: 30) { edges { node { pairings(first: 30) { totalCount } } } } }"
TWO_OPERATIONS = "query A { viewer { role } } query B { viewer { role } }"
MANY_TOKENS = "{ viewer { " + "role " * 150 + "} }"
DEEP_SUBSCRIPTION = "subscription { milestoneEvents { milestone { pairing { program { pairings(first: 1) { edges { node { id } } } } } } } }"


def create_program(name: str) -> str:
    return (
        f'createProgram(input: {{name: "{name}", startsOn: "2026-01-01"}}) {{ program {{ id }} userErrors {{ code }} }}'
    )


@pytest.fixture(scope="module")
async def limits_db(databases) -> AsyncIterator[Database]:
    db = await databases.new_database("ws-limits", demo=True)
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
async def admin_token(limits_db: Database) -> str:
    return await create_token(limits_db, "ws-limits-admin", Role.ADMIN)


@pytest.fixture(scope="module")
def development(limits_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(limits_db.url, env=LIMITS).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def production(limits_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(limits_db.url, env={**LIMITS, "QIANSHOU_ENV": "production"}).start()
    yield live
    live.stop()


async def send(websocket: ClientConnection, op_id: str, query: str, variables: Any = None) -> None:
    payload = {"query": query} if variables is None else {"query": query, "variables": variables}
    await websocket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))


async def refusal(websocket: ClientConnection, op_id: str, query: str, variables: Any = None) -> list[dict[str, Any]]:
    await send(websocket, op_id, query, variables)
    message = await receive(websocket)
    assert message["type"] == "error" and message["id"] == op_id, message
    return message["payload"]


async def answer(websocket: ClientConnection, op_id: str, query: str) -> dict[str, Any]:
    """The one result of a query or mutation, which is followed by `complete`."""
    await send(websocket, op_id, query)
    message = await receive(websocket)
    assert message["type"] == "next" and message["id"] == op_id, message
    assert await receive(websocket) == {"id": op_id, "type": "complete"}
    return message["payload"]


def limit_of(errors: list[dict[str, Any]]) -> tuple[str, str, int]:
    [error] = errors
    extensions = error["extensions"]
    return extensions["code"], extensions["limit"], extensions["max"]


async def program_count(db: Database) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(Program))


@pytest.mark.parametrize(
    ("query", "limit", "value"),
    [
        (DEEP, "depth", 6),
        ("{ a: viewer { role } b: viewer { role } c: viewer { role } }", "aliases", 2),
        (MANY_TOKENS, "tokens", 120),
        (COSTLY, "cost", 500),
        (TWO_OPERATIONS, "operations", 1),
        (DEEP_SUBSCRIPTION, "depth", 6),
    ],
    ids=["depth", "aliases", "tokens", "cost", "operations", "subscription-depth"],
)
async def test_each_limit_refuses_an_operation_over_websocket(development, query, limit, value) -> None:
    async with await open_connection(development) as websocket:
        assert limit_of(await refusal(websocket, "over", query)) == ("LIMIT_EXCEEDED", limit, value)
        # The connection is still good for an operation within the limits.
        assert (await answer(websocket, "within", "{ viewer { role } }"))["data"] == {"viewer": {"role": "VIEWER"}}


async def test_the_limits_are_the_ones_http_applies(development) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{development.url}/graphql", json={"query": DEEP})
    async with await open_connection(development) as websocket:
        assert await refusal(websocket, "deep", DEEP) == response.json()["errors"]


async def test_a_refused_mutation_writes_nothing(development, limits_db, admin_token) -> None:
    before = await program_count(limits_db)
    three = "mutation { " + " ".join(f"p{n}: {create_program(f'WS 超限项目 {n}')}" for n in range(3)) + " }"
    async with await open_connection(development, {"token": admin_token}) as websocket:
        assert limit_of(await refusal(websocket, "three", three)) == ("LIMIT_EXCEEDED", "aliases", 2)
        await asyncio.sleep(0.5)
        assert await program_count(limits_db) == before
        # The same write within the limits does run over the socket.
        one = await answer(websocket, "one", "mutation { " + create_program("WS 项目") + " }")
        assert one["data"]["createProgram"]["userErrors"] == []
    assert await program_count(limits_db) == before + 1


async def test_variables_that_are_not_an_object_are_refused(development) -> None:
    async with await open_connection(development) as websocket:
        [error] = await refusal(websocket, "v", "{ viewer { role } }", variables=[1])
        assert error["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("extensions", [1, True, []], ids=["number", "boolean", "list"])
async def test_extensions_that_are_not_an_object_are_refused_as_http_refuses_them(development, extensions) -> None:
    body = {"query": "{ viewer { role } }", "extensions": extensions}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{development.url}/graphql", json=body)
    assert response.status_code == 400
    async with await open_connection(development) as websocket:
        await websocket.send(json.dumps({"id": "x", "type": "subscribe", "payload": body}))
        message = await receive(websocket)
        assert message == {"id": "x", "type": "error", "payload": response.json()["errors"]}
        assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert "extensions" in message["payload"][0]["message"]
        # An object, or none, runs; the connection is still good.
        await websocket.send(json.dumps({"id": "ok", "type": "subscribe", "payload": {**body, "extensions": {}}}))
        assert (await receive(websocket))["payload"]["data"] == {"viewer": {"role": "VIEWER"}}


async def test_a_subscribe_whose_payload_is_not_an_object_closes_with_4400(development) -> None:
    async with await open_connection(development) as websocket:
        await websocket.send(json.dumps({"id": "x", "type": "subscribe", "payload": 1}))
        await asyncio.wait_for(websocket.wait_closed(), 10)
    assert websocket.close_code == 4400


async def test_development_keeps_introspection_and_suggestions(development) -> None:
    async with await open_connection(development) as websocket:
        schema = await answer(websocket, "schema", "{ __schema { queryType { name } } }")
        assert schema["data"] == {"__schema": {"queryType": {"name": "Query"}}}
        [typo] = await refusal(websocket, "typo", "{ pairingz { totalCount } }")
        assert "Did you mean" in typo["message"]


async def test_production_applies_its_rules_over_websocket(production, admin_token) -> None:
    async with await open_connection(production, {"authorization": f"Bearer {admin_token}"}) as websocket:
        schema = await refusal(websocket, "schema", "{ __schema { queryType { name } } }")
        assert {error["extensions"]["code"] for error in schema} == {"GRAPHQL_VALIDATION_FAILED"}
        assert all("introspection" in error["message"] for error in schema)
        [typo] = await refusal(websocket, "typo", "{ pairingz { totalCount } }")
        assert typo["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "Did you mean" not in typo["message"]
        enum = "query($s: PairingStatus) { pairings(filter: {status: $s}) { totalCount } }"
        [bad_enum] = await refusal(websocket, "enum", enum, {"s": "ACTIV"})
        assert bad_enum["extensions"]["code"] == "BAD_USER_INPUT"
        assert "Did you mean" not in bad_enum["message"] and "ACTIVE" not in bad_enum["message"]
        assert limit_of(await refusal(websocket, "deep", DEEP)) == ("LIMIT_EXCEEDED", "depth", 6)
        assert limit_of(await refusal(websocket, "sub", DEEP_SUBSCRIPTION)) == ("LIMIT_EXCEEDED", "depth", 6)
        assert (await answer(websocket, "ok", "{ viewer { role } }"))["data"] == {"viewer": {"role": "ADMIN"}}


async def test_unexpected_errors_are_masked_in_production_over_websocket(databases) -> None:
    db = await databases.new_database("ws-broken")
    try:
        token = await create_token(db, "ws-ops", Role.ADMIN)
        async with db.writing() as session:
            await session.execute(text("DROP TABLE audit_events"))
        query = f'{{ auditEvents(objectId: "{encode_id("Pairing", 1)}") {{ totalCount }} }}'
        live = LiveServer(db.url, env={"QIANSHOU_ENV": "production"}).start()
        try:
            async with await open_connection(live, {"token": token}) as websocket:
                masked = await answer(websocket, "audit", query)
        finally:
            log = live.stop()
        shown_server = LiveServer(db.url).start()
        try:
            async with await open_connection(shown_server, {"token": token}) as websocket:
                shown = await answer(websocket, "audit", query)
        finally:
            shown_server.stop()
    finally:
        await db.dispose()
    [error] = masked["errors"]
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"]["code"] == "INTERNAL"
    assert "audit_events" not in json.dumps(masked).lower() and "select" not in json.dumps(masked).lower()
    # The server log has the details under the id the client was given.
    assert error["extensions"]["requestId"] in log and "audit_events" in log
    # Development keeps the code but shows the cause.
    [cause] = shown["errors"]
    assert cause["extensions"]["code"] == "INTERNAL" and "audit_events" in cause["message"]
