"""bench.cpu_paths runs end to end on a tiny data set and prints every fast path's CPU on and off.
Speed is not asserted: only that it runs, measures and prints numbers."""

from __future__ import annotations

import re

from bench.paths import FAST_PATHS
from tests.commands import bench

ROW = re.compile(r"^(\w+)\s+(Q1|Q2)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", re.MULTILINE)


async def test_cpu_paths_smoke_run(databases):
    url = await databases.new_url("bench_cpu")
    output = bench("bench.cpu_paths", "--database-url", url, "--scale", "0.01", "--requests", "2")
    rows = {(match[1], match[2]): [float(value) for value in match.groups()[2:]] for match in ROW.finditer(output)}
    assert set(rows) == {(path, operation) for path in FAST_PATHS for operation in ("Q1", "Q2")}, output
    for cell, (on, off, ratio) in rows.items():
        assert on > 0 and off > 0, (cell, output)
        assert abs(ratio - off / on) <= 0.02 * ratio + 0.01, (cell, output)
