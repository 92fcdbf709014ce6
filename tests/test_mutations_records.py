"""Recording a pairing's work through HTTP, voiding it, and the counter row kept in step."""

from __future__ import annotations

from decimal import Decimal

from db.models import IncubatedOrganization, ResourceLink, ServiceActivity, ServiceStation, TrainingSession
from tests.test_mutations_support import codes, count_rows, fields, totals_row

TRAINING = "trainingSession { id topic startsOn endsOn hours participants voidedAt voidReason }"
ACTIVITY = "serviceActivity { id kind count beneficiaries stationId }"
STATION = "serviceStation { id name region { id } agency { id } }"
INCUBATION = "incubatedOrganization { id stage startedOn registeredOn independentOn version agency { id } }"
RESOURCE = "resourceLink { id projectName kind amountYuan disbursementBatch peopleFunded }"


def training_input(world, **extra) -> dict:
    return {
        "pairingId": world.pairing,
        "topic": "个案管理实务",
        "startsOn": "2026-05-10",
        "endsOn": "2026-05-11",
        "hours": "12.5",
        "mode": "ON_SITE",
        "participants": 18,
        **extra,
    }


def activity_input(world, **extra) -> dict:
    return {
        "pairingId": world.pairing,
        "kind": "HOME_VISIT",
        "occurredOn": "2026-06-01",
        "count": 12,
        "beneficiaries": 30,
        **extra,
    }


def resource_input(world, **extra) -> dict:
    return {
        "pairingId": world.pairing,
        "projectName": "清泉公益一对一助童助学",
        "kind": "CASH",
        "amountYuan": "9230.50",
        "occurredOn": "2026-09-01",
        "donor": "清泉公益",
        "disbursementBatch": 1,
        "peopleFunded": 5,
        **extra,
    }


async def test_record_and_void_training_session(api, world):
    payload = await api.mutate(
        "recordTrainingSession", training_input(world, idempotencyKey="t-1"), TRAINING, as_="mentor"
    )
    assert payload["userErrors"] == []
    assert payload["trainingSession"]["hours"] == "12.5"
    assert payload["trainingSession"]["voidedAt"] is None
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 1
    voided = await api.mutate(
        "voidTrainingSession", {"id": payload["trainingSession"]["id"], "reason": "重复录入"}, TRAINING, as_="mentor"
    )
    assert voided["userErrors"] == []
    assert voided["trainingSession"]["voidReason"] == "重复录入" and voided["trainingSession"]["voidedAt"]
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 0
    again = await api.mutate(
        "voidTrainingSession", {"id": payload["trainingSession"]["id"], "reason": "again"}, TRAINING, as_="mentor"
    )
    assert codes(again) == ["NOT_ALLOWED_TRANSITION"]
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 0
    assert await count_rows(world.db, TrainingSession) == 1  # voided, never deleted


async def test_training_validation_changes_nothing(api, world):
    payload = await api.mutate(
        "recordTrainingSession",
        training_input(world, topic="", startsOn="2024-12-31", endsOn="2024-12-30", hours="1.25", participants=-1),
        TRAINING,
        as_="mentor",
    )
    assert set(codes(payload)) == {"INVALID"}
    assert sorted(f[0] for f in fields(payload)) == ["endsOn", "endsOn", "hours", "participants", "startsOn", "topic"]
    future = await api.mutate(
        "recordTrainingSession", training_input(world, startsOn="2026-12-01", endsOn=None), TRAINING, as_="mentor"
    )
    assert fields(future) == [["startsOn"]]
    assert await count_rows(world.db, TrainingSession) == 0
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 0


async def test_void_needs_a_reason(api, world):
    session = (await api.mutate("recordTrainingSession", training_input(world), TRAINING, as_="mentor"))[
        "trainingSession"
    ]
    payload = await api.mutate("voidTrainingSession", {"id": session["id"], "reason": " "}, TRAINING, as_="mentor")
    assert codes(payload) == ["INVALID"] and fields(payload) == [["reason"]]
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 1


async def test_record_and_void_service_activity_at_a_station(api, world):
    station = await api.mutate(
        "createServiceStation",
        {
            "pairingId": world.pairing,
            "name": "尚德社工服务站",
            "regionId": world.village,
            "establishedOn": "2025-04-01",
        },
        STATION,
        as_="mentor",
    )
    assert station["userErrors"] == []
    assert station["serviceStation"]["agency"] == {"id": world.supported}
    station_id = station["serviceStation"]["id"]
    payload = await api.mutate(
        "recordServiceActivity", activity_input(world, stationId=station_id), ACTIVITY, as_="supported"
    )
    assert payload["userErrors"] == [] and payload["serviceActivity"]["stationId"] == station_id
    group = await api.mutate(
        "recordServiceActivity",
        activity_input(world, kind="GROUP_SESSION", count=3, beneficiaries=0),
        ACTIVITY,
        as_="mentor",
    )
    totals = await totals_row(world.db, world.pairing_pk)
    assert (totals.home_visits, totals.group_sessions, totals.beneficiaries) == (12, 3, 30)
    voided = await api.mutate(
        "voidServiceActivity", {"id": payload["serviceActivity"]["id"], "reason": "录错机构"}, ACTIVITY, as_="mentor"
    )
    assert voided["userErrors"] == []
    totals = await totals_row(world.db, world.pairing_pk)
    assert (totals.home_visits, totals.group_sessions, totals.beneficiaries) == (0, 3, 0)
    assert group["userErrors"] == []


async def test_service_activity_validation(api, world):
    payload = await api.mutate(
        "recordServiceActivity",
        activity_input(
            world,
            count=-1,
            beneficiaries=2_000_000,
            occurredOn="2028-01-01",
            note="x" * 501,
            stationId="U2VydmljZVN0YXRpb246OTk5",
        ),
        ACTIVITY,
        as_="mentor",
    )
    assert codes(payload) == ["NOT_FOUND"] and fields(payload) == [["stationId"]]
    payload = await api.mutate(
        "recordServiceActivity",
        activity_input(world, count=-1, beneficiaries=2_000_000, occurredOn="2028-01-01", note="x" * 501),
        ACTIVITY,
        as_="mentor",
    )
    assert sorted(f[0] for f in fields(payload)) == ["beneficiaries", "count", "note", "occurredOn", "occurredOn"]
    assert await count_rows(world.db, ServiceActivity) == 0


async def test_station_validation_and_void(api, world):
    county = await api.mutate(
        "createServiceStation",
        {
            "pairingId": world.pairing,
            "name": "县站",
            "regionId": world.county,
            "establishedOn": "2025-04-01",
            "agencyId": world.other,
        },
        STATION,
        as_="mentor",
    )
    assert sorted(f[0] for f in fields(county)) == ["agencyId", "regionId"]
    station = await api.mutate(
        "createServiceStation",
        {
            "pairingId": world.pairing,
            "name": "尚德社工服务站",
            "regionId": world.village,
            "establishedOn": "2025-04-01",
            "agencyId": world.mentor,
        },
        STATION,
        as_="mentor",
    )
    assert station["serviceStation"]["agency"] == {"id": world.mentor}
    station_id = station["serviceStation"]["id"]
    voided = await api.mutate("voidServiceStation", {"id": station_id, "reason": "重复"}, STATION, as_="mentor")
    assert voided["userErrors"] == []
    at_voided = await api.mutate(
        "recordServiceActivity", activity_input(world, stationId=station_id), ACTIVITY, as_="mentor"
    )
    assert codes(at_voided) == ["INVALID"] and fields(at_voided) == [["stationId"]]
    assert await count_rows(world.db, ServiceStation) == 1


async def test_record_resource_link_and_void(api, world):
    cash = await api.mutate("recordResourceLink", resource_input(world), RESOURCE, as_="mentor")
    assert cash["userErrors"] == [] and cash["resourceLink"]["amountYuan"] == "9230.50"
    in_kind = await api.mutate(
        "recordResourceLink",
        resource_input(
            world, projectName="仁人书包", kind="IN_KIND", amountYuan="100000", disbursementBatch=None, peopleFunded=0
        ),
        RESOURCE,
        as_="mentor",
    )
    assert in_kind["userErrors"] == []
    totals = await totals_row(world.db, world.pairing_pk)
    assert (totals.cash_yuan, totals.in_kind_yuan, totals.disbursement_batches, totals.people_funded) == (
        Decimal("9230.50"),
        Decimal("100000.00"),
        1,
        5,
    )
    await api.mutate(
        "voidResourceLink", {"id": cash["resourceLink"]["id"], "reason": "金额有误"}, RESOURCE, as_="mentor"
    )
    totals = await totals_row(world.db, world.pairing_pk)
    assert (totals.cash_yuan, totals.disbursement_batches, totals.people_funded) == (Decimal("0.00"), 0, 0)


async def test_resource_link_validation(api, world):
    for amount in ("-1", "10.005", "1000000000000"):
        payload = await api.mutate(
            "recordResourceLink", resource_input(world, amountYuan=amount), RESOURCE, as_="mentor"
        )
        assert codes(payload) == ["INVALID"] and fields(payload) == [["amountYuan"]], amount
    payload = await api.mutate(
        "recordResourceLink",
        resource_input(world, disbursementBatch=0, peopleFunded=-3, projectName=""),
        RESOURCE,
        as_="mentor",
    )
    assert sorted(f[0] for f in fields(payload)) == ["disbursementBatch", "peopleFunded", "projectName"]
    assert await count_rows(world.db, ResourceLink) == 0
    assert (await totals_row(world.db, world.pairing_pk)).cash_yuan == Decimal("0.00")


async def test_incubation_lifecycle(api, world):
    payload = await api.mutate(
        "recordIncubation",
        {"pairingId": world.pairing, "agencyId": world.other, "startedOn": "2025-06-01"},
        INCUBATION,
        as_="mentor",
    )
    assert payload["userErrors"] == [] and payload["incubatedOrganization"]["stage"] == "INCUBATING"
    incubation = payload["incubatedOrganization"]
    duplicate = await api.mutate(
        "recordIncubation",
        {"pairingId": world.pairing, "agencyId": world.other, "startedOn": "2025-07-01"},
        INCUBATION,
        as_="mentor",
    )
    assert codes(duplicate) == ["CONFLICT"]
    registered = await api.mutate(
        "changeIncubationStage",
        {"incubationId": incubation["id"], "stage": "REGISTERED", "on": "2026-01-15", "version": 1},
        INCUBATION,
        as_="mentor",
    )
    assert registered["incubatedOrganization"]["registeredOn"] == "2026-01-15"
    assert registered["incubatedOrganization"]["version"] == 2
    backwards = await api.mutate(
        "changeIncubationStage", {"incubationId": incubation["id"], "stage": "INCUBATING"}, INCUBATION, as_="mentor"
    )
    assert codes(backwards) == ["NOT_ALLOWED_TRANSITION"]
    early = await api.mutate(
        "changeIncubationStage",
        {"incubationId": incubation["id"], "stage": "INDEPENDENT", "on": "2025-12-01"},
        INCUBATION,
        as_="mentor",
    )
    assert codes(early) == ["INVALID"] and fields(early) == [["on"]]
    independent = await api.mutate(
        "changeIncubationStage", {"incubationId": incubation["id"], "stage": "INDEPENDENT"}, INCUBATION, as_="mentor"
    )
    assert independent["incubatedOrganization"]["independentOn"] == "2026-11-30"
    voided = await api.mutate("voidIncubation", {"id": incubation["id"], "reason": "录错"}, INCUBATION, as_="mentor")
    assert voided["userErrors"] == []
    after_void = await api.mutate(
        "recordIncubation",
        {"pairingId": world.pairing, "agencyId": world.other, "startedOn": "2025-06-01"},
        INCUBATION,
        as_="mentor",
    )
    assert after_void["userErrors"] == []
    assert await count_rows(world.db, IncubatedOrganization) == 2


async def test_incubation_validation(api, world):
    payload = await api.mutate(
        "recordIncubation",
        {
            "pairingId": world.pairing,
            "agencyId": world.supported,
            "startedOn": "2025-06-01",
            "stage": "REGISTERED",
            "independentOn": "2025-07-01",
        },
        INCUBATION,
        as_="mentor",
    )
    assert sorted(f[0] for f in fields(payload)) == ["agencyId", "independentOn", "registeredOn"]
    assert await count_rows(world.db, IncubatedOrganization) == 0


async def test_agency_roles_write_only_their_own_pairings(api, world):
    body = await api.post(
        "mutation($i: RecordTrainingSessionInput!) { recordTrainingSession(input: $i) { userErrors { code } } }",
        {"i": training_input(world)},
        as_="supported",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count_rows(world.db, TrainingSession) == 0
