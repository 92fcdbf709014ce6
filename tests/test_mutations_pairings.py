"""Programs, agencies and pairings through HTTP: creation, status transitions, conflicts."""

from __future__ import annotations

import pytest

from db.models import Agency, Pairing, Program
from resolvers.ids import decode_typed_id
from tests.test_mutations_support import codes, count_rows, credit_code, fields, totals_row

PAIRING = "pairing { id status startsOn endsOn version statusReason focusAreas }"
AGENCY = "agency { id name creditCode status version region { id } }"


async def new_agency(api, world, name: str, code: str | None = None) -> dict:
    input = {"name": name, "regionId": world.county}
    if code:
        input["creditCode"] = code
    payload = await api.mutate("createAgency", input, AGENCY)
    assert payload["userErrors"] == []
    return payload["agency"]


async def test_create_program(api, world):
    payload = await api.mutate(
        "createProgram",
        {
            "name": "江苏—河南牵手计划（第二轮）",
            "startsOn": "2026-01-01",
            "endsOn": "2029-12-31",
            "defaultTermMonths": 24,
            "scopeRegionId": world.county,
            "policyReference": "豫民文〔2025〕1号",
        },
        "program { id name startsOn endsOn defaultTermMonths scopeRegion { id } }",
    )
    assert payload["userErrors"] == []
    assert payload["program"]["defaultTermMonths"] == 24
    assert payload["program"]["scopeRegion"] == {"id": world.county}


async def test_create_program_errors(api, world):
    invalid = await api.mutate(
        "createProgram",
        {"name": " ", "startsOn": "2026-01-01", "endsOn": "2025-01-01", "defaultTermMonths": 0},
        "program { id }",
    )
    assert sorted(f[0] for f in fields(invalid)) == ["defaultTermMonths", "endsOn", "name"]
    duplicate = await api.mutate("createProgram", {"name": "测试牵手计划", "startsOn": "2026-01-01"}, "program { id }")
    assert codes(duplicate) == ["CONFLICT"] and fields(duplicate) == [["name"]]
    assert await count_rows(world.db, Program) == 1


async def test_create_agency_checks_the_credit_code(api, world):
    good = credit_code("52410423MJ1234567")
    agency = await new_agency(api, world, "鲁山县新芽社会工作服务中心", good.lower())
    assert agency["creditCode"] == good and agency["status"] == "REGISTERED"
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    for code in (wrong_check, good[:17], "52410423MJ12345I7X"):
        payload = await api.mutate("createAgency", {"name": "x", "regionId": world.county, "creditCode": code}, AGENCY)
        assert codes(payload) == ["INVALID"] and fields(payload) == [["creditCode"]], code
    duplicate = await api.mutate(
        "createAgency", {"name": "另一家", "regionId": world.county, "creditCode": good}, AGENCY
    )
    assert codes(duplicate) == ["CONFLICT"] and fields(duplicate) == [["creditCode"]]
    assert await count_rows(world.db, Agency) == 4


async def test_update_agency_bumps_version_and_checks_it(api, world):
    payload = await api.mutate(
        "updateAgency", {"agencyId": world.other, "version": 1, "name": "鲁山县尚德社会工作服务中心"}, AGENCY
    )
    assert payload["agency"]["name"] == "鲁山县尚德社会工作服务中心" and payload["agency"]["version"] == 2
    stale = await api.mutate("updateAgency", {"agencyId": world.other, "version": 1, "status": "DEREGISTERED"}, AGENCY)
    assert codes(stale) == ["STALE_VERSION"]
    taken = await api.mutate(
        "updateAgency", {"agencyId": world.other, "creditCode": credit_code("52410000MJ0000001")}, AGENCY
    )
    assert codes(taken) == ["CONFLICT"]
    node = await api.node(world.other, "... on Agency { status version creditCode }")
    assert node["status"] == "REGISTERED" and node["version"] == 2 and node["creditCode"] is None


async def test_create_pairing_defaults_end_to_the_program_term_and_inserts_totals(api, world):
    mentor = await new_agency(api, world, "苏州市姑苏区善行社会工作服务中心")
    payload = await api.mutate(
        "createPairing",
        {
            "programId": world.program,
            "mentorId": mentor["id"],
            "supportedId": world.other,
            "startsOn": "2026-03-31",
            "focusAreas": ["ELDERLY", "LEFT_BEHIND_CHILDREN", "ELDERLY"],
            "idempotencyKey": "p-1",
        },
        PAIRING,
    )
    assert payload["userErrors"] == []
    pairing = payload["pairing"]
    assert pairing["status"] == "PLANNED" and pairing["endsOn"] == "2029-03-30"
    assert pairing["focusAreas"] == ["ELDERLY", "LEFT_BEHIND_CHILDREN"]
    totals = await totals_row(world.db, decode_typed_id(pairing["id"], "Pairing"))
    assert (totals.home_visits, totals.training_sessions, totals.people_funded) == (0, 0, 0)


async def test_create_pairing_errors(api, world):
    same = await api.mutate(
        "createPairing",
        {
            "programId": world.program,
            "mentorId": world.mentor,
            "supportedId": world.mentor,
            "startsOn": "2026-01-01",
            "endsOn": "2025-01-01",
            "status": "COMPLETED",
        },
        PAIRING,
    )
    assert sorted(f[0] for f in fields(same)) == ["endsOn", "status", "supportedId"]
    missing = await api.mutate(
        "createPairing",
        {
            "programId": "UHJvZ3JhbTo5OTk",
            "mentorId": world.mentor,
            "supportedId": world.other,
            "startsOn": "2026-01-01",
        },
        PAIRING,
    )
    assert codes(missing) == ["NOT_FOUND"] and fields(missing) == [["programId"]]
    assert await count_rows(world.db, Pairing) == 1


async def test_second_active_pairing_is_a_conflict(api, world):
    # The supported agency already has an ACTIVE pairing in the program: the partial unique index says no.
    payload = await api.mutate(
        "createPairing",
        {
            "programId": world.program,
            "mentorId": world.other,
            "supportedId": world.supported,
            "startsOn": "2026-01-01",
            "status": "ACTIVE",
        },
        PAIRING,
    )
    assert codes(payload) == ["CONFLICT"] and fields(payload) == [["status"]]
    planned = await api.mutate(
        "createPairing",
        {"programId": world.program, "mentorId": world.other, "supportedId": world.supported, "startsOn": "2026-01-01"},
        PAIRING,
    )
    assert planned["userErrors"] == []
    activate = await api.mutate(
        "changePairingStatus", {"pairingId": planned["pairing"]["id"], "status": "ACTIVE"}, PAIRING
    )
    assert codes(activate) == ["CONFLICT"]
    node = await api.node(planned["pairing"]["id"], "... on Pairing { status version }")
    assert node["status"] == "PLANNED" and node["version"] == 1


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["SUSPENDED", "ACTIVE", "COMPLETED"], True),
        (["SUSPENDED", "COMPLETED"], False),
        (["COMPLETED", "ACTIVE"], False),
        (["PLANNED"], False),
    ],
)
async def test_pairing_transitions(api, world, path, allowed):
    results = [
        await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": s}, PAIRING) for s in path
    ]
    if allowed:
        assert all(result["userErrors"] == [] for result in results)
        assert results[-1]["pairing"]["version"] == 1 + len(path)
    else:
        assert codes(results[-1]) == ["NOT_ALLOWED_TRANSITION"]
        assert all(result["userErrors"] == [] for result in results[:-1])


async def test_terminate_needs_a_reason(api, world):
    refused = await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "TERMINATED"}, PAIRING)
    assert codes(refused) == ["INVALID"] and fields(refused) == [["reason"]]
    done = await api.mutate(
        "changePairingStatus",
        {"pairingId": world.pairing, "status": "TERMINATED", "reason": "受援机构注销", "version": 1},
        PAIRING,
    )
    assert done["pairing"]["status"] == "TERMINATED" and done["pairing"]["statusReason"] == "受援机构注销"
    final = await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "ACTIVE"}, PAIRING)
    assert codes(final) == ["NOT_ALLOWED_TRANSITION"]


async def test_pairing_status_stale_version(api, world):
    payload = await api.mutate(
        "changePairingStatus", {"pairingId": world.pairing, "status": "SUSPENDED", "version": 7}, PAIRING
    )
    assert codes(payload) == ["STALE_VERSION"]
    assert (await api.node(world.pairing, "... on Pairing { status }"))["status"] == "ACTIVE"


async def test_writes_need_permission(api, world):
    body = await api.post(
        "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id } userErrors { code } } }",
        {"i": {"name": "x", "startsOn": "2026-01-01"}},
        as_="viewer",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count_rows(world.db, Program) == 1
