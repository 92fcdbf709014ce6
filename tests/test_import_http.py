"""importRecords end to end: a GraphQL multipart upload to a real server, at once and as a job."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import LiveServer, reopen_ye_county
from tests.test_imports import ACTIVITY_HEADER, tally

pytestmark = pytest.mark.slow  # a real server

PREFLIGHT = {"GraphQL-Require-Preflight": "1"}
IMPORT = """mutation($file: Upload!, $background: Boolean) {
  importRecords(kind: SERVICE_ACTIVITIES, file: $file, background: $background) {
    report { written rows created unchanged problemCount } job { id status } } }"""
JOB = "query($id: ID!) { importJob(id: $id) { status rowsRead report { written created unchanged } } }"


@pytest.fixture(scope="module")
async def server(databases) -> AsyncIterator[tuple[LiveServer, str]]:
    db = await databases.new_database("import-http", demo=True)
    await reopen_ye_county(db)  # the tally is of the Ye County pairing, whose term is over
    token = await create_token(db, "import-admin", Role.ADMIN)
    live = LiveServer(db.url, env={"QIANSHOU_RATE_LIMIT_PER_MINUTE": "0"}).start()
    try:
        yield live, token
    finally:
        live.stop()
        await db.dispose()


def post_file(live: LiveServer, token: str, data: bytes, *, background: bool | None = None) -> dict:
    operations = {"query": IMPORT, "variables": {"file": None, "background": background}}
    response = httpx.post(
        f"{live.url}/graphql",
        headers={"Authorization": f"Bearer {token}", **PREFLIGHT},
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("服务记录.csv", data, "text/csv")},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["importRecords"]


def csv_bytes(rows: int) -> bytes:
    lines = [",".join(ACTIVITY_HEADER)] + [",".join(str(cell) for cell in row) for row in tally(rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def test_a_spreadsheet_posted_as_multipart_is_imported_and_a_second_post_changes_nothing(server) -> None:
    live, token = server
    data = csv_bytes(40)
    first = post_file(live, token, data)
    assert first["job"] is None
    assert first["report"] == {"written": True, "rows": 40, "created": 40, "unchanged": 0, "problemCount": 0}
    again = post_file(live, token, data)
    assert again["report"] == {"written": True, "rows": 40, "created": 0, "unchanged": 40, "problemCount": 0}


def test_a_background_import_over_http_is_polled_until_it_has_its_report(server) -> None:
    live, token = server
    started = post_file(live, token, csv_bytes(400), background=True)
    assert started["report"] is None
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.post(
            f"{live.url}/graphql",
            headers={"Authorization": f"Bearer {token}"},
            json={"query": JOB, "variables": {"id": started["job"]["id"]}},
            timeout=30,
        ).json()
        job = answer["data"]["importJob"]
        if job["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job == {"status": "SUCCEEDED", "rowsRead": 400, "report": {"written": True, "created": 360, "unchanged": 40}}
