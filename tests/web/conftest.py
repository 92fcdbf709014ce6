"""The web app in a real browser (Debian's headless Chromium, driven by Playwright) against a real
server: every request to another host is blocked, so each test also shows the app needs no internet.
Screenshots of every page go to tests/artifacts/screenshots/ (git-ignored) for people to look at.

One server with the demo data serves every test of this folder (tests run in file order and some
build on what earlier ones wrote, as a person's day would)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from bench.web import ARGS
from db.models import Role
from resolvers.tokens import create_token
from tests.commands import qianshou
from tests.conftest import ROOT, LiveServer
from tests.web.support import CHROMIUM, PASSWORD


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder drives Chromium against a real server: slow (pytest -m "not slow")."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)


async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
if not (ROOT / "server" / "static" / "app" / "index.html").exists():
    pytest.skip("the web app is not built (npm ci && npm run build in web/)", allow_module_level=True)


class World:
    def __init__(
        self, server: LiveServer, tokens: dict[str, str], open_pairing: str, mentor_agency: str, other_pairing: str
    ) -> None:
        self.server, self.tokens, self.open_pairing, self.other_pairing = server, tokens, open_pairing, other_pairing
        self.mentor_agency = mentor_agency

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(
            f"{self.server.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=10,
        ).json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="session")
async def world(databases) -> AsyncIterator[World]:
    db = await databases.new_database("web", demo=True)
    # Files over 2 KB are imported in the background, so the import test sees the app poll a job.
    server = LiveServer(db.url, env={"QIANSHOU_IMPORT_BACKGROUND_BYTES": "2000"}).start()
    query = "{ pairings(first: 100) { edges { node { id mentor { id } milestones(status: IN_PROGRESS, first: 1) { totalCount } } } } }"
    nodes = [
        edge["node"]
        for edge in httpx.post(f"{server.url}/graphql", json={"query": query}).json()["data"]["pairings"]["edges"]
    ]
    # A pairing with a milestone still open, which its mentor agency can report on.
    open_one = next(node for node in nodes if node["milestones"]["totalCount"])
    other = next(node for node in nodes if node["mentor"]["id"] != open_one["mentor"]["id"])

    tokens = {
        "mentor": await create_token(db, "web-mentor", Role.MENTOR_AGENCY, agency_id=open_one["mentor"]["id"]),
        "ministry": await create_token(db, "web-ministry", Role.MINISTRY),
        "admin": await create_token(db, "web-admin", Role.ADMIN),
    }
    yield World(server, tokens, open_one["id"], open_one["mentor"]["id"], other["id"])
    server.stop()
    await db.dispose()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator:
    async with async_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page_as(browser, world):
    """A new browser tab signed in as one of the world's tokens (or anonymous), with the internet cut off."""
    contexts, outside = [], []

    async def open_page(who: str | None = None, **options):
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )

        async def only_local(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                return await route.continue_()
            outside.append(route.request.url)
            return await route.abort()

        await context.route("**/*", only_local)
        if who:
            await context.add_init_script(f"sessionStorage.setItem('qianshou.token', {world.tokens[who]!r})")
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()
    assert outside == [], f"the app asked for files from elsewhere: {outside}"


@pytest.fixture(scope="session")
def accounts(world) -> dict[str, str]:
    """Accounts for people (name -> password), made with `qianshou user create` as an administrator would."""
    made = {}
    for name, role, agency in (("web.mentor", "MENTOR_AGENCY", world.mentor_agency), ("web.staff", "MINISTRY", None)):
        scope = ["--agency", agency] if agency else []
        database_url = world.server.environment["QIANSHOU_DATABASE_URL"]
        done = qianshou(
            "user",
            "create",
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            *scope,
            database_url=database_url,
            stdin=PASSWORD,
        )
        assert done.returncode == 0, done.stderr
        made[name] = PASSWORD
    return made
