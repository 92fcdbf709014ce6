"""OpenTelemetry traces: sent over OTLP to a real receiver when the endpoint is set, and not even
imported when it is not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import ROOT, LiveServer

pytestmark = pytest.mark.slow  # a real server exporting to a receiver

trace_service = pytest.importorskip(
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2", reason="needs the otel extra: pip install -e '.[otel]'"
)

QUERY = "query TracedPage { programs(first: 2) { edges { node { name } } } }"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver: keeps the spans of every export it is sent."""

    def __init__(self) -> None:
        self.spans: list = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces":
            request = trace_service.ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    self.server.spans.extend(scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_a_request_is_traced_through_asgi_graphql_and_sql(demo_db, receiver):
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "QIANSHOU_ACCESS_LOG": "false",
    }
    server = LiveServer(demo_db.url, env=env).start()
    try:
        response = httpx.post(f"{server.url}/graphql", json={"query": QUERY})
    finally:
        server.stop()  # the last batch is sent on shutdown
    assert response.status_code == 200
    names = [span.name for span in receiver.spans]
    assert "query TracedPage" in names, names
    assert any(name.startswith("POST /graphql") for name in names), names
    operation = next(span for span in receiver.spans if span.name == "query TracedPage")
    attributes = {attribute.key: attribute.value for attribute in operation.attributes}
    assert attributes["qianshou.request_id"].string_value == response.headers["X-Request-Id"]
    # The operation's statements: SQL spans below it, or events for the prepared reads.
    children = [span for span in receiver.spans if span.parent_span_id == operation.span_id]
    statements = [event for event in operation.events if event.name == "db.prepared_read"]
    assert children or statements, names
    assert all(span.trace_id == operation.trace_id for span in children)


def test_without_an_endpoint_no_tracer_exporter_or_instrumentation_is_loaded(demo_db):
    # (redis-py imports OpenTelemetry's API for metrics of its own when it is installed.)
    program = (
        "import sys, asyncio, httpx\n"
        "from server.app import create_app\n"
        "from server.settings import load_settings\n"
        f"app = create_app(load_settings(database_url={demo_db.url!r}))\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://t') as client:\n"
        f"        assert (await client.post('/graphql', json={{'query': {QUERY!r}}})).status_code == 200\n"
        "asyncio.run(main())\n"
        "ours = ('opentelemetry.sdk.trace', 'opentelemetry.exporter', 'opentelemetry.instrumentation')\n"
        "print(sorted(name for name in sys.modules if name.startswith(ours)))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
