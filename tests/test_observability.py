"""/metrics across workers, the request log in JSON lines and plain text, and WebSocket operations
logged and counted as HTTP ones are, on real servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow  # real servers with several workers

QUERY = "query DashboardPage { programs(first: 5) { totalCount edges { node { name } } } }"
SUBSCRIBE = "subscription Watch { milestoneEvents { id } }"


def samples(server: LiveServer) -> dict[tuple[str, frozenset], float]:
    response = httpx.get(f"{server.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def sample(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
async def observed(databases) -> AsyncIterator[tuple[LiveServer, str]]:
    db = await databases.new_database("observed", demo=True)
    token = await create_token(db, "ministry-dashboard", Role.ADMIN)
    await db.dispose()
    env = {"QIANSHOU_LOG_FORMAT": "json", "QIANSHOU_RATE_LIMIT_PER_MINUTE": "10"}
    server = LiveServer(db.url, env=env, workers=2).start()
    yield server, token
    server.stop()


async def test_metrics_add_up_every_workers_requests(observed):
    server, token = observed
    headers = {"Authorization": f"Bearer {token}"}
    # New connections each time, so that both workers answer some.
    answers = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}, headers=headers) for _ in range(6)]
    refused = httpx.post(f"{server.url}/graphql", json={"query": "{ nope }"}, headers=headers)
    assert [answer.status_code for answer in answers] == [200] * 6
    found = samples(server)
    ok = {"operation": "DashboardPage", "type": "query", "outcome": "ok", "transport": "http"}
    assert sample(found, "qianshou_requests_total", **ok) == 6
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (
        sample(
            found, "qianshou_requests_total", operation="anonymous", type="unknown", outcome="error", transport="http"
        )
        == 1
    )
    assert sample(found, "qianshou_request_seconds_count", operation="DashboardPage", type="query") == 6
    # Each answer read the programs: statements were counted into its own request.
    assert sample(found, "qianshou_request_sql_statements_sum", type="query") >= 6
    assert (
        6
        <= sample(found, "qianshou_request_sql_round_trips_sum", type="query")
        <= sample(found, "qianshou_request_sql_statements_sum", type="query")
    )
    assert sample(found, "qianshou_request_sql_seconds_sum", type="query") > 0


async def test_each_request_is_one_json_line_naming_the_caller_never_the_token(observed, databases):
    server, token = observed
    response = httpx.post(f"{server.url}/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"})
    request_id = response.headers["X-Request-Id"]
    output = server.stop()
    server.start()
    assert token not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert len(mine) == 1, output
    line = mine[0]
    assert line["logger"] == "qianshou.request" and line["level"] == "INFO"
    assert (line["operation"], line["type"], line["caller"], line["status"], line["outcome"]) == (
        "DashboardPage",
        "query",
        "ministry-dashboard",
        200,
        "ok",
    )
    assert line["statements"] >= 1 and line["duration_ms"] > 0
    assert all(isinstance(json.loads(text), dict) for text in output.splitlines() if text.startswith("{"))


async def test_websocket_operations_are_counted_and_open_subscriptions_shown(observed):
    server, token = observed
    url = server.url.replace("http://", "ws://") + "/graphql"
    before = samples(server)
    async with connect(url, subprotocols=["graphql-transport-ws"]) as websocket:
        await websocket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await websocket.recv())["type"] == "connection_ack"
        await websocket.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": QUERY}}))
        assert json.loads(await websocket.recv())["type"] == "next"
        assert json.loads(await websocket.recv())["type"] == "complete"
        await websocket.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await asyncio.sleep(0.5)
        during = samples(server)
    await asyncio.sleep(0.5)
    after = samples(server)
    ws_ok = {"operation": "DashboardPage", "type": "query", "outcome": "ok", "transport": "websocket"}
    assert sample(after, "qianshou_requests_total", **ws_ok) == sample(before, "qianshou_requests_total", **ws_ok) + 1
    assert sample(during, "qianshou_open_subscriptions") == 1
    assert sample(after, "qianshou_open_subscriptions") == 0
    ended = {"operation": "Watch", "type": "subscription", "outcome": "ok", "transport": "websocket"}
    assert sample(after, "qianshou_requests_total", **ended) == 1


async def test_rate_limited_callers_are_counted(observed):
    server, _ = observed
    statuses = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}).status_code for _ in range(25)]
    assert 429 in statuses
    # Two workers keep their own buckets without Redis: each refuses past its own 10, and 25 pass 20.
    assert sample(samples(server), "qianshou_rate_limited_total") == statuses.count(429)


async def test_development_logs_plain_text(demo_db):
    server = LiveServer(demo_db.url).start()
    try:
        request_id = httpx.post(f"{server.url}/graphql", json={"query": QUERY}).headers["X-Request-Id"]
    finally:
        output = server.stop()
    line = next(line for line in output.splitlines() if request_id in line)
    assert "INFO qianshou.request:" in line and "http query DashboardPage by anonymous: 200 ok" in line
    assert not line.startswith("{")
