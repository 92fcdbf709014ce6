"""The Starlette application: /graphql, /healthz, /readyz."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.engine import Database
from db.migrate import upgrade
from resolvers.scope import Scope, china_today
from schema.schema import schema
from server.graphql_http import BadRequest, error_payload, execute, graphiql_page, json_response, read_request
from server.settings import Settings, load_settings

log = logging.getLogger("qianshou")


class Service:
    """What the routes share for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database.from_url(settings.database_url, pool_size=settings.db_pool_size)

    def scope(self) -> Scope:
        return Scope(db=self.db, today=self.settings.today or china_today())

    async def graphql(self, request: Request) -> Response:
        if request.method == "GET" and not request.query_params.get("query"):
            if self.settings.production:
                return json_response(error_payload("GraphiQL is off in production", "NOT_FOUND"), status=404)
            return graphiql_page()
        try:
            graphql_request = await read_request(request)
        except BadRequest as exc:
            return json_response(error_payload(str(exc), "BAD_REQUEST"), status=exc.status)
        return json_response(await execute(schema, graphql_request, self.scope()))

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
        yield
        await service.db.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", service.graphql, methods=["GET", "POST"]),
            Route("/healthz", service.healthz, methods=["GET"]),
            Route("/readyz", service.readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.service = service
    return app
