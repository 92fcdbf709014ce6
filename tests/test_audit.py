"""The audit trail: every successful mutation leaves an AuditEvent per changed object, in the same
transaction, readable with `auditEvents(objectId:)`; failed writes leave none."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEvent
from tests.test_mutations_support import codes, count_rows

AUDIT = """query($id: ID!, $first: Int, $after: String) {
  auditEvents(objectId: $id, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id action actorName objectType objectId changes requestId occurredAt } }
  }
}"""


async def trail(api, object_id: str, **variables) -> dict:
    return (await api.query(AUDIT, {"id": object_id, **variables}))["auditEvents"]


async def test_submit_and_review_are_audited_with_before_and_after(api, world):
    submitted = await api.mutate(
        "submitMilestoneUpdate",
        {"milestoneId": world.milestone, "note": "进展", "progressPercent": 100},
        "milestoneUpdate { id }",
        as_="mentor",
    )
    update_id = submitted["milestoneUpdate"]["id"]
    await api.mutate(
        "reviewMilestoneUpdate",
        {"updateId": update_id, "decision": "APPROVE", "milestoneVersion": 2},
        "milestone { id }",
    )
    milestone_trail = await trail(api, world.milestone)
    assert milestone_trail["totalCount"] == 2
    first, second = (edge["node"] for edge in milestone_trail["edges"])
    assert (first["action"], first["actorName"]) == ("submitMilestoneUpdate", "mentor-shangdu")
    assert first["objectType"] == "Milestone" and first["objectId"] == world.milestone
    assert first["changes"] == {
        "before": {"status": "IN_PROGRESS", "version": 1},
        "after": {"status": "SUBMITTED", "version": 2},
    }
    assert second["action"] == "reviewMilestoneUpdate" and second["actorName"] == "ministry-staff"
    assert second["changes"]["after"] == {
        "status": "ACHIEVED",
        "version": 3,
        "achieved_on": "2026-11-30",
        "approved_on": "2026-11-30",
    }
    assert first["requestId"] and first["requestId"] != second["requestId"]

    update_trail = await trail(api, update_id)
    created, reviewed = (edge["node"] for edge in update_trail["edges"])
    assert created["changes"]["before"] == {} and created["changes"]["after"]["note"] == "进展"
    assert reviewed["changes"]["before"]["status"] == "PENDING_REVIEW"
    assert reviewed["changes"]["after"]["status"] == "APPROVED"
    # The events of one request share its request id.
    assert reviewed["requestId"] == second["requestId"]


async def test_failed_writes_leave_no_audit_event(api, world):
    before = await count_rows(world.db, AuditEvent)
    payload = await api.mutate(
        "changePairingStatus", {"pairingId": world.pairing, "status": "PLANNED"}, "pairing { id }"
    )
    assert codes(payload) == ["NOT_ALLOWED_TRANSITION"]
    assert await count_rows(world.db, AuditEvent) == before


async def test_every_kind_of_mutation_writes_an_audit_event(api, world):
    station = await api.mutate(
        "createServiceStation",
        {"pairingId": world.pairing, "name": "站", "regionId": world.village, "establishedOn": "2025-04-01"},
        "serviceStation { id }",
        as_="mentor",
    )
    station_id = station["serviceStation"]["id"]
    await api.mutate("voidServiceStation", {"id": station_id, "reason": "重复"}, "serviceStation { id }", as_="mentor")
    actions = [edge["node"]["action"] for edge in (await trail(api, station_id))["edges"]]
    assert actions == ["createServiceStation", "voidServiceStation"]
    voided = (await trail(api, station_id))["edges"][1]["node"]["changes"]
    assert voided["after"]["void_reason"] == "重复" and voided["before"]["voided_at"] is None


async def test_audit_events_paginate_and_are_nodes(api, world):
    for status in ("SUSPENDED", "ACTIVE", "SUSPENDED"):
        await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": status}, "pairing { id }")
    page = await trail(api, world.pairing, first=2)
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    rest = await trail(api, world.pairing, first=2, after=page["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 1 and rest["edges"][0]["node"]["changes"]["after"]["status"] == "SUSPENDED"
    event_id = page["edges"][0]["node"]["id"]
    node = await api.node(event_id, "... on AuditEvent { action objectId }")
    assert node == {"id": event_id, "action": "changePairingStatus", "objectId": world.pairing}


async def test_audit_rows_are_only_ever_inserted(api, world):
    await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "SUSPENDED"}, "pairing { id }")
    async with world.db.reading() as session:
        before = [(e.id, e.changes) for e in await session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "ACTIVE"}, "pairing { id }")
    async with world.db.reading() as session:
        after = [(e.id, e.changes) for e in await session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert after[: len(before)] == before and len(after) == len(before) + 1


WITHIN = """query($id: ID!, $first: Int, $after: String) {
  auditEvents(objectId: $id, includeDescendants: true, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { action objectType objectId } }
  }
}"""


async def test_a_pairings_trail_takes_in_its_milestones_updates_and_records(api, world):
    await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "SUSPENDED"}, "pairing { id }")
    await api.mutate("changePairingStatus", {"pairingId": world.pairing, "status": "ACTIVE"}, "pairing { id }")
    update = (
        await api.mutate(
            "submitMilestoneUpdate",
            {"milestoneId": world.milestone, "note": "含下级", "progressPercent": 40},
            "milestoneUpdate { id }",
            as_="mentor",
        )
    )["milestoneUpdate"]["id"]
    station = (
        await api.mutate(
            "createServiceStation",
            {
                "pairingId": world.pairing,
                "name": "含下级站点",
                "regionId": world.village,
                "establishedOn": "2025-04-01",
            },
            "serviceStation { id }",
            as_="mentor",
        )
    )["serviceStation"]["id"]
    own = {
        (edge["node"]["objectType"], edge["node"]["objectId"])
        for edge in (await trail(api, world.pairing, first=100))["edges"]
    }
    assert own == {("Pairing", world.pairing)}

    whole = (await api.query(WITHIN, {"id": world.pairing, "first": 100}))["auditEvents"]
    seen = {(edge["node"]["objectType"], edge["node"]["objectId"]) for edge in whole["edges"]}
    assert {
        ("Pairing", world.pairing),
        ("Milestone", world.milestone),
        ("MilestoneUpdate", update),
        ("ServiceStation", station),
    } <= seen
    assert whole["totalCount"] == len(whole["edges"])
    # Every event of each of those objects, no more: the sum of their own trails.
    own_counts = [(await trail(api, object_id, first=100))["totalCount"] for _, object_id in seen]
    assert whole["totalCount"] == sum(own_counts)
    # Paged like any trail, oldest first.
    page = (await api.query(WITHIN, {"id": world.pairing, "first": 2}))["auditEvents"]
    rest = (await api.query(WITHIN, {"id": world.pairing, "first": 100, "after": page["pageInfo"]["endCursor"]}))[
        "auditEvents"
    ]
    assert page["edges"] + rest["edges"] == whole["edges"]

    milestone = (await api.query(WITHIN, {"id": world.milestone, "first": 100}))["auditEvents"]
    assert {edge["node"]["objectType"] for edge in milestone["edges"]} == {"Milestone", "MilestoneUpdate"}
