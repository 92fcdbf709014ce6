"""OpenTelemetry traces, exported over OTLP (HTTP) only when OTEL_EXPORTER_OTLP_ENDPOINT is set.

Off, nothing of OpenTelemetry is imported and an operation costs one dictionary lookup; the
packages are the optional extra `qianshou[otel]`. On, each request gets the ASGI span, a span per
GraphQL operation (HTTP and WebSocket alike, opened by server/metrics.py), a span per SQLAlchemy
statement, and an event on the operation's span per prepared read (db/reads/prepared.py runs those on the
driver's connection, below SQLAlchemy). The exporter reads the standard OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_SCHEDULE_DELAY, ...)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from starlette.types import ASGIApp

from db.engine import Database

ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"


class Tracing:
    """The tracer of a process, or nothing at all when traces are off."""

    def __init__(self) -> None:
        self.tracer: Any = None
        self.provider: Any = None

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    def start(self, app: ASGIApp, db: Database) -> ASGIApp:
        """`app` wrapped in the ASGI middleware, with `db`'s statements traced; `app` itself when off."""
        if not os.environ.get(ENDPOINT):
            return app
        try:
            from opentelemetry import trace
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
            from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            raise RuntimeError(
                f"{ENDPOINT} is set but OpenTelemetry is not installed: pip install 'qianshou[otel]' ({exc})"
            ) from None
        service = os.environ.get("OTEL_SERVICE_NAME", "qianshou")
        self.provider = TracerProvider(resource=Resource.create({"service.name": service}))
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(self.provider)
        self.tracer = trace.get_tracer("qianshou")
        SQLAlchemyInstrumentor().instrument(
            engines=[engine.sync_engine for engine in db.engines], tracer_provider=self.provider
        )
        db.read_listeners.append(_prepared_read_event)
        return OpenTelemetryMiddleware(app, tracer_provider=self.provider)

    @contextmanager
    def operation(self) -> Iterator[Any]:
        """The span of one GraphQL operation (None when off); named once the operation is known."""
        if self.tracer is None:
            with nullcontext() as nothing:
                yield nothing
            return
        with self.tracer.start_as_current_span("graphql.operation") as span:
            yield span

    def stop(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()  # sends what is still batched


def _prepared_read_event(statement: str, parameters: Any) -> None:
    from opentelemetry import trace

    trace.get_current_span().add_event("db.prepared_read", {"db.statement": statement})
