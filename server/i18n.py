"""The language of a response: Chinese when the request's Accept-Language prefers it, else English.

Decided once per request (or WebSocket connection) and kept on its scope; messages are then chosen
where the response is built: userErrors in schema/inputs.py, GraphQL errors in `format_error`,
refusals of the request as a whole in server/."""

from __future__ import annotations

from resolvers.errors import CHINESE, ENGLISH, localized

__all__ = ["CHINESE", "ENGLISH", "language_of", "pick"]


def language_of(accept_language: str | None) -> str:
    """CHINESE when the most preferred language of the header is Chinese (zh, zh-CN, zh-Hans, ...).
    Ties keep the header's order; no header, or anything else first, is ENGLISH."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (quality, -position, tag.lower())
        if best is None or candidate > best:
            best = candidate
    if best is not None and best[2].split("-")[0] == CHINESE:
        return CHINESE
    return ENGLISH


pick = localized
