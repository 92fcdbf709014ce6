"""Benchmark the webhook outbox: how fast workers drain it into a local receiver, and that each
delivery arrives exactly once when several workers claim side by side.

    .venv/bin/python -m bench.webhooks --deliveries 2000 --subscriptions 20 --workers 1,4
    .venv/bin/python -m bench.webhooks --database-url postgresql://postgres@127.0.0.1/qianshou_webhooks

Fills a new database's outbox with D deliveries spread over S subscriptions (all pointing at a
minimal keep-alive HTTP receiver on a local port), then, for each worker count W, runs W workers in
this process until the outbox is empty and prints deliveries per second. A subscription's
deliveries go one at a time, in order, so throughput grows with S, not with D.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # `python bench/webhooks.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select

from db.engine import Database
from db.migrate import upgrade
from db.models import DeliveryStatus, NotificationKind, WebhookDelivery, WebhookFormat, WebhookSubscription
from resolvers.outbox import RetryPolicy
from resolvers.webhook_targets import POLICY
from server.webhook_worker import WebhookWorker


class Receiver:
    """HTTP/1.1 with keep-alive, answering 200 to every POST and counting event IDs."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
                lowered = {key.lower(): value for key, value in headers.items()}
                await reader.readexactly(int(lowered.get("content-length", "0")))
                self.events[lowered.get("x-qianshou-event-id", "")] += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def fill(db: Database, port: int, deliveries: int, subscriptions: int) -> None:
    async with db.writing() as session:
        await session.execute(delete(WebhookDelivery))
        await session.execute(delete(WebhookSubscription))
        ids = []
        for n in range(subscriptions):
            row = WebhookSubscription(
                name=f"bench-{n}",
                url=f"http://127.0.0.1:{port}/hook/{n}",
                secret="s" * 32,
                event_kinds=[NotificationKind.UPDATE_SUBMITTED.value],
                format=WebhookFormat.PLAIN,
            )
            session.add(row)
            await session.flush()
            ids.append(row.id)
        payload = {"kind": "UPDATE_SUBMITTED", "title": "待审核", "body": "基准测试" * 20}
        rows = [
            {
                "subscription_id": ids[n % subscriptions],
                "event_id": str(uuid.uuid4()),
                "event_kind": NotificationKind.UPDATE_SUBMITTED,
                "payload": payload,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
            }
            for n in range(deliveries)
        ]
        await session.execute(insert(WebhookDelivery), rows)


async def pending(db: Database) -> int:
    async with db.reading() as session:
        return (
            await session.execute(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status != DeliveryStatus.DELIVERED)
            )
        ).scalar_one()


async def drain(db: Database, workers: int) -> float:
    made = [WebhookWorker(db, policy=RetryPolicy(), timeout=10, poll_seconds=0.05) for _ in range(workers)]
    tasks = [asyncio.create_task(worker.run()) for worker in made]
    started = time.perf_counter()
    try:
        while await pending(db):
            await asyncio.sleep(0.02)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return time.perf_counter() - started


async def main(arguments: argparse.Namespace) -> None:
    POLICY.allow_private = True
    url = arguments.database_url or f"sqlite:///{tempfile.mkdtemp()}/webhooks.sqlite3"
    db = Database.from_url(url)
    await upgrade(db.write_engine)
    receiver = Receiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(
        f"database: {db.read_engine.dialect.name}; {arguments.deliveries} deliveries over {arguments.subscriptions} "
        "subscriptions"
    )
    print(f"{'workers':>8} {'seconds':>8} {'deliveries/s':>13} {'duplicates':>11}")
    try:
        for workers in (int(w) for w in arguments.workers.split(",")):
            await fill(db, port, arguments.deliveries, arguments.subscriptions)
            receiver.events.clear()
            seconds = await drain(db, workers)
            duplicates = sum(count - 1 for count in receiver.events.values())
            assert len(receiver.events) == arguments.deliveries, "every delivery must arrive"
            print(f"{workers:>8} {seconds:>8.2f} {arguments.deliveries / seconds:>13.0f} {duplicates:>11}")
    finally:
        server.close()
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--workers", default="1,4")
    asyncio.run(main(parser.parse_args()))
