"""Input that is merely odd gets a clear error or null, never INTERNAL or a 5xx: numbers beyond the
64-bit keys, NUL characters, decimal specials, dates near the end of the calendar, extensions of the
wrong type. Each class is tried at several doors, reads and writes, on the database under test."""

from __future__ import annotations

import json

import pytest

from db.models import Agency, ServiceActivity, TrainingSession
from resolvers.ids import encode_id, to_base64url
from resolvers.pagination import encode_cursor
from tests.test_mutations_support import Api, World, codes, count_rows, fields, totals_row

HUGE = 99999999999999999999  # Pairing:HUGE is the fuzzer's ID


def huge_id(type_name: str) -> str:
    return encode_id(type_name, HUGE)


def error_codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# --- IDs and cursors beyond the 64-bit range ------------------------------------------------------


async def test_an_id_beyond_64_bits_names_nothing_on_every_read(api: Api, world: World):
    body = await api.post(
        """query($pairing: ID!, $program: ID!, $agency: ID!) {
          node(id: $pairing) { id }
          nodes(ids: [$pairing, $agency]) { id }
          pairing(id: $pairing) { id }
          program(id: $program) { id }
          pairings(filter: {programId: $program, agencyId: $agency}) { totalCount }
          auditEvents(objectId: $pairing) { totalCount }
        }""",
        {"pairing": huge_id("Pairing"), "program": huge_id("Program"), "agency": huge_id("Agency")},
    )
    assert "errors" not in body, body["errors"]
    data = body["data"]
    assert data["node"] is None and data["nodes"] == [None, None]
    assert data["pairing"] is None and data["program"] is None
    assert data["pairings"]["totalCount"] == 0
    assert data["auditEvents"]["totalCount"] == 0


async def test_a_region_beyond_64_bits_is_an_unknown_region_and_a_nested_cursor_is_bad(api: Api, world: World):
    body = await api.post(
        "query($region: ID!) { overdueMilestones(regionId: $region) { totalCount } }", {"region": huge_id("Region")}
    )
    assert error_codes(body) == ["NOT_FOUND"]  # as for any region that does not exist
    body = await api.post(
        "query($id: ID!, $after: String) { pairing(id: $id) { milestones(after: $after) { totalCount } } }",
        {"id": world.pairing, "after": to_base64url(json.dumps([HUGE]).encode())},
    )
    assert error_codes(body) == ["BAD_CURSOR"]


async def test_an_id_beyond_64_bits_is_not_found_on_writes(api: Api, world: World):
    payload = await api.mutate(
        "recordServiceActivity",
        {
            "pairingId": huge_id("Pairing"),
            "kind": "HOME_VISIT",
            "occurredOn": "2026-01-05",
            "count": 3,
            "beneficiaries": 3,
        },
        "serviceActivity { id }",
        as_="admin",
    )
    assert codes(payload) == ["NOT_FOUND"] and fields(payload) == [["pairingId"]]
    payload = await api.mutate("voidServiceActivity", {"id": huge_id("ServiceActivity"), "reason": "x"}, as_="admin")
    assert codes(payload) == ["NOT_FOUND"]
    assert await count_rows(world.db, ServiceActivity) == 0


@pytest.mark.parametrize("key", [[HUGE], [-(2**63) - 1], [True], ["a\u0000b"], [1.5]])
async def test_a_cursor_holding_what_we_never_encode_is_bad(api: Api, world: World, key: list):
    body = await api.post(
        "query($after: String) { pairings(after: $after) { totalCount } agencies(after: $after) { totalCount } }",
        {"after": to_base64url(json.dumps(key).encode())},
    )
    assert body["data"] is None or body["data"].get("pairings") is None
    assert set(error_codes(body)) == {"BAD_CURSOR"}


async def test_a_region_cursor_with_a_nul_is_bad_not_a_database_error(api: Api, world: World):
    body = await api.post(
        "query($after: String) { regions(after: $after) { totalCount } }", {"after": encode_cursor(["41\u000000", 1])}
    )
    assert error_codes(body) == ["BAD_CURSOR"]


async def test_report_with_an_id_beyond_64_bits_is_a_json_404(api: Api, world: World):
    for suffix in ("csv", "xlsx"):
        response = await api.client.get(
            f"/reports/pairings.{suffix}",
            params={"programId": huge_id("Program")},
            headers={"Authorization": f"Bearer {api.tokens['staff']}"},
        )
        assert response.status_code == 404, response.text
        assert error_codes(response.json()) == ["NOT_FOUND"]
    response = await api.client.get(
        "/reports/pairings.csv",
        params={"programId": "not an id\u0000"},
        headers={"Authorization": f"Bearer {api.tokens['staff']}"},
    )
    assert response.status_code == 400 and error_codes(response.json()) == ["BAD_ID"]


# --- NUL characters in text -------------------------------------------------------------------------


async def test_a_nul_in_a_read_filter_is_invalid(api: Api, world: World):
    body = await api.post('{ agencies(filter: {nameContains: "a\\u0000b"}) { totalCount } }')
    assert error_codes(body) == ["INVALID"]
    assert "name_contains" in body["errors"][0]["message"]


async def test_a_nul_in_any_write_text_is_invalid_on_its_field(api: Api, world: World):
    cases = [
        ("createAgency", {"name": "a\u0000b", "regionId": world.county}, "agency { id }", "staff", ["name"]),
        (
            "submitMilestoneUpdate",
            {"milestoneId": world.milestone, "note": "ok", "evidenceUrls": ["https://example.org/\u0000"]},
            "milestoneUpdate { id }",
            "mentor",
            ["evidenceUrls"],
        ),
        (
            "recordTrainingSession",
            {
                "pairingId": world.pairing,
                "topic": "督导\u0000",
                "startsOn": "2026-01-05",
                "mode": "ON_SITE",
                "participants": 5,
                "hours": "3",
            },
            "trainingSession { id }",
            "mentor",
            ["topic"],
        ),
        (
            "changePairingStatus",
            {"pairingId": world.pairing, "status": "SUSPENDED", "reason": "\u0000"},
            "pairing { id }",
            "staff",
            ["reason"],
        ),
    ]
    for name, input, selection, as_, field in cases:
        payload = await api.mutate(name, input, selection, as_=as_)
        assert codes(payload) == ["INVALID"] and fields(payload) == [field], (name, payload)
    assert await count_rows(world.db, Agency) == 3
    assert await count_rows(world.db, TrainingSession) == 0


# --- decimal specials and dates at the end of the calendar ---------------------------------------


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity", "-Infinity", "-NaN"])
async def test_decimal_specials_are_invalid_on_their_field(api: Api, world: World, hours: str):
    payload = await api.mutate(
        "recordTrainingSession",
        {
            "pairingId": world.pairing,
            "topic": "督导",
            "startsOn": "2026-01-05",
            "mode": "ON_SITE",
            "participants": 5,
            "hours": hours,
        },
        "trainingSession { id }",
        as_="mentor",
    )
    assert codes(payload) == ["INVALID"] and fields(payload) == [["hours"]]
    payload = await api.mutate(
        "recordResourceLink",
        {
            "pairingId": world.pairing,
            "projectName": "清泉",
            "kind": "CASH",
            "amountYuan": hours,
            "occurredOn": "2026-01-05",
        },
        "resourceLink { id }",
        as_="mentor",
    )
    assert codes(payload) == ["INVALID"] and fields(payload) == [["amountYuan"]]
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 0


async def test_dates_at_the_end_of_the_calendar_are_invalid_on_their_field(api: Api, world: World):
    payload = await api.mutate(
        "createPairing",
        {"programId": world.program, "mentorId": world.mentor, "supportedId": world.other, "startsOn": "9999-06-01"},
        "pairing { id }",
    )
    assert codes(payload) == ["INVALID"] and fields(payload) == [["startsOn"]]
    payload = await api.mutate(
        "createMilestone",
        {"pairingId": world.pairing, "title": "t", "category": "GOVERNANCE", "termYear": 1, "dueOn": "0001-01-01"},
        "milestone { id }",
    )
    assert codes(payload) == ["INVALID"] and fields(payload) == [["dueOn"]]


# --- request extensions of the wrong type ---------------------------------------------------------


@pytest.mark.parametrize("extensions", [1, True, [], "text"])
async def test_extensions_that_are_not_an_object_are_a_bad_request(api: Api, world: World, extensions):
    for accept in ("application/json", "application/graphql-response+json"):
        response = await api.client.post(
            "/graphql",
            json={"query": "{ viewer { role } }", "extensions": extensions},
            headers={"Authorization": f"Bearer {api.tokens['staff']}", "Accept": accept},
        )
        assert response.status_code == 400, response.text
        assert error_codes(response.json()) == ["BAD_REQUEST"]
    response = await api.client.get(
        "/graphql",
        params={"query": "{ viewer { role } }", "extensions": "[]"},
        headers={"Authorization": f"Bearer {api.tokens['staff']}"},
    )
    assert response.status_code == 400
    ok = await api.client.post(
        "/graphql",
        json={"query": "{ viewer { role } }", "extensions": {}},
        headers={"Authorization": f"Bearer {api.tokens['staff']}"},
    )
    assert ok.status_code == 200 and ok.json()["data"]["viewer"]["role"] == "MINISTRY"
