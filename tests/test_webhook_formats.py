"""What a delivery sends: formats, signatures, the address it connects to, backoff and the daily hour."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import parse_qs

import orjson
import pytest

from db.models import WebhookFormat
from resolvers.outbox import RetryPolicy
from resolvers.webhook_formats import body_of, dingtalk_query, signature
from resolvers.webhook_targets import Target, TargetRefused, is_public, resolve_target
from server.notifier import next_run
from server.webhook_worker import pinned_url

PAYLOAD = {
    "eventId": "e1",
    "kind": "MILESTONE_OVERDUE",
    "occurredAt": "2026-11-30T01:02:03+00:00",
    "title": "里程碑已逾期：「建立理事会制度」",
    "body": "已逾期 3 天",
    "pairing": {"id": "p", "programId": "q", "mentor": "商都社工", "supported": "心天地社工"},
    "milestone": None,
    "update": None,
}


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = body_of(WebhookFormat.PLAIN, PAYLOAD)
    expected = hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("k" * 16, 1700000000, body) == f"sha256={expected}"
    assert orjson.loads(body) == PAYLOAD


def test_wecom_and_dingtalk_get_their_markdown_messages():
    wecom = orjson.loads(body_of(WebhookFormat.WECOM, PAYLOAD))
    assert wecom["msgtype"] == "markdown"
    assert wecom["markdown"]["content"].splitlines()[:2] == ["### 里程碑已逾期：「建立理事会制度」", "已逾期 3 天"]
    assert "> 类型：里程碑已逾期" in wecom["markdown"]["content"]
    dingtalk = orjson.loads(body_of(WebhookFormat.DINGTALK, PAYLOAD))
    assert dingtalk["msgtype"] == "markdown" and dingtalk["markdown"]["title"] == PAYLOAD["title"]


def test_a_long_body_is_cut_to_what_wecom_takes():
    content = orjson.loads(body_of(WebhookFormat.WECOM, {**PAYLOAD, "body": "长" * 5000}))["markdown"]["content"]
    assert len(content.encode()) <= 4000


def test_dingtalk_signing_follows_dingtalk():
    query = parse_qs(dingtalk_query("SECabc", 1700000000000))
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert query == {"timestamp": ["1700000000000"], "sign": [base64.b64encode(digest).decode()]}


def test_a_delivery_connects_to_the_checked_address_with_the_original_host():
    target = Target("https://robot.example.org/send?key=1", "robot.example.org", 443, ("203.0.113.7",))
    assert pinned_url(target, "https://robot.example.org/send?key=1") == (
        "https://203.0.113.7/send?key=1",
        "robot.example.org",
    )
    target6 = Target("http://h.example:8080/x", "h.example", 8080, ("2001:db8::1",))
    assert pinned_url(target6, "http://h.example:8080/x") == ("http://[2001:db8::1]:8080/x", "h.example:8080")


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address, public):
    assert is_public(address) is public


async def test_every_resolved_address_is_checked_at_send_time_too():
    with pytest.raises(TargetRefused, match="non-public address 127.0.0.1"):
        await resolve_target("http://localhost:9/x", allow_private=False)
    allowed = await resolve_target("http://127.0.0.1:9/x", allow_private=True)
    assert allowed.addresses == ("127.0.0.1",)


def test_backoff_doubles_up_to_its_cap():
    policy = RetryPolicy(base_seconds=10, max_seconds=60)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_the_daily_job_runs_at_the_next_china_hour():
    at_utc = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)  # 07:30 on Dec 1 in China
    assert next_run(at_utc, 8) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    assert next_run(at_utc, 7) == dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)
