"""The Starlette application: /graphql, /healthz, /readyz."""

from __future__ import annotations

import contextlib
import gc
import logging
import uuid
from collections.abc import AsyncIterator

from graphql import OperationType
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from db import fast_paths
from db.engine import Database
from db.migrate import upgrade
from resolvers.access import Actor
from resolvers.broker import Broker
from resolvers.scope import Scope, china_today
from schema.schema import schema
from server.auth import Unauthenticated, actor_of
from server.graphql_http import (
    GRAPHQL_RESPONSE,
    BadRequest,
    check_document,
    error_payload,
    execute,
    execution_status,
    json_response,
    negotiate,
    read_request,
)
from server.limits import Limits
from server.ratelimit import RateLimiter, retry_after
from server.reports import ReportRoutes
from server.settings import Settings, load_settings
from server.web import graphiql_page, web_routes
from server.websocket import SubscriptionView

log = logging.getLogger("qianshou")

GC_YOUNG_THRESHOLD = 10_000


class Service:
    """What the routes share for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        fast_paths.use(settings.fast_paths)
        self.db = Database.from_url(settings.database_url, pool_size=settings.db_pool_size)
        self.broker = Broker(self.db, queue_size=settings.subscriber_queue_size)
        self.subscriptions = SubscriptionView(schema, broker=self.broker, settings=settings, clock=self.today)
        self.limits = Limits.of(settings)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)

    def today(self):
        return self.settings.today or china_today()

    def scope(self, actor: Actor, request_id: str) -> Scope:
        return Scope(db=self.db, actor=actor, today=self.today(), request_id=request_id)

    async def graphql(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        response = await self._graphql(request, request_id)
        response.headers["X-Request-Id"] = request_id
        return response

    async def _graphql(self, request: Request, request_id: str) -> Response:
        """Each step can refuse the request; the cheap ones come first, execution last."""
        production = self.settings.production
        # A GET with neither a query nor a persisted-query hash is a browser asking for GraphiQL.
        if request.method == "GET" and not {"query", "extensions"} & request.query_params.keys():
            if production:
                return json_response(error_payload("GraphiQL is off in production", "NOT_FOUND"), status=404)
            return graphiql_page()
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            message = f"this endpoint answers in {GRAPHQL_RESPONSE} or application/json"
            return json_response(error_payload(message, "NOT_ACCEPTABLE"), status=406)

        def answer(payload: dict, status: int = 200, headers: dict[str, str] | None = None) -> Response:
            if payload.get("errors"):
                payload["extensions"] = {"requestId": request_id}
            return json_response(payload, status, media_type, headers)

        client = request.client.host if request.client else "unknown"
        try:
            actor = await actor_of(request, self.db, production=production)
        except Unauthenticated as exc:
            # Failed attempts count against the client's address, so guessing tokens is slow.
            if (wait := self.rate_limiter.hit(f"ip:{client}")) is not None:
                return self._too_many(answer, wait)
            return answer(error_payload(str(exc), "UNAUTHENTICATED"), 401, {"WWW-Authenticate": "Bearer"})
        key = f"token:{actor.token_id}" if actor.token_id is not None else f"ip:{client}"
        if (wait := self.rate_limiter.hit(key)) is not None:
            return self._too_many(answer, wait)
        try:
            graphql_request = await read_request(request, self.settings.max_body_bytes)
        except BadRequest as exc:
            return answer(error_payload(str(exc), exc.code), exc.status)
        checked = check_document(schema, graphql_request, self.limits, production=production)
        if checked.document is None:
            return answer({"errors": checked.errors}, 400 if media_type == GRAPHQL_RESPONSE else 200)
        if request.method == "GET" and checked.operation in (OperationType.MUTATION, OperationType.SUBSCRIPTION):
            message = "only queries may be sent with GET; send mutations with POST"
            return answer(error_payload(message, "METHOD_NOT_ALLOWED"), 405, {"Allow": "POST"})
        payload = await execute(checked.document, graphql_request, self.scope(actor, request_id), production=production)
        return answer(payload, execution_status(payload) if media_type == GRAPHQL_RESPONSE else 200)

    @staticmethod
    def _too_many(answer, wait: float) -> Response:
        seconds = retry_after(wait)
        message = f"too many requests: the limit is per minute; retry in {seconds} s"
        return answer(error_payload(message, "RATE_LIMITED"), 429, {"Retry-After": seconds})

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        try:
            await self.db.ping()
        except Exception as exc:  # any failure to answer means not ready
            log.warning("readiness check failed: %s", exc)
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    service = Service(settings or load_settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if service.db.is_sqlite:
            # The embedded default must work on a new machine with no set-up step.
            await upgrade(service.db.write_engine)
        await service.broker.start()
        # Everything built so far (schema, engines, imported modules) lives as long as the process:
        # keep it out of the collector's scans, which otherwise stall a request now and then.
        gc.collect()
        gc.freeze()
        # A dashboard page allocates tens of thousands of short-lived objects, almost none in
        # cycles: collecting the young generation every 700 allocations cost about 5% of it. The
        # older generations keep their default pace, or cyclic garbage piles up between passes.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
        yield
        await service.broker.stop()
        await service.db.dispose()

    reports = ReportRoutes(service)
    app = Starlette(
        routes=[
            Route("/graphql", service.graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", service.subscriptions),
            Route("/reports/pairings.csv", reports.csv, methods=["GET"]),
            Route("/reports/pairings.xlsx", reports.xlsx, methods=["GET"]),
            Route("/healthz", service.healthz, methods=["GET"]),
            Route("/readyz", service.readyz, methods=["GET"]),
            *web_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.service = service
    return app
