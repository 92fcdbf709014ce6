"""A PreparedRead returns the rows SQLAlchemy's own execution returns, value for value and name for
name, on the database under test; and the statement recorder still sees it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import Enum, Integer, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InvalidRequestError

from db.engine import Database
from db.functions import one_of
from db.models import (
    Agency,
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingTotals,
    Program,
    Region,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.reads.combined import _Part
from db.reads.prepared import PreparedRead, _result_processor
from db.reads.rounds import MAX_COMBINED, Rounds, statements
from db.statements import recording
from resolvers.child_pages import _child_page_statement
from resolvers.ids import encode_id
from resolvers.loaders import MILESTONES
from resolvers.progress import progress_of_pairings
from tests.conftest import gql

MODELS = [
    Agency,
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingTotals,
    Program,
    Region,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
]


async def both_ways(db, statement, parameters):
    """The rows of `statement` through SQLAlchemy and through a PreparedRead, twice: the second
    run uses the plan the first one made."""
    async with db.read_engine.connect() as connection:
        expected = (await connection.execute(statement, parameters)).all()
    prepared = PreparedRead(statement)
    first, again = await db.fetch(prepared, parameters), await db.fetch(prepared, parameters)
    assert first == again
    return expected, first


def assert_same_rows(expected, got):
    assert len(got) == len(expected) > 0
    for want, row in zip(expected, got, strict=True):
        assert tuple(row) == tuple(want)
        assert row._fields == tuple(want._fields)
        # The same Python types, not merely equal values: 1 == 1.0 == Decimal(1) and 'A' == StrEnum.A.
        assert [type(value) for value in row] == [type(value) for value in want]


@pytest.fixture(scope="module")
async def demo_with_audit(databases):
    """The demo data, which has no audit events, and one event with JSON changes and a null."""
    db = await databases.new_database("prepared", demo=True)
    async with db.writing() as session:
        session.add(
            AuditEvent(
                actor_name="测试",
                action="approve",
                object_type="Milestone",
                object_id=1,
                changes={"status": ["IN_PROGRESS", "ACHIEVED"], "note": None},
            )
        )
    yield db
    await db.dispose()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
async def test_every_column_type_reads_the_same(demo_with_audit, model, monkeypatch):
    monkeypatch.setattr(demo_with_audit, "idle_spread", 1)  # the second read goes with the first
    (key,) = model.__table__.primary_key.columns
    async with demo_with_audit.read_engine.connect() as connection:
        ids = (await connection.execute(select(key))).scalars().all()
    statement = select(*model.__table__.c).where(one_of(key, "ids")).order_by(key)
    expected, got = await both_ways(demo_with_audit, statement, {"ids": ids})
    assert_same_rows(expected, got)
    # And the same again when the read goes with another (db/reads/combined.py: its values in arrays).
    other = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")).order_by(Region.id))
    combined, regions = await asyncio.gather(
        demo_with_audit.fetch(PreparedRead(statement), {"ids": ids}), demo_with_audit.fetch(other, {"ids": [1]})
    )
    assert_same_rows(expected, combined)
    assert [row.id for row in regions] == [1]


@pytest.mark.parametrize("dialect", [postgresql.asyncpg.dialect(), sqlite.aiosqlite.dialect()], ids=lambda d: d.name)
def test_enum_columns_convert_as_sqlalchemy_converts_them(dialect):
    columns = [column for model in MODELS for column in model.__table__.c if isinstance(column.type, Enum)]
    assert len(columns) >= 8
    for column in columns:
        impl = column.type.dialect_impl(dialect)
        theirs, ours = impl.result_processor(dialect, None), _result_processor(impl, dialect, None)
        assert ours is not theirs
        for value in [*impl.enums, None]:
            assert ours(value) is theirs(value)
        with pytest.raises(LookupError):
            ours("NOT_A_VALUE")


async def test_joined_names_computed_columns_and_a_parameter_used_twice(demo_db):
    async with demo_db.read_engine.connect() as connection:
        ids = (await connection.execute(select(Pairing.id))).scalars().all()
    progress = progress_of_pairings(dt.date(2026, 11, 30), "ids").subquery("progress")
    mentor, supported = Agency.__table__.alias("mentor"), Agency.__table__.alias("supported")
    statement = (
        select(
            Pairing.id,
            mentor.c.id,
            supported.c.id,
            mentor.c.name,
            *progress.columns,
            literal_column("1.5").label("half_again"),
            func.count().over().label("listed"),
        )
        .join(mentor, mentor.c.id == Pairing.mentor_id)
        .join(supported, supported.c.id == Pairing.supported_id)
        .join(progress, progress.c.pairing_id == Pairing.id)
        .where(one_of(Pairing.id, "ids"), Pairing.starts_on > bindparam("since", type_=Pairing.starts_on.type))
        .order_by(Pairing.id)
    )
    expected, got = await both_ways(demo_db, statement, {"ids": ids, "since": dt.date(2000, 1, 1)})
    assert_same_rows(expected, got)
    assert got[0]._fields[:3] == ("id", "id_1", "id_2")


async def test_a_failed_read_leaves_the_pool_whole(fresh_db):
    """A read that fails before the database answers (a missing parameter) drops its connection;
    none stays checked out but the one kept for the next read, and the reads after it work."""
    prepared = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")))
    for _ in range(3):
        with pytest.raises(InvalidRequestError, match="ids"):
            await fresh_db.fetch(prepared, {})
        assert fresh_db.prepared_engine.pool.checkedout() == fresh_db.reads_held == 0
    assert [[row.id for row in await fresh_db.fetch(prepared, {"ids": [pk]})] for pk in (1, 2)] == [[1], [2]]
    assert fresh_db.prepared_engine.pool.checkedout() == fresh_db.reads_held == 1


async def test_reads_keep_a_few_connections_and_dispose_returns_them(fresh_db):
    """Concurrent reads each take a connection; afterwards at most `idle_reads` stay checked out,
    kept for the next reads, and disposing of the database returns them to the pool. (DISTINCT
    reads are never combined, so each of these runs alone.)"""
    prepared = PreparedRead(select(Region.id).distinct().where(one_of(Region.id, "ids")))
    found = await asyncio.gather(*(fresh_db.fetch(prepared, {"ids": [pk]}) for pk in range(1, 13)))
    assert [[row.id for row in rows] for rows in found] == [[pk] for pk in range(1, 13)]
    pool = fresh_db.prepared_engine.pool
    assert pool.checkedout() == fresh_db.reads_held == fresh_db.idle_reads
    await fresh_db.dispose()
    assert pool.checkedout() == fresh_db.reads_held == 0


async def test_reads_waiting_for_the_pool_get_the_connections_given_back(fresh_db):
    """More reads at once than the pool has connections: each connection a read gives back goes to
    one waiting, rather than being kept for reads to come while those wait out the pool's timeout."""
    if fresh_db.is_sqlite:
        pytest.skip("QIANSHOU_DB_POOL_SIZE sizes PostgreSQL's pools")
    small = Database.from_url(fresh_db.url, pool_size=2)
    prepared = PreparedRead(select(Region.id).distinct().where(one_of(Region.id, "ids")))
    try:
        found = await asyncio.gather(*(small.fetch(prepared, {"ids": [pk]}) for pk in range(1, 13)))
    finally:
        await small.dispose()
    assert [[row.id for row in rows] for rows in found] == [[pk] for pk in range(1, 13)]


async def test_sql_that_changes_per_execution_is_refused(demo_db):
    prepared = PreparedRead(select(Region.id).where(Region.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="fixed once compiled"):
        await demo_db.fetch(prepared, {"ids": [1, 2]})


async def test_the_recorder_sees_prepared_reads(demo_db):
    prepared = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")))
    with recording(demo_db) as statements:
        rows = await demo_db.fetch(prepared, {"ids": [1]})
    assert statements.count == 1
    assert "region" in statements.texts[0].lower()
    assert [row.id for row in rows] == [1]


async def test_reads_of_one_turn_read_as_they_would_alone(fresh_db):
    """Reads asked for in the same turn of the event loop go to PostgreSQL as one statement
    (db/reads/combined.py); each still returns exactly its own rows: values, Python types, names, order,
    none at all. The recorder sees each read."""
    fresh_db.idle_spread = 1
    async with fresh_db.read_engine.connect() as connection:
        update_ids = (await connection.execute(select(MilestoneUpdate.id))).scalars().all()
        pairing_ids = (await connection.execute(select(Pairing.id))).scalars().all()
    mentor = Agency.__table__.alias("mentor")
    reads = [
        (
            select(*MilestoneUpdate.__table__.c)
            .where(one_of(MilestoneUpdate.id, "ids"))
            .order_by(MilestoneUpdate.id.desc()),
            {"ids": update_ids},
        ),
        (
            select(Region.name, Region.code)
            .order_by(Region.name, Region.code)
            .limit(bindparam("limit", type_=Integer())),
            {"limit": 7},
        ),
        (select(Region.id).where(one_of(Region.id, "ids")).order_by(Region.id), {"ids": [-1]}),
        (
            select(Pairing.id, mentor.c.id, mentor.c.name, func.count().over().label("listed"))
            .join(mentor, mentor.c.id == Pairing.mentor_id)
            .where(one_of(Pairing.id, "ids"))
            .order_by(mentor.c.name, Pairing.id),
            {"ids": pairing_ids},
        ),
    ]
    expected = []
    async with fresh_db.read_engine.connect() as connection:
        for statement, parameters in reads:
            expected.append((await connection.execute(statement, parameters)).all())
    page = _child_page_statement(MILESTONES, (None,), False)
    async with fresh_db.read_engine.connect() as connection:
        expected.append((await connection.execute(page.statement, {"parents": pairing_ids, "limit": 3})).all())
    prepared = [(PreparedRead(statement), parameters) for statement, parameters in reads]
    prepared.append((page, {"parents": pairing_ids, "limit": 3}))
    with recording(fresh_db) as statements:
        got = await asyncio.gather(*(fresh_db.fetch(read, parameters) for read, parameters in prepared))
    assert statements.count == len(prepared)
    assert got[2] == expected[2] == []
    for want, rows in zip(expected[:2] + expected[3:], got[:2] + got[3:], strict=True):
        assert_same_rows(want, rows)
    if not fresh_db.is_sqlite:
        assert fresh_db.prepared_engine.pool.checkedout() == 1, "one statement on one connection"


async def test_combined_rows_are_put_back_in_the_order_of_their_ordinals(demo_db):
    """Every aggregate of a combination takes the rows in one sequence; where that is not the read's
    own order, the ordinals put them back in it (here forced: PostgreSQL keeps the order in practice)."""
    read = PreparedRead(select(Region.id, Region.name).order_by(Region.name))
    plan = await read.plan(None, sqlite.dialect())
    part = _Part(plan, plan, columns=slice(1, 4), keeps_order=True)
    record = ("another read's", [3, 1, 2], ["c", "a", "b"], [3, 1, 2])
    assert [tuple(row) for row in part.rows(record)] == [(1, "a"), (2, "b"), (3, "c")]
    assert part.rows(("another read's", None, None, None)) == []
    unordered = _Part(plan, plan, columns=slice(1, 4), keeps_order=False)
    assert [row.id for row in unordered.rows(record)] == [3, 1, 2]


def test_a_turn_goes_in_statements_of_distinct_reads_of_a_bounded_number():
    """The same read asked for twice in a turn (two requests) goes in two statements, each the one
    its request makes alone; no statement holds more than MAX_COMBINED reads."""
    regions, names = PreparedRead(select(Region.id)), PreparedRead(select(Region.name))
    queued = [(names, {"n": 1}, None), (regions, {"n": 2}, None), (names, {"n": 3}, None), (regions, {"n": 4}, None)]
    assert [[(read, parameters["n"]) for read, parameters, _ in reads] for reads in statements(queued)] == [
        [(regions, 2), (names, 1)],
        [(regions, 4), (names, 3)],
    ]
    many = [(PreparedRead(select(Region.id)), None, None) for _ in range(MAX_COMBINED + 1)]
    assert [len(reads) for reads in statements(many)] == [MAX_COMBINED, 1]


def test_reads_that_would_make_one_statement_are_dealt_over_the_spread():
    reads = [PreparedRead(select(Region.id)) for _ in range(5)]
    queued = [(read, None, None) for read in reads]
    assert [[read for read, _, _ in group] for group in statements(queued, spread=2)] == [reads[0::2], reads[1::2]]
    assert [len(group) for group in statements(queued[:1], spread=2)] == [1]
    # Two requests' reads already make two statements: spreading them more would only cost.
    twice = [*queued[:2], *queued[:2]]
    assert [len(group) for group in statements(twice, spread=2)] == [2, 2]


async def test_a_turn_spreads_its_reads_only_when_no_other_reads_are_running():
    """Rounds, with stand-ins for the statements that record what each one would run."""
    reads = [PreparedRead(select(Region.id)) for _ in range(4)]
    ran: list[int] = []
    slow_done = asyncio.Event()

    async def alone(read, parameters):
        ran.append(1)
        if read is reads[0]:
            await slow_done.wait()
        return [read]

    async def together(group, parameter_sets):
        ran.append(len(group))
        return [[read] for read in group]

    rounds = Rounds(alone, together, idle_spread=lambda: 2)
    # Idle: four reads of one turn go as two statements of two.
    assert await asyncio.gather(*(rounds.read(read, None) for read in reads)) == [[read] for read in reads]
    assert ran == [2, 2]
    # Busy: while a read of another turn runs, a turn's four reads go as one statement.
    ran.clear()
    running = rounds.read(reads[0], None)
    while not ran:  # its turn ends, then its read starts
        await asyncio.sleep(0)
    assert await asyncio.gather(*(rounds.read(read, None) for read in reads[1:])) == [[read] for read in reads[1:]]
    assert ran == [1, 3]
    slow_done.set()
    assert await running == [reads[0]]


async def test_spread_reads_answer_as_one_statement_does(demo_db, monkeypatch):
    """A pairing's detail with its lists, read in two statements and in one: the same answer."""
    query = """query($id: ID!) { pairing(id: $id) { id status
      milestones(first: 12) { edges { node { title updates(first: 10) { edges { node { status note } } } } } }
      trainingSessions(first: 20) { edges { node { topic hours } } }
      serviceStations { name } incubatedOrganizations { stage }
    } }"""
    async with demo_db.read_engine.connect() as connection:
        pairing_ids = (await connection.execute(select(Pairing.id))).scalars().all()
    answers = {}
    for spread in (2, 1):
        monkeypatch.setattr(demo_db, "idle_spread", spread)
        answers[spread] = [await gql(demo_db, query, {"id": encode_id("Pairing", pk)}) for pk in pairing_ids]
    assert answers[2] == answers[1]
    assert any(answer["pairing"]["milestones"]["edges"] for answer in answers[2])


@pytest.mark.postgres_only
async def test_dispose_waits_for_the_reads_of_callers_that_went_away(fresh_db):
    """A read whose caller was cancelled still runs, and would hand its connection back after the
    pools were gone."""
    slow = PreparedRead(select(Region.id, func.pg_sleep(0.2).label("slept")).where(one_of(Region.id, "ids")))
    caller = asyncio.ensure_future(fresh_db.fetch(slow, {"ids": [1]}))
    await asyncio.sleep(0.05)  # its read is running
    caller.cancel()
    await fresh_db.dispose()
    await asyncio.sleep(0.3)  # the read would be done by now
    assert fresh_db.reads_held == 0, "a connection kept after dispose is never given back"


@pytest.mark.postgres_only
async def test_a_long_combination_stays_prepared(fresh_db):
    """asyncpg keeps only statements under 15 KB of SQL prepared by default; a longer combination
    would be parsed and planned again on every execution."""
    fresh_db.idle_spread = 1
    wide = PreparedRead(
        select(*(Region.name.label(f"name_{index}") for index in range(400))).where(one_of(Region.id, "ids"))
    )
    narrow = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")))
    for _ in range(2):
        await asyncio.gather(fresh_db.fetch(wide, {"ids": [1]}), fresh_db.fetch(narrow, {"ids": [1]}))
    # The connection the combination ran on is the last one kept idle, and the next to be used.
    prepared = await fresh_db._on_driver(lambda driver: driver.fetch("SELECT statement FROM pg_prepared_statements"))
    combined = [
        row["statement"] for row in prepared if "name_399" in row["statement"] and "array_agg" in row["statement"]
    ]
    assert len(combined) == 1
    assert len(combined[0]) > 15 * 1024


async def test_a_failed_combination_fails_only_its_failing_read(fresh_db):
    """A read that cannot run fails alone; the reads it was asked for with still answer."""
    fresh_db.idle_spread = 1
    good = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")).order_by(Region.id))
    missing_parameter = PreparedRead(select(Region.name).where(one_of(Region.id, "ids")).order_by(Region.id))
    results = await asyncio.gather(
        fresh_db.fetch(good, {"ids": [1, 2]}), fresh_db.fetch(missing_parameter, {}), return_exceptions=True
    )
    assert [row.id for row in results[0]] == [1, 2]
    assert isinstance(results[1], InvalidRequestError)


async def test_a_cancelled_reader_leaves_the_others_of_its_turn_their_rows(fresh_db):
    read = PreparedRead(select(Region.id).where(one_of(Region.id, "ids")).order_by(Region.id))
    first = asyncio.ensure_future(fresh_db.fetch(read, {"ids": [1]}))
    second = asyncio.ensure_future(fresh_db.fetch(read, {"ids": [2]}))
    await asyncio.sleep(0)  # both have asked for their rows
    first.cancel()
    assert [row.id for row in await second] == [2]
    with pytest.raises(asyncio.CancelledError):
        await first
    assert [row.id for row in await fresh_db.fetch(read, {"ids": [3]})] == [3]
