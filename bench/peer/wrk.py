"""One cell on one server: wrk (bench/peer/post.lua) for some seconds, and the CPU the server's
processes and PostgreSQL's backends spent meanwhile."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.modes import Backends, cpu_ns, used
from bench.server import process_tree

LUA = Path(__file__).resolve().parent / "post.lua"


def install() -> None:
    if shutil.which("wrk") is None:
        print("apt-get install -y wrk ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_ns: int
    database_ns: int | None


def tree_cpu_ns(pid: int) -> dict[tuple[int, int], int]:
    """CPU time so far of every thread of `pid` and its descendants, by (process, thread): a
    process's own schedstat counts its main thread alone, and Node's garbage collector and
    libuv's pool work in threads of their own."""
    found = {}
    for process in process_tree(pid):
        try:
            threads = [int(entry.name) for entry in Path(f"/proc/{process}/task").iterdir()]
        except OSError:
            continue
        for thread in threads:
            found[(process, thread)] = cpu_ns(thread)
    return found


def run(url: str, body: Path, token: str, *, pid: int, backends: Backends, connections: int, seconds: float) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(LUA), f"{url}/graphql", "--", str(body)]
    server_before, database_before = tree_cpu_ns(pid), backends.cpu()
    output = subprocess.run([*command, token] if token else command, capture_output=True, text=True, check=True)
    server_after, database = tree_cpu_ns(pid), used(database_before, backends.cpu())
    server = sum(max(0, now - server_before.get(key, 0)) for key, now in server_after.items())
    line = next((line for line in output.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output.stdout}{output.stderr}")
    requests, duration_us, p50_us, p99_us, errors = (int(field) for field in line.split()[1:])
    return Run(requests, duration_us / 1e6, p50_us / 1000, p99_us / 1000, errors, server, database)
