"""Who is calling: the Authorization header turned into an Actor."""

from __future__ import annotations

from starlette.requests import Request

from db.engine import Database
from resolvers.access import ANONYMOUS, Actor
from resolvers.errors import ApiError, ErrorCode
from resolvers.tokens import authenticate


class Unauthenticated(Exception):
    """The request must be refused with 401; the message says why without echoing the token."""


async def actor_of(request: Request, db: Database, *, production: bool) -> Actor:
    """The token's actor. No token: the anonymous VIEWER in development, refused in production.
    A malformed header, or an unknown or revoked token, is refused whatever the mode."""
    header = request.headers.get("authorization")
    if header is None:
        if production:
            raise Unauthenticated("a token is required: send `Authorization: Bearer TOKEN`")
        return ANONYMOUS
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be `Bearer TOKEN`")
    try:
        return await authenticate(db, secret.strip())
    except ApiError as exc:
        if exc.code is ErrorCode.UNAUTHENTICATED:
            raise Unauthenticated(str(exc)) from None
        raise
