"""The inbox: notices written with the milestone workflow, to the principals in scope, read and marked read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from db.models import Notification, Region, RegionLevel, Role
from resolvers.daily import run_daily_job
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from tests.conftest import TODAY
from tests.test_mutations_support import Api, World, add_milestone, codes

UPDATE = "milestoneUpdate { id milestone { version } }"
INBOX = """query($first: Int, $after: String, $unread: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind title body read readAt pairing { id } milestone { id title } update { id status } } }
  }
}"""
MARK = "markedCount unreadCount"


async def add_region_tokens(api: Api, world: World) -> None:
    """Regional staff of the world's county (in scope) and of another province (out of scope)."""
    async with world.db.writing() as session:
        elsewhere = Region(code="320000", name="江苏省", level=RegionLevel.PROVINCE, path="")
        session.add(elsewhere)
        await session.flush()
        elsewhere.path = f"/{elsewhere.id}/"
    api.tokens["regional"] = await create_token(world.db, "lushan-staff", Role.REGIONAL_STAFF, region_id=world.county)
    api.tokens["elsewhere"] = await create_token(
        world.db, "jiangsu-staff", Role.REGIONAL_STAFF, region_id=encode_id("Region", elsewhere.id)
    )


async def inbox(api: Api, as_: str, **variables) -> dict:
    return (await api.query(INBOX, variables, as_=as_))["notifications"]


def kinds(page: dict) -> list[str]:
    return [edge["node"]["kind"] for edge in page["edges"]]


async def submit(api: Api, world: World, note: str = "理事会章程已通过", milestone: str | None = None) -> dict:
    """An update of the world's milestone, or of `milestone` (one update at a time waits per milestone)."""
    input = {"milestoneId": milestone or world.milestone, "note": note, "progressPercent": 60}
    payload = await api.mutate("submitMilestoneUpdate", input, UPDATE, as_="mentor")
    assert payload["userErrors"] == []
    return payload["milestoneUpdate"]


async def test_a_submitted_update_reaches_the_reviewers_in_scope_only(api, world):
    await add_region_tokens(api, world)
    update = await submit(api, world)
    for reviewer in ("regional", "staff", "admin"):
        page = await inbox(api, reviewer)
        assert kinds(page) == ["UPDATE_SUBMITTED"], reviewer
        node = page["edges"][0]["node"]
        assert node["title"] == "待审核：郑州市商都社会工作服务中心提交了「建立理事会制度」的进展报告"
        assert "理事会章程已通过" in node["body"] and "进度 60%" in node["body"]
        assert node["read"] is False
        assert node["pairing"] == {"id": world.pairing}
        assert node["milestone"] == {"id": world.milestone, "title": "建立理事会制度"}
        assert node["update"] == {"id": update["id"], "status": "PENDING_REVIEW"}
    for outsider in ("elsewhere", "mentor", "supported", "viewer"):
        assert (await inbox(api, outsider))["totalCount"] == 0, outsider


async def test_returned_and_approved_updates_reach_the_mentor_agency(api, world):
    update = await submit(api, world)
    note = "请补充理事会会议纪要"
    returned = await api.mutate(
        "reviewMilestoneUpdate",
        {"updateId": update["id"], "decision": "RETURN", "milestoneVersion": 2, "reviewNote": note},
        "milestone { version }",
    )
    assert returned["userErrors"] == []
    page = await inbox(api, "mentor")
    returned_notice = next(edge["node"] for edge in page["edges"] if edge["node"]["kind"] == "UPDATE_RETURNED")
    assert returned_notice["title"] == "进展报告被退回：「建立理事会制度」"
    assert note in returned_notice["body"]
    second = await submit(api, world, "补充了会议纪要")
    approved = await api.mutate(
        "reviewMilestoneUpdate",
        {"updateId": second["id"], "decision": "APPROVE", "milestoneVersion": 4, "markAchieved": True},
        "milestone { status }",
    )
    assert approved["milestone"]["status"] == "ACHIEVED"
    page = await inbox(api, "mentor")
    assert kinds(page)[0] == "UPDATE_APPROVED"
    assert "已达成" in page["edges"][0]["node"]["body"]
    # The reviewer is not told of its own review, nor the supported agency of either.
    assert "UPDATE_RETURNED" not in kinds(await inbox(api, "staff"))
    assert (await inbox(api, "supported"))["totalCount"] == 0


async def test_a_refused_write_leaves_no_notification(api, world):
    payload = await api.mutate(
        "submitMilestoneUpdate", {"milestoneId": world.milestone, "note": " ", "progressPercent": 60}, as_="mentor"
    )
    assert codes(payload) == ["INVALID"]
    async with world.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0


async def test_inbox_pages_newest_first_and_marks_read(api, world):
    for n in range(3):
        await submit(api, world, f"第 {n} 次", await add_milestone(world, f"里程碑 {n}", TODAY))
    first = await inbox(api, "staff", first=2)
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = await inbox(api, "staff", first=2, after=first["pageInfo"]["endCursor"])
    bodies = [edge["node"]["body"] for edge in first["edges"] + rest["edges"]]
    assert ["第 2 次" in bodies[0], "第 1 次" in bodies[1], "第 0 次" in bodies[2]] == [True, True, True]
    newest = first["edges"][0]["node"]["id"]
    marked = await api.mutate("markNotificationsRead", {"ids": [newest]}, MARK)
    assert marked == {"markedCount": 1, "unreadCount": 2, "userErrors": []}
    unread = await inbox(api, "staff", unread=True)
    assert unread["totalCount"] == 2 and newest not in [edge["node"]["id"] for edge in unread["edges"]]
    assert (await api.mutate("markNotificationsRead", {"all": True}, MARK))["unreadCount"] == 0
    assert (await inbox(api, "staff", unread=True))["totalCount"] == 0


async def test_another_principals_notification_cannot_be_marked(api, world):
    await submit(api, world)
    admins = (await inbox(api, "admin"))["edges"][0]["node"]["id"]
    mine = (await inbox(api, "staff"))["edges"][0]["node"]["id"]
    refused = await api.mutate("markNotificationsRead", {"ids": [mine, admins]}, MARK)
    assert codes(refused) == ["NOT_FOUND"] and refused["markedCount"] is None
    assert (await inbox(api, "staff", unread=True))["totalCount"] == 1  # nothing was marked
    assert codes(await api.mutate("markNotificationsRead", {}, MARK)) == ["INVALID"]
    assert codes(await api.mutate("markNotificationsRead", {"ids": ["bm9wZQ"]}, MARK)) == ["INVALID"]


async def test_anonymous_callers_have_no_inbox(api, world):
    response = await api.client.post("/graphql", json={"query": "{ notifications { totalCount } }"})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_notification_settings_take_a_valid_email_only(api, world):
    query = "{ notificationSettings { email emailDigest } }"
    assert (await api.query(query))["notificationSettings"] == {"email": None, "emailDigest": True}
    bad = await api.mutate("updateNotificationSettings", {"email": "not-an-address"}, "settings { email }")
    assert codes(bad) == ["INVALID"] and bad["settings"] is None
    good = await api.mutate(
        "updateNotificationSettings", {"email": "staff@example.org"}, "settings { email emailDigest }"
    )
    assert good["settings"] == {"email": "staff@example.org", "emailDigest": True}
    off = await api.mutate(
        "updateNotificationSettings", {"emailDigest": False, "email": ""}, "settings { email emailDigest }"
    )
    assert off["settings"] == {"email": None, "emailDigest": False}


async def test_daily_job_tells_each_due_overdue_and_off_track_event_once(api, world):
    await add_region_tokens(api, world)
    await add_milestone(world, "培养本土社工 6 人", TODAY + dt.timedelta(days=10))
    await add_milestone(world, "链接公益资源", TODAY - dt.timedelta(days=2))
    await add_milestone(world, "远期目标", TODAY + dt.timedelta(days=40))
    report = await run_daily_job(world.db, TODAY, None)
    assert (report.due_soon, report.overdue, report.off_track) == (1, 1, 1)
    mentor = await inbox(api, "mentor")
    assert sorted(kinds(mentor)) == ["MILESTONE_DUE_SOON", "MILESTONE_OVERDUE", "PAIRING_OFF_TRACK"]
    due = next(edge["node"] for edge in mentor["edges"] if edge["node"]["kind"] == "MILESTONE_DUE_SOON")
    assert due["title"] == "里程碑即将到期：「培养本土社工 6 人」" and "还有 10 天" in due["body"]
    # Regional staff hear of overdue milestones and OFF_TRACK pairings; the ministry of the latter.
    assert sorted(kinds(await inbox(api, "regional"))) == ["MILESTONE_OVERDUE", "PAIRING_OFF_TRACK"]
    assert kinds(await inbox(api, "staff")) == ["PAIRING_OFF_TRACK"]
    again = await run_daily_job(world.db, TODAY, None)
    assert again.off_track == 0
    assert (await inbox(api, "mentor"))["totalCount"] == 3


@pytest.mark.parametrize("first", [101, -1])
async def test_inbox_page_size_is_checked(api, world, first):
    body = await api.post(INBOX, {"first": first})
    assert body["errors"][0]["extensions"]["code"] in ("PAGE_TOO_LARGE", "INVALID")


async def test_an_inbox_page_takes_the_same_statements_whatever_its_size(api, world):
    from db.statements import recording
    from resolvers.tokens import authenticate
    from tests.conftest import gql

    for n in range(12):
        await submit(api, world, f"第 {n} 次", await add_milestone(world, f"里程碑 {n}", TODAY))
    staff = await authenticate(world.db, api.tokens["staff"])
    query = """query($first: Int) { notifications(first: $first) { totalCount edges { node {
      title pairing { id mentor { name } } milestone { title } update { status } } } } }"""
    counts = {}
    for first in (2, 12):
        with recording(world.db) as counter:
            data = await gql(world.db, query, {"first": first}, staff)
        assert len(data["notifications"]["edges"]) == first
        counts[first] = counter.count
    assert counts[2] == counts[12], counts
