"""Imports running at the same time: each writes all its rows, none fails for having met the other,
and the counters stay exact."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from db.models import Agency, Pairing, PairingStatus
from resolvers.access import SYSTEM
from resolvers.imports.kinds import ImportKind
from resolvers.imports.report import RowOutcome
from resolvers.imports.runner import run_import
from tests.conftest import make_scope
from tests.import_files import write_csv
from tests.test_imports import ACTIVITY_HEADER, assert_totals_exact


async def open_pairings(db) -> list[tuple[str, int]]:
    """The supported agencies of the ACTIVE pairings, each named by exactly one pairing, with it."""
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Agency.name, Pairing.id)
                .join(Pairing, Pairing.supported_id == Agency.id)
                .where(Pairing.status == PairingStatus.ACTIVE)
                .order_by(Pairing.id)
            )
        ).all()
    names = Counter(name for name, _ in rows)
    return [(name, pairing_id) for name, pairing_id in rows if names[name] == 1]


def tally(agencies: list[str], day: int) -> list[list]:
    return [[name, "", "", "家庭探访", f"2025-06-{day:02d}", 3, 2, "", ""] for name in agencies]


async def test_two_imports_over_the_same_pairings_in_opposite_orders_both_write_everything(fresh_db, tmp_path):
    # Each import adds to every pairing's counter row and to the program's: in opposite orders, two
    # such transactions would each hold a row the other waits for, unless the rows are taken in
    # one order.
    agencies = [name for name, _ in await open_pairings(fresh_db)][:16]
    assert len(agencies) >= 8, "the demo has enough open pairings to overlap"
    scope = make_scope(fresh_db, SYSTEM)
    for day in range(1, 7, 2):
        forward = write_csv(tmp_path / f"{day}.csv", ACTIVITY_HEADER, tally(agencies, day))
        backward = write_csv(tmp_path / f"{day + 1}.csv", ACTIVITY_HEADER, tally(agencies[::-1], day + 1))
        reports = await asyncio.gather(
            run_import(scope, ImportKind.SERVICE_ACTIVITIES, forward),
            run_import(scope, ImportKind.SERVICE_ACTIVITIES, backward),
        )
        assert [report.problems for report in reports] == [[], []]
        assert [report.count(RowOutcome.CREATED) for report in reports] == [len(agencies)] * 2
    await assert_totals_exact(fresh_db)
