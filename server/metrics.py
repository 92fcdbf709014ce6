"""What each GraphQL operation did, for Prometheus (`GET /metrics`) and for the request log.

HTTP requests and WebSocket operations alike open a `Record` (`observing`), note what they learn
as they go (the caller, the operation, the errors) and end with one log line and one set of
samples. With PROMETHEUS_MULTIPROC_DIR set (`qianshou serve` sets it) every worker writes its
samples there and `/metrics` adds them up, whichever worker answers the scrape."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

from graphql import DocumentNode, OperationDefinitionNode, OperationType
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

from db import tally
from db.engine import Database
from db.replicas import Replica
from resolvers.access import Actor
from resolvers.imports.jobs import jobs_by_status
from resolvers.outbox import backlog
from server.tracing import Tracing

log = logging.getLogger("qianshou.request")

# Operation names are the client's to choose: past this many per process the rest count as "other".
MAX_OPERATION_NAMES = 200
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100)

REQUESTS = Counter("qianshou_requests", "GraphQL operations answered.", ["operation", "type", "outcome", "transport"])
LATENCY = Histogram(
    "qianshou_request_seconds", "Time to answer a GraphQL operation.", ["operation", "type"], buckets=LATENCY_BUCKETS
)
STATEMENTS = Histogram(
    "qianshou_request_sql_statements", "SQL statements run by one operation.", ["type"], buckets=STATEMENT_BUCKETS
)
ROUND_TRIPS = Histogram(
    "qianshou_request_sql_round_trips",
    "SQL statements one operation sent to the database (reads sent together count once).",
    ["type"],
    buckets=STATEMENT_BUCKETS,
)
SQL_SECONDS = Histogram(
    "qianshou_request_sql_seconds", "Time one operation spent in the database.", ["type"], buckets=LATENCY_BUCKETS
)
ANSWER_CACHE_HITS = Counter(
    "qianshou_answer_cache_hits", "Queries answered from the answer cache (server/answer_cache.py)."
)
ANSWER_CACHE_MISSES = Counter(
    "qianshou_answer_cache_misses", "Queries looked up in the answer cache and not found, then computed."
)
RATE_LIMITED = Counter("qianshou_rate_limited", "Requests refused because their caller was over the rate limit.")
POOL_IN_USE = Gauge(
    "qianshou_db_connections_in_use",
    "Database connections checked out, as of each worker's last request.",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS = Gauge("qianshou_open_subscriptions", "Subscriptions being streamed.", multiprocess_mode="livesum")
# The queues are counted in the database when /metrics is read; any worker's count is everyone's.
WEBHOOK_DELIVERIES = Gauge(
    "qianshou_webhook_deliveries",
    "Webhook deliveries waiting in the outbox, by status (PENDING, FAILED).",
    ["status"],
    multiprocess_mode="mostrecent",
)
DELIVERY_ATTEMPTS = Counter(
    "qianshou_webhook_delivery_attempts",
    "Webhook delivery attempts, by outcome (delivered, retrying, gave_up).",
    ["outcome"],
)
IMPORT_JOBS = Gauge(
    "qianshou_import_jobs", "Background import jobs, by status.", ["status"], multiprocess_mode="mostrecent"
)
# As each worker's last replica check found them (db/replicas.py).
REPLICA_IN_USE = Gauge(
    "qianshou_replica_in_use",
    "1 while a read replica serves reads, 0 while it is skipped.",
    ["replica"],
    multiprocess_mode="livemostrecent",
)
REPLICA_LAG = Gauge(
    "qianshou_replica_lag_seconds",
    "How far a read replica is behind the primary, in seconds (NaN: not answering).",
    ["replica"],
    multiprocess_mode="livemostrecent",
)


@dataclass
class Record:
    """One operation on its way through the server."""

    request_id: str
    transport: str  # "http" or "websocket"
    started: float = field(default_factory=time.perf_counter)
    sql: tally.Tally = field(default_factory=tally.Tally)
    caller: str | None = None
    operation: str | None = None
    type: str = "unknown"
    outcome: str | None = None  # set by `note_payload` or the status
    span: Any = None  # the operation's trace span when traces are on (server/tracing.py)


_current: ContextVar[Record | None] = ContextVar("qianshou_request", default=None)
_names: set[str] = set()


class Observer:
    """Counts the statements `db` runs into the operation that runs them."""

    def __init__(self, db: Database, tracing: Tracing | None = None, *, log_requests: bool = True) -> None:
        self.db = db
        self.tracing = tracing or Tracing()
        # QIANSHOU_ACCESS_LOG: the request line goes with Uvicorn's access line.
        self.log_requests = log_requests
        tally.watch(db)
        if db.replicas is not None:
            db.replicas.listeners.append(note_replicas)

    @contextmanager
    def observing(self, request_id: str, transport: str) -> Iterator[Record]:
        record = Record(request_id, transport)
        token = _current.set(record)
        try:
            with tally.counting() as sql, self.tracing.operation() as span:
                record.sql, record.span = sql, span
                yield record
        finally:
            _current.reset(token)

    def finish(self, record: Record, status: int) -> None:
        """The operation's log line and samples. `status` is the HTTP status; a WebSocket operation's is
        200, or 400 when it was refused before running."""
        seconds = time.perf_counter() - record.started
        outcome = record.outcome or _outcome_of(status)
        operation = _bounded(record.operation or "anonymous")
        REQUESTS.labels(operation, record.type, outcome, record.transport).inc()
        LATENCY.labels(operation, record.type).observe(seconds)
        STATEMENTS.labels(record.type).observe(record.sql.statements)
        ROUND_TRIPS.labels(record.type).observe(record.sql.round_trips)
        SQL_SECONDS.labels(record.type).observe(record.sql.seconds)
        if outcome == "rate_limited":
            RATE_LIMITED.inc()
        POOL_IN_USE.set(
            sum(engine.pool.checkedout() for engine in self.db.engines if hasattr(engine.pool, "checkedout"))
        )
        fields = {
            "request_id": record.request_id,
            "transport": record.transport,
            "operation": record.operation,
            "type": record.type,
            "caller": record.caller,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 2),
            "statements": record.sql.statements,
            "sql_ms": round(record.sql.seconds * 1000, 2),
        }
        if record.span is not None:
            record.span.update_name(f"{record.type} {record.operation or 'anonymous'}")
            record.span.set_attributes({f"qianshou.{key}": value for key, value in fields.items() if value is not None})
        if not self.log_requests:
            return
        log.info(
            "%s %s %s %s by %s: %s %s in %.1f ms, %d statements",
            record.request_id,
            record.transport,
            record.type,
            record.operation or "-",
            record.caller or "-",
            status,
            outcome,
            seconds * 1000,
            record.sql.statements,
            extra={"fields": fields},
        )


def note_caller(actor: Actor) -> None:
    """Who asked: the token's name, never the token."""
    if (record := _current.get()) is not None:
        record.caller = actor.name


def note_operation(document: DocumentNode, operation_name: str | None, kind: OperationType | None) -> str | None:
    """Notes what the operation is; the name it is counted under."""
    name = operation_name or _first_name(document)
    note_named(name, kind)
    return name


def note_named(name: str | None, kind: OperationType | None = OperationType.QUERY) -> None:
    """An operation counted under `name`: also a query answered from the answer cache, unparsed."""
    if (record := _current.get()) is not None:
        record.type = kind.value if kind is not None else "unknown"
        record.operation = name


def note_payload(payload: dict[str, Any]) -> None:
    """An answer with errors is an "error"; one with an INTERNAL error is a "failure" of ours."""
    if (record := _current.get()) is None or not payload.get("errors"):
        return
    codes = {(error.get("extensions") or {}).get("code") for error in payload["errors"]}
    if "RATE_LIMITED" in codes:
        record.outcome = "rate_limited"
    elif "INTERNAL" in codes:
        record.outcome = "failed"
    elif record.outcome is None:
        record.outcome = "error"


def _outcome_of(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "failed"
    return "refused" if status >= 400 else "ok"


def _first_name(document: DocumentNode) -> str | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name:
            return definition.name.value
    return None


def _bounded(name: str) -> str:
    name = name[:64]
    if name in _names:
        return name
    if len(_names) >= MAX_OPERATION_NAMES:
        return "other"
    _names.add(name)
    return name


@contextmanager
def streaming() -> Iterator[None]:
    """Counts an open subscription while its results stream (queries over a WebSocket are not)."""
    record = _current.get()
    counted = record is not None and record.type == "subscription"
    if counted:
        SUBSCRIPTIONS.inc()
    try:
        yield
    finally:
        if counted:
            SUBSCRIPTIONS.dec()


# prometheus_client leaves its multiprocess functions unannotated: their signatures as they are.
_mark_process_dead = cast("Callable[[int], None]", multiprocess.mark_process_dead)
_multiprocess_collector = cast("Callable[[CollectorRegistry], object]", multiprocess.MultiProcessCollector)


def worker_stopped() -> None:
    """Drops this worker's live gauges from the sums (its counters keep counting in the totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _mark_process_dead(os.getpid())


def note_replicas(replicas: Sequence[Replica]) -> None:
    for replica in replicas:
        REPLICA_IN_USE.labels(replica.name).set(1 if replica.in_use else 0)
        REPLICA_LAG.labels(replica.name).set(float("nan") if replica.lag_seconds is None else replica.lag_seconds)


async def count_queues(db: Database) -> None:
    """The webhook outbox and the import jobs as they stand, for this scrape."""
    try:
        deliveries, jobs = await backlog(db), await jobs_by_status(db)
    except Exception as exc:  # the database away: the rest of the samples still answer
        log.warning("could not count the queues for /metrics: %r", exc)
        return
    for status, count in deliveries.items():
        WEBHOOK_DELIVERIES.labels(status).set(count)
    for status, count in jobs.items():
        IMPORT_JOBS.labels(status).set(count)


def metrics_endpoint(db: Database) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        await count_queues(db)
        return metrics_response()

    return metrics


def metrics_response() -> Response:
    """Prometheus's text format: every worker's samples when they share a directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess_collector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
