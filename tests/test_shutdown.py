"""A stopping server (SIGTERM) loses no request a client or proxy has already sent (server/shutdown.py),
shown with raw sockets against a real server, and the listening socket's queue drained as it stops."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time

import pytest

from server.shutdown import drain
from tests.conftest import LiveServer
from tests.test_timeouts import read_until_closed

pytestmark = pytest.mark.slow  # stops real servers

BODY = json.dumps({"query": "{ programs(first: 1) { totalCount } }"}).encode()
REQUEST = (
    b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)
UPGRADE = (
    b"GET /graphql HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
)


def open_then_stop(demo_db) -> tuple[LiveServer, socket.socket]:
    """A server told to stop while a connection of ours is open, accepted and silent."""
    server = LiveServer(demo_db.url).start()
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    time.sleep(0.3)  # accepted by the server, as a proxy's fresh connection is
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)  # the server is stopping: Uvicorn alone had closed our connection by now
    return server, connection


def test_a_request_sent_on_an_open_connection_as_the_server_stops_is_answered(demo_db) -> None:
    server, connection = open_then_stop(demo_db)
    try:
        with connection:
            connection.sendall(REQUEST)
            received, _ = read_until_closed(connection)
        # New connections are refused by now: a proxy goes to another server.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    finally:
        output = server.stop()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), (received, output[-2000:])
    assert b"connection: close" in head.lower()
    assert json.loads(body)["data"]["programs"]["totalCount"] >= 1


def test_a_websocket_opened_as_the_server_stops_is_told_to_go_elsewhere(demo_db) -> None:
    server, connection = open_then_stop(demo_db)
    try:
        with connection:
            connection.sendall(UPGRADE)
            received, _ = read_until_closed(connection)
    finally:
        output = server.stop()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503"), (received, output[-2000:])
    assert b"retry-after: 1" in head.lower()
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_draining_a_listening_socket_accepts_what_is_queued_and_takes_nothing_new() -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    listener.setblocking(False)
    address = listener.getsockname()
    queued = [socket.create_connection(address) for _ in range(3)]
    accepted: list[socket.socket] = []
    loop = asyncio.get_running_loop()
    # As the event loop accepts for a server: only when it next gets round to it.
    loop.call_later(0.2, loop.add_reader, listener, lambda: accepted.append(listener.accept()[0]))
    try:
        await drain([listener])
        assert len(accepted) == 3  # none reset, as closing the socket now would have
        late = socket.socket()
        late.settimeout(0.5)
        with pytest.raises(TimeoutError), late:  # its SYN dropped, not queued for a server that is going
            late.connect(address)
        assert len(accepted) == 3
    finally:
        loop.remove_reader(listener)
        for connection in (*queued, *accepted):
            connection.close()
        listener.close()
