"""bench.cpu_app runs end to end on a tiny data set: each operation answered through the whole
application in production mode, and its CPU per request printed. Speed is not asserted: only that
it runs, every request is answered without errors (the tool stops otherwise), and numbers come out."""

from __future__ import annotations

import re

from tests.commands import bench

ROW = re.compile(r"^(Q1|Q2)\s+(\d+)\s+([\d.]+)\s+([\d. ]+)$", re.MULTILINE)


async def test_cpu_app_smoke_run(databases):
    url = await databases.new_url("bench_cpu_app")
    output = bench(
        "bench.cpu_app",
        "--database-url",
        url,
        "--scale",
        "0.01",
        "--requests",
        "4",
        "--rounds",
        "3",
        "--concurrency",
        "1,2",
    )
    rows = {(match[1], int(match[2])): (float(match[3]), match[4].split()) for match in ROW.finditer(output)}
    assert set(rows) == {(operation, concurrency) for operation in ("Q1", "Q2") for concurrency in (1, 2)}, output
    for cell, (median, rounds) in rows.items():
        assert len(rounds) == 3 and median > 0, (cell, output)
        assert sorted(float(value) for value in rounds)[1] == median, (cell, output)
