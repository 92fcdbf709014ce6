"""The language of a response: Chinese when the request's Accept-Language prefers it, else English.

Decided once per request (or WebSocket connection) and kept on its scope; messages are then chosen
where the response is built: userErrors in schema/inputs.py, GraphQL errors in `format_error`,
refusals of the request as a whole in server/."""

from __future__ import annotations

from resolvers.errors import CHINESE, ENGLISH, localized
from server.headers import preferred

__all__ = ["CHINESE", "ENGLISH", "language_of", "pick"]


def language_of(accept_language: str | None) -> str:
    """CHINESE when the most preferred language of the header is Chinese (zh, zh-CN, zh-Hans, ...).
    Ties keep the header's order; no header, or anything else first, is ENGLISH."""
    tag = preferred(accept_language or "", lambda tag: tag)
    return CHINESE if tag is not None and tag.split("-")[0] == CHINESE else ENGLISH


pick = localized
