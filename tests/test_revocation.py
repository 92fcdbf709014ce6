"""`qianshou token revoke` ends the token's open WebSocket connections within seconds, on every
worker (server/revocation.py), while other tokens' subscriptions go on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from db.engine import Database
from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import ROOT, LiveServer
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


def revoke(database_url: str, name: str) -> None:
    environment = {**os.environ, "QIANSHOU_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "server", "token", "revoke", name]
    finished = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr


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

        await asyncio.to_thread(revoke, revocation_db.url, "revoked-watcher")
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
