"""Every fast path can be switched off, and the answers stay the same; its fallbacks are counted."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import strawberry
from graphql import parse

from bench.queries import Q1_DASHBOARD, Q2_DETAIL
from db.reads import fast_paths
from db.reads.combined import combination
from db.reads.fast_paths import FastPaths, fallbacks, fell_back
from db.statements import recording
from schema.schema import execute_checked, schema
from server.settings import load_settings
from tests.commands import tiny_bench_run
from tests.conftest import make_scope
from tests.test_fast_execution import CORPUS, CountingFast, CountingFields, ids, substitute
from tests.test_fast_execution_handback import MINI, mini_both

PATHS = [each.name for each in dataclasses.fields(FastPaths)]
ALL_OFF = FastPaths(**dict.fromkeys(PATHS, False))


@pytest.fixture
def switched() -> Iterator[None]:
    """Whatever a test switches, the process's fast paths are all on again after it."""
    yield
    fast_paths.use(FastPaths())


async def answer(db, document: str, variables: dict[str, Any], paths: FastPaths) -> tuple[Any, list[Any]]:
    """The HTTP path's answer (as orjson writes it) with these fast paths."""
    fast_paths.use(paths)
    result = await execute_checked(parse(document), make_scope(db), variables, None)
    return orjson.loads(orjson.dumps(result.data)), [error.formatted for error in result.errors or ()]


@pytest.mark.parametrize(("name", "document", "variables"), CORPUS, ids=[name for name, _, _ in CORPUS])
async def test_with_every_fast_path_off_the_answers_are_the_same(demo_db, switched, name, document, variables) -> None:
    known = await ids(demo_db)
    variables = {key: substitute(value, known) for key, value in variables.items()}
    off = await answer(demo_db, document, variables, ALL_OFF)
    on = await answer(demo_db, document, variables, FastPaths())
    assert off == on
    assert off[0] is not None or off[1], "every document answers something"


@pytest.mark.parametrize("path", PATHS)
async def test_each_fast_path_off_alone_answers_the_same(demo_db, switched, path) -> None:
    known = await ids(demo_db)
    off_alone = FastPaths(**{path: False})
    for document, variables in ((Q1_DASHBOARD, {"first": 20}), (Q2_DETAIL, {"id": known["{pairing}"]})):
        assert await answer(demo_db, document, variables, off_alone) == await answer(
            demo_db, document, variables, FastPaths()
        )


async def test_fast_execution_off_leaves_every_field_to_graphql_core(demo_db, switched) -> None:
    counting = strawberry.Schema(
        query=schema.query, mutation=schema.mutation, extensions=schema.extensions, execution_context_class=CountingFast
    )
    executed = {}
    for on in (True, False):
        fast_paths.use(FastPaths(fast_execution=on))
        CountingFields.executed = 0
        result = await counting.execute(Q1_DASHBOARD, variable_values={"first": 10}, context_value=make_scope(demo_db))
        assert result.errors is None
        executed[on] = CountingFields.executed
    assert executed[True] == 1
    assert executed[False] > 10 * 20


async def test_prepared_reads_off_runs_every_read_through_sqlalchemy(demo_db, switched) -> None:
    prepared: list[str] = []
    demo_db.read_listeners.append(lambda sql, arguments: prepared.append(sql))
    try:
        with recording(demo_db) as statements:
            await answer(demo_db, Q1_DASHBOARD, {"first": 10}, FastPaths(prepared_reads=False))
        assert statements.count >= 1
        assert prepared == []
        await answer(demo_db, Q1_DASHBOARD, {"first": 10}, FastPaths())
        assert prepared, "with the switch on, the same page reads through prepared reads"
    finally:
        demo_db.read_listeners.pop()


@pytest.mark.postgres_only
async def test_combined_reads_off_sends_each_read_alone(demo_db, switched) -> None:
    known = await ids(demo_db)
    combined = {}
    for on in (True, False):
        before = combination.cache_info()
        # With PostgreSQL writing the answer there is one read and nothing to combine.
        await answer(demo_db, Q2_DETAIL, {"id": known["{pairing}"]}, FastPaths(combined_reads=on, sql_answers=False))
        after = combination.cache_info()
        combined[on] = after.hits + after.misses - before.hits - before.misses
    assert combined[True] >= 1
    assert combined[False] == 0


async def test_fetch_ahead_off_loads_a_pages_details_field_by_field(demo_db, switched) -> None:
    counts = {}
    for on in (True, False):
        with recording(demo_db) as statements:
            await answer(demo_db, Q1_DASHBOARD, {"first": 10}, FastPaths(fetch_ahead=on, sql_answers=False))
        counts[on] = statements.count
    assert counts[False] > counts[True]


def test_each_fast_path_has_a_setting(monkeypatch) -> None:
    for path in PATHS:
        monkeypatch.setenv(f"QIANSHOU_{path.upper()}", "false")
    assert load_settings().fast_paths == ALL_OFF
    monkeypatch.delenv("QIANSHOU_FAST_EXECUTION")
    assert load_settings().fast_paths.fast_execution is True


async def test_a_fast_execution_fallback_is_counted() -> None:
    before = fallbacks()
    fast, plain, _ = await mini_both(MINI)
    assert fast == plain
    after = fallbacks()
    # A null name on a non-null field is handed back by design; a raising property is an error.
    assert after["fast_execution.handed_back"] > before.get("fast_execution.handed_back", 0)
    assert after["fast_execution.error"] > before.get("fast_execution.error", 0)


def test_a_fallback_is_logged_once_and_counted_every_time(caplog) -> None:
    reason = f"test.reason.{id(caplog)}"
    with caplog.at_level(logging.WARNING, logger="qianshou.fast_paths"):
        for attempt in range(3):
            fell_back(reason, ValueError(f"attempt {attempt}"))
    assert fallbacks()[reason] == 3
    logged = [record for record in caplog.records if reason in record.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info[1].args == ("attempt 0",)


# fast path, operation, concurrency, req/s on/off, CPU on, off, saved, DB on, off, saved, statements
# on, off, round trips on, off, errors.
PAIR = re.compile(
    r"^fast_execution\s+Q1\s+1\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(-?\d+)%\s+\S+\s+\S+\s+\S+"
    r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$",
    re.MULTILINE,
)


@pytest.mark.slow
async def test_the_benchmark_prints_what_a_fast_path_buys(databases) -> None:
    url = await databases.new_url("bench_paths")
    output = tiny_bench_run(url, "--operations", "Q1", "--fast-paths", "fast_execution", "--rounds", "1")
    found = PAIR.search(output)
    assert found is not None, output
    _rps_ratio, cpu_on, cpu_off, saved, statements_on, statements_off, trips_on, trips_off, errors = (
        float(value) for value in found.groups()
    )
    assert cpu_on > 0 and cpu_off > 0
    assert abs(saved - 100 * (cpu_off - cpu_on) / cpu_off) <= 1, output
    # The server's own counts: the page is read in statements, none of them lost between the two.
    assert statements_on >= 1 and statements_off >= 1
    assert 1 <= trips_on <= statements_on and 1 <= trips_off <= statements_off
    assert errors == 0
