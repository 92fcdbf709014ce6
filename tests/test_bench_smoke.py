"""The benchmark runs end to end on a tiny data set and reports every read operation.
Speed is not asserted: only that it runs, measures and prints numbers."""

from __future__ import annotations

import re

import orjson
import pytest

from tests.commands import bench, tiny_bench_run

pytestmark = pytest.mark.slow  # runs the benchmark

ROW = re.compile(r"^(Q1|Q2|Q3 program|Q3 province)\s+1\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+0\s", re.MULTILINE)
# Q1 and Q2 also show the server's p50 and the floor's, timed in alternation, and their ratio.
AGAINST_FLOOR = re.compile(r"^(Q1|Q2)\s+1(?:\s+[\d.]+){3}\s+0\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s", re.MULTILINE)


async def test_benchmark_smoke_run(databases):
    url = await databases.new_url("bench")
    output = tiny_bench_run(url, "--operations", "Q1,Q2,Q3")
    rows = {match[1]: [float(value) for value in match.groups()[1:]] for match in ROW.finditer(output)}
    assert set(rows) == {"Q1", "Q2", "Q3 program", "Q3 province"}, output
    for name, (requests_per_second, p50, p99) in rows.items():
        assert requests_per_second > 0 and 0 < p50 <= p99, (name, output)
    matches = AGAINST_FLOOR.finditer(output)
    against = {match[1]: [float(value) for value in match.groups()[1:]] for match in matches}
    assert set(against) == {"Q1", "Q2"}, output
    for name, (server_p50, floor_p50, ratio) in against.items():
        assert server_p50 > 0 and floor_p50 > 0, (name, output)
        assert abs(ratio - server_p50 / floor_p50) <= 0.02 * ratio + 0.01, (name, output)
    assert re.search(r"Q1 SQL statements by page size: first 10: (\d+), first 50: \1, first 100: \1", output)
    assert "server RSS" in output
    assert "differs" not in output, output


def test_worker_split_shows_the_busiest_workers_shares() -> None:
    from bench.over_http import worker_split

    # The supervisor's helper process takes a tick or two; the two busiest are the workers.
    assert worker_split([1, 300, 100], 2) == "75:25"
    assert worker_split([641, 1, 0], 2) == "100:0"
    assert worker_split([0, 0], 2) == "0:0"


MODE_ROW = re.compile(
    r"^(Q1|Q2)\s+1\s+(development|token|session)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+(\S+)",
    re.MULTILINE,
)


async def test_benchmark_compares_development_with_production_modes(databases):
    """Each mode answers without errors (a token and a session cookie production accepts), and
    each row carries the server's CPU per request (and the database's on PostgreSQL)."""
    url = await databases.new_url("bench_modes")
    output = tiny_bench_run(url, "--operations", "Q1,Q2", "--modes", "development,token,session", "--rounds", "1")
    rows = {(match[1], match[2]): match.groups()[2:] for match in MODE_ROW.finditer(output)}
    assert len(rows) == 6, output
    for key, (rps, p50, p99, errors, cpu_ms, db_cpu_ms) in rows.items():
        assert float(rps) > 0 and 0 < float(p50) <= float(p99) and errors == "0", (key, output)
        assert float(cpu_ms) > 0, (key, output)
        assert (db_cpu_ms == "-") == url.startswith("sqlite"), (key, output)


M1_ROW = re.compile(r"^(M1|M1 return)\s+1\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s", re.MULTILINE)


async def test_m1_measures_accepted_writes_only(databases):
    """M1 submits and returns updates in turn, every one accepted: the write rows show no errors."""
    url = await databases.new_url("bench_m1")
    output = tiny_bench_run(url, "--operations", "M1")
    rows = {match[1]: [float(value) for value in match.groups()[1:]] for match in M1_ROW.finditer(output)}
    assert set(rows) == {"M1", "M1 return"}, output
    for name, (requests_per_second, p50, p99, errors) in rows.items():
        assert requests_per_second > 0 and 0 < p50 <= p99 and errors == 0, (name, output)


def test_a_refused_write_stops_the_benchmark() -> None:
    from bench.writes import WRITE, M1Requests, Refused, WriteFixture, Writer

    requests = M1Requests(WriteFixture([Writer("secret", [[7, 1]])], "staff"))
    body, headers, label = requests(0, 0)
    assert label == WRITE and headers == {"authorization": "Bearer secret"}
    refusal = {
        "data": {
            "submitMilestoneUpdate": {
                "milestoneUpdate": None,
                "userErrors": [{"field": ["milestoneId"], "message": "pending", "code": "UPDATE_PENDING"}],
            }
        }
    }
    with pytest.raises(Refused, match="UPDATE_PENDING"):
        requests.answered(0, WRITE, 200, orjson.dumps(refusal))
    accepted = {"data": {"submitMilestoneUpdate": {"milestoneUpdate": {"id": "U1"}, "userErrors": []}}}
    requests.answered(0, WRITE, 200, orjson.dumps(accepted))
    body, headers, label = requests(0, 1)
    assert label == "review" and body["variables"]["input"]["updateId"] == "U1"
    assert body["variables"]["input"]["milestoneVersion"] == 2


REVALIDATION = re.compile(r"^\s+1\s+(full|304)\s+([\d.]+)\s+[\d.]+\s+([\d.]+)\s+\S+\s+(\d+)$", re.MULTILINE)


async def test_etag_benchmark_smoke_run(databases):
    """bench.etag measures full answers and 304s in both modes, and every revalidation was a 304."""
    url = await databases.new_url("bench_etag")
    output = bench(
        "bench.etag",
        "--database-url",
        url,
        "--scale",
        "0.01",
        "--workers",
        "1",
        "--rounds",
        "1",
        "--seconds",
        "0.3",
        "--warmup",
        "0.1",
    )
    rows = [match.groups() for match in REVALIDATION.finditer(output)]
    assert [kind for kind, *_ in rows] == ["full", "304", "full", "304"], output
    for kind, requests_per_second, cpu_ms, unexpected in rows:
        assert float(requests_per_second) > 0 and float(cpu_ms) >= 0 and unexpected == "0", (kind, output)
    assert output.count("304 / full per round pair") == 2, output


CACHE_ROW = re.compile(
    r"^token\s+(Q1|Q2|Q1 same|Q2 same)\s+1(?:\s+\S+){10}\s+([\d.]+)\s+([\d.]+)\s+(\d+)$",
    re.MULTILINE,
)


async def test_benchmark_compares_the_answer_cache_on_and_off(databases):
    """Every operation answers without errors either way; one request repeated is answered from the
    cache, which runs fewer SQL statements than computing it (how often is the figure, not checked).
    Computed with graphql-core: where PostgreSQL writes Q2's answer, computing it is one statement,
    as many as a hit's read of the data version."""
    url = await databases.new_url("bench_answers")
    output = tiny_bench_run(
        url,
        "--operations",
        "Q1,Q2",
        "--modes",
        "token",
        "--answer-cache",
        "--rounds",
        "1",
        "--env",
        "QIANSHOU_SQL_ANSWERS=false",
    )
    rows = {match[1]: match.groups()[1:] for match in CACHE_ROW.finditer(output)}
    assert set(rows) == {"Q1", "Q2", "Q1 same", "Q2 same"}, output
    assert all(errors == "0" for _on, _off, errors in rows.values()), output
    for name in ("Q1 same", "Q2 same"):
        statements_on, statements_off, _errors = rows[name]
        assert float(statements_on) < float(statements_off), (name, output)
