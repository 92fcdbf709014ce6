"""A write that PostgreSQL ends in a deadlock runs again (resolvers/writes.py) and lands once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import func, select

from db.data_version import SLOTS
from db.listen import asyncpg_dsn
from db.models import ServiceActivity
from resolvers.access import SYSTEM
from resolvers.ids import encode_id
from tests.conftest import gql
from tests.test_etag import RECORD
from tests.test_imports import assert_totals_exact

pytestmark = pytest.mark.postgres_only

# The transaction id of a backend of this database that waits for a lock (its own id, as its
# ExclusiveLock on it, alongside the ShareLock it waits for on another's).
WAITING = """SELECT own.transactionid::text::bigint FROM pg_locks own
JOIN pg_stat_activity activity ON activity.pid = own.pid
WHERE activity.datname = current_database() AND activity.wait_event_type = 'Lock'
AND own.locktype = 'transactionid' AND own.mode = 'ExclusiveLock' AND own.granted
AND own.pid <> pg_backend_pid()"""


async def waiting_writer(other: asyncpg.Connection, write: asyncio.Task) -> int:
    for _ in range(200):
        if write.done():
            raise AssertionError(f"the write ended without waiting: {write.result()}")
        if (xid := await other.fetchval(WAITING)) is not None:
            return int(xid)
        await asyncio.sleep(0.02)
    raise AssertionError("the write never waited for the counter row")


async def test_a_write_ended_by_a_deadlock_runs_again_and_lands_once(open_db):
    other = await asyncpg.connect(asyncpg_dsn(str(open_db.url)))
    try:
        holding = other.transaction()
        await holding.start()
        # Another transaction holds the pairing's counter row, which the write changes after its
        # record: the write, holding its data version slot, waits for it.
        await other.execute("SELECT 1 FROM pairing_totals WHERE pairing_id = 1 FOR UPDATE")
        variables = {
            "input": {
                "pairingId": encode_id("Pairing", 1),
                "kind": "HOME_VISIT",
                "occurredOn": "2019-06-01",
                "count": 2,
                "note": "死锁后重试",
            }
        }
        write = asyncio.create_task(gql(open_db, RECORD, variables, SYSTEM))
        xid = await waiting_writer(other, write)
        # Now the other transaction asks for the write's slot: each waits for the other, and
        # PostgreSQL ends the write, which waited first.
        await other.execute("SELECT 1 FROM data_versions WHERE slot = $1 FOR UPDATE", xid % SLOTS)
        await holding.rollback()
        answer = await asyncio.wait_for(write, timeout=30)
    finally:
        await other.close()
    assert answer["recordServiceActivity"]["userErrors"] == []
    async with open_db.reading() as session:
        stored = await session.scalar(
            select(func.count()).select_from(ServiceActivity).where(ServiceActivity.note == "死锁后重试")
        )
    assert stored == 1
    await assert_totals_exact(open_db)
