"""Slow clients are cut off (server/timeouts.py): a request's headers and body must arrive within
QIANSHOU_REQUEST_READ_TIMEOUT seconds, shown with raw sockets against a real server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow  # waits out a real server's read timeouts

TIMEOUT = 1.0
# What the server may take beyond the timeout to cut a client off, on a busy machine.
SLACK = 4.0


@pytest.fixture(scope="module")
def server(demo_db) -> Iterator[LiveServer]:
    live = LiveServer(demo_db.url, env={"QIANSHOU_REQUEST_READ_TIMEOUT": str(TIMEOUT)}).start()
    yield live
    output = live.stop()
    assert "Traceback" not in output and "Exception in ASGI application" not in output, output


def connect(server: LiveServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT + SLACK + 5)
    return connection


def read_until_closed(connection: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started, received = time.monotonic(), b""
    while True:
        try:
            chunk = connection.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return received, time.monotonic() - started
        received += chunk


def test_headers_that_never_end_get_408_and_the_connection_closed(server) -> None:
    with connect(server) as connection:
        connection.sendall(b"POST /graphql HTTP/1.1\r\nHost: test\r\n")
        received, waited = read_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 408"), received
    assert b'"code":"REQUEST_TIMEOUT"' in received and b"messageZh" in received
    assert waited < TIMEOUT + SLACK


def test_headers_sent_a_byte_at_a_time_are_cut_off_though_bytes_keep_coming(server) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: " + b"a" * 100 + b"\r\n\r\n"
    with connect(server) as connection:
        started, sent = time.monotonic(), 0
        try:
            while sent < len(request) and time.monotonic() - started < TIMEOUT + SLACK:
                connection.sendall(request[sent : sent + 1])
                sent += 1
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received, _ = read_until_closed(connection)
    assert sent < len(request), "the whole request went out before the server gave up"
    assert received.startswith(b"HTTP/1.1 408"), received


def test_a_body_that_stops_short_closes_the_connection(server) -> None:
    with connect(server) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
            b'{"query": '
        )
        received, waited = read_until_closed(connection)
    assert received == b""  # the application had the request; the client only loses its connection
    assert waited < TIMEOUT + SLACK


def test_a_body_that_keeps_coming_slowly_is_read_to_the_end(server) -> None:
    body = b'{"query": "{ viewer { role } }"}' + b" " * 8
    with connect(server) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
        )
        for start in range(0, len(body), 10):  # longer than the timeout in all, never idle as long
            time.sleep(TIMEOUT / 2)
            connection.sendall(body[start : start + 10])
        received, _ = read_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 200") and b'"role":"VIEWER"' in received, received


def test_a_connection_that_sends_nothing_is_closed(server) -> None:
    with connect(server) as connection:
        received, waited = read_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 408")
    assert waited < TIMEOUT + SLACK


def test_a_prompt_client_keeps_its_connection_across_requests_slower_than_the_timeout(server) -> None:
    with connect(server) as connection:
        for _ in range(2):
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            response = b""
            while not response.endswith(b'{"status":"ok"}'):
                chunk = connection.recv(4096)
                assert chunk, f"closed after {response!r}"
                response += chunk
            assert response.startswith(b"HTTP/1.1 200")
            # Idle between requests is the keep-alive timeout's business (5 s), not this one's.
            time.sleep(TIMEOUT * 1.5)
