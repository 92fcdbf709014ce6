"""What a webhook delivery sends: the body in the subscription's format, and its signature.

Signature: `X-Qianshou-Signature: sha256=<hex>` where hex is HMAC-SHA256, keyed with the
subscription's secret (its UTF-8 bytes), of the bytes `<timestamp>.<body>`: the decimal Unix time
in seconds sent as `X-Qianshou-Timestamp`, one ASCII full stop, then the request body exactly as
sent. A receiver recomputes it over the raw body, compares in constant time, and refuses old
timestamps (replays); `X-Qianshou-Event-Id` repeats across retries of the same event, for
de-duplication. DingTalk robots with 加签 check their own signature, sent as the `timestamp` and
`sign` query parameters computed as DingTalk documents.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import orjson

from db.models import WebhookFormat
from resolvers.labels import zh

SIGNATURE_HEADER = "X-Qianshou-Signature"
# WeCom takes at most 4096 bytes of markdown; leave room for the JSON around it.
MARKDOWN_LIMIT = 4000


def _markdown(payload: dict[str, Any]) -> str:
    pairing = payload["pairing"]
    lines = [
        f"### {payload['title']}",
        payload["body"],
        "",
        f"> 类型：{zh('NotificationKind', payload['kind'])}",
        f"> 结对：{pairing['mentor']} — {pairing['supported']}",
        f"> 时间：{payload['occurredAt'][:19].replace('T', ' ')} UTC",
    ]
    text = "\n".join(lines)
    return text if len(text.encode()) <= MARKDOWN_LIMIT else text.encode()[:MARKDOWN_LIMIT].decode(errors="ignore")


def body_of(format: WebhookFormat, payload: dict[str, Any]) -> bytes:
    if format is WebhookFormat.WECOM:
        return orjson.dumps({"msgtype": "markdown", "markdown": {"content": _markdown(payload)}})
    if format is WebhookFormat.DINGTALK:
        return orjson.dumps(
            {"msgtype": "markdown", "markdown": {"title": payload["title"], "text": _markdown(payload)}}
        )
    return orjson.dumps(payload)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def dingtalk_query(secret: str, timestamp_ms: int) -> str:
    """`timestamp=…&sign=…` for a DingTalk robot with 加签: base64 of HMAC-SHA256 of "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return f"timestamp={timestamp_ms}&sign={quote(base64.b64encode(digest).decode(), safe='')}"
