"""Who is calling: an `Authorization: Bearer` token, or else a session cookie, turned into an Actor.

A token always wins over a cookie, so machine clients are unaffected by whatever cookies they hold.
A request that a cookie authenticates and that is not a read (GET, HEAD) must carry
`X-Requested-With: qianshou-web`: a page on another origin cannot send that header without a CORS
preflight, which only the allowed origins pass, so a forged cross-site form or fetch is refused.
"""

from __future__ import annotations

from starlette.requests import Request

from resolvers.access import ANONYMOUS, Actor
from resolvers.credentials import Credentials
from resolvers.errors import ApiError, ErrorCode
from resolvers.sessions import SessionPolicy

SESSION_COOKIE = "qianshou_session"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "qianshou-web"
SAFE_METHODS = frozenset({"GET", "HEAD"})


class Unauthenticated(Exception):
    """The request must be refused with 401; the message says why without echoing the token.
    `expired_cookie`: the request's session cookie named no live session, so the answer clears it."""

    def __init__(self, message: str, *, message_zh: str, expired_cookie: bool = False) -> None:
        super().__init__(message)
        self.message_zh = message_zh
        self.expired_cookie = expired_cookie


class CsrfRefused(Exception):
    """A cookie-authenticated write without the header only our own pages send: 403 CSRF."""

    message = f"a signed-in request other than GET must carry the header `X-Requested-With: {CSRF_VALUE}`"
    message_zh = f"已登录的非 GET 请求必须带有请求头 `X-Requested-With: {CSRF_VALUE}`"


def caller_key(actor: Actor) -> str:
    """Whose earlier writes a request must read (db/replicas.py): its token's, its account's, else its name's."""
    if actor.token_id is not None:
        return f"token:{actor.token_id}"
    if actor.account_id is not None:
        return f"account:{actor.account_id}"
    return f"name:{actor.name}"


async def actor_of(request: Request, credentials: Credentials, *, production: bool, sessions: SessionPolicy) -> Actor:
    """The token's actor, else the session cookie's. Neither: the anonymous VIEWER in development,
    refused in production. A malformed header, an unknown or revoked token, or a cookie of a
    session that has ended is refused whatever the mode."""
    header = request.headers.get("authorization")
    if header is not None:
        return await _token_actor(credentials, header)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await cookie_actor(request, credentials, cookie, sessions)
    if production:
        raise Unauthenticated(
            "sign in, or send a token: `Authorization: Bearer TOKEN`",
            message_zh="请先登录，或发送令牌：`Authorization: Bearer TOKEN`",
        )
    return ANONYMOUS


async def _token_actor(credentials: Credentials, header: str) -> Actor:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated(
            "the Authorization header must be `Bearer TOKEN`",
            message_zh="Authorization 请求头的格式必须是 `Bearer TOKEN`",
        )
    try:
        return await credentials.token_actor(secret.strip())
    except ApiError as exc:
        if exc.code is ErrorCode.UNAUTHENTICATED:
            raise Unauthenticated(str(exc), message_zh=exc.message_zh or str(exc)) from None
        raise


async def cookie_actor(request: Request, credentials: Credentials, cookie: str, sessions: SessionPolicy) -> Actor:
    actor = await signed_in_actor(credentials, cookie, sessions)
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise CsrfRefused()
    return actor


async def signed_in_actor(credentials: Credentials, cookie: str, sessions: SessionPolicy) -> Actor:
    """The account of a session cookie; Unauthenticated when its session has ended."""
    actor = await credentials.session_actor(cookie, sessions) if len(cookie) <= 100 else None
    if actor is None:
        raise Unauthenticated(
            "your session has ended; sign in again", message_zh="登录已失效，请重新登录", expired_cookie=True
        )
    return actor
