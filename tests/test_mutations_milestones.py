"""Milestone workflow through HTTP: plan, submit, approve or return, with versions and events."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models import MilestoneEvent, MilestoneUpdate
from tests.test_mutations_support import Api, World, codes, count_rows, fields

MILESTONE = "milestone { id status version achievedOn }"
UPDATE = "milestoneUpdate { id status note progressPercent evidenceUrls reviewNote reviewedBy milestone { id status version } }"


async def submit(api: Api, world: World, **extra) -> dict:
    input = {"milestoneId": world.milestone, "note": "理事会章程已通过", "progressPercent": 60, **extra}
    return await api.mutate("submitMilestoneUpdate", input, UPDATE, as_="mentor")


async def review(api: Api, update_id: str, version: int, decision: str = "APPROVE", **extra) -> dict:
    input = {"updateId": update_id, "decision": decision, "milestoneVersion": version, **extra}
    return await api.mutate("reviewMilestoneUpdate", input, f"{UPDATE} {MILESTONE}")


async def events(world: World) -> list[str]:
    async with world.db.reading() as session:
        return [
            event.kind.value for event in (await session.scalars(select(MilestoneEvent).order_by(MilestoneEvent.id)))
        ]


async def test_submit_moves_milestone_to_submitted(api, world):
    payload = await submit(api, world, evidenceUrls=["https://example.org/charter.pdf"])
    assert payload["userErrors"] == []
    update = payload["milestoneUpdate"]
    assert update["status"] == "PENDING_REVIEW"
    assert update["progressPercent"] == 60
    assert update["evidenceUrls"] == ["https://example.org/charter.pdf"]
    assert update["milestone"] == {"id": world.milestone, "status": "SUBMITTED", "version": 2}
    assert await events(world) == ["SUBMITTED"]


async def test_approve_below_100_goes_back_in_progress(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    payload = await review(api, update["id"], 2)
    assert payload["userErrors"] == []
    assert payload["milestoneUpdate"]["status"] == "APPROVED"
    assert payload["milestoneUpdate"]["reviewedBy"] == "ministry-staff"
    assert payload["milestone"]["status"] == "IN_PROGRESS"
    assert payload["milestone"]["version"] == 3
    assert await events(world) == ["SUBMITTED", "APPROVED"]


async def test_approve_at_100_marks_achieved(api, world):
    update = (await submit(api, world, progressPercent=100))["milestoneUpdate"]
    payload = await review(api, update["id"], 2)
    assert payload["milestone"]["status"] == "ACHIEVED"
    assert payload["milestone"]["achievedOn"] == "2026-11-30"


async def test_reviewer_may_mark_achieved_below_100(api, world):
    update = (await submit(api, world, progressPercent=80))["milestoneUpdate"]
    payload = await review(api, update["id"], 2, markAchieved=True)
    assert payload["milestone"]["status"] == "ACHIEVED"


async def test_return_needs_a_note_and_moves_milestone_to_returned(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    refused = await review(api, update["id"], 2, decision="RETURN")
    assert codes(refused) == ["INVALID"] and fields(refused) == [["reviewNote"]]
    assert refused["milestone"] is None
    node = await api.node(world.milestone, "... on Milestone { status version }")
    assert node["status"] == "SUBMITTED" and node["version"] == 2
    payload = await review(api, update["id"], 2, decision="RETURN", reviewNote="请补充理事会会议纪要")
    assert payload["userErrors"] == []
    assert payload["milestoneUpdate"]["status"] == "RETURNED"
    assert payload["milestoneUpdate"]["reviewNote"] == "请补充理事会会议纪要"
    assert payload["milestone"]["status"] == "RETURNED"
    assert await events(world) == ["SUBMITTED", "RETURNED"]


async def test_stale_version_is_refused_and_changes_nothing(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    payload = await review(api, update["id"], 1)
    assert codes(payload) == ["STALE_VERSION"] and fields(payload) == [["milestoneVersion"]]
    node = await api.node(update["id"], "... on MilestoneUpdate { status milestone { status version } }")
    assert node["status"] == "PENDING_REVIEW"
    assert node["milestone"] == {"status": "SUBMITTED", "version": 2}


async def test_reviewing_a_reviewed_update_is_not_allowed(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    await review(api, update["id"], 2)
    payload = await review(api, update["id"], 3, decision="RETURN", reviewNote="again")
    assert codes(payload) == ["NOT_ALLOWED_TRANSITION"]
    node = await api.node(world.milestone, "... on Milestone { status version }")
    assert node == {"id": world.milestone, "status": "IN_PROGRESS", "version": 3}


async def test_achieved_milestone_refuses_updates(api, world):
    update = (await submit(api, world, progressPercent=100))["milestoneUpdate"]
    await review(api, update["id"], 2)
    payload = await submit(api, world)
    assert codes(payload) == ["NOT_ALLOWED_TRANSITION"] and payload["milestoneUpdate"] is None
    assert await count_rows(world.db, MilestoneUpdate) == 1


async def test_waived_milestone_refuses_updates(api, world):
    waived = await api.mutate(
        "updateMilestone", {"milestoneId": world.milestone, "version": 1, "waive": True}, MILESTONE
    )
    assert waived["milestone"]["status"] == "WAIVED" and waived["milestone"]["version"] == 2
    assert codes(await submit(api, world)) == ["NOT_ALLOWED_TRANSITION"]


async def test_submit_validation_errors_write_nothing(api, world):
    payload = await submit(
        api, world, note="  ", progressPercent=101, evidenceUrls=["javascript:alert(1)", "ftp://example.org/x"]
    )
    assert sorted(codes(payload)) == ["INVALID"] * 4
    assert sorted(f[0] for f in fields(payload)) == ["evidenceUrls", "evidenceUrls", "note", "progressPercent"]
    assert await count_rows(world.db, MilestoneUpdate) == 0
    node = await api.node(world.milestone, "... on Milestone { status version }")
    assert node["status"] == "IN_PROGRESS" and node["version"] == 1


async def test_bad_ids_are_user_errors(api, world):
    malformed = await api.mutate(
        "submitMilestoneUpdate", {"milestoneId": "nope!", "note": "x"}, "milestoneUpdate { id }", as_="mentor"
    )
    assert codes(malformed) == ["INVALID"] and fields(malformed) == [["milestoneId"]]
    wrong_type = await api.mutate(
        "submitMilestoneUpdate", {"milestoneId": world.pairing, "note": "x"}, "milestoneUpdate { id }", as_="mentor"
    )
    assert codes(wrong_type) == ["NOT_FOUND"]
    missing = await review(api, "TWlsZXN0b25lVXBkYXRlOjk5OTk", 1)
    assert codes(missing) == ["NOT_FOUND"] and fields(missing) == [["updateId"]]


async def test_create_and_update_milestone(api, world):
    created = await api.mutate(
        "createMilestone",
        {
            "pairingId": world.pairing,
            "title": "培养中级社工师",
            "category": "TALENT",
            "termYear": 2,
            "dueOn": "2026-12-31",
            "targetValue": "3",
            "unit": "人",
            "idempotencyKey": "m-1",
        },
        "milestone { id title status version targetValue unit }",
    )
    assert created["userErrors"] == []
    milestone = created["milestone"]
    assert milestone["status"] == "NOT_STARTED" and milestone["targetValue"] == "3.00"
    updated = await api.mutate(
        "updateMilestone",
        {"milestoneId": milestone["id"], "version": 1, "title": "培养 5 名中级社工师", "targetValue": "5"},
        "milestone { title version targetValue }",
    )
    assert updated["milestone"] == {"title": "培养 5 名中级社工师", "version": 2, "targetValue": "5.00"}
    stale = await api.mutate("updateMilestone", {"milestoneId": milestone["id"], "version": 1, "title": "x"}, MILESTONE)
    assert codes(stale) == ["STALE_VERSION"]


async def test_create_milestone_validation(api, world):
    payload = await api.mutate(
        "createMilestone",
        {
            "pairingId": world.pairing,
            "title": "x" * 201,
            "category": "TALENT",
            "termYear": 4,
            "dueOn": "2030-01-01",
            "targetValue": "1.234",
        },
        "milestone { id }",
    )
    assert sorted(f[0] for f in fields(payload)) == ["dueOn", "targetValue", "termYear", "title"]
    assert set(codes(payload)) == {"INVALID"}


async def test_two_reviewers_at_once_exactly_one_wins(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    approve, give_back = await asyncio.gather(
        review(api, update["id"], 2),
        review(api, update["id"], 2, decision="RETURN", reviewNote="不完整"),
    )
    outcomes = sorted([codes(approve), codes(give_back)])
    assert outcomes == [[], ["STALE_VERSION"]]
    winner = approve if not codes(approve) else give_back
    node = await api.node(world.milestone, "... on Milestone { status version }")
    assert node["status"] == winner["milestone"]["status"] and node["version"] == 3
    assert len(await events(world)) == 2


async def test_many_reviewers_at_once_exactly_one_wins(api, world):
    update = (await submit(api, world))["milestoneUpdate"]
    results = await asyncio.gather(*(review(api, update["id"], 2) for _ in range(8)))
    assert sorted(len(codes(result)) for result in results) == [0] + [1] * 7
    assert {code for result in results for code in codes(result)} == {"STALE_VERSION"}
    node = await api.node(world.milestone, "... on Milestone { version }")
    assert node["version"] == 3


async def test_concurrent_submits_leave_exactly_one_pending(api, world):
    """Submitters quote no version: racing submitters queue on the milestone, the first is pending and
    the others are told that an update is already pending, never a stale version or an INTERNAL."""
    results = await asyncio.gather(*(submit(api, world, idempotencyKey=f"race-{n}") for n in range(6)))
    assert sorted(codes(payload) for payload in results) == [[]] + [["UPDATE_PENDING"]] * 5
    async with world.db.reading() as session:
        pending = (
            await session.scalars(select(MilestoneUpdate).where(MilestoneUpdate.status == "PENDING_REVIEW"))
        ).all()
    assert len(pending) == 1
    assert await events(world) == ["SUBMITTED"]
