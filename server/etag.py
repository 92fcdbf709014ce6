"""Conditional requests for queries (RFC 9110): dashboards that poll pay almost nothing while the
data stays the same.

A query sent with GET, or as a persisted query (by its hash, GET or POST), is answered with an
`ETag` and `Cache-Control: private, no-cache`; the browser's HTTP cache (or any client) sends the tag
back in `If-None-Match`, and while it still matches the answer is `304 Not Modified` with no body,
before the query runs. The tag is a hash of:

- the data version (resolvers/data_version.py), read before the query runs;
- who asks: the actor's identity and scope, so that no caller is ever answered 304 on another's tag;
- what is asked: document, variables, operation name, response media type and language;
- what answers: today's date (overdue and health depend on it), the code's fingerprint, so that a
  new release never confirms an answer the old one made, and the settings that decide answers.

The tag is compared before the document is even parsed: a tag is only ever given to a query answered
without errors, so a request that matches one is that same query, valid then and now. Mutations,
subscriptions, multipart requests and answers with errors get no tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import orjson
from starlette.responses import Response

from resolvers.access import Actor
from server.graphql_http import GraphQLRequest

CACHE_CONTROL = "private, no-cache"
ROOT = Path(__file__).resolve().parent.parent
# The packages whose code decides an answer.
CODE = ("db", "resolvers", "schema", "server")


def code_fingerprint() -> bytes:
    """A hash of the code's sources: the same on every worker and server of one release."""
    digest = hashlib.sha256()
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def conditional(request: GraphQLRequest) -> bool:
    """Whether a POST may be answered 304 and tagged: a persisted query, without files. (Every GET
    may; a GET is known by its query string as sent.)"""
    return request.persisted and not request.files


class Conditional:
    """Tags for one process, keyed by the code's fingerprint (made once, when the server starts) and
    the settings that decide answers."""

    def __init__(self, settings: object = None) -> None:
        self.key = hashlib.blake2b(code_fingerprint() + repr(settings).encode(), digest_size=32).digest()

    def tag(self, version: int, actor: Actor, today: dt.date, language: str, media_type: str, sent: object) -> str:
        """The tag of the answer to `sent` (a GET's query string, or a POST's query, variables and
        operation name) for this caller, as of data version `version`."""
        who = (
            actor.name,
            actor.role.value,
            actor.token_id,
            actor.account_id,
            actor.agency_id,
            actor.region_id,
            actor.region_path,
        )
        parts = orjson.dumps([version, today.isoformat(), who, media_type, language, sent], option=orjson.OPT_SORT_KEYS)
        digest = hashlib.blake2b(parts, digest_size=18, key=self.key)
        return f'W/"{digest.hexdigest()}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (weak comparison: `W/` is ignored), or is `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(_opaque(candidate) == _opaque(tag) for candidate in if_none_match.split(","))


def _opaque(tag: str) -> str:
    """The tag without its weakness mark, which some clients and proxies spell in lower case."""
    tag = tag.strip()
    return tag[2:] if tag[:2] in ("W/", "w/") else tag


def headers(tag: str) -> dict[str, str]:
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL}


def not_modified(tag: str) -> Response:
    return Response(status_code=304, headers=headers(tag))
