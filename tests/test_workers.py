"""`qianshou serve --workers N` (server/workers.py): every worker listens on the port itself, so
that connections spread over the workers; a port in use and a worker that dies stop the server."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from bench.server import cpu_ticks, listening_sockets, process_tree
from server.workers import reuse_port_available
from tests.commands import qianshou
from tests.conftest import LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not reuse_port_available(), reason="a socket per worker needs Linux's SO_REUSEPORT"),
]


def wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def workers_of(server: LiveServer) -> list[int]:
    """The Uvicorn processes under the supervisor (not multiprocessing's resource tracker)."""
    return [pid for pid in process_tree(server.process.pid)[1:] if b"spawn_main" in command_line(pid)]


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_connections_spread_over_the_workers(demo_db) -> None:
    server = LiveServer(demo_db.url, workers=2, env={"QIANSHOU_ACCESS_LOG": "false"}).start()
    try:
        assert wait_for(lambda: listening_sockets(server.port) == 2), "each worker listens on a socket of its own"
        workers = workers_of(server)
        assert len(workers) == 2
        before = {pid: cpu_ticks(pid) for pid in workers}
        query = {"query": "{ pairings(first: 20) { edges { node { id mentor { name } progress { health } } } } }"}
        clients = [httpx.Client(base_url=server.url) for _ in range(16)]
        try:
            for _ in range(15):
                for client in clients:
                    response = client.post("/graphql", json=query)
                    assert response.status_code == 200 and len(response.json()["data"]["pairings"]["edges"]) == 20
        finally:
            for client in clients:
                client.close()
        busy = [cpu_ticks(pid) - before[pid] for pid in workers]
        # Sixteen connections hashed over two sockets: both workers serve some (all on one: 1 in 32,768).
        assert min(busy) > 0, busy
    finally:
        output = server.stop()
    assert server.process.returncode == 0, output
    assert "POST /graphql" not in output, "the workers take the server's options: here, no access log"


def test_a_port_in_use_is_refused(databases_url_sqlite) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = qianshou(
            "serve", "--port", str(port), "--workers", "2", database_url=databases_url_sqlite, timeout=60
        )
    assert finished.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr


def test_a_worker_that_dies_stops_the_server(demo_db) -> None:
    server = LiveServer(demo_db.url, workers=2).start()
    process = server.process
    try:
        assert wait_for(lambda: len(workers_of(server)) == 2)
        os.kill(workers_of(server)[0], signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        output = server.stop()
    assert process.returncode == 1
    assert "a worker exited" in output
    assert listening_sockets(server.port) == 0


@pytest.fixture
def databases_url_sqlite(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'workers.sqlite3'}"


def test_a_restart_right_after_a_stop_listens_at_once_while_clients_hold_connections(demo_db) -> None:
    first = LiveServer(demo_db.url, workers=2).start()
    held = []
    try:
        for _ in range(4):  # kept open: the server, not the client, closes them when it stops
            connection = socket.create_connection(("127.0.0.1", first.port), timeout=10)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
            held.append(connection)
    finally:
        first.stop()
    assert first.process.returncode == 0
    second = LiveServer(demo_db.url, workers=2)
    second.port, second.url = first.port, first.url
    try:
        second.start()  # raises with the server's output if it exits ("Address already in use")
        assert httpx.get(f"{second.url}/readyz", timeout=5).status_code == 200
    finally:
        second.stop()
        for connection in held:
            connection.close()
