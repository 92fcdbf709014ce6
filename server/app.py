"""The Starlette application: /graphql, /healthz, /readyz."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from graphql import OperationType
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from db.engine import Database
from db.migrate import upgrade
from db.reads import fast_paths
from resolvers.access import Actor
from resolvers.broker import Broker
from resolvers.credentials import Credentials
from resolvers.data_version import current_version
from resolvers.imports.files import ImportLimits
from resolvers.imports.jobs import wait_for_jobs
from resolvers.scope import Scope, china_today
from resolvers.sessions import SessionPolicy
from schema.schema import schema
from server import etag, outage
from server.answer_cache import Answer, AnswerCache
from server.auth import CsrfRefused, Unauthenticated, actor_of, caller_key
from server.budget import Budget, RateLimited
from server.cors import cors_middleware
from server.files import FileRoutes, evidence_files, upload_limits
from server.graphql_http import (
    GRAPHQL_RESPONSE,
    BadRequest,
    GraphQLRequest,
    check_document,
    error_payload,
    execute,
    execution_status,
    json_response,
    negotiate,
    read_request,
)
from server.i18n import language_of, pick
from server.imports import TemplateRoutes
from server.limits import Limits
from server.metrics import (
    Observer,
    metrics_endpoint,
    note_caller,
    note_named,
    note_operation,
    note_payload,
    worker_stopped,
)
from server.notifier import Notifier
from server.persisted_queries import PersistedQueries
from server.ratelimit import RateLimiter
from server.refusals import Refusals
from server.reports import ReportRoutes
from server.sessions import SessionRoutes, clear_cookie
from server.settings import Settings, load_settings
from server.shared_state import RedisBuckets, RedisDocuments, RedisPositions, SharedState
from server.tracing import Tracing
from server.web import graphiql_page, web_routes
from server.websocket import SubscriptionView

log = logging.getLogger("qianshou")

GC_YOUNG_THRESHOLD = 10_000


class Service:
    """What the routes share for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        fast_paths.use(settings.fast_paths)
        self.db = Database.from_url(
            settings.database_url,
            pool_size=settings.db_pool_size,
            replica_urls=settings.replica_urls,
            replica_max_lag=settings.replica_max_lag_seconds,
            replica_check_seconds=settings.replica_check_seconds,
        )
        self.broker = Broker(self.db, queue_size=settings.subscriber_queue_size)
        # Verified tokens and sessions, forgotten within a second of any change to them.
        self.credentials = Credentials(
            self.db, size=settings.credential_cache_size, ttl=settings.credential_cache_seconds
        )
        self.session_policy = SessionPolicy(
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            absolute=dt.timedelta(hours=settings.session_max_hours),
            max_failures=settings.sign_in_max_failures,
            window=dt.timedelta(minutes=settings.sign_in_lockout_minutes),
        )
        self.tracing = Tracing()
        self.observer = Observer(self.db, self.tracing, log_requests=settings.access_log)
        # Shared by every worker and server through Redis when there is one, else per process.
        self.shared = SharedState(settings.redis_url, settings.redis_prefix) if settings.redis_url else None
        if self.shared is None:
            self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
            self.documents = PersistedQueries()
        else:
            self.rate_limiter = RateLimiter(settings.rate_limit_per_minute, RedisBuckets(self.shared))
            self.documents = PersistedQueries(shared=RedisDocuments(self.shared))
            if self.db.replicas is not None:
                self.db.replicas.positions = RedisPositions(self.shared)
        if self.db.replicas is not None and self.shared is None and settings.workers > 1:
            log.warning(
                "read replicas without QIANSHOU_REDIS_URL: each worker knows only its own callers' writes, "
                "so a caller's next request on another worker may miss its write for up to %g s",
                settings.replica_max_lag_seconds,
            )
        self.budget = Budget(self.rate_limiter)
        self.subscriptions = SubscriptionView(
            schema,
            broker=self.broker,
            credentials=self.credentials,
            settings=settings,
            sessions=self.session_policy,
            clock=self.today,
            budget=self.budget,
            observer=self.observer,
        )
        self.limits = Limits.of(settings)
        self.import_limits = ImportLimits(
            max_bytes=settings.import_max_bytes,
            max_rows=settings.import_max_rows,
            background_bytes=settings.import_background_bytes,
        )
        # The webhook worker and the daily job (docs/user-guide.md: Notifications).
        self.notifier = Notifier(self.db, settings, self.today)
        self.files = evidence_files(settings)
        self.uploads = upload_limits(settings)
        # Settings that decide answers (limits, production's rules) are part of every tag.
        self.conditional = etag.Conditional(settings=(self.limits, settings.production))
        self.answers = AnswerCache(int(settings.answer_cache_mb * 1024 * 1024))

    def today(self) -> dt.date:
        return self.settings.today or china_today()

    def scope(self, actor: Actor, request_id: str, language: str, today: dt.date | None = None) -> Scope:
        return Scope(
            db=self.db,
            actor=actor,
            today=today or self.today(),
            request_id=request_id,
            files=self.files,
            language=language,
            import_limits=self.import_limits,
        )

    async def graphql(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        with self.observer.observing(request_id, "http") as record:
            status = 500  # unless an answer comes back
            try:
                # Authentication reads from the primary (a revoked token is refused at once); the
                # caller's query may then read from a replica (db/replicas.py), the data version of
                # its tag (server/etag.py) from the same one.
                with self.db.routed(None, replicas=False):
                    response = await self._graphql(request, request_id)
                status = response.status_code
            except Exception as exc:
                # Refusals (server/refusals.py) answers these two; counted as what the client gets.
                status = 429 if isinstance(exc, RateLimited) else 503 if outage.database_away(exc) else 500
                raise
            finally:
                self.observer.finish(record, status)
        response.headers["X-Request-Id"] = request_id
        return response

    async def _graphql(self, request: Request, request_id: str) -> Response:
        """Each step can refuse the request; the cheap ones come first, execution last."""
        production = self.settings.production
        language = language_of(request.headers.get("accept-language"))
        # A GET with neither a query nor a persisted-query hash is a browser asking for GraphiQL.
        if request.method == "GET" and not sends_operation(request):
            if production:
                message = pick(language, "GraphiQL is off in production", "生产环境下不提供 GraphiQL")
                return json_response(error_payload(message, "NOT_FOUND"), status=404)
            return graphiql_page()
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            message = pick(
                language,
                f"this endpoint answers in {GRAPHQL_RESPONSE} or application/json",
                f"此接口只以 {GRAPHQL_RESPONSE} 或 application/json 作答",
            )
            return json_response(error_payload(message, "NOT_ACCEPTABLE"), status=406)

        def answer(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
            note_payload(payload)
            if payload.get("errors"):
                payload["extensions"] = {"requestId": request_id}
            return json_response(payload, status, media_type, headers)

        try:
            actor = await self.caller(request)
        except Unauthenticated as exc:
            message = pick(language, str(exc), exc.message_zh)
            response = answer(error_payload(message, "UNAUTHENTICATED"), 401, {"WWW-Authenticate": "Bearer"})
            if exc.expired_cookie:
                clear_cookie(request, response)
            return response
        except CsrfRefused as exc:
            return answer(error_payload(pick(language, exc.message, exc.message_zh), "CSRF"), 403)
        note_caller(actor)
        self.db.route(caller_key(actor), replicas=True)
        # A poll whose tag still holds is answered before anything else runs (server/etag.py): a tag
        # is made only for a query answered without errors, so the same request passed every check.
        # A GET is known by its query string as sent, so that a 304 does not even decode it. The same
        # tag keys the answers kept (server/answer_cache.py): a request without If-None-Match, or
        # with an older tag, is answered the kept bytes, with the headers a computed answer gets.
        today = self.today()
        tag = None
        if request.method == "GET":
            sent_as = request.scope["query_string"].decode("latin-1")
            tag = await self.current_tag(actor, today, language, media_type, sent_as)
            if etag.matches(request.headers.get("if-none-match"), tag):
                return etag.not_modified(tag)
            if (kept := self.kept_answer(tag, etag.headers(tag))) is not None:
                return kept
        try:
            graphql_request = await read_request(request, self.settings.max_body_bytes, self.documents, self.uploads)
        except BadRequest as exc:
            return answer(error_payload(pick(language, str(exc), exc.message_zh), exc.code), exc.status)
        # A plain POST is tagged for the answer cache alone: it gets no ETag (a client that sends
        # If-None-Match sends its queries by GET or by hash, server/etag.py).
        conditional = request.method == "GET" or etag.conditional(graphql_request)
        try:
            if request.method != "GET" and (conditional or self.worth_looking_up(graphql_request)):
                sent = (graphql_request.query, graphql_request.variables, graphql_request.operation_name)
                tag = await self.current_tag(actor, today, language, media_type, sent)
                if conditional and etag.matches(request.headers.get("if-none-match"), tag):
                    return etag.not_modified(tag)
                if (kept := self.kept_answer(tag, etag.headers(tag) if conditional else None)) is not None:
                    return kept
            checked = check_document(schema, graphql_request, self.limits, production=production, language=language)
            if checked.document is None:
                return answer({"errors": checked.errors}, 400 if media_type == GRAPHQL_RESPONSE else 200)
            counted_as = note_operation(checked.document, graphql_request.operation_name, checked.operation)
            if request.method == "GET" and checked.operation in (OperationType.MUTATION, OperationType.SUBSCRIPTION):
                message = pick(
                    language,
                    "only queries may be sent with GET; send mutations with POST",
                    "GET 只能发送查询；变更请用 POST 发送",
                )
                return answer(error_payload(message, "METHOD_NOT_ALLOWED"), 405, {"Allow": "POST"})
            if checked.operation is not OperationType.QUERY:
                self.db.route(caller_key(actor), replicas=False)  # a mutation decides on what it reads
            scope = self.scope(actor, request_id, language, today)
            payload = await execute(
                checked.document, graphql_request, scope, production=production, coerced=checked.variables
            )
            tagged = checked.operation is OperationType.QUERY and not payload.get("errors")
            status = execution_status(payload) if media_type == GRAPHQL_RESPONSE else 200
            response = answer(
                payload, status, etag.headers(tag) if tag is not None and tagged and conditional else None
            )
            if tagged and self.answers.on and not graphql_request.files:
                if tag is not None:  # made before the query ran, as the key must be
                    self.answers.put(tag, Answer(bytes(response.body), media_type, counted_as))
                if not conditional:  # a plain POST: looked up from its next request on
                    self.answers.note_query(graphql_request.query, graphql_request.operation_name)
            return response
        finally:
            # The temporary files of a multipart request's uploads.
            await graphql_request.close()

    def kept_answer(self, tag: str, headers: dict[str, str] | None) -> Response | None:
        """The answer kept under `tag`, counted in metrics as the query it answers."""
        if not self.answers.on or (kept := self.answers.get(tag)) is None:
            return None
        note_named(kept.operation)
        return Response(kept.body, media_type=kept.media_type, headers=headers)

    def worth_looking_up(self, request: GraphQLRequest) -> bool:
        """Whether a plain POST may be answered from the cache: its document was answered as a query
        before (a mutation never pays for the data version)."""
        return self.answers.on and not request.files and self.answers.is_query(request.query, request.operation_name)

    async def current_tag(self, actor: Actor, today: dt.date, language: str, media_type: str, sent: object) -> str:
        """The ETag of the answer to `sent` as of now (server/etag.py)."""
        version = await current_version(self.db)
        return self.conditional.tag(version, actor, today, language, media_type, sent)

    async def caller(self, request: Request) -> Actor:
        """The request's actor, its request charged to the caller's budget (server/budget.py):
        RateLimited when it is spent, Unauthenticated (charged to the address) when refused."""
        client = request.client.host if request.client else "unknown"
        try:
            actor = await actor_of(
                request, self.credentials, production=self.settings.production, sessions=self.session_policy
            )
        except Unauthenticated:
            await self.budget.spend(None, client)
            raise
        await self.budget.spend(actor, client)
        return actor

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        try:
            await self.db.ping()
        except Exception as exc:  # any failure to answer means not ready
            if outage.database_away(exc):
                raise  # answered as every endpoint answers an outage (server/refusals.py)
            log.warning("readiness check failed: %s", exc)
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})


def sends_operation(request: Request) -> bool:
    """Whether a GET names a query or a persisted query (else it asks for GraphiQL). The names are
    looked for in the query string as sent first: a poll answered 304 never decodes its query string."""
    names = {part.split(b"=", 1)[0] for part in request.scope["query_string"].split(b"&")}
    return bool({b"query", b"extensions"} & names) or bool({"query", "extensions"} & request.query_params.keys())


def create_app(settings: Settings | None = None) -> ASGIApp:
    """The Starlette application (inside OpenTelemetry's ASGI middleware when traces are on)."""
    service = Service(settings or load_settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if service.db.is_sqlite and not service.settings.production:
            # The embedded default must work on a new machine with no set-up step (production
            # migrates as a step of its own: `qianshou db upgrade`, checked by `serve`).
            await upgrade(service.db.write_engine)
        await service.db.start()
        await service.broker.start()
        await service.credentials.start()
        service.subscriptions.open_sockets.start()
        service.notifier.start()
        # Everything built so far (schema, engines, imported modules) lives as long as the process:
        # keep it out of the collector's scans, which otherwise stall a request now and then.
        gc.collect()
        gc.freeze()
        # A dashboard page allocates tens of thousands of short-lived objects, almost none in
        # cycles: collecting the young generation every 700 allocations cost about 5% of it. The
        # older generations keep their default pace, or cyclic garbage piles up between passes.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
        yield
        await service.subscriptions.open_sockets.stop()
        await wait_for_jobs()  # a background import in progress finishes (or fails) before the pools go
        await service.notifier.stop()
        await service.broker.stop()
        await service.credentials.stop()  # writes the last uses still pending
        await service.db.dispose()
        if service.shared is not None:
            await service.shared.close()
        worker_stopped()
        service.tracing.stop()

    reports = ReportRoutes(service)
    sessions = SessionRoutes(service)
    files = FileRoutes(service)
    app = Starlette(
        routes=[
            Route("/graphql", service.graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", service.subscriptions),
            Route("/reports/pairings.csv", reports.csv, methods=["GET"]),
            Route("/reports/pairings.xlsx", reports.xlsx, methods=["GET"]),
            Route("/auth/sign-in", sessions.sign_in, methods=["POST"]),
            Route("/auth/sign-out", sessions.sign_out, methods=["POST"]),
            Route("/imports/templates/{kind}.xlsx", TemplateRoutes(service).template, methods=["GET"]),
            Route("/files/{file_id}", files.download, methods=["GET", "HEAD"]),
            Route("/files/{file_id}/thumbnail", files.thumbnail, methods=["GET", "HEAD"]),
            Route("/healthz", service.healthz, methods=["GET"]),
            Route("/readyz", service.readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint(service.db), methods=["GET"]),
            *web_routes(),
        ],
        lifespan=lifespan,
        middleware=[*cors_middleware(service.settings.allowed_origins), Middleware(Refusals)],
    )
    app.state.service = service
    return service.tracing.start(app, service.db)
