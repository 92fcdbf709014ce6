"""The project's commands run as people run them, each in a process of its own: `qianshou ...` (as
`python -m server`, this interpreter's, whatever PATH holds) and the benchmarks (`python -m bench....`)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT, TODAY

# A benchmark on the smallest data set, one worker and one client: enough to see it run and measure.
TINY_BENCH_RUN = ("--scale", "0.01", "--workers", "1", "--concurrency", "1", "--warmup", "0.1")


def qianshou_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def qianshou_environment(database_url: str | None = None, **env: str) -> dict[str, str]:
    """This process's environment with the database and the tests' fixed day, as the live servers'."""
    database = {} if database_url is None else {"QIANSHOU_DATABASE_URL": database_url}
    return {**os.environ, **database, "QIANSHOU_TODAY": TODAY.isoformat(), **env}


def qianshou(
    *args: str,
    database_url: str | None = None,
    stdin: str | None = None,
    timeout: float = 120,
    text: bool = True,
    **env: str,
) -> subprocess.CompletedProcess[Any]:
    """`qianshou args` run to its end, its output captured (bytes with `text=False`); `env` adds to
    the environment."""
    return subprocess.run(
        qianshou_command(*args),
        cwd=ROOT,
        env=qianshou_environment(database_url, **env),
        input=stdin,
        capture_output=True,
        text=text,
        timeout=timeout,
    )


def bench(module: str, *args: str) -> str:
    """What `python -m <module> args` printed; the test fails, with all it printed, if the run fails."""
    finished = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def tiny_bench_run(database_url: str, *args: str, seconds: str = "0.3") -> str:
    """What `python -m bench.run` printed, on the smallest data set (TINY_BENCH_RUN) for `seconds` a cell."""
    return bench("bench.run", "--database-url", database_url, *TINY_BENCH_RUN, "--seconds", seconds, *args)
