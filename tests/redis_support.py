"""Redis for tests: the machine's shared one (under a key prefix of the test's own), or a private
redis-server on a free port for tests that stop and start it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest

from tests.conftest import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server program")


def unique_prefix() -> str:
    return f"qianshou-test:{uuid.uuid4().hex[:12]}:"


class PrivateRedis:
    """A redis-server of the test's own, without persistence, that it can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not redis_answers(port=self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start in 10 s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
