"""GraphQL errors as the client sees them: in the request's language, with a code, and in
production without the internals of a failure of ours (logged here in full instead)."""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from server import outage
from server.i18n import CHINESE, ENGLISH, pick

log = logging.getLogger("qianshou.graphql")

INTERNAL_MESSAGE = "internal error; the server log has the details under this request's requestId"
INTERNAL_MESSAGE_ZH = "服务器内部错误；服务器日志中按此请求的 requestId 记有详情"
# graphql-core appends " Did you mean ...?" to some messages it makes outside validation.
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def formatted(error: GraphQLError, code: str, language: str = ENGLISH) -> dict[str, Any]:
    """graphql-core's own messages (syntax, validation) stay in English; ours have a Chinese one."""
    formatted: dict[str, Any] = dict(error.formatted)  # a plain dict: extensions are ours to add
    formatted["message"] = pick(language, formatted["message"], getattr(error, "message_zh", None))
    formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted


def format_error(error: GraphQLError, request_id: str, *, production: bool, language: str) -> dict[str, Any]:
    """An error as the client sees it, in the request's language. Errors the API raised on purpose
    carry their code; any other failure is INTERNAL, logged in full here and, in production, shown
    without its message."""
    formatted: dict[str, Any] = dict(error.formatted)  # a plain dict: its keys are changed below
    extensions = formatted.get("extensions") or {}
    if "code" in extensions:
        if language == CHINESE:
            translated = getattr(error.original_error, "message_zh", None) or getattr(error, "message_zh", None)
            formatted["message"] = translated or formatted["message"]
        return formatted
    if outage.database_away(error.original_error):
        log.warning("request %s: the database is unavailable: %r", request_id, error.original_error)
        extensions = {"code": outage.CODE, "messageZh": outage.MESSAGE_ZH, "retryAfter": outage.RETRY_AFTER_SECONDS}
        where = {key: value for key, value in formatted.items() if key in ("locations", "path")}
        return {"message": pick(language, outage.MESSAGE, outage.MESSAGE_ZH), **where, "extensions": extensions}
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        # About the request itself (its document or variables), not a failure of ours.
        if production:
            formatted["message"] = SUGGESTION.sub("", formatted["message"])
        formatted["extensions"] = {**extensions, "code": "GRAPHQL_VALIDATION_FAILED"}
        return formatted
    log.error(
        "request %s: unexpected error at %s",
        request_id,
        ".".join(str(part) for part in error.path or ()),
        exc_info=error.original_error,
    )
    if production:
        formatted = {key: value for key, value in formatted.items() if key in ("locations", "path")}
        formatted["message"] = pick(language, INTERNAL_MESSAGE, INTERNAL_MESSAGE_ZH)
    formatted["extensions"] = {"code": "INTERNAL", "requestId": request_id}
    return formatted
