"""The import benchmark runs end to end on a small tally and prints its figures (not asserted)."""

from __future__ import annotations

import re

import pytest

from tests.commands import bench
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.slow  # runs the import benchmark

LINE = re.compile(
    r"^(xlsx|csv)\s+(first|again)\s+[\d.]+\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+(yes|NO)$", re.MULTILINE
)


def test_the_import_benchmark_imports_a_tally_twice_and_prints_its_figures():
    output = bench("bench.imports", "--database-url", POSTGRES_URL or "sqlite", "--rows", "300")
    rows = {(match[1], match[2]): match.groups()[2:] for match in LINE.finditer(output)}
    assert set(rows) == {("xlsx", "first"), ("xlsx", "again"), ("csv", "first"), ("csv", "again")}, output
    for (_, run), (seconds, rows_per_second, created, unchanged, exact) in rows.items():
        assert float(seconds) > 0 and int(rows_per_second) > 0 and exact == "yes"
        assert (int(created), int(unchanged)) == ((300, 0) if run == "first" else (0, 300))
