"""/metrics shows the webhook outbox (deliveries waiting, attempts by outcome) and the import jobs by
status, counted from the database at each scrape, and they change as the queues do."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Route

from db.models import ImportJob, ImportJobStatus
from resolvers.outbox import RetryPolicy
from server.metrics import metrics_endpoint
from server.webhook_worker import WebhookWorker
from tests.test_mutations_support import Api, World
from tests.test_webhooks import submit, subscribe
from tests.webhook_receiver import Receiver


async def scrape(world: World) -> dict[tuple[str, frozenset], float]:
    app = Starlette(routes=[Route("/metrics", metrics_endpoint(world.db))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_the_webhook_queue_and_its_attempts_show_and_change(api: Api, world: World, allow_private):
    before = await scrape(world)
    assert value(before, "qianshou_webhook_deliveries", status="PENDING") == 0
    assert ("qianshou_webhook_deliveries", frozenset({("status", "FAILED")})) in before
    with Receiver(failures={"/down": -1}) as receiver:
        await subscribe(api, f"{receiver.url}/up")
        await subscribe(api, f"{receiver.url}/down", name="坏掉的接收方")
        await submit(api, world)
        waiting = await scrape(world)
        assert value(waiting, "qianshou_webhook_deliveries", status="PENDING") == 2

        worker = WebhookWorker(
            world.db, policy=RetryPolicy(max_attempts=2, base_seconds=0.01), timeout=5, poll_seconds=1
        )
        async with httpx.AsyncClient() as client:
            worker._client = client
            assert await worker.round() == 2  # one delivered, one to retry
            after_one = await scrape(world)
            assert value(after_one, "qianshou_webhook_deliveries", status="PENDING") == 1
            for _ in range(100):  # the retry is due after its backoff
                if await worker.round():
                    break
                await asyncio.sleep(0.01)
    after = await scrape(world)
    assert value(after, "qianshou_webhook_deliveries", status="PENDING") == 0
    assert value(after, "qianshou_webhook_deliveries", status="FAILED") == 1
    attempts = "qianshou_webhook_delivery_attempts_total"
    for outcome, added in (("delivered", 1), ("retrying", 1), ("gave_up", 1)):
        assert value(after, attempts, outcome=outcome) - value(before, attempts, outcome=outcome) == added, outcome


async def test_import_jobs_are_counted_by_status(world: World):
    before = await scrape(world)
    for status in ImportJobStatus:
        assert ("qianshou_import_jobs", frozenset({("status", status.value)})) in before
    async with world.db.writing() as session:
        session.add(ImportJob(kind="activities", actor_name="metrics-test", status=ImportJobStatus.QUEUED))
        session.add(ImportJob(kind="activities", actor_name="metrics-test", status=ImportJobStatus.FAILED))
    after = await scrape(world)
    for status, added in ((ImportJobStatus.QUEUED, 1), (ImportJobStatus.FAILED, 1), (ImportJobStatus.SUCCEEDED, 0)):
        change = value(after, "qianshou_import_jobs", status=status.value) - value(
            before, "qianshou_import_jobs", status=status.value
        )
        assert change == added, status
