"""A real HTTP receiver for webhook tests: a Starlette app served by Uvicorn on a free local port, in a
thread of its own, that records every request and can be told to fail the first few."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self):
        return orjson.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """The X-Qianshou-Signature check a receiver does: HMAC-SHA256 of `<timestamp>.<body>`."""
        signed = self.headers["x-qianshou-timestamp"].encode() + b"." + self.body
        expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["x-qianshou-signature"])


@dataclass
class Receiver:
    # Per path: how many requests to answer 500 before answering 200 (-1: fail forever).
    failures: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        path = request.url.path
        with self.lock:
            left = self.failures.get(path, 0)
            status = 500 if left != 0 else 200
            if left > 0:
                self.failures[path] = left - 1
            self.received.append(Received(path, dict(request.headers), body, status))
        return JSONResponse({"errcode": 0, "errmsg": "ok"} if status == 200 else {"error": "down"}, status_code=status)

    def on(self, path: str, *, status: int | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path and (status is None or r.status == status)]

    def wait_for(self, path: str, count: int, *, status: int = 200, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.on(path, status=status)) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.on(path, status=status))} of {count} deliveries in {timeout} s")

    def __enter__(self) -> Receiver:
        app = Starlette(routes=[Route("/{path:path}", self.handle, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
