"""The workflow cannot contradict itself: closed and suspended pairings refuse new work, a milestone
has one update pending review at a time, and an achieved milestone keeps when the work was reported
apart from when it was approved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db.models import AuditEvent, MilestoneUpdate, Pairing, PairingStatus, ServiceActivity, UpdateStatus
from resolvers.ids import decode_typed_id
from tests.test_mutations_support import Api, World, codes, count_rows, fields, totals_row

ACTIVITY = {"kind": "HOME_VISIT", "occurredOn": "2026-01-05", "count": 3, "beneficiaries": 3}
MILESTONE = "milestone { id status version achievedOn approvedOn isOverdue }"


async def set_status(world: World, status: PairingStatus) -> None:
    async with world.db.writing() as session:
        await session.execute(update(Pairing).where(Pairing.id == world.pairing_pk).values(status=status))


async def totals_snapshot(world: World) -> dict:
    totals = await totals_row(world.db, world.pairing_pk)
    return {column.key: getattr(totals, column.key) for column in totals.__table__.columns}


async def record_activity(api: Api, world: World, as_: str = "mentor") -> dict:
    return await api.mutate(
        "recordServiceActivity", {"pairingId": world.pairing, **ACTIVITY}, "serviceActivity { id }", as_=as_
    )


async def submit(api: Api, world: World, percent: int = 100) -> dict:
    return await api.mutate(
        "submitMilestoneUpdate",
        {"milestoneId": world.milestone, "note": "已完成", "progressPercent": percent},
        "milestoneUpdate { id milestone { version } }",
        as_="mentor",
    )


async def review(api: Api, update_id: str, version: int, decision: str = "APPROVE", **extra) -> dict:
    input = {"updateId": update_id, "decision": decision, "milestoneVersion": version, **extra}
    return await api.mutate("reviewMilestoneUpdate", input, f"milestoneUpdate {{ id status }} {MILESTONE}")


# --- closed and suspended pairings ------------------------------------------------------------------


@pytest.mark.parametrize("status", [PairingStatus.COMPLETED, PairingStatus.TERMINATED])
async def test_a_closed_pairing_refuses_every_write_in_it(api: Api, world: World, status: PairingStatus):
    recorded = await record_activity(api, world)
    pending = await submit(api, world)
    await set_status(world, status)
    before = await totals_snapshot(world)
    refused = [
        await record_activity(api, world),
        await record_activity(api, world, as_="supported"),
        await api.mutate(
            "recordTrainingSession",
            {
                "pairingId": world.pairing,
                "topic": "督导",
                "startsOn": "2026-01-05",
                "mode": "ON_SITE",
                "participants": 5,
                "hours": "3",
            },
            as_="mentor",
        ),
        await api.mutate(
            "createServiceStation",
            {"pairingId": world.pairing, "name": "站", "regionId": world.village, "establishedOn": "2026-01-05"},
            as_="mentor",
        ),
        await api.mutate(
            "createMilestone",
            {"pairingId": world.pairing, "title": "t", "category": "GOVERNANCE", "termYear": 1, "dueOn": "2026-06-30"},
        ),
        await api.mutate("updateMilestone", {"milestoneId": world.milestone, "version": 2, "title": "新标题"}),
        await review(api, pending["milestoneUpdate"]["id"], 2),
        await api.mutate(
            "voidServiceActivity", {"id": recorded["serviceActivity"]["id"], "reason": "录入错误"}, as_="mentor"
        ),
    ]
    assert [codes(payload) for payload in refused] == [["NOT_ALLOWED_TRANSITION"]] * len(refused)
    assert await totals_snapshot(world) == before
    # An ADMIN may still void a record entered by mistake, and it is audited.
    voided = await api.mutate(
        "voidServiceActivity", {"id": recorded["serviceActivity"]["id"], "reason": "录入错误"}, as_="admin"
    )
    assert codes(voided) == []
    async with world.db.reading() as session:
        actions = (
            await session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "ServiceActivity"))
        ).all()
    assert actions == ["recordServiceActivity", "voidServiceActivity"]


async def test_a_suspended_pairing_takes_no_new_work_but_staff_plan_and_review(api: Api, world: World):
    pending = await submit(api, world, percent=60)
    await set_status(world, PairingStatus.SUSPENDED)
    assert codes(await record_activity(api, world)) == ["NOT_ALLOWED_TRANSITION"]
    assert await count_rows(world.db, ServiceActivity) == 0
    reviewed = await review(api, pending["milestoneUpdate"]["id"], 2)
    assert codes(reviewed) == [] and reviewed["milestone"]["status"] == "IN_PROGRESS"
    assert codes(await submit(api, world)) == ["NOT_ALLOWED_TRANSITION"]
    planned = await api.mutate(
        "createMilestone",
        {
            "pairingId": world.pairing,
            "title": "恢复后补齐",
            "category": "GOVERNANCE",
            "termYear": 1,
            "dueOn": "2026-06-30",
        },
        "milestone { id }",
    )
    assert codes(planned) == []
    await set_status(world, PairingStatus.ACTIVE)
    assert codes(await record_activity(api, world)) == []


# --- one pending update per milestone ---------------------------------------------------------------


async def test_a_second_submission_while_one_is_pending_is_refused(api: Api, world: World):
    first = await submit(api, world, percent=60)
    second = await submit(api, world, percent=100)
    assert codes(second) == ["UPDATE_PENDING"] and fields(second) == [["milestoneId"]]
    assert second["milestoneUpdate"] is None
    returned = await review(api, first["milestoneUpdate"]["id"], 2, "RETURN", reviewNote="请补充材料")
    assert returned["milestone"]["status"] == "RETURNED"
    # The first is reviewed: it cannot be reviewed again, and a new one may be submitted.
    assert codes(await review(api, first["milestoneUpdate"]["id"], 3)) == ["NOT_ALLOWED_TRANSITION"]
    again = await submit(api, world)
    assert codes(again) == []
    approved = await review(api, again["milestoneUpdate"]["id"], 4)
    assert approved["milestone"]["status"] == "ACHIEVED"


async def test_the_database_holds_one_pending_update_per_milestone(api: Api, world: World):
    await submit(api, world)
    milestone_pk = decode_typed_id(world.milestone, "Milestone")
    with pytest.raises(IntegrityError):
        async with world.db.writing() as session:
            session.add(MilestoneUpdate(milestone_id=milestone_pk, note="绕过规则", status=UpdateStatus.PENDING_REVIEW))
            await session.flush()


# --- reported and approved dates --------------------------------------------------------------------


async def test_achieved_on_is_when_the_work_was_reported_not_when_it_was_approved(api: Api, world: World):
    submitted = await submit(api, world)
    # Reported on 2025-12-20 (before the milestone fell due on 2025-12-31), approved "today", 2026-11-30.
    async with world.db.writing() as session:
        await session.execute(
            update(MilestoneUpdate).values(submitted_at=dt.datetime(2025, 12, 20, 2, 0, tzinfo=dt.UTC))
        )
    payload = await review(api, submitted["milestoneUpdate"]["id"], 2)
    assert payload["milestone"]["achievedOn"] == "2025-12-20"
    assert payload["milestone"]["approvedOn"] == "2026-11-30"
    assert payload["milestone"]["isOverdue"] is False


async def test_a_reviewer_may_date_the_achievement_earlier(api: Api, world: World):
    submitted = await submit(api, world)
    update_id = submitted["milestoneUpdate"]["id"]
    late = await review(api, update_id, 2, achievedOn="2026-12-01")
    assert codes(late) == ["INVALID"] and fields(late) == [["achievedOn"]]
    before_term = await review(api, update_id, 2, achievedOn="2024-12-31")
    assert codes(before_term) == ["INVALID"]
    not_achieving = await review(api, update_id, 2, "RETURN", reviewNote="补材料", achievedOn="2025-12-01")
    assert codes(not_achieving) == ["INVALID"]
    payload = await review(api, update_id, 2, achievedOn="2025-12-15")
    assert codes(payload) == []
    assert (payload["milestone"]["achievedOn"], payload["milestone"]["approvedOn"]) == ("2025-12-15", "2026-11-30")
