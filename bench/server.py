"""The server under test: a real `python -m server serve` (Uvicorn) process, and its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Two workers importing the application take over a minute on a shared machine at load average 20.
START_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # an IPv4 socket's address: (host, port)
        return port


class Launched:
    """A server process started by `launch`, until `stop` ends it."""

    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            end(self.process)
        self.process = None


class Server(Launched):
    def __init__(
        self, database_url: str, *, workers: int, today: str, env: dict[str, str], port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.environment = {
            **os.environ,
            "QIANSHOU_DATABASE_URL": database_url,
            "QIANSHOU_TODAY": today,
            "QIANSHOU_ENV": "development",
            # The load comes from one address and one caller: a per-caller limit would measure itself.
            "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0",
            # As behind a proxy, which keeps the access log: the lines would go to /dev/null here.
            "QIANSHOU_ACCESS_LOG": "false",
            # Every request computes its answer: the benchmarks measure that work, which answers kept
            # by server/answer_cache.py would skip for every repeated request (bench/answers.py
            # measures the cache itself).
            "QIANSHOU_ANSWER_CACHE_MB": "0",
            **env,
        }

    def start(self) -> Server:
        command = [sys.executable, "-m", "server", "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = launch("server", command, ROOT, self.environment, self._ready, START_SECONDS)
        return self

    def _ready(self) -> bool:
        return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200 and self._workers_up()

    def _workers_up(self) -> bool:
        # Each worker listens on a socket of its own once its start-up is over (server/workers.py);
        # connections made before the last one listens would all stay with the others.
        return self.workers == 1 or listening_sockets(self.port) >= self.workers

    def cpu_by_process(self) -> dict[int, int]:
        """CPU ticks used so far by each process under the supervisor (the workers, and a helper)."""
        return {pid: cpu_ticks(pid) for pid in process_tree(self.pid) if pid != self.pid}


def launch(
    name: str, command: list[str], cwd: Path, env: dict[str, str], ready: Callable[[], bool], seconds: float
) -> subprocess.Popen[bytes]:
    """Start a server and wait until `ready()` (an HTTP request, whose connection errors mean not
    yet): its error output if it exits first, stopped if it is not ready in `seconds`."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.stderr is not None  # a pipe, as opened above
            raise RuntimeError(f"{name} exited early:\n{process.stderr.read().decode(errors='replace')}")
        try:
            if ready():
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    end(process)
    raise RuntimeError(f"{name} did not become ready in {seconds} s")


def end(process: subprocess.Popen[bytes]) -> None:
    """Stop a server: politely, then by force if it has not ended in 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Uvicorn's workers, and the multiprocessing helper)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def listening_sockets(port: int) -> int:
    """How many sockets listen on this TCP port, from /proc/net/tcp and tcp6."""
    count = 0
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, _remote, state = line.split()[1:4]
            count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return count


def cpu_ticks(pid: int) -> int:
    """The user and system CPU time a process has used, in clock ticks; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class MemorySampler:
    """Samples the RSS of the server's whole process tree every second, in a thread."""

    pid: int
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        self.samples.append(sum(rss_kib(pid) for pid in process_tree(self.pid)))

    def start(self) -> MemorySampler:
        def run() -> None:
            while not self._stop.is_set():
                self.sample()
                self._stop.wait(1.0)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def summary(self) -> dict[str, float]:
        mib = [kib / 1024 for kib in self.samples] or [0.0]
        # Halfway as well as at the end: memory that is flat has stopped growing by then.
        return {
            "start_mib": mib[0],
            "half_mib": mib[len(mib) // 2],
            "peak_mib": max(mib),
            "end_mib": mib[-1],
            "samples": len(mib),
        }
