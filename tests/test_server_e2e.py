"""A real Uvicorn server process, queried over HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.test_read_api import PAIRING_FIELDS

pytestmark = pytest.mark.slow  # a real server


def test_health_and_readiness(live_server):
    assert httpx.get(f"{live_server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{live_server.url}/readyz").json() == {"status": "ok"}


def test_ye_county_figures_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        agencies = client.post(
            "/graphql", json={"query": '{ agencies(filter: {nameContains: "心天地"}) { edges { node { id } } } }'}
        )
        assert agencies.status_code == 200
        agency_id = agencies.json()["data"]["agencies"]["edges"][0]["node"]["id"]
        response = client.post(
            "/graphql",
            json={
                "query": "query($a: ID) { pairings(filter: {agencyId: $a}) { edges { node {"
                + PAIRING_FIELDS
                + "} } } }",
                "variables": {"a": agency_id},
            },
        )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "errors" not in body
    (edge,) = body["data"]["pairings"]["edges"]
    assert edge["node"]["serviceTotals"]["homeVisits"] == 312
    assert edge["node"]["resourceTotals"] == {
        "cashYuan": "92300.00",
        "inKindYuan": edge["node"]["resourceTotals"]["inKindYuan"],
        "disbursementBatches": 3,
        "peopleFunded": 47,
    }


def test_get_query_and_bad_requests(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        ok = client.get("/graphql", params={"query": "{ programs { totalCount } }"})
        assert ok.status_code == 200 and ok.json()["data"]["programs"]["totalCount"] >= 1
        not_json = client.post("/graphql", content=b"{nope", headers={"content-type": "application/json"})
        assert not_json.status_code == 400
        assert not_json.json()["errors"][0]["message"].startswith("the body is not valid JSON")
        no_query = client.post("/graphql", json={"variables": {}})
        assert no_query.status_code == 400
        graphiql = client.get("/graphql", headers={"accept": "text/html"})
        assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
