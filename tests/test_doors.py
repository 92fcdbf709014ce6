"""Every door spends from one budget per caller (server/budget.py): operations over a WebSocket,
report downloads and refused credentials count as GraphQL requests over HTTP do. Real servers,
each with a small limit of its own so that tests do not share an address's budget."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import LiveServer
from tests.test_subscriptions import open_connection, receive, ws_url

pytestmark = pytest.mark.slow  # a real server

LIMIT = 4
QUERY = "{ viewer { role } }"
BAD_TOKEN = "qs_" + "B" * 43


@pytest.fixture
def server(demo_db) -> Iterator[LiveServer]:
    live = LiveServer(demo_db.url, env={"QIANSHOU_RATE_LIMIT_PER_MINUTE": str(LIMIT)}).start()
    yield live
    live.stop()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, (response.status_code, response.text)
    assert int(response.headers["retry-after"]) >= 1
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["messageZh"]


async def run_over_websocket(websocket: ClientConnection, op_id: str) -> dict[str, Any]:
    """The first answer to a query sent over the socket (`next`, or `error` when refused)."""
    await websocket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": QUERY}}))
    message = await receive(websocket)
    if message["type"] == "next":
        assert (await receive(websocket))["type"] == "complete"
    return message


async def test_operations_over_a_websocket_spend_the_tokens_budget_shared_with_http(server, demo_db) -> None:
    secret = await create_token(demo_db, "doors-ws", Role.VIEWER)
    other = await create_token(demo_db, "doors-ws-other", Role.VIEWER)
    websocket = await open_connection(server, {"token": secret})  # connection_init spends one
    try:
        answers = [await run_over_websocket(websocket, str(n)) for n in range(LIMIT)]
    finally:
        await websocket.close()
    assert [answer["type"] for answer in answers] == ["next"] * (LIMIT - 1) + ["error"]
    [error] = answers[-1]["payload"]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] >= 1
    with httpx.Client(base_url=server.url) as client:
        assert_rate_limited(client.post("/graphql", json={"query": QUERY}, headers=bearer(secret)))
        assert client.post("/graphql", json={"query": QUERY}, headers=bearer(other)).status_code == 200


async def test_report_downloads_spend_the_tokens_budget(server, demo_db) -> None:
    secret = await create_token(demo_db, "doors-reports", Role.MINISTRY)
    with httpx.Client(base_url=server.url) as client:
        downloads = [client.get("/reports/pairings.csv", headers=bearer(secret)) for _ in range(LIMIT)]
        refused = client.get("/reports/pairings.xlsx", headers=bearer(secret))
        graphql = client.post("/graphql", json={"query": QUERY}, headers=bearer(secret))
    assert [response.status_code for response in downloads] == [200] * LIMIT
    assert_rate_limited(refused)
    assert_rate_limited(graphql)


async def test_refused_tokens_at_every_door_spend_the_addresss_budget(server) -> None:
    with httpx.Client(base_url=server.url) as client:
        reports = [client.get("/reports/pairings.csv", headers=bearer(BAD_TOKEN)).status_code for _ in range(2)]
        graphql = client.post("/graphql", json={"query": QUERY}, headers=bearer(BAD_TOKEN)).status_code
        websocket_code = await refused_websocket_close_code(server, BAD_TOKEN)
        # The address's budget is spent: a fifth guess, by any door, is refused before it is checked.
        assert_rate_limited(client.get("/reports/pairings.csv", headers=bearer(BAD_TOKEN)))
        assert await refused_websocket_close_code(server, BAD_TOKEN) == 4429
        # Anonymous requests from that address share the budget.
        assert_rate_limited(client.post("/graphql", json={"query": QUERY}))
    assert reports == [401, 401] and graphql == 401 and websocket_code == 4403


async def refused_websocket_close_code(server: LiveServer, secret: str) -> int | None:
    async with connect(ws_url(server), subprotocols=["graphql-transport-ws"]) as websocket:
        await websocket.send(json.dumps({"type": "connection_init", "payload": {"token": secret}}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(websocket.recv(), 10)
        return websocket.close_code
