"""GraphQL over HTTP: media types and status codes, authentication, rate limits, request IDs and
production mode (ASGI app built with env="production", and one real server)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from db.engine import Database
from db.models import Role
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from server.app import create_app
from server.settings import load_settings
from tests.conftest import TODAY, LiveServer

GRAPHQL_RESPONSE = "application/graphql-response+json"
PAIRING = encode_id("Pairing", 1)
OTHER_PAIRING = encode_id("Pairing", 9)


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[tuple[Database, dict[str, str]]]:
    db = await databases.new_database("http", demo=True)
    tokens = {
        "admin": await create_token(db, "http-admin", Role.ADMIN),
        "viewer": await create_token(db, "http-viewer", Role.VIEWER),
        "supported": await create_token(db, "http-supported", Role.SUPPORTED_AGENCY, agency_id=encode_id("Agency", 10)),
    }
    yield db, tokens
    await db.dispose()


@asynccontextmanager
async def client_for(db: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings.setdefault("rate_limit_per_minute", 0)
    app = create_app(load_settings(database_url=db.url, today=TODAY, **settings))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client
    finally:
        await app.state.service.db.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# --- media types and status codes -----------------------------------------------------------------


async def test_media_type_follows_accept(world) -> None:
    db, _ = world
    async with client_for(db) as client:
        plain = await client.post("/graphql", json={"query": "{ viewer { role } }"})
        modern = await client.post(
            "/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
        )
        wildcard = await client.post("/graphql", json={"query": "{ viewer { role } }"}, headers={"Accept": "*/*"})
        refused = await client.post("/graphql", json={"query": "{ viewer { role } }"}, headers={"Accept": "text/html"})
    assert plain.headers["content-type"] == "application/json"
    assert modern.headers["content-type"] == GRAPHQL_RESPONSE
    assert wildcard.headers["content-type"] == "application/json"
    assert modern.json() == plain.json() == {"data": {"viewer": {"role": "VIEWER"}}}
    assert refused.status_code == 406 and codes(refused.json()) == ["NOT_ACCEPTABLE"]


@pytest.mark.parametrize(
    ("query", "variables", "operation_name", "modern_status", "code"),
    [
        ("{ viewer { role ", None, None, 400, "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { nosuchfield } }", None, None, 400, "GRAPHQL_VALIDATION_FAILED"),
        ("query($id: ID!) { node(id: $id) { id } }", {}, None, 400, "BAD_USER_INPUT"),
        ("query Mine { viewer { role } }", None, "Theirs", 400, "OPERATION_RESOLUTION_FAILURE"),
        ('{ node(id: "bad") { id } }', None, None, 200, "BAD_ID"),
    ],
)
async def test_status_codes_for_failed_documents(world, query, variables, operation_name, modern_status, code) -> None:
    db, _ = world
    body = {"query": query, "variables": variables, "operationName": operation_name}
    async with client_for(db) as client:
        modern = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
        legacy = await client.post("/graphql", json=body, headers={"Accept": "application/json"})
    assert modern.status_code == modern_status and codes(modern.json()) == [code]
    assert legacy.status_code == 200 and codes(legacy.json()) == [code]
    assert ("data" in modern.json()) == (modern_status == 200)


async def test_forbidden_object_and_forbidden_write(world) -> None:
    db, tokens = world
    headers = {**bearer(tokens["supported"]), "Accept": GRAPHQL_RESPONSE}
    mutation = """mutation($input: CreateProgramInput!) { createProgram(input: $input) { userErrors { code } } }"""
    async with client_for(db) as client:
        hidden = await client.post(
            "/graphql", json={"query": '{ pairing(id: "%s") { id } }' % OTHER_PAIRING}, headers=headers
        )
        write = await client.post(
            "/graphql",
            json={"query": mutation, "variables": {"input": {"name": "x", "startsOn": "2026-01-01"}}},
            headers=headers,
        )
        legacy = await client.post(
            "/graphql",
            json={"query": mutation, "variables": {"input": {"name": "x", "startsOn": "2026-01-01"}}},
            headers=bearer(tokens["supported"]),
        )
    # Execution produced data (a null field): 200 with the error.
    assert hidden.status_code == 200 and hidden.json()["data"] == {"pairing": None}
    assert codes(hidden.json()) == ["FORBIDDEN"]
    # Nothing but a refusal: 403 under graphql-response+json, 200 under application/json.
    assert write.status_code == 403 and write.json()["data"] is None and codes(write.json()) == ["FORBIDDEN"]
    assert legacy.status_code == 200 and codes(legacy.json()) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "header",
    ["Bearer qs_" + "A" * 43, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "Bearer qs_tooshort"],
)
async def test_bad_tokens_are_401(world, header) -> None:
    db, _ = world
    async with client_for(db) as client:
        response = await client.post(
            "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": header}
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert codes(response.json()) == ["UNAUTHENTICATED"]
    assert "qs_" not in response.text  # the presented token is never echoed


async def test_revoked_token_is_401(databases) -> None:
    from resolvers.tokens import revoke_token

    db = await databases.new_database("revoked")
    try:
        secret = await create_token(db, "soon-gone", Role.ADMIN)
        async with client_for(db) as client:
            before = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=bearer(secret))
            await revoke_token(db, "soon-gone")
            after = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=bearer(secret))
        assert before.json() == {"data": {"viewer": {"name": "soon-gone"}}}
        assert after.status_code == 401
    finally:
        await db.dispose()


async def test_viewer_reflects_the_token_over_http(world) -> None:
    db, tokens = world
    async with client_for(db) as client:
        anonymous = await client.post("/graphql", json={"query": "{ viewer { role agency { name } } }"})
        supported = await client.post(
            "/graphql", json={"query": "{ viewer { role agency { name } } }"}, headers=bearer(tokens["supported"])
        )
    assert anonymous.json()["data"]["viewer"] == {"role": "VIEWER", "agency": None}
    assert supported.json()["data"]["viewer"] == {
        "role": "SUPPORTED_AGENCY",
        "agency": {"name": "叶县心天地社会工作服务中心"},
    }


async def test_mutation_over_get_is_405(world) -> None:
    db, tokens = world
    mutation = 'mutation { createProgram(input: {name: "x", startsOn: "2026-01-01"}) { userErrors { code } } }'
    async with client_for(db) as client:
        response = await client.get("/graphql", params={"query": mutation}, headers=bearer(tokens["admin"]))
        query = await client.get("/graphql", params={"query": "{ viewer { role } }"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    assert query.status_code == 200 and query.json() == {"data": {"viewer": {"role": "VIEWER"}}}


# multipart/form-data, which a form can send too, is refused without a preflight header:
# tests/test_evidence_multipart.py.
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
async def test_cross_site_posts_are_415(world, content_type) -> None:
    db, tokens = world
    async with client_for(db) as client:
        response = await client.post(
            "/graphql",
            content=b"query=mutation%20%7B%20x%20%7D",
            headers={"Content-Type": content_type, **bearer(tokens["admin"])},
        )
    assert response.status_code == 415


async def test_request_id_header_and_extension(world) -> None:
    db, _ = world
    async with client_for(db) as client:
        ok = await client.post("/graphql", json={"query": "{ viewer { role } }"})
        failed = await client.post("/graphql", json={"query": "{ nosuch }"})
    assert len(ok.headers["x-request-id"]) == 32
    assert failed.json()["extensions"]["requestId"] == failed.headers["x-request-id"] != ok.headers["x-request-id"]


# --- rate limit ----------------------------------------------------------------------------------


async def test_rate_limit_per_token_and_per_address(world) -> None:
    db, tokens = world
    query = {"query": "{ viewer { role } }"}
    async with client_for(db, rate_limit_per_minute=3) as client:
        admin = [await client.post("/graphql", json=query, headers=bearer(tokens["admin"])) for _ in range(4)]
        viewer = await client.post("/graphql", json=query, headers=bearer(tokens["viewer"]))
        anonymous = [await client.post("/graphql", json=query) for _ in range(4)]
    assert [r.status_code for r in admin] == [200, 200, 200, 429]
    assert int(admin[3].headers["retry-after"]) >= 1
    assert codes(admin[3].json()) == ["RATE_LIMITED"]
    assert viewer.status_code == 200  # another token has its own budget
    assert [r.status_code for r in anonymous] == [200, 200, 200, 429]


async def test_failed_authentication_counts_against_the_address(world) -> None:
    db, _ = world
    async with client_for(db, rate_limit_per_minute=2) as client:
        statuses = [
            (
                await client.post("/graphql", json={"query": "{ viewer { role } }"}, headers=bearer("qs_" + "B" * 43))
            ).status_code
            for _ in range(3)
        ]
    assert statuses == [401, 401, 429]


# --- production mode -----------------------------------------------------------------------------


async def test_production_refuses_anonymous_and_keeps_tokens_working(world) -> None:
    db, tokens = world
    async with client_for(db, env="production") as client:
        anonymous = await client.post(
            "/graphql", json={"query": "{ viewer { role } }"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
        with_token = await client.post(
            "/graphql", json={"query": "{ viewer { role } }"}, headers=bearer(tokens["viewer"])
        )
        graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
    assert anonymous.status_code == 401 and codes(anonymous.json()) == ["UNAUTHENTICATED"]
    assert with_token.json() == {"data": {"viewer": {"role": "VIEWER"}}}
    assert graphiql.status_code == 404


async def test_development_anonymous_is_viewer_with_graphiql(world) -> None:
    db, _ = world
    async with client_for(db) as client:
        graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
        introspection = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    assert introspection.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_production_has_no_introspection_and_no_suggestions(world) -> None:
    db, tokens = world
    headers = {**bearer(tokens["admin"]), "Accept": GRAPHQL_RESPONSE}
    async with client_for(db, env="production") as client:
        schema = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers)
        typed = await client.post("/graphql", json={"query": '{ __type(name: "Pairing") { name } }'}, headers=headers)
        typo = await client.post("/graphql", json={"query": "{ pairingz { totalCount } }"}, headers=headers)
        enum = await client.post(
            "/graphql",
            json={
                "query": "query($s: PairingStatus) { pairings(filter: {status: $s}) { totalCount } }",
                "variables": {"s": "ACTIV"},
            },
            headers=headers,
        )
    async with client_for(db) as client:
        dev_typo = await client.post("/graphql", json={"query": "{ pairingz { totalCount } }"}, headers=headers)
    assert schema.status_code == 400 and "introspection" in schema.text.lower()
    assert typed.status_code == 400
    assert typo.status_code == 400 and "Did you mean" not in typo.text
    assert enum.status_code == 400 and "Did you mean" not in enum.text and "ACTIVE" not in enum.text
    assert "Did you mean" in dev_typo.text


async def test_unexpected_errors_are_masked_in_production(databases, caplog) -> None:
    db = await databases.new_database("broken")
    try:
        secret = await create_token(db, "ops", Role.ADMIN)
        async with db.writing() as session:
            await session.execute(text("DROP TABLE audit_events"))
        query = {"query": '{ auditEvents(objectId: "%s") { totalCount } }' % PAIRING}
        with caplog.at_level(logging.ERROR, logger="qianshou.graphql"):
            async with client_for(db, env="production") as client:
                masked = await client.post("/graphql", json=query, headers=bearer(secret))
            async with client_for(db) as client:
                shown = await client.post("/graphql", json=query, headers=bearer(secret))
    finally:
        await db.dispose()
    [error] = masked.json()["errors"]
    request_id = masked.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert "audit_events" not in masked.text.lower() and "select" not in masked.text.lower()
    assert "traceback" not in masked.text.lower()
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)
    # Development keeps the code but shows the cause, for whoever is debugging.
    assert codes(shown.json()) == ["INTERNAL"] and "audit_events" in shown.text


@pytest.mark.slow
def test_production_over_a_real_server(world) -> None:
    db, tokens = world
    server = LiveServer(db.url, env={"QIANSHOU_ENV": "production"}).start()
    try:
        anonymous = httpx.post(f"{server.url}/graphql", json={"query": "{ viewer { role } }"})
        ok = httpx.post(
            f"{server.url}/graphql",
            json={"query": '{ pairing(id: "%s") { serviceTotals { homeVisits } } }' % PAIRING},
            headers={**bearer(tokens["supported"]), "Accept": GRAPHQL_RESPONSE},
        )
        hidden = httpx.post(
            f"{server.url}/graphql",
            json={"query": '{ pairing(id: "%s") { id } }' % OTHER_PAIRING},
            headers=bearer(tokens["supported"]),
        )
    finally:
        output = server.stop()
    # (In JSON lines, as production logs by default: the line's quotes are escaped.)
    assert output.count("POST /graphql HTTP/1.1") == 3, "the access log is on unless QIANSHOU_ACCESS_LOG is false"
    assert anonymous.status_code == 401
    assert ok.status_code == 200 and ok.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.json() == {"data": {"pairing": {"serviceTotals": {"homeVisits": 312}}}}
    assert hidden.json()["data"] == {"pairing": None} and codes(hidden.json()) == ["FORBIDDEN"]


async def test_rate_limiter_refills_over_the_minute() -> None:
    from server.ratelimit import MemoryBuckets, RateLimiter, retry_after

    now = [0.0]
    limiter = RateLimiter(per_minute=60, buckets=MemoryBuckets(clock=lambda: now[0]))
    assert [await limiter.take("a") for _ in range(60)] == [None] * 60
    wait = await limiter.take("a")
    assert wait == pytest.approx(1.0) and retry_after(wait) == "1"
    assert await limiter.take("b") is None  # each caller has its own bucket
    now[0] = 1.0
    assert await limiter.take("a") is None and await limiter.take("a") is not None
    assert await RateLimiter(per_minute=0).take("a") is None  # 0 turns the limit off


async def test_what_a_request_loaded_is_freed_when_it_is_answered(world) -> None:
    """Not when the cycle collector next runs: neither the execution context (schema/engine/execution.py)
    nor the loaders (server/graphql_http.py `execute`) are left in reference cycles."""
    db, _ = world
    query = """query($id: ID!) { pairing(id: $id) { id milestones(first: 5) { edges { node { id
      updates(first: 2) { edges { node { id } } } } } } trainingSessions(first: 3) { edges { node { id } } } } }"""
    async with client_for(db) as client:
        await client.post("/graphql", json={"query": query, "variables": {"id": PAIRING}})
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            response = await client.post("/graphql", json={"query": query, "variables": {"id": PAIRING}})
            gc.collect()
            request_types = {"JsonExecutionContext", "Scope", "Loaders", "BatchLoader", "Page", "row"}
            left = sorted({type(thing).__name__ for thing in gc.garbage} & request_types)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert response.json()["data"]["pairing"]["milestones"]["edges"]
    assert left == []
