"""Clients that send a request too slowly are cut off (QIANSHOU_REQUEST_READ_TIMEOUT seconds).

Uvicorn closes a keep-alive connection that stays idle between requests, but has no limit on how
long a request may take to arrive: a client that sends its headers a byte at a time, declares a
body and never sends it, or connects and says nothing, holds a connection (and its memory) for
ever, and a few hundred such clients exhaust a server. Uvicorn offers no setting for it, so this
is its HTTP protocol (httptools, which uvicorn[standard] uses) with one clock added, as nginx's
client_header_timeout and client_body_timeout: the headers must arrive whole within the timeout
of the connection's start or the request's first byte; after them, each piece of the body must
follow the last within it (so a large upload on a slow but steady link is not cut). When it runs
out the client gets 408 if its headers are not yet in, else the connection is closed (the
application then sees the client gone). The time the application takes to answer
is never counted. Only documented parser callbacks and fields of the protocol are used; the
pyproject pins uvicorn to the minor series this was tried with.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MESSAGE = "the request was not received in time"
MESSAGE_ZH = "请求未能在规定时间内送达"


class TimelyHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout
        self._reading: asyncio.TimerHandle | None = None
        self._headers_in = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._headers_in = False
        self._start_clock()

    def on_headers_complete(self) -> None:
        self._headers_in = True
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._start_clock()  # the body is making progress
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._stop_clock()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._stop_clock()  # the WebSocket protocol has timeouts of its own
        super().handle_websocket_upgrade()

    def _start_clock(self) -> None:
        self._stop_clock()
        self._reading = self.loop.call_later(self.read_timeout, self._too_slow)

    def _stop_clock(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    def _too_slow(self) -> None:
        self._reading = None
        if self.transport.is_closing():
            return
        if not self._headers_in:
            self.transport.write(_request_timeout())
        self.transport.close()


@functools.cache
def _request_timeout() -> bytes:
    body = orjson.dumps(
        {"errors": [{"message": MESSAGE, "extensions": {"code": "REQUEST_TIMEOUT", "messageZh": MESSAGE_ZH}}]}
    )
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body
