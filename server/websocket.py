"""GraphQL subscriptions over WebSocket at /graphql: graphql-transport-ws only.

Strawberry runs the protocol; this view builds the connection's scope and authenticates the token
that the client sends in `connection_init` ({"authorization": "Bearer ..."} or {"token": "..."}),
since browsers cannot set headers on a WebSocket handshake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from resolvers.access import ANONYMOUS, Actor
from resolvers.broker import Broker, ConnectionScope
from resolvers.errors import ApiError, ErrorCode
from resolvers.tokens import authenticate
from server.settings import Settings

log = logging.getLogger("qianshou.websocket")

MAX_SUBSCRIPTIONS_PER_CONNECTION = 10
SLOW_SUBSCRIBER_CLOSE_CODE = 4429
SLOW_SUBSCRIBER_REASON = "subscriber too slow"


def token_from_params(params: dict[str, Any]) -> str | None:
    """The raw token of a connection_init payload; None when it carries none, refused when the
    client meant to send one but it is malformed (as a malformed HTTP header is)."""
    authorization = params.get("authorization", params.get("Authorization"))
    if authorization is not None:
        scheme, _, token = str(authorization).strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(ErrorCode.UNAUTHENTICATED, "`authorization` must be `Bearer TOKEN`")
        return token.strip()
    token = params.get("token")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ApiError(ErrorCode.UNAUTHENTICATED, "`token` must be a non-empty string")
    return None if token is None else token.strip()


class SubscriptionView(GraphQL):
    def __init__(
        self,
        schema: Any,
        *,
        broker: Broker,
        settings: Settings,
        clock: Callable[[], Any],
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
            # Credentials travel in connection_init, never in cookies, so a page on another origin
            # (a dashboard) gains nothing it could not do with its own token.
            allowed_origins=["*"],
        )
        self.broker = broker
        self.settings = settings
        self.clock = clock
        self._closing: set[asyncio.Task[None]] = set()

    async def get_context(self, request: Any, response: Any) -> ConnectionScope:
        scope = ConnectionScope(db=self.broker.db, broker=self.broker, clock=self.clock, today=self.clock())
        if isinstance(response, WebSocket):
            scope.on_overflow = self._closer(response)
        return scope

    async def on_ws_connect(self, context: ConnectionScope) -> None:
        try:
            context.actor = await self.actor_of(token_from_params(context.connection_params or {}))
        except ApiError as exc:
            if exc.code is not ErrorCode.UNAUTHENTICATED:
                raise
            log.info("WebSocket connection refused: %s", exc)
            raise ConnectionRejectionError() from None
        context.refresh()

    async def actor_of(self, token: str | None) -> Actor:
        """As for HTTP (server/auth.py): no token is the anonymous VIEWER in development only."""
        if token is None:
            if self.settings.production:
                raise ApiError(ErrorCode.UNAUTHENTICATED, "a token is required in connection_init")
            return ANONYMOUS
        return await authenticate(self.broker.db, token)

    def _closer(self, websocket: WebSocket) -> Callable[[], None]:
        async def close_now() -> None:
            try:
                await websocket.close(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_REASON)
            except RuntimeError:  # the client left first
                pass

        def close() -> None:
            task = asyncio.create_task(close_now())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        return close
