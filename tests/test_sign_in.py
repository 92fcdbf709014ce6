"""Sign-in for people against a real Uvicorn server: the cookie, lockout, CSRF header, sign-out,
the WebSocket and reports with the cookie, and the Chinese answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import connect

from db.engine import Database
from db.models import Role, SignInAttempt
from resolvers.access import SYSTEM
from resolvers.accounts import (
    DEMO_PASSWORD,
    AccountRequest,
    CreateAccount,
    create_account,
    disable_account,
    ensure_demo_accounts,
)
from resolvers.ids import encode_id
from resolvers.scope import Scope
from resolvers.tokens import create_token, demo_scopes
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow  # a real server

VIEWER = "{ viewer { name role kind agency { name } region { name } } }"
CSRF = {"X-Requested-With": "qianshou-web"}
MAX_FAILURES = 3


@pytest.fixture(scope="module")
async def accounts_db(databases) -> AsyncIterator[Database]:
    db = await databases.new_database("signin", demo=True)
    await ensure_demo_accounts(db, await demo_scopes(db))
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
def server(accounts_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(accounts_db.url, env={"QIANSHOU_SIGN_IN_MAX_FAILURES": str(MAX_FAILURES)}).start()
    yield live
    live.stop()


def sign_in(server: LiveServer, name: str, password: str = DEMO_PASSWORD, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/auth/sign-in", json={"name": name, "password": password}, headers=headers)


def signed_in_client(server: LiveServer, name: str) -> httpx.Client:
    response = sign_in(server, name)
    assert response.status_code == 200, response.text
    client = httpx.Client(base_url=server.url)
    client.cookies.set("qianshou_session", response.cookies["qianshou_session"])
    return client


def test_sign_in_answers_the_account_and_sets_a_session_cookie(server: LiveServer) -> None:
    response = sign_in(server, "demo-mentor-agency")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "demo-mentor-agency" and body["role"] == "MENTOR_AGENCY"
    assert body["agencyId"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("qianshou_session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path"} <= attributes
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    assert "secure" not in attributes  # plain HTTP
    assert len(response.cookies["qianshou_session"]) >= 40


def test_the_cookie_is_secure_behind_a_tls_proxy(server: LiveServer) -> None:
    # Uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (FORWARDED_ALLOW_IPS) as a proxy's.
    response = sign_in(server, "demo-viewer", **{"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "secure" in {part.strip().lower() for part in response.headers["set-cookie"].split(";")}


def test_the_cookie_authenticates_graphql_as_the_account(server: LiveServer) -> None:
    with signed_in_client(server, "demo-regional-staff") as client:
        viewer = client.get("/graphql", params={"query": VIEWER}).json()["data"]["viewer"]
        assert viewer == {
            "name": "demo-regional-staff",
            "role": "REGIONAL_STAFF",
            "kind": "ACCOUNT",
            "agency": None,
            "region": {"name": "洛阳市"},
        }
        # A POST with the header the web app sends.
        posted = client.post("/graphql", json={"query": VIEWER}, headers=CSRF).json()
        assert posted["data"]["viewer"]["kind"] == "ACCOUNT"


def test_a_cookie_write_without_the_csrf_header_is_refused(server: LiveServer) -> None:
    with signed_in_client(server, "demo-admin") as client:
        response = client.post("/graphql", json={"query": VIEWER})
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF"
        chinese = client.post("/graphql", json={"query": VIEWER}, headers={"Accept-Language": "zh-CN"})
        assert "X-Requested-With" in chinese.json()["errors"][0]["message"]
        assert "请求头" in chinese.json()["errors"][0]["message"]


async def test_a_bearer_token_needs_no_csrf_header_and_wins_over_a_cookie(server: LiveServer, accounts_db) -> None:
    secret = await create_token(accounts_db, "signin-dashboard", role=Role.VIEWER)
    with signed_in_client(server, "demo-admin") as client:
        response = client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["kind"] == "TOKEN"


def test_wrong_password_and_unknown_name_get_the_same_answer(server: LiveServer) -> None:
    wrong = sign_in(server, "demo-ministry", "not-the-password")
    unknown = sign_in(server, "nobody-at-all", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["errors"][0]["extensions"]["code"] == "BAD_CREDENTIALS"
    assert "set-cookie" not in wrong.headers
    chinese = sign_in(server, "demo-ministry", "not-the-password", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert chinese.json()["errors"][0]["message"] == "账号或密码错误"


async def test_repeated_failures_lock_a_name_even_for_the_right_password(server: LiveServer, accounts_db) -> None:
    # A name of its own, so that other tests' failures do not count.
    await _create_account(accounts_db, "lock-me")
    for _ in range(MAX_FAILURES):
        assert sign_in(server, "lock-me", "wrong-password").status_code == 401
    locked = sign_in(server, "lock-me")
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["extensions"]["code"] == "LOCKED"
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60
    # A name without an account locks the same way, so locking reveals nothing.
    for _ in range(MAX_FAILURES):
        assert sign_in(server, "no-such-person", "wrong-password").status_code == 401
    unknown = sign_in(server, "no-such-person", "wrong-password")
    assert unknown.status_code == 429
    assert unknown.json()["errors"][0]["extensions"] == locked.json()["errors"][0]["extensions"]


async def _create_account(db: Database, name: str) -> str:
    outcome = await create_account(Scope(db=db, actor=SYSTEM), CreateAccount(name, DEMO_PASSWORD, Role.VIEWER))
    assert not outcome.errors, outcome.errors
    return encode_id("Account", outcome.value.id)


async def test_a_disabled_account_is_refused_as_a_wrong_password_and_its_sessions_end(
    server: LiveServer, accounts_db
) -> None:
    account_id = await _create_account(accounts_db, "leaving-soon")
    with signed_in_client(server, "leaving-soon") as client:
        assert client.get("/graphql", params={"query": VIEWER}).json()["data"]["viewer"]["kind"] == "ACCOUNT"
        outcome = await disable_account(Scope(db=accounts_db, actor=SYSTEM), AccountRequest(account_id))
        assert not outcome.errors
        # Each server process forgets the session it had verified within a second (resolvers/credentials.py).
        await asyncio.sleep(1)
        assert client.get("/graphql", params={"query": VIEWER}).status_code == 401
    refused = sign_in(server, "leaving-soon")
    assert refused.status_code == 401
    assert refused.json() == sign_in(server, "nobody-at-all", "not-the-password").json()


async def test_every_attempt_is_recorded_without_the_password(server: LiveServer, accounts_db) -> None:
    sign_in(server, "demo-supported-agency", "a-secret-guess-123")
    sign_in(server, "demo-supported-agency")

    async def attempts():
        async with accounts_db.reading() as session:
            rows = (
                await session.scalars(
                    select(SignInAttempt)
                    .where(SignInAttempt.name == "demo-supported-agency")
                    .order_by(SignInAttempt.id)
                )
            ).all()
            return [(row.outcome, row.succeeded, row.client) for row in rows], [
                value for row in rows for value in vars(row).values()
            ]

    outcomes, values = await attempts()
    assert outcomes[-2:] == [("BAD_CREDENTIALS", False, "127.0.0.1"), ("OK", True, "127.0.0.1")]
    assert not any(isinstance(value, str) and "a-secret-guess-123" in value for value in values)


def test_sign_out_ends_the_session_and_clears_the_cookie(server: LiveServer) -> None:
    with signed_in_client(server, "demo-viewer") as client:
        cookie = client.cookies["qianshou_session"]
        refused = client.post("/auth/sign-out")
        assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "CSRF"
        response = client.post("/auth/sign-out", headers=CSRF)
        assert response.status_code == 204
        assert response.headers["set-cookie"].startswith('qianshou_session=""') or "max-age=0" in (
            response.headers["set-cookie"].lower()
        )
    # The old cookie no longer signs anyone in: 401, and the answer clears it.
    stale = httpx.get(f"{server.url}/graphql", params={"query": VIEWER}, cookies={"qianshou_session": cookie})
    assert stale.status_code == 401
    assert stale.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "max-age=0" in stale.headers["set-cookie"].lower()


def test_a_stale_cookie_is_refused_in_chinese_and_cleared_on_every_route(server: LiveServer) -> None:
    with signed_in_client(server, "demo-viewer") as client:
        cookie = client.cookies["qianshou_session"]
        assert client.post("/auth/sign-out", headers=CSRF).status_code == 204
    routes = [
        "/reports/pairings.csv",
        "/reports/pairings.xlsx",
        "/imports/templates/training-sessions.xlsx",
        f"/files/{encode_id('EvidenceFile', 1)}",
        f"/files/{encode_id('EvidenceFile', 1)}/thumbnail",
    ]
    for route in routes:
        stale = httpx.get(
            f"{server.url}{route}", cookies={"qianshou_session": cookie}, headers={"Accept-Language": "zh-CN"}
        )
        assert stale.status_code == 401, route
        (error,) = stale.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert any("\u4e00" <= char <= "\u9fff" for char in error["message"]), (route, error["message"])
        assert "max-age=0" in stale.headers["set-cookie"].lower(), route
        assert stale.headers["www-authenticate"] == "Bearer", route


def test_reports_are_read_with_the_cookie_in_the_accounts_scope(server: LiveServer) -> None:
    with signed_in_client(server, "demo-supported-agency") as client:
        own = client.get("/reports/pairings.csv")
    everything = httpx.get(f"{server.url}/reports/pairings.csv")
    assert own.status_code == everything.status_code == 200
    assert len(own.text.splitlines()) == 2  # the header and its one pairing
    assert len(everything.text.splitlines()) > 2


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


async def ws_viewer(server: LiveServer, cookie: str, origin: str) -> dict:
    headers = {"Cookie": f"qianshou_session={cookie}", "Origin": origin}
    async with connect(ws_url(server), subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        return message["payload"]["data"]["viewer"]


async def test_the_websocket_uses_the_cookie_only_from_the_servers_own_origin(server: LiveServer) -> None:
    cookie = sign_in(server, "demo-ministry").cookies["qianshou_session"]
    same = await ws_viewer(server, cookie, server.url)
    assert same["kind"] == "ACCOUNT" and same["name"] == "demo-ministry"
    # A page elsewhere opening a socket with the visitor's cookie acts as nobody.
    foreign = await ws_viewer(server, cookie, "https://evil.example")
    assert foreign["kind"] == "ANONYMOUS"


async def _attempt_count(db: Database) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(SignInAttempt))


async def test_malformed_sign_in_requests_are_400_or_415_and_not_recorded(server: LiveServer, accounts_db) -> None:
    before = await _attempt_count(accounts_db)
    url = f"{server.url}/auth/sign-in"
    form = httpx.post(url, data={"name": "demo-admin", "password": DEMO_PASSWORD})
    assert form.status_code == 415
    for body in (b"not json", b"[]", b'{"name": 1, "password": "x"}', b'{"name": "demo-admin"}'):
        response = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await _attempt_count(accounts_db) == before
