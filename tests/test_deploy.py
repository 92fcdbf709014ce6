"""The deployment kit (deploy/) with the real parts: nginx in front of two `qianshou serve`
processes over one PostgreSQL and one Redis. Requests spread over both servers, a subscriber on
one hears a write made through the other, the rate limit is one budget, and a rolling restart
under a steady load of reads and writes loses no request."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import LiveServer
from tests.deploy_support import NGINX, Nginx
from tests.redis_support import REDIS_URL, needs_redis, unique_prefix
from tests.test_subscriptions import SUBSCRIBE, mentor_token, open_milestones, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres_only,
    needs_redis,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (apt-get install -y nginx)"),
]

READ = "query Spread { programs(first: 3) { totalCount } }"
WRITE = """mutation Load($input: CreateProgramInput!) {
  createProgram(input: $input) { program { id } userErrors { code message } }
}"""
RATE = 60


def requests_seen(server: LiveServer, operation: str) -> float:
    text = httpx.get(f"{server.url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "qianshou_requests_total" and sample.labels.get("operation") == operation
    )


class Load(threading.Thread):
    """Reads and writes through nginx, one after another, until stopped; keeps every answer."""

    def __init__(self, url: str, tokens: list[str]) -> None:
        super().__init__(daemon=True)
        self.url, self.tokens = url, itertools.cycle(tokens)
        self.stopping = threading.Event()
        self.failures: list[str] = []
        self.reads = self.writes = 0

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            for n in itertools.count():
                if self.stopping.is_set():
                    return
                if n % 3 == 2:
                    variables = {"input": {"name": f"滚动重启 {n}", "startsOn": "2026-01-01"}}
                    headers = {"Authorization": f"Bearer {next(self.tokens)}"}
                    self._check(
                        client.post(self.url, json={"query": WRITE, "variables": variables}, headers=headers),
                        "createProgram",
                    )
                    self.writes += 1
                else:
                    headers = {"X-Forwarded-For": f"10.1.{n // 250 % 250}.{n % 250}"}
                    self._check(client.post(self.url, json={"query": READ}, headers=headers), "programs")
                    self.reads += 1

    def _check(self, response: httpx.Response, field: str) -> None:
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        data = (body.get("data") or {}).get(field)
        if response.status_code != 200 or body.get("errors") or data is None or data.get("userErrors"):
            self.failures.append(f"{response.status_code} {response.text[:200]}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, databases) -> Iterator[tuple[Nginx, list[LiveServer], dict]]:
    async def prepare():
        db = await databases.new_database("deploy", demo=True)
        try:
            (milestone, _, mentor), *_ = await open_milestones(db)
            tokens = {
                # Enough writers that a load running as fast as the servers answer stays within the
                # rate limit (RATE a minute each) however long the restarts take on a slow machine.
                "admins": [await create_token(db, f"deploy-admin-{n}", Role.ADMIN) for n in range(50)],
                "mentor": await mentor_token(db, "deploy-mentor", mentor),
                "milestone": milestone,
            }
        finally:
            await db.dispose()
        return db.url, tokens

    url, tokens = asyncio.run(prepare())
    env = {
        "QIANSHOU_REDIS_URL": REDIS_URL,
        "QIANSHOU_REDIS_PREFIX": unique_prefix(),
        "QIANSHOU_RATE_LIMIT_PER_MINUTE": str(RATE),
        "QIANSHOU_ACCESS_LOG": "false",
    }
    servers = [LiveServer(url, env=env), LiveServer(url, env=env)]
    with ThreadPoolExecutor() as pool:
        list(pool.map(LiveServer.start, servers))
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), [server.port for server in servers]).start()
    yield nginx, servers, tokens
    nginx.stop()
    for server in servers:
        server.stop()


def test_requests_through_nginx_spread_over_both_servers(deployment):
    nginx, servers, _ = deployment
    before = [requests_seen(server, "Spread") for server in servers]
    with httpx.Client() as client:
        answers = [client.post(f"{nginx.url}/graphql", json={"query": READ}) for _ in range(10)]
    assert all(answer.status_code == 200 and "errors" not in answer.json() for answer in answers)
    after = [requests_seen(server, "Spread") for server in servers]
    gained = [a - b for a, b in zip(after, before, strict=True)]
    assert sum(gained) == 10 and all(gain >= 3 for gain in gained), gained  # round robin
    assert httpx.get(f"{nginx.url}/metrics").status_code == 404  # not for the public
    too_large = httpx.post(
        f"{nginx.url}/graphql", content=b"{" + b" " * 200_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert too_large.status_code == 413


async def test_a_subscriber_on_one_server_hears_a_write_made_through_the_other(deployment):
    _, (first, second), tokens = deployment
    async with connect(
        first.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]
    ) as websocket:
        await websocket.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {tokens['admins'][0]}"}})
        )
        assert json.loads(await websocket.recv())["type"] == "connection_ack"
        await websocket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await asyncio.sleep(0.5)
        update_id = await asyncio.to_thread(
            submit, second, tokens["mentor"], tokens["milestone"], "written through the other server"
        )
        message = json.loads(await asyncio.wait_for(websocket.recv(), 10))
    assert message["type"] == "next", message
    assert message["payload"]["data"]["milestoneEvents"]["update"]["id"] == update_id


def test_the_rate_limit_is_one_budget_across_servers(deployment):
    _, servers, _ = deployment
    caller = {"X-Forwarded-For": "10.9.9.9"}  # nginx's address is trusted to name the client
    started = time.monotonic()
    with httpx.Client() as client:
        statuses = [
            client.post(f"{servers[n % 2].url}/graphql", json={"query": READ}, headers=caller).status_code
            for n in range(2 * RATE)
        ]
    refilled = (time.monotonic() - started) * RATE / 60
    allowed = statuses.count(200)
    # Budgets of their own would have let all 2 × RATE through, RATE on each server.
    assert RATE <= allowed <= RATE + refilled + 1, (allowed, refilled)
    assert statuses.count(429) == 2 * RATE - allowed
    assert statuses[:RATE] == [200] * RATE


async def test_a_rolling_restart_under_load_loses_no_request(deployment):
    nginx, servers, tokens = deployment
    ws_url = nginx.url.replace("http", "ws") + "/graphql"
    subscribers = []
    for _ in range(4):  # nginx spreads them over both servers
        websocket = await connect(ws_url, subprotocols=["graphql-transport-ws"])
        await websocket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await websocket.recv())["type"] == "connection_ack"
        await websocket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        subscribers.append(websocket)
    load = Load(f"{nginx.url}/graphql", tokens["admins"])
    load.start()
    try:
        for server in servers:
            await asyncio.sleep(1)
            await asyncio.to_thread(server.stop)  # SIGTERM: drains what it is serving, then exits
            await asyncio.to_thread(server.start)
        await asyncio.sleep(1)
    finally:
        load.stopping.set()
        await asyncio.to_thread(load.join, 30)
    codes = []
    for websocket in subscribers:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(websocket.recv(), 10)
        codes.append(websocket.close_code)
    assert load.failures == [], load.failures[:5]
    assert load.reads > 20 and load.writes > 10, (load.reads, load.writes)
    assert codes == [1012] * 4  # Service Restart: clients know to reconnect
