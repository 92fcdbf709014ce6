"""`qianshou token revoke` ends the token's open WebSocket connections within seconds, on every
worker (server/revocation.py), while other tokens' subscriptions go on; so does the end of the
session whose cookie signed a connection in (sign-out, a disabled account)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Account, Role
from resolvers.access import SYSTEM
from resolvers.accounts import DEMO_PASSWORD, AccountRequest, CreateAccount, create_account, disable_account
from resolvers.ids import encode_id
from resolvers.scope import Scope
from resolvers.tokens import create_token
from tests.commands import qianshou
from tests.conftest import LiveServer
from tests.test_subscriptions import event_pk, next_event, open_connection, pairing_pks, subscribe, write_event

pytestmark = pytest.mark.slow  # servers with several workers

RECHECK_SECONDS = 0.5
# 4403 as for a token refused at connection_init (graphql-transport-ws's Forbidden).
REVOKED_CLOSE_CODE = 4403


@pytest.fixture
async def revocation_db(databases) -> AsyncIterator[Database]:
    db = await databases.new_database("revocation", demo=True)
    yield db
    await db.dispose()


async def test_revoking_a_token_closes_its_subscriptions_on_every_worker(revocation_db: Database) -> None:
    revoked = await create_token(revocation_db, "revoked-watcher", Role.MINISTRY)
    kept = await create_token(revocation_db, "kept-watcher", Role.MINISTRY)
    env = {"QIANSHOU_CREDENTIAL_RECHECK_SECONDS": str(RECHECK_SECONDS)}
    server = LiveServer(revocation_db.url, workers=2, env=env).start()
    try:
        # Several connections, so that the kernel hands some to each worker.
        doomed = [await open_connection(server, {"token": revoked}) for _ in range(6)]
        survivor = await open_connection(server, {"token": kept})
        for number, websocket in enumerate([*doomed, survivor]):
            await subscribe(websocket, f"watch-{number}")
        await asyncio.sleep(RECHECK_SECONDS * 2)  # a round of checks passes: nothing is closed yet
        assert all(websocket.close_code is None for websocket in [*doomed, survivor])

        revoked_by = await asyncio.to_thread(
            qianshou, "token", "revoke", "revoked-watcher", database_url=revocation_db.url
        )
        assert revoked_by.returncode == 0, revoked_by.stderr
        for websocket in doomed:
            await asyncio.wait_for(websocket.wait_closed(), 10)
            assert websocket.close_code == REVOKED_CLOSE_CODE
            assert "revoked" in websocket.close_reason

        event_id = await write_event(revocation_db, (await pairing_pks(revocation_db))[0], "仍在订阅")
        assert event_pk(await next_event(survivor)) == event_id
        await survivor.close()
    finally:
        output = server.stop()
    assert "Traceback" not in output, output


async def test_signing_out_or_disabling_an_account_closes_its_cookie_sockets(revocation_db: Database) -> None:
    """Sockets signed in by the web app's session cookie are re-checked as tokens are: a session
    signed out, or an account disabled, ends its open sockets; another account's go on."""
    scope = Scope(db=revocation_db, actor=SYSTEM)
    for name in ("signing-out", "being-disabled", "staying"):
        assert not (await create_account(scope, CreateAccount(name, DEMO_PASSWORD, Role.VIEWER))).errors
    env = {"QIANSHOU_CREDENTIAL_RECHECK_SECONDS": str(RECHECK_SECONDS)}
    server = LiveServer(revocation_db.url, env=env).start()
    try:
        cookies = {name: signed_in_cookie(server, name) for name in ("signing-out", "being-disabled", "staying")}
        sockets = {name: await cookie_connection(server, cookie) for name, cookie in cookies.items()}
        for name, websocket in sockets.items():
            await subscribe(websocket, name)
        await asyncio.sleep(RECHECK_SECONDS * 2)  # a round of checks passes: nothing is closed yet
        assert all(websocket.close_code is None for websocket in sockets.values())

        signed_out = httpx.post(
            f"{server.url}/auth/sign-out",
            cookies={"qianshou_session": cookies["signing-out"]},
            headers={"X-Requested-With": "qianshou-web"},
        )
        assert signed_out.status_code == 204
        account = await account_id_of(revocation_db, "being-disabled")
        assert not (await disable_account(scope, AccountRequest(account))).errors
        for name in ("signing-out", "being-disabled"):
            await asyncio.wait_for(sockets[name].wait_closed(), 10)
            assert sockets[name].close_code == REVOKED_CLOSE_CODE
            assert "session ended" in sockets[name].close_reason

        event_id = await write_event(revocation_db, (await pairing_pks(revocation_db))[0], "仍在订阅")
        assert event_pk(await next_event(sockets["staying"])) == event_id
        await sockets["staying"].close()
    finally:
        output = server.stop()
    assert "Traceback" not in output, output


def signed_in_cookie(server: LiveServer, name: str) -> str:
    response = httpx.post(f"{server.url}/auth/sign-in", json={"name": name, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return response.cookies["qianshou_session"]


async def cookie_connection(server: LiveServer, cookie: str):
    """A socket opened by the web app's own page: the cookie, no token in connection_init."""
    headers = {"Cookie": f"qianshou_session={cookie}", "Origin": server.url}
    return await open_connection(server, {}, additional_headers=headers)


async def account_id_of(db: Database, name: str) -> str:
    async with db.reading() as session:
        return encode_id("Account", await session.scalar(select(Account.id).where(Account.name == name)))
