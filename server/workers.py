"""`qianshou serve --workers N` on Linux: N Uvicorn processes, each listening on the port itself.

With Uvicorn's own workers, all of them accept from one shared socket, and a keep-alive connection
stays with the worker that accepted it. The kernel often handed every one of a few long-lived
connections (a proxy's pool, the benchmark's clients) to one worker while the other idled: Q2 over
eight connections ran at about 1,230 requests/s on one worker against 1,590 on two. Here each
worker binds a socket of its own with SO_REUSEPORT, and the kernel spreads new connections over
the workers' sockets.

A worker that exits takes the others with it and the command fails, for the process manager to
restart the service whole, rather than this supervisor restarting a worker that may fail again.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from typing import Any

import uvicorn

from server.shutdown import GracefulServer

# The application factory Uvicorn imports, with workers of ours or its own.
APP = "server.app:create_app"
# How long workers have to finish the requests they are serving once told to stop.
GRACE_SECONDS = 30


class ListenError(Exception):
    """The address cannot be listened on; the message is one line fit for the terminal."""


def reuse_port_available() -> bool:
    """Only Linux spreads connections over sockets sharing a port (other systems give them to one)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def serve_workers(host: str, port: int, workers: int, **config: Any) -> int:
    """Runs `workers` Uvicorn processes, each with these options of uvicorn.Config, until a stop
    signal or until one exits; the exit status."""
    family, address = _free_address(host, port)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_work, args=(family, address, config)) for _ in range(workers)]
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    for process in processes:
        process.start()
    while all(process.exitcode is None for process in processes):
        if stop.wait(0.2):
            break
    failed = not stop.is_set()
    for process in processes:
        if process.exitcode is None:
            process.terminate()  # SIGTERM: Uvicorn finishes the requests it is serving
    for process in processes:
        process.join(GRACE_SECONDS)
        if process.exitcode is None:
            process.kill()
            process.join()
    return 1 if failed else 0


def _free_address(host: str, port: int) -> tuple[socket.AddressFamily, Any]:
    """The address to listen on, checked to be free: sockets with SO_REUSEPORT would share a port
    with another server of the same user's rather than fail. Port 0 becomes the port it was given.
    The probe has SO_REUSEADDR, as the workers' sockets do: without it, the connections a stopped
    server closed (in TIME_WAIT or FIN_WAIT for a minute) made the port look taken, and a restart
    by a process manager failed for that minute. A socket listening on the port still refuses it."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
            probe.listen()
            return family, probe.getsockname()
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _work(family: socket.AddressFamily, address: Any, config: dict[str, Any]) -> None:
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(address)
    GracefulServer(uvicorn.Config(APP, factory=True, **config)).run(sockets=[listener])
