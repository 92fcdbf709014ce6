"""GraphQL subscriptions over WebSocket at /graphql: graphql-transport-ws only.

Strawberry runs the protocol; this view builds the connection's scope and authenticates the token
that the client sends in `connection_init` ({"authorization": "Bearer ..."} or {"token": "..."}),
since browsers cannot set headers on a WebSocket handshake. Every operation sent over the socket
passes the same checks as an HTTP request (limits, production rules) before it runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from resolvers.access import ANONYMOUS, Actor
from resolvers.broker import Broker, ConnectionScope
from resolvers.errors import ApiError, ErrorCode
from resolvers.tokens import authenticate
from server.graphql_http import (
    BadRequest,
    check_document,
    error_payload,
    format_error,
    graphql_request,
)
from server.limits import Limits
from server.metrics import (
    Observer,
    note_caller,
    note_operation,
    note_payload,
    streaming,
)
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


class _Formatted(GraphQLError):
    """An error already formatted for the client (by `format_error`), sent as it is."""

    def __init__(self, formatted: dict[str, Any]) -> None:
        super().__init__(formatted["message"])
        self._formatted = formatted

    @property
    def formatted(self) -> dict[str, Any]:  # type: ignore[override]
        return self._formatted


class CheckedTransportWS(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws under the rules of HTTP: each `subscribe` (query, mutation or
    subscription) passes server/graphql_http.py's `check_document` first, and a refusal is an
    `error` message before anything runs; results' errors are shown as `format_error` shows them."""

    view: SubscriptionView

    async def run_operation(self, operation: Operation) -> None:
        """Logged and counted as an HTTP request is (server/metrics.py); a subscription's line and
        samples come when it ends, with the statements of every event it sent."""
        with self.view.observer.observing(self.context.request_id, "websocket") as record:
            status = 500
            try:
                note_caller(self.context.actor)
                if errors := self.view.refusal(operation.query, operation.variables, operation.operation_name):
                    note_payload({"errors": errors})
                    status = 400
                    await operation.send_operation_message({"id": operation.id, "type": "error", "payload": errors})
                    return
                await super().run_operation(operation)
                status = 200
            except asyncio.CancelledError:  # the client stopped it or left: an ending, not a failure
                status = 200
                raise
            finally:
                self.view.observer.finish(record, status)

    async def _send_result_stream(self, operation: Operation, result_source: Any) -> None:
        await super()._send_result_stream(operation, self._formatted(result_source))

    async def _formatted(self, results: AsyncIterator[Any]) -> AsyncIterator[Any]:
        production = self.view.settings.production
        with streaming():
            async for result in results:
                if isinstance(result, ExecutionResult) and not isinstance(result, PreExecutionError) and result.errors:
                    errors = [format_error(e, self.context.request_id, production=production) for e in result.errors]
                    note_payload({"errors": errors})
                    result = dataclasses.replace(result, errors=[_Formatted(error) for error in errors])
                yield result


class SubscriptionView(GraphQL):
    graphql_transport_ws_handler_class = CheckedTransportWS

    def __init__(
        self,
        schema: Any,
        *,
        broker: Broker,
        settings: Settings,
        clock: Callable[[], Any],
        observer: Observer,
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
        self.limits = Limits.of(settings)
        self.clock = clock
        self.observer = observer
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

    def refusal(self, query: Any, variables: Any, operation_name: Any) -> list[dict[str, Any]]:
        """Why an operation may not run, as the errors HTTP would answer; empty when it may."""
        try:
            request = graphql_request(query, variables, operation_name)
        except BadRequest as exc:
            return error_payload(str(exc), exc.code)["errors"]
        checked = check_document(self.schema, request, self.limits, production=self.settings.production)
        if checked.document is not None:
            note_operation(checked.document, request.operation_name, checked.operation)
        return checked.errors

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
