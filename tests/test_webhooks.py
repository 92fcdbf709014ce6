"""Webhook subscriptions (ADMIN), the outbox written with the workflow, SSRF refusals, claims and pausing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from db.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from resolvers import outbox
from resolvers.outbox import RetryPolicy
from resolvers.webhook_targets import POLICY
from server.webhook_worker import WebhookWorker
from tests.test_mutations_support import Api, World, add_milestone, codes
from tests.webhook_receiver import Receiver

SUBSCRIPTION = "subscription { id url eventKinds format version pausedAt } secret"
ALL_KINDS = ["UPDATE_SUBMITTED", "UPDATE_APPROVED", "UPDATE_RETURNED"]


async def subscribe(api: Api, url: str, **extra) -> dict:
    input = {"name": "省厅工作群", "url": url, "eventKinds": ALL_KINDS, **extra}
    return await api.mutate("createWebhookSubscription", input, SUBSCRIPTION, as_="admin")


async def submit(api: Api, world: World, note: str = "理事会章程已通过") -> None:
    """An update of a new milestone of the world's pairing (one update at a time waits per milestone)."""
    input = {"milestoneId": await add_milestone(world, note, dt.date(2026, 12, 31)), "note": note}
    payload = await api.mutate("submitMilestoneUpdate", input, as_="mentor")
    assert payload["userErrors"] == []


async def deliveries(world: World) -> list[WebhookDelivery]:
    async with world.db.reading() as session:
        return list((await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://192.168.1.10/hook",
    ],
)
async def test_loopback_and_private_targets_are_refused(api, world, url):
    payload = await subscribe(api, url)
    assert codes(payload) == ["INVALID"] and payload["userErrors"][0]["field"] == ["url"]
    assert "non-public address" in payload["userErrors"][0]["message"]
    assert payload["subscription"] is None


@pytest.mark.parametrize("url", ["ftp://example.org/x", "http://user:pw@example.org/", "not a url", "https://"])
async def test_only_plain_http_urls_are_taken(api, world, url):
    assert codes(await subscribe(api, url)) == ["INVALID"]


async def test_private_targets_are_allowed_by_configuration(api, world, allow_private):
    payload = await subscribe(api, "http://127.0.0.1:8080/hook")
    assert payload["userErrors"] == []
    assert len(payload["secret"]) >= 40  # made by the server and shown once


async def test_only_admin_manages_webhooks(api, world, allow_private):
    body = await api.post(
        'mutation { createWebhookSubscription(input: {name: "x", url: "http://127.0.0.1/", eventKinds: [UPDATE_SUBMITTED]}) '
        "{ userErrors { code } } }"
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.post("{ webhookDeliveries { totalCount } }", as_="mentor")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_secret_never_shows_in_the_audit_trail(api, world, allow_private):
    created = await subscribe(api, "http://127.0.0.1:8080/hook", secret="a-secret-of-24-characters")
    assert created["secret"] is None
    subscription = created["subscription"]
    changed = await api.mutate(
        "updateWebhookSubscription",
        {"id": subscription["id"], "version": 1, "secret": "another-secret-24-chars!", "format": "WECOM"},
        "subscription { format version }",
        as_="admin",
    )
    assert changed["subscription"] == {"format": "WECOM", "version": 2}
    trail = await api.query(
        "query($id: ID!) { auditEvents(objectId: $id) { edges { node { changes } } } }", {"id": subscription["id"]}
    )
    text = str(trail)
    assert "a-secret" not in text and "another-secret" not in text and "(hidden)" in text


async def test_deliveries_are_written_with_the_event_for_matching_subscriptions(api, world, allow_private):
    wanted = (await subscribe(api, "http://127.0.0.1:1/all"))["subscription"]
    await subscribe(api, "http://127.0.0.1:1/returns", eventKinds=["UPDATE_RETURNED"])
    await subscribe(api, "http://127.0.0.1:1/here", regionId=world.county)
    other = await api.mutate(
        "createProgram", {"name": "另一个计划", "startsOn": "2025-01-01"}, "program { id }", as_="staff"
    )
    await subscribe(api, "http://127.0.0.1:1/other-program", programId=other["program"]["id"])
    await submit(api, world)
    rows = await deliveries(world)
    assert len(rows) == 2  # the subscription for everything and the one for the county
    assert {row.event_kind.value for row in rows} == {"UPDATE_SUBMITTED"}
    assert len({row.event_id for row in rows}) == 1
    payload = rows[0].payload
    assert payload["kind"] == "UPDATE_SUBMITTED" and payload["pairing"]["id"] == world.pairing
    assert payload["title"].startswith("待审核")
    # A deleted subscription gets nothing more.
    deleted = await api.mutate("deleteWebhookSubscription", {"id": wanted["id"]}, "subscription { id }", as_="admin")
    assert deleted["userErrors"] == []
    await submit(api, world, "第二次")
    assert len(await deliveries(world)) == 3


async def test_claims_of_two_workers_are_disjoint_and_first_in_line(api, world, allow_private):
    for path in ("/a", "/b"):
        await subscribe(api, f"http://127.0.0.1:1{path}")
    for n in range(3):
        await submit(api, world, f"第 {n} 次")
    lease = dt.timedelta(minutes=1)
    first, second = await asyncio.gather(
        outbox.claim(world.db, "one", limit=10, lease=lease), outbox.claim(world.db, "two", limit=10, lease=lease)
    )
    claimed = first + second
    # One per subscription, its oldest; nobody got a row twice.
    assert len(claimed) == 2 and len({c.id for c in claimed}) == 2
    rows = await deliveries(world)
    oldest = {
        min(row.id for row in rows if row.subscription_id == sid) for sid in {row.subscription_id for row in rows}
    }
    assert {c.id for c in claimed} == oldest
    assert await outbox.claim(world.db, "three", limit=10, lease=lease) == []


async def test_a_url_that_keeps_failing_is_paused_then_resumed(api, world, allow_private):
    with Receiver(failures={"/down": -1}) as receiver:
        subscription = (await subscribe(api, f"{receiver.url}/down", secret="s" * 20))["subscription"]
        await submit(api, world)
        worker = WebhookWorker(
            world.db, policy=RetryPolicy(max_attempts=3, base_seconds=0.05), timeout=5, poll_seconds=0.05
        )
        task = asyncio.create_task(worker.run())
        try:
            for _ in range(200):
                rows = await deliveries(world)
                if rows[0].status is DeliveryStatus.FAILED:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
        (row,) = await deliveries(world)
        assert row.status is DeliveryStatus.FAILED and row.attempts == 3 and row.last_status_code == 500
        assert len(receiver.on("/down")) == 3
        listed = await api.query("{ webhookSubscriptions { edges { node { pausedAt pauseReason } } } }", as_="admin")
        node = listed["webhookSubscriptions"]["edges"][0]["node"]
        assert node["pausedAt"] is not None and "failed 3 times" in node["pauseReason"]
        resumed = await api.mutate(
            "updateWebhookSubscription",
            {"id": subscription["id"], "paused": False},
            "subscription { pausedAt }",
            as_="admin",
        )
        assert resumed["subscription"]["pausedAt"] is None
        (row,) = await deliveries(world)
        assert row.status is DeliveryStatus.PENDING and row.attempts == 0
        async with world.db.reading() as session:
            assert (await session.get(WebhookSubscription, row.subscription_id)).paused_at is None


async def test_the_worker_checks_the_target_again_before_sending(api, world, allow_private):
    with Receiver() as receiver:
        await subscribe(api, f"{receiver.url}/inside")
        await submit(api, world)
        POLICY.allow_private = False  # e.g. the setting was turned off since
        worker = WebhookWorker(world.db, policy=RetryPolicy(max_attempts=2, base_seconds=60), timeout=5, poll_seconds=1)
        task = asyncio.create_task(worker.run())
        try:
            for _ in range(100):
                if (await deliveries(world))[0].attempts:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
        (row,) = await deliveries(world)
        assert row.status is DeliveryStatus.PENDING and row.attempts == 1
        assert row.last_error.startswith("refused: the host '127.0.0.1' resolves to the non-public address")
        assert receiver.on("/inside") == []
