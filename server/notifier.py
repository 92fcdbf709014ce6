"""What `serve` runs beside the requests: the webhook worker and, at QIANSHOU_DAILY_JOB_HOUR (China
time), the daily job. Both are safe in every worker process of every server at once (see
resolvers/outbox.py and resolvers/daily.py), so each process simply runs its own."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from db.background import cancel
from db.engine import Database
from resolvers.daily import run_daily_job
from resolvers.outbox import RetryPolicy
from resolvers.scope import CHINA
from resolvers.webhook_targets import POLICY
from server.mail import mailer_of
from server.settings import Settings
from server.webhook_worker import WebhookWorker

log = logging.getLogger("qianshou.notifier")


def configure_targets(settings: Settings) -> None:
    POLICY.allow_private = settings.webhook_allow_private


def worker_of(db: Database, settings: Settings) -> WebhookWorker:
    policy = RetryPolicy(max_attempts=settings.webhook_max_attempts, base_seconds=settings.webhook_retry_base_seconds)
    return WebhookWorker(
        db, policy=policy, timeout=settings.webhook_timeout_seconds, poll_seconds=settings.webhook_poll_seconds
    )


def next_run(now: dt.datetime, hour: int) -> dt.datetime:
    """The next time it is `hour` o'clock in China after `now`."""
    local = now.astimezone(CHINA)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate


class Notifier:
    def __init__(self, db: Database, settings: Settings, today: Callable[[], dt.date]) -> None:
        self.db, self.settings, self.today = db, settings, today
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        configure_targets(self.settings)
        if self.settings.webhook_worker:
            self.tasks.append(asyncio.create_task(worker_of(self.db, self.settings).run(), name="webhooks"))
        if self.settings.daily_job_hour is not None:
            self.tasks.append(asyncio.create_task(self._daily(self.settings.daily_job_hour), name="daily-job"))

    async def stop(self) -> None:
        await cancel(self.tasks)
        self.tasks.clear()

    async def _daily(self, hour: int) -> None:
        while True:
            wake = next_run(dt.datetime.now(dt.UTC), hour)
            await asyncio.sleep((wake - dt.datetime.now(dt.UTC)).total_seconds())
            try:
                report = await run_daily_job(self.db, self.today(), mailer_of(self.settings))
                log.info("daily job: %s", report.summary())
            except Exception:  # the next day's run must still happen
                log.exception("daily job failed")
