"""GraphQL subscriptions over WebSocket at /graphql: graphql-transport-ws only.

Strawberry runs the protocol; this view builds the connection's scope and authenticates the token
that the client sends in `connection_init` ({"authorization": "Bearer ..."} or {"token": "..."}),
since browsers cannot set headers on a WebSocket handshake; without one, the session cookie of the
handshake, but only when the page that opened the socket is of this server's own origin (or one
of QIANSHOU_CORS_ORIGINS): browsers send cookies with any page's handshake, so a cookie from
another origin's page is ignored (no cross-site WebSocket hijacking). Every operation sent over the
socket passes the same checks as an HTTP request (limits, production rules) before it runs, and
spends from the same caller's request budget (server/budget.py). A connection whose token is
revoked, or whose session has ended, is closed (server/revocation.py); one that cannot reach the
database at connection_init is closed with 1013 (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from graphql import GraphQLError, GraphQLFormattedError
from starlette.datastructures import Headers
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError

from resolvers.access import ANONYMOUS, Actor
from resolvers.broker import Broker, ConnectionScope
from resolvers.credentials import Credentials
from resolvers.errors import ApiError, ErrorCode
from resolvers.sessions import SessionPolicy, hash_secret
from server import outage
from server.auth import SESSION_COOKIE, Unauthenticated, caller_key, signed_in_actor
from server.budget import CODE as RATE_LIMITED
from server.budget import Budget, RateLimited
from server.graphql_errors import format_error
from server.graphql_http import (
    BadRequest,
    check_document,
    check_extensions,
    error_payload,
    graphql_request,
)
from server.i18n import language_of, pick
from server.limits import Limits
from server.metrics import (
    Observer,
    note_caller,
    note_operation,
    note_payload,
    streaming,
)
from server.revocation import Credential, OpenSockets
from server.settings import Settings

log = logging.getLogger("qianshou.websocket")

MAX_SUBSCRIPTIONS_PER_CONNECTION = 10
SLOW_SUBSCRIBER_CLOSE_CODE = 4429
SLOW_SUBSCRIBER_REASON = "subscriber too slow"
RATE_LIMITED_CLOSE_CODE = 4429
TRY_AGAIN_LATER_CLOSE_CODE = 1013
DATABASE_AWAY_REASON = "database unavailable; retry shortly; 数据库暂时无法访问"
REVOKED_CLOSE_CODE = 4403
REVOKED_REASON = "token revoked; 令牌已被撤销"
SESSION_ENDED_REASON = "session ended; sign in again; 登录已失效，请重新登录"


def token_from_params(params: dict[str, Any]) -> str | None:
    """The raw token of a connection_init payload; None when it carries none, refused when the
    client meant to send one but it is malformed (as a malformed HTTP header is)."""
    authorization = params.get("authorization", params.get("Authorization"))
    if authorization is not None:
        scheme, _, token = str(authorization).strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                ErrorCode.UNAUTHENTICATED,
                "`authorization` must be `Bearer TOKEN`",
                message_zh="`authorization` 的格式必须是 `Bearer TOKEN`",
            )
        return token.strip()
    given = params.get("token")
    if given is not None and (not isinstance(given, str) or not given.strip()):
        raise ApiError(
            ErrorCode.UNAUTHENTICATED, "`token` must be a non-empty string", message_zh="`token` 必须是非空字符串"
        )
    return None if given is None else given.strip()


class _Formatted(GraphQLError):
    """An error already formatted for the client (by `format_error`), sent as it is."""

    def __init__(self, formatted: dict[str, Any]) -> None:
        super().__init__(formatted["message"])
        self._formatted = formatted

    @property
    def formatted(self) -> dict[str, Any]:  # type: ignore[override]
        return self._formatted


@dataclass
class SocketScope(ConnectionScope):
    """A connection's scope with what only the server knows of it: the address it came from, and the
    session cookie of its handshake when its origin may use it."""

    client: str = "unknown"
    session_cookie: str | None = None


class CheckedTransportWS(BaseGraphQLTransportWSHandler[SocketScope, None]):
    """graphql-transport-ws under the rules of HTTP: each `subscribe` (query, mutation or
    subscription) passes server/graphql_http.py's `check_document` first, and a refusal is an
    `error` message before anything runs; results' errors are shown as `format_error` shows them."""

    view: SubscriptionView
    context: SocketScope

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What each operation's `subscribe` carried beside what Strawberry keeps, by operation id.
        self._extensions: dict[str, Any] = {}

    async def handle_subscribe(self, message: Any) -> None:
        payload = message.get("payload")
        if not isinstance(payload, dict):  # Strawberry would fail on it with a TypeError
            await self.websocket.close(code=4400, reason="Invalid subscribe payload; subscribe 的 payload 必须是对象")
            return
        operation_id = message.get("id")
        self._extensions[operation_id] = payload.get("extensions")
        await super().handle_subscribe(message)
        if operation_id not in self.operations:  # refused: no operation will take them
            self._extensions.pop(operation_id, None)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except RateLimited as exc:
            reason = f"too many requests; retry in {exc.retry_after} s; 请求过于频繁"
            await self.websocket.close(code=RATE_LIMITED_CLOSE_CODE, reason=reason)
            return
        except Exception as exc:
            if not outage.database_away(exc):
                raise
            log.warning("WebSocket connection_init: the database is unavailable: %s", outage.describe(exc))
            await self.websocket.close(code=TRY_AGAIN_LATER_CLOSE_CODE, reason=DATABASE_AWAY_REASON)
            return
        if self.connection_acknowledged and (credential := self._credential()) is not None:
            self.view.open_sockets.add(self, credential, functools.partial(self._close_ended, credential))

    def _credential(self) -> Credential | None:
        actor, cookie = self.context.actor, self.context.session_cookie
        if actor.token_id is not None:
            return Credential(token_id=actor.token_id)
        if actor.account_id is not None and cookie:  # signed in by the cookie (SubscriptionView.actor_of)
            return Credential(session_hash=hash_secret(cookie))
        return None

    async def _close_ended(self, credential: Credential) -> None:
        reason = REVOKED_REASON if credential.token_id is not None else SESSION_ENDED_REASON
        await self.websocket.close(code=REVOKED_CLOSE_CODE, reason=reason)

    async def shutdown(self) -> None:
        self.view.open_sockets.discard(self)
        await super().shutdown()

    async def run_operation(self, operation: Operation[SocketScope, None]) -> None:
        """Logged and counted as an HTTP request is (server/metrics.py); a subscription's line and
        samples come when it ends, with the statements of every event it sent."""
        language = self.context.language
        extensions = self._extensions.pop(operation.id, None)
        with self.view.observer.observing(self.context.request_id, "websocket") as record:
            status = 500
            try:
                note_caller(self.context.actor)
                try:
                    await self.view.budget.spend(self.context.actor, self.context.client)
                except RateLimited as exc:
                    extensions = {"code": RATE_LIMITED, "retryAfter": int(exc.retry_after)}
                    payload = [{"message": pick(language, str(exc), exc.message_zh), "extensions": extensions}]
                    status = 429
                    await operation.send_operation_message(_error_message(operation.id, payload))
                    return
                if errors := self.view.refusal(
                    operation.query, operation.variables, operation.operation_name, extensions, language
                ):
                    note_payload({"errors": errors})
                    status = 400
                    await operation.send_operation_message(_error_message(operation.id, errors))
                    return
                # A query may read from a replica; a subscription reads from the primary, whose NOTIFY
                # its events follow (db/replicas.py).
                db = self.view.broker.db
                with db.routed(caller_key(self.context.actor), replicas=record.type == "query"):
                    await super().run_operation(operation)
                status = 200
            except asyncio.CancelledError:  # the client stopped it or left: an ending, not a failure
                status = 200
                raise
            finally:
                self.view.observer.finish(record, status)

    async def _send_result_stream(self, operation: Operation[SocketScope, None], result_source: StreamResult) -> None:
        await super()._send_result_stream(operation, self._formatted(result_source))

    async def _formatted(self, results: StreamResult) -> StreamResult:
        production = self.view.settings.production
        with streaming():
            async for result in results:
                if isinstance(result, ExecutionResult) and not isinstance(result, PreExecutionError) and result.errors:
                    errors = [
                        format_error(e, self.context.request_id, production=production, language=self.context.language)
                        for e in result.errors
                    ]
                    note_payload({"errors": errors})
                    result = dataclasses.replace(result, errors=[_Formatted(error) for error in errors])
                yield result


def _error_message(operation_id: str, errors: list[dict[str, Any]]) -> ErrorMessage:
    # Our errors are formatted as graphql-core's GraphQLFormattedError is, as plain dicts that carry
    # our extensions (server/graphql_errors.py): the same JSON, which strawberry's TypedDict cannot tell.
    return {"id": operation_id, "type": "error", "payload": cast("list[GraphQLFormattedError]", errors)}


def cookie_origin_allowed(headers: Headers, allowed_origins: list[str]) -> bool:
    """Whether the page that opened the socket may act with the browser's cookie: no Origin (not a
    browser), this server's own origin, or a listed one (never by `*`)."""
    origin = headers.get("origin")
    if origin is None or headers.get("sec-fetch-site") == "same-origin":
        return True
    origin = origin.strip().rstrip("/").lower()
    host = headers.get("host", "").lower()
    listed = {allowed.lower() for allowed in allowed_origins if allowed != "*"}
    return origin in (f"http://{host}", f"https://{host}") or origin in listed


class SubscriptionView(GraphQL[SocketScope, None]):
    graphql_transport_ws_handler_class = CheckedTransportWS
    # The schema is strawberry's Schema, whose GraphQL schema check_document reads.
    schema: Schema

    def __init__(
        self,
        schema: Schema,
        *,
        broker: Broker,
        credentials: Credentials,
        settings: Settings,
        sessions: SessionPolicy,
        clock: Callable[[], Any],
        budget: Budget,
        observer: Observer,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
            # A page on another origin (a dashboard) may connect with its own token in
            # connection_init; it never acts with the browser's cookie (see SocketScope).
            allowed_origins=["*"],
        )
        self.broker = broker
        self.credentials = credentials
        self.settings = settings
        self.sessions = sessions
        self.limits = Limits.of(settings)
        self.clock = clock
        self.budget = budget
        self.open_sockets = OpenSockets(broker.db, settings.credential_recheck_seconds)
        self.observer = observer
        self._closing: set[asyncio.Task[None]] = set()

    async def get_context(self, request: Any, response: Any) -> SocketScope:
        scope = SocketScope(
            db=self.broker.db,
            broker=self.broker,
            clock=self.clock,
            today=self.clock(),
            language=language_of(request.headers.get("accept-language")),
        )
        if isinstance(response, WebSocket):
            scope.on_overflow = self._closer(response)
            scope.client = response.client.host if response.client else "unknown"
            if cookie_origin_allowed(request.headers, self.settings.allowed_origins):
                scope.session_cookie = request.cookies.get(SESSION_COOKIE)
        return scope

    async def on_ws_connect(self, context: SocketScope) -> None:
        """Authenticates connection_init, charged to the caller's budget as an HTTP request is."""
        try:
            context.actor = await self.actor_of(token_from_params(context.connection_params or {}), context)
        except (ApiError, Unauthenticated) as exc:
            if isinstance(exc, ApiError) and exc.code is not ErrorCode.UNAUTHENTICATED:
                raise
            await self.budget.spend(None, context.client)
            log.info("WebSocket connection refused: %s", exc)
            raise ConnectionRejectionError() from None
        await self.budget.spend(context.actor, context.client)
        context.refresh()

    async def actor_of(self, token: str | None, context: SocketScope) -> Actor:
        """As for HTTP (server/auth.py): the token, else the session cookie; neither is the
        anonymous VIEWER in development only."""
        if token is not None:
            return await self.credentials.token_actor(token)
        if context.session_cookie:
            return await signed_in_actor(self.credentials, context.session_cookie, self.sessions)
        if self.settings.production:
            raise ApiError(
                ErrorCode.UNAUTHENTICATED,
                "sign in, or send a token in connection_init",
                message_zh="请先登录，或在 connection_init 中发送令牌",
            )
        return ANONYMOUS

    def refusal(
        self, query: Any, variables: Any, operation_name: Any, extensions: Any, language: str
    ) -> list[dict[str, Any]]:
        """Why an operation may not run, as the errors HTTP would answer; empty when it may."""
        try:
            check_extensions(extensions)
            request = graphql_request(query, variables, operation_name)
        except BadRequest as exc:
            errors: list[dict[str, Any]] = error_payload(pick(language, str(exc), exc.message_zh), exc.code)["errors"]
            return errors
        checked = check_document(
            self.schema, request, self.limits, production=self.settings.production, language=language
        )
        if checked.document is not None:
            note_operation(checked.document, request.operation_name, checked.operation)
        return checked.errors

    def _closer(self, websocket: WebSocket) -> Callable[[], None]:
        async def close_now() -> None:
            with contextlib.suppress(RuntimeError):  # the client left first
                await websocket.close(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_REASON)

        def close() -> None:
            task = asyncio.create_task(close_now())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        return close
