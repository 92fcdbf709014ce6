"""bench.cpu_paths runs end to end on a tiny data set and prints every fast path's CPU on and off.
Speed is not asserted: only that it runs, measures and prints numbers."""

from __future__ import annotations

import re
import subprocess
import sys

from bench.paths import FAST_PATHS
from tests.conftest import ROOT

ROW = re.compile(r"^(\w+)\s+(Q1|Q2)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", re.MULTILINE)


async def test_cpu_paths_smoke_run(databases):
    url = await databases.new_url("bench_cpu")
    command = [sys.executable, "-m", "bench.cpu_paths", "--database-url", url, "--scale", "0.01", "--requests", "2"]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    rows = {
        (match[1], match[2]): [float(value) for value in match.groups()[2:]] for match in ROW.finditer(finished.stdout)
    }
    assert set(rows) == {(path, operation) for path in FAST_PATHS for operation in ("Q1", "Q2")}, finished.stdout
    for cell, (on, off, ratio) in rows.items():
        assert on > 0 and off > 0, (cell, finished.stdout)
        assert abs(ratio - off / on) <= 0.02 * ratio + 0.01, (cell, finished.stdout)
