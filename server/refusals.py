"""Refusals of a whole HTTP request that any route may raise, answered the same way everywhere:
RateLimited is 429 and an away database (server/outage.py) is 503, each with Retry-After, a JSON
body with its code and an X-Request-Id that the log line names. A client that stopped sending its
body (or was cut off for being too slow, server/timeouts.py) gets nothing: it is gone.

It wraps the whole application, so the answer is the same whether the failure came from token
authentication, a resolver or a report, and it can only answer before a response has started (a
report that fails halfway through streaming ends its connection; the client sees it incomplete).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import outage
from server.budget import CODE as RATE_LIMITED
from server.budget import RateLimited
from server.graphql_http import error_payload, json_response
from server.i18n import language_of, pick

log = logging.getLogger("qianshou")


class Refusals:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            return
        except Exception as exc:
            language = language_of(Headers(scope=scope).get("accept-language"))
            response = None if started else refusal(exc, scope.get("path", ""), language)
            if response is None:
                raise
            await response(scope, receive, send)


def refusal(error: Exception, path: str, language: str) -> Response | None:
    """The answer to a refused request, or None when `error` is no refusal (a bug: let it be a 500)."""
    request_id = uuid.uuid4().hex
    if isinstance(error, RateLimited):
        message = pick(language, str(error), error.message_zh)
        return _answer(request_id, 429, message, RATE_LIMITED, error.message_zh, error.retry_after)
    if outage.database_away(error):
        log.warning("request %s to %s: the database is unavailable: %s", request_id, path, outage.describe(error))
        message = pick(language, outage.MESSAGE, outage.MESSAGE_ZH)
        return _answer(request_id, 503, message, outage.CODE, outage.MESSAGE_ZH, str(outage.RETRY_AFTER_SECONDS))
    return None


def _answer(request_id: str, status: int, message: str, code: str, message_zh: str, retry_after: str) -> Response:
    # messageZh stays beside the chosen message for clients that show both languages.
    payload: dict[str, Any] = error_payload(message, code, messageZh=message_zh)
    payload["extensions"] = {"requestId": request_id}
    return json_response(payload, status, headers={"Retry-After": retry_after, "X-Request-Id": request_id})
