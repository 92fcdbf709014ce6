"""A graceful shutdown that loses no request a proxy has sent (SIGTERM: a process manager's stop, a
rolling restart).

Uvicorn's own shutdown closes the listening socket, then every connection with no request in
progress. Both cut requests that nginx has already sent, which it answers 502 and does not retry
when they are POSTs (they might have been processed): connections the kernel had completed but the
server not yet accepted are reset when the listening socket closes, and a connection whose request
has arrived but not yet been read is closed with it unread, which resets it too. nginx's log said
"recv() failed (104: Connection reset by peer) while reading response header from upstream" in
tests/test_deploy.py's rolling restarts, about one request in a few thousand.

So, first, each listening socket stops taking new connections but keeps those queued: a socket
filter drops new SYNs (the client's retransmission a second later finds the port closed and is
refused, and nginx goes to the next server: a connection never made carried no request, so that
is safe for any method), the queued connections are accepted and served, then the socket closes.
Second, a connection with no request in progress is given IDLE_GRACE_SECONDS for one to arrive;
one that does is served and answered with `Connection: close`, and a WebSocket upgrade is answered
503 (nginx tries the next server). Linux only (the filter, the queue length); elsewhere, and for
sockets other than TCP, Uvicorn's own shutdown.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import socket
import struct
import sys
from typing import Any

import orjson
import uvicorn
from uvicorn.server import ServerState

from server.timeouts import TimelyHttpToolsProtocol

# How long a connection with no request in progress may still send one once stopping began: a
# proxy sends its request as soon as it has connected, long before this.
IDLE_GRACE_SECONDS = 1.0
# How long the connections already queued on a listening socket may take to be accepted.
QUEUE_DRAIN_SECONDS = 2.0
MESSAGE = "the server is restarting; retry"
MESSAGE_ZH = "服务器正在重启，请重试"

_SO_ATTACH_FILTER = 26  # Linux, <asm-generic/socket.h>
_DROP_EVERYTHING = struct.pack("HBBI", 0x06, 0, 0, 0)  # classic BPF: `ret #0`
_TCPI_UNACKED = 24  # struct tcp_info: on a listening socket, the connections waiting to be accepted


def graceful_http(read_timeout: float) -> Any:
    """The protocol factory to give Uvicorn as its `http` option, with GracefulServer."""
    return functools.partial(DrainingHttpProtocol, read_timeout=read_timeout)


class DrainingState(ServerState):
    """Uvicorn's state shared by the server and its connections, and whether stopping has begun."""

    def __init__(self) -> None:
        super().__init__()
        self.draining = False


class GracefulServer(uvicorn.Server):
    server_state: DrainingState

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.server_state = DrainingState()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.server_state.draining = True
        await drain([listener for server in self.servers for listener in server.sockets])
        await super().shutdown(sockets)


async def drain(listeners: list[Any]) -> None:
    """Returns once the listening sockets take no new connection and hold none unaccepted."""
    tcp = [listener for listener in listeners if listener.family in (socket.AF_INET, socket.AF_INET6)]
    if not sys.platform.startswith("linux") or not tcp:
        return
    program = ctypes.create_string_buffer(_DROP_EVERYTHING)
    for listener in tcp:
        listener.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, struct.pack("HL", 1, ctypes.addressof(program)))
    # The event loop goes on accepting them meanwhile, as it did before.
    deadline = asyncio.get_running_loop().time() + QUEUE_DRAIN_SECONDS
    while any(map(_waiting, tcp)) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)


def _waiting(listener: Any) -> int:
    unacked: int = struct.unpack_from(
        "I", listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), _TCPI_UNACKED
    )[0]
    return unacked


class DrainingHttpProtocol(TimelyHttpToolsProtocol):
    """Uvicorn's HTTP protocol (with the read timeout of server/timeouts.py) that, once stopping has
    begun, serves a request still arriving rather than cutting it (see the module's note)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle_close: asyncio.TimerHandle | None = None
        self._reading_head = False

    @property
    def draining(self) -> bool:
        return getattr(self.server_state, "draining", False)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.draining:  # accepted from the queue after the others were told
            self.shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle_close is not None:
            self._idle_close.cancel()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # Uvicorn's: finish it, then close
        elif self._idle_close is None:
            self._idle_close = self.loop.call_later(IDLE_GRACE_SECONDS, self._close_if_idle)

    def on_message_begin(self) -> None:
        self._reading_head = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()
        if self.draining and self.cycle is not None:
            self.cycle.keep_alive = False

    def handle_websocket_upgrade(self) -> None:
        if not self.draining:
            super().handle_websocket_upgrade()
            return
        self._stop_clock()
        self.transport.write(_restarting())
        self.transport.close()

    def _close_if_idle(self) -> None:
        self._idle_close = None
        serving = self.cycle is not None and not self.cycle.response_complete
        # A request whose head is still arriving closes the connection once answered, or is cut
        # off by the read timeout.
        if not (serving or self._reading_head or self.transport.is_closing()):
            self.transport.close()


@functools.cache
def _restarting() -> bytes:
    body = orjson.dumps(
        {"errors": [{"message": MESSAGE, "extensions": {"code": "SERVICE_UNAVAILABLE", "messageZh": MESSAGE_ZH}}]}
    )
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "content-type: application/json\r\n"
        "retry-after: 1\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body
