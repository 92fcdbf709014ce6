"""The browser's own HTTP cache revalidates GET queries (server/etag.py): a page that fetches the same
query again gets the stored answer after a 304, with no code of its own, and the new data once
something was written. Debian's headless Chromium, driven by Playwright, against a real server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bench.web import ARGS
from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import LiveServer
from tests.web.support import CHROMIUM

async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

QUERY = '{ pairing(id: "UGFpcmluZzo5") { serviceTotals { homeVisits } } }'
RECORD = """mutation { recordServiceActivity(input: {pairingId: "UGFpcmluZzo5", kind: HOME_VISIT,
  occurredOn: "2026-11-20", count: 2}) { userErrors { code } } }"""
# What the page runs: an ordinary fetch, as a dashboard's client makes it (the default cache mode).
FETCH = """async (url) => {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  return { status: response.status, body: await response.json() };
}"""


async def test_the_browser_cache_revalidates_with_if_none_match(databases) -> None:
    db = await databases.new_database("etag_browser", demo=True)
    admin = await create_token(db, "etag-browser-admin", Role.ADMIN)
    server = LiveServer(db.url).start()
    url = "/graphql?" + urlencode({"query": QUERY})
    try:
        async with async_api.async_playwright() as playwright:
            chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await chromium.new_page()
            await page.goto(f"{server.url}/healthz")
            first = await page.evaluate(FETCH, url)
            again = await page.evaluate(FETCH, url)
            written = httpx.post(
                f"{server.url}/graphql",
                json={"query": RECORD},
                timeout=30,
                headers={"Authorization": f"Bearer {admin}"},
            ).json()
            assert written["data"]["recordServiceActivity"]["userErrors"] == []
            after = await page.evaluate(FETCH, url)
            await chromium.close()
    finally:
        log = server.stop()
    visits = first["body"]["data"]["pairing"]["serviceTotals"]["homeVisits"]
    assert first["status"] == again["status"] == 200 and again["body"] == first["body"]
    assert after["status"] == 200 and after["body"]["data"]["pairing"]["serviceTotals"]["homeVisits"] == visits + 2
    # On the wire, as the server's access log has it: the second fetch was answered 304 (the page
    # got the stored answer), the third, after the write, with the new data.
    answered = [line.rsplit('" ', 1)[1].split()[0] for line in log.splitlines() if '"GET /graphql?' in line]
    assert answered == ["200", "304", "200"], log[-2000:]
    await db.dispose()
