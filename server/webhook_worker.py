"""The background worker that sends webhook deliveries from the outbox (resolvers/outbox.py).

`qianshou serve` runs one in each server process; any number may run against one database. Each
round it claims the due deliveries (at most one per subscription, the oldest), sends them side by
side, and records how each went. A delivery is sent to an address that was checked just before
(resolvers/webhook_targets.py): the request goes to that IP with the URL's host in the Host header
and as the TLS server name, redirects are not followed and proxies from the environment are not
used, so that the check cannot be sidestepped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from db.engine import Database
from db.models import WebhookFormat
from resolvers import outbox
from resolvers.outbox import Attempt, Claimed, RetryPolicy
from resolvers.webhook_formats import SIGNATURE_HEADER, body_of, dingtalk_query, signature
from resolvers.webhook_targets import Target, TargetRefused, resolve_target
from server.metrics import DELIVERY_ATTEMPTS

log = logging.getLogger("qianshou.webhooks")

BATCH = 20
USER_AGENT = "qianshou-webhooks/1"


def pinned_url(target: Target, url: str) -> tuple[str, str]:
    """(the URL with its host replaced by the first checked address, the Host header to send: the
    URL's own host and port, which check_url made sure carry no credentials)."""
    parts = urlsplit(url)
    address = target.addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), parts.netloc


def platform_error(format: WebhookFormat, response: httpx.Response) -> str | None:
    """WeCom and DingTalk robots answer 200 with a non-zero `errcode` when they refuse a message."""
    if format is WebhookFormat.PLAIN:
        return None
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        return f"errcode {answer.get('errcode')}: {str(answer.get('errmsg', ''))[:200]}"
    return None


class WebhookWorker:
    def __init__(self, db: Database, *, policy: RetryPolicy, timeout: float, poll_seconds: float) -> None:
        self.db = db
        self.policy = policy
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.name = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Longer than any send can take, so that a live worker's rows are never claimed twice.
        self.lease = dt.timedelta(seconds=2 * timeout + 30)
        self._client: httpx.AsyncClient | None = None

    async def run(self) -> None:
        """Send until cancelled."""
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            self._client = client
            while True:
                try:
                    sent = await self.round()
                except asyncio.CancelledError:
                    raise
                except Exception:  # a database hiccup must not end the worker
                    log.exception("webhook round failed")
                    sent = 0
                if not sent:
                    await asyncio.sleep(self.poll_seconds)

    async def round(self) -> int:
        claimed = await outbox.claim(self.db, self.name, limit=BATCH, lease=self.lease)
        if claimed:
            attempts = await asyncio.gather(*(self.send(delivery) for delivery in claimed))
            for attempt in attempts:
                if attempt.error is not None:
                    log.warning(
                        "webhook delivery %s (attempt %d) failed: %s",
                        attempt.claimed.event_id,
                        attempt.claimed.attempts + 1,
                        attempt.error,
                    )
            paused = await outbox.record(self.db, self.name, attempts, self.policy)
            for attempt in paused:
                log.warning(
                    "webhook subscription %s paused after %d failed attempts",
                    attempt.claimed.subscription_id,
                    attempt.claimed.attempts + 1,
                )
            for attempt in attempts:
                outcome = "delivered" if attempt.error is None else "gave_up" if attempt in paused else "retrying"
                DELIVERY_ATTEMPTS.labels(outcome).inc()
        return len(claimed)

    async def send(self, delivery: Claimed) -> Attempt:
        """One attempt; never raises for the receiver's faults."""
        assert self._client is not None
        try:
            target = await resolve_target(delivery.url)
        except TargetRefused as refused:
            return Attempt(delivery, None, f"refused: {refused.message}")
        body = body_of(delivery.format, delivery.payload)
        timestamp = int(time.time())
        url = delivery.url
        if delivery.format is WebhookFormat.DINGTALK:
            url += ("&" if urlsplit(url).query else "?") + dingtalk_query(delivery.secret, timestamp * 1000)
        address_url, host = pinned_url(target, url)
        headers = {
            "Host": host,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Qianshou-Event-Id": delivery.event_id,
            "X-Qianshou-Event-Kind": delivery.event_kind,
            "X-Qianshou-Timestamp": str(timestamp),
            SIGNATURE_HEADER: signature(delivery.secret, timestamp, body),
        }
        try:
            response = await self._client.post(
                address_url, content=body, headers=headers, extensions={"sni_hostname": target.host}
            )
        except httpx.HTTPError as exc:
            return Attempt(delivery, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        problem = platform_error(delivery.format, response) if response.is_success else f"HTTP {response.status_code}"
        return Attempt(delivery, response.status_code, problem)
