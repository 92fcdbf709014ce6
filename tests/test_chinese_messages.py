"""Messages to people in Chinese: every refusal, GraphQL error and user error we can provoke is
sent twice, with Accept-Language en and zh-CN, and must come back with the same codes and, in
Chinese, a different message with Chinese in it. A static check keeps new messages from coming
without their Chinese."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from resolvers.ids import encode_id
from server.i18n import CHINESE, ENGLISH, language_of
from tests.conftest import ROOT, LiveServer
from tests.test_mutations_support import app_for, mutation_text

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
# Messages clients match on, kept as they are in every language.
UNTRANSLATED = {"PersistedQueryNotFound"}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, ENGLISH),
        ("", ENGLISH),
        ("zh-CN", CHINESE),
        ("zh", CHINESE),
        ("zh-Hans-CN,zh;q=0.9", CHINESE),
        ("en-US,en;q=0.9,zh-CN;q=0.8", ENGLISH),
        ("en;q=0.5,zh-CN;q=0.8", CHINESE),
        ("fr, zh-CN", ENGLISH),
        ("zh-CN;q=0, en", ENGLISH),
        ("*", ENGLISH),
        ("zh-CN;q=bogus, en;q=0.1", ENGLISH),
    ],
)
def test_the_language_is_chinese_when_chinese_is_preferred(header, language) -> None:
    assert language_of(header) == language


def messages(body: Any) -> list[tuple[str, str]]:
    """(code, message) of every error and user error anywhere in a response body."""
    found: list[tuple[str, str]] = []
    if isinstance(body, dict):
        if "message" in body and ("code" in body or "extensions" in body):
            code = body.get("code") or (body.get("extensions") or {}).get("code")
            found.append((code, body["message"]))
        for value in body.values():
            found.extend(messages(value))
    elif isinstance(body, list):
        for value in body:
            found.extend(messages(value))
    return found


def assert_translated(english: Any, chinese: Any) -> None:
    en, zh = messages(english), messages(chinese)
    assert en, english
    assert [code for code, _ in en] == [code for code, _ in zh]
    for (_, en_message), (_, zh_message) in zip(en, zh, strict=True):
        if en_message in UNTRANSLATED:
            continue
        assert CJK.search(zh_message) and zh_message != en_message, (en_message, zh_message)


class Both:
    """Sends a request once in English and once in Chinese, and compares the answers."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def request(self, method: str, url: str, *, as_: str | None = "staff", headers=None, **kwargs) -> None:
        auth = {"Authorization": f"Bearer {self.tokens[as_]}"} if as_ else {}
        answers = [
            await self.client.request(method, url, headers={**auth, **language, **(headers or {})}, **kwargs)
            for language in (EN, ZH)
        ]
        assert answers[0].status_code == answers[1].status_code
        assert_translated(answers[0].json(), answers[1].json())

    async def graphql(self, query: str, variables: dict | None = None, *, as_: str = "staff") -> None:
        await self.request("POST", "/graphql", json={"query": query, "variables": variables or {}}, as_=as_)

    async def mutation(self, name: str, input: dict, *, as_: str = "staff") -> None:
        await self.graphql(mutation_text(name, ""), {"input": input}, as_=as_)


@pytest.fixture
def both(api) -> Both:  # noqa: F811
    return Both(api.client, api.tokens)


async def test_user_errors_of_writes_in_chinese(both: Both, world) -> None:  # noqa: F811
    missing_region = encode_id("Region", 999_999)
    await both.mutation(
        "createProgram",
        {
            "name": " ",
            "startsOn": "2026-01-01",
            "endsOn": "2025-01-01",
            "defaultTermMonths": 0,
            "policyReference": "x" * 600,
        },
    )
    for code in ("91350100M000100Y44", "123", "91350100M00O100Y43"):
        await both.mutation("createAgency", {"name": "新机构", "regionId": world.county, "creditCode": code})
    await both.mutation("createAgency", {"name": "新机构", "regionId": "not-an-id"})
    await both.mutation("createAgency", {"name": "新机构", "regionId": missing_region})
    pairing = {"programId": world.program, "mentorId": world.mentor, "startsOn": "2026-01-01"}
    await both.mutation("createPairing", {**pairing, "supportedId": world.mentor})
    await both.mutation("createPairing", {**pairing, "supportedId": world.other, "status": "COMPLETED"})
    await both.mutation("changePairingStatus", {"pairingId": world.pairing, "status": "PLANNED"})
    await both.mutation("changePairingStatus", {"pairingId": world.pairing, "status": "SUSPENDED", "version": 99})
    await both.mutation("updateMilestone", {"milestoneId": world.milestone, "version": 99, "title": "新标题"})
    await both.mutation(
        "submitMilestoneUpdate",
        {
            "milestoneId": world.milestone,
            "note": "进展",
            "progressPercent": 200,
            "evidenceUrls": ["ftp://x"] * 21,
            "progressValue": "1.001",
            "idempotencyKey": "k" * 300,
        },
        as_="mentor",
    )
    training = {"pairingId": world.pairing, "topic": "个案管理", "mode": "ON_SITE", "participants": 10}
    await both.mutation("recordTrainingSession", {**training, "startsOn": "2024-06-01", "hours": "0"}, as_="mentor")
    await both.mutation("recordTrainingSession", {**training, "startsOn": "2026-12-20", "hours": "1"}, as_="mentor")
    station = {"pairingId": world.pairing, "name": "服务站", "establishedOn": "2026-01-01"}
    await both.mutation("createServiceStation", {**station, "regionId": world.county}, as_="mentor")
    await both.mutation(
        "createServiceStation", {**station, "regionId": world.village, "agencyId": world.other}, as_="mentor"
    )
    incubation = {"pairingId": world.pairing, "startedOn": "2025-06-01"}
    await both.mutation("recordIncubation", {**incubation, "agencyId": world.mentor}, as_="mentor")
    await both.mutation(
        "recordIncubation", {**incubation, "agencyId": world.other, "stage": "REGISTERED"}, as_="mentor"
    )
    resource = {"pairingId": world.pairing, "projectName": "助学", "kind": "CASH", "occurredOn": "2026-01-01"}
    await both.mutation("recordResourceLink", {**resource, "amountYuan": "1.005"}, as_="mentor")
    await both.mutation("recordResourceLink", {**resource, "amountYuan": "-1"}, as_="mentor")
    await both.mutation("recordResourceLink", {**resource, "amountYuan": "9999999999999"}, as_="mentor")
    await both.mutation("voidTrainingSession", {"id": encode_id("TrainingSession", 999), "reason": "错"}, as_="mentor")
    await both.mutation(
        "reviewMilestoneUpdate",
        {"updateId": encode_id("MilestoneUpdate", 999), "decision": "APPROVE", "milestoneVersion": 1},
    )
    await both.mutation("createAccount", {"name": "a b", "password": "short", "role": "MENTOR_AGENCY"}, as_="admin")


async def test_idempotency_and_voiding_refusals_in_chinese(both: Both, api, world) -> None:  # noqa: F811
    first = {"name": "幂等测试计划", "startsOn": "2026-01-01", "idempotencyKey": "same-key"}
    assert (await api.mutate("createProgram", first))["userErrors"] == []
    await both.mutation("createProgram", {**first, "name": "另一个计划"})
    recorded = await api.mutate(
        "recordTrainingSession",
        {
            "pairingId": world.pairing,
            "topic": "督导",
            "mode": "REMOTE",
            "participants": 3,
            "startsOn": "2026-03-01",
            "hours": "2",
        },
        "trainingSession { id }",
        as_="mentor",
    )
    session_id = recorded["trainingSession"]["id"]
    assert (await api.mutate("voidTrainingSession", {"id": session_id, "reason": "录错"}, as_="mentor"))[
        "userErrors"
    ] == []
    await both.mutation("voidTrainingSession", {"id": session_id, "reason": "again"}, as_="mentor")


async def test_graphql_errors_in_chinese(both: Both, world) -> None:  # noqa: F811
    await both.graphql('{ node(id: "!!") { id } }')
    await both.graphql("{ pairings(first: 101) { totalCount } }")
    await both.graphql("{ pairings(first: -1) { totalCount } }")
    await both.graphql('{ pairings(after: "bad") { totalCount } }')
    await both.graphql('{ overdueMilestones(after: "WyJub3QtYS1kYXRlIiwxXQ") { totalCount } }')
    await both.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [world.pairing] * 101})
    await both.graphql(
        "query($id: ID!) { auditEvents(objectId: $id) { totalCount } }", {"id": world.pairing}, as_="viewer"
    )
    await both.graphql(
        "query($id: ID!) { auditEvents(objectId: $id) { totalCount } }", {"id": encode_id("AuditEvent", 1)}
    )
    await both.graphql("query($id: ID!) { coverage(regionId: $id) { counties } }", {"id": encode_id("Region", 999_999)})
    await both.mutation(
        "createPairing",
        {"programId": world.program, "mentorId": world.mentor, "supportedId": world.other, "startsOn": "2026-01-01"},
        as_="mentor",
    )
    await both.mutation("createProgram", {"name": "x", "startsOn": "2026-01-01"}, as_="viewer")
    await both.graphql("{ accounts { totalCount } }")


async def test_refusals_of_requests_in_chinese(both: Both) -> None:
    await both.request("GET", "/graphql", params={"query": "{ viewer { role } }"}, headers={"Accept": "text/html"})
    await both.request(
        "POST", "/graphql", content=b"query=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    for body in (
        b"{",
        b"[]",
        b'{"query": ""}',
        b'{"query": "{ viewer { role } }", "variables": "x"}',
        b'{"query": "{ viewer { role } }", "operationName": 5}',
        b'{"query": "{ a }", "variables": {"x": 1}, "extensions": {"persistedQuery": {"version": 2}}}',
    ):
        await both.request("POST", "/graphql", content=body, headers={"Content-Type": "application/json"})
    persisted = {"version": 1, "sha256Hash": "0" * 64}
    await both.request("POST", "/graphql", json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab"}}})
    await both.request(
        "POST", "/graphql", json={"query": "{ viewer { role } }", "extensions": {"persistedQuery": persisted}}
    )
    await both.request("POST", "/graphql", json={"extensions": {"persistedQuery": persisted}})
    await both.request("POST", "/graphql", json={"query": "{ viewer { role } }", "pad": "x" * 100_001})
    await both.request("GET", "/graphql", params={"query": "mutation { __typename }"})
    await both.request("POST", "/graphql", json={"query": "query A { viewer { role } }", "operationName": "B"})
    await both.request(
        "POST", "/graphql", json={"query": "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }"}
    )
    await both.request("POST", "/graphql", json={"query": "query A { viewer { role } } query B { viewer { role } }"})
    await both.request("POST", "/graphql", json={"query": "{ " + "viewer { role } " * 1100 + "}"})
    deep = (
        "{ pairings(first: 100) { edges { node { milestones(first: 100) { edges { node {"
        " updates(first: 100) { edges { node { id } } } } } } } } } }"
    )
    await both.request("POST", "/graphql", json={"query": deep})
    await both.request(
        "POST", "/graphql", json={"query": "{ viewer { role } }"}, as_=None, headers={"Authorization": "Basic x"}
    )
    await both.request(
        "POST", "/graphql", json={"query": "{ viewer { role } }"}, as_=None, headers={"Authorization": "Bearer qs_x"}
    )
    await both.request("GET", "/reports/pairings.csv", params={"programId": "!!"})
    await both.request("GET", "/reports/pairings.csv", as_=None, headers={"Authorization": "Bearer nope"})
    await both.request("POST", "/auth/sign-in", json={"name": "nobody", "password": "wrong-password"}, as_=None)
    await both.request("POST", "/auth/sign-in", content=b"name=x", as_=None)
    await both.request("POST", "/auth/sign-in", json={"name": 1}, as_=None)


@pytest.mark.slow
async def test_refusals_in_production_and_over_the_rate_limit_in_chinese(world) -> None:  # noqa: F811
    for settings, method, url in (
        ({"env": "production"}, "POST", "/graphql"),
        ({"env": "production"}, "GET", "/graphql"),  # GraphiQL is off
        ({"rate_limit_per_minute": 1}, "POST", "/graphql"),
    ):
        app = app_for(world.db, **settings)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                if "rate_limit_per_minute" in settings:
                    await client.post(url, json={"query": "{ viewer { role } }"})
                body = {"json": {"query": "{ viewer { role } }"}} if method == "POST" else {}
                answers = [await client.request(method, url, headers=language, **body) for language in (EN, ZH)]
                assert_translated(answers[0].json(), answers[1].json())
        finally:
            await app.state.service.db.dispose()


async def ws_errors(server: LiveServer, language: dict[str, str]) -> list[dict]:
    url = server.url.replace("http://", "ws://") + "/graphql"
    payloads = []
    async with connect(url, subprotocols=["graphql-transport-ws"], additional_headers=language) as websocket:
        await websocket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await websocket.recv())["type"] == "connection_ack"
        aliases = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }"
        for op_id, query in (("1", aliases), ("2", '{ node(id: "!!") { id } }'), ("3", "")):
            await websocket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
            message = {"type": "complete"}
            while message["type"] == "complete":  # the end of the operation before
                message = json.loads(await websocket.recv())
            assert message["id"] == op_id
            payloads.append(message["payload"])
    return payloads


@pytest.mark.slow
async def test_websocket_errors_in_chinese(live_server: LiveServer) -> None:
    english, chinese = await ws_errors(live_server, EN), await ws_errors(live_server, ZH)
    for en, zh in zip(english, chinese, strict=True):
        assert_translated(en, zh)


# Calls that make a message for people, and where their Chinese goes.
MESSAGE_CALLS = {"UserError", "ApiError", "fail", "BadRequest", "Unauthenticated", "limit_error"}


def test_every_message_in_resolvers_server_and_schema_has_its_chinese() -> None:
    """Each UserError, ApiError, Checks.fail, BadRequest, Unauthenticated and limit error is made
    with message_zh (the command line's `fail` speaks to operators, in English)."""
    missing = []
    for folder in ("resolvers", "server", "schema"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if name not in MESSAGE_CALLS or (name == "fail" and "cli" in path.stem.split("_")):
                    continue
                given = {keyword.arg for keyword in node.keywords}
                if "message_zh" not in given and not (name == "limit_error" and len(node.args) == 4):
                    missing.append(f"{Path(path).relative_to(ROOT)}:{node.lineno}")
    assert missing == []
