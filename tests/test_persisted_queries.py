"""Automatic persisted queries (Apollo APQ) over real HTTP: hash only, hash with document, bad hash."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

pytestmark = pytest.mark.slow  # real servers

QUERY = "query Apq%s { programs(first: 5) { edges { node { name } } } }"


def persisted(sha256: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def test_unknown_hash_then_register_then_hash_only(live_server):
    # A document no other test sent, so the server's store cannot know it yet.
    query = QUERY % uuid.uuid4().hex[:8]
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    url = f"{live_server.url}/graphql"

    missing = httpx.post(url, json={"extensions": persisted(sha256)})
    assert missing.status_code == 200
    error = missing.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = httpx.post(url, json={"query": query, "extensions": persisted(sha256)})
    assert registered.status_code == 200 and "errors" not in registered.json()
    names = [edge["node"]["name"] for edge in registered.json()["data"]["programs"]["edges"]]
    assert "河南省社会工作服务机构牵手计划" in names

    by_hash = httpx.post(url, json={"extensions": persisted(sha256)})
    assert by_hash.status_code == 200
    assert by_hash.json() == registered.json()


def test_hash_that_does_not_match_the_document_is_refused(live_server):
    query = QUERY % "Mismatch"
    response = httpx.post(f"{live_server.url}/graphql", json={"query": query, "extensions": persisted("0" * 64)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    # Nothing was stored under the wrong hash.
    again = httpx.post(f"{live_server.url}/graphql", json={"extensions": persisted("0" * 64)})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_unsupported_version_is_a_bad_request(live_server):
    response = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": "{ viewer { name } }", "extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_hash_only_over_get_runs_the_registered_query(live_server):
    """CDN-friendly GETs carry only the hash; they must reach the query store, not GraphiQL."""
    import json

    query = QUERY % uuid.uuid4().hex[:8]
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    url = f"{live_server.url}/graphql"
    registered = httpx.post(url, json={"query": query, "extensions": persisted(sha256)})
    by_get = httpx.get(
        url, params={"extensions": json.dumps(persisted(sha256))}, headers={"accept": "application/json"}
    )
    assert by_get.status_code == 200
    assert by_get.json() == registered.json()
