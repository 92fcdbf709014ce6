"""CORS against a real server: off by default, listed origins with credentials, `*` without."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from db.engine import Database
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow  # real servers

DASHBOARD = "https://dash.example.org"
PREFLIGHT = {
    "Origin": DASHBOARD,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, x-requested-with, authorization",
}


@pytest.fixture(scope="module")
def listed(demo_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(demo_db.url, env={"QIANSHOU_CORS_ORIGINS": f"{DASHBOARD}, https://other.example.org/"}).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def anyone(demo_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(demo_db.url, env={"QIANSHOU_CORS_ORIGINS": "*"}).start()
    yield live
    live.stop()


def test_cors_is_off_by_default(live_server: LiveServer) -> None:
    preflight = httpx.options(f"{live_server.url}/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    answer = httpx.get(
        f"{live_server.url}/graphql", params={"query": "{ viewer { role } }"}, headers={"Origin": DASHBOARD}
    )
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


def test_a_listed_origin_is_answered_with_credentials(listed: LiveServer) -> None:
    preflight = httpx.options(f"{listed.url}/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DASHBOARD
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed_headers = preflight.headers["access-control-allow-headers"].lower()
    assert {"content-type", "x-requested-with", "authorization"} <= {h.strip() for h in allowed_headers.split(",")}
    answer = httpx.post(f"{listed.url}/graphql", json={"query": "{ viewer { role } }"}, headers={"Origin": DASHBOARD})
    assert answer.headers["access-control-allow-origin"] == DASHBOARD
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
    # The second origin was given with a trailing slash: it is the same origin.
    other = httpx.options(f"{listed.url}/graphql", headers={**PREFLIGHT, "Origin": "https://other.example.org"})
    assert other.headers["access-control-allow-origin"] == "https://other.example.org"


def test_an_unlisted_origin_gets_no_cors_headers(listed: LiveServer) -> None:
    preflight = httpx.options(f"{listed.url}/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = httpx.get(
        f"{listed.url}/graphql", params={"query": "{ viewer { role } }"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in answer.headers


def test_any_origin_never_with_credentials(anyone: LiveServer) -> None:
    preflight = httpx.options(f"{anyone.url}/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    with_cookie = httpx.get(
        f"{anyone.url}/graphql",
        params={"query": "{ viewer { role } }"},
        headers={"Origin": DASHBOARD, "Cookie": "qianshou_session=whatever"},
    )
    assert with_cookie.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in with_cookie.headers
