"""The national data set the benchmarks ask about: loaded once per database, and what the requests name."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.demo.national import PROGRAM_NAME, load_national_demo
from db.engine import Database
from db.migrate import upgrade
from db.models import Pairing, Program, Region
from resolvers.ids import encode_id
from resolvers.pagination import encode_cursor

# A fixed day, as the tests', so that overdue and health do not drift with the calendar between runs.
TODAY = dt.date(2026, 11, 30)
PROVINCE_CODE = "410000"  # Q3 for one province: 河南省


@dataclass
class Fixture:
    """What the requests are about, read from the loaded data."""

    program_id: str
    province_id: str
    pairing_pks: list[int]
    program_pk: int


async def prepare(db: Database, scale: float) -> tuple[Fixture, float | None]:
    """The data migrated and loaded at `scale` (a database that holds it already is kept), and the
    seconds the load took (None when there was nothing to load)."""
    await upgrade(db.write_engine)
    started = time.perf_counter()
    loaded = await load_national_demo(db, scale)
    load_seconds = time.perf_counter() - started if loaded else None
    async with db.reading() as session:
        program_pk = await session.scalar(select(Program.id).where(Program.name == PROGRAM_NAME))
        province_pk = await session.scalar(select(Region.id).where(Region.code == PROVINCE_CODE))
        if program_pk is None or province_pk is None:
            raise RuntimeError(f"the national demo holds no program {PROGRAM_NAME!r} or no region {PROVINCE_CODE!r}")
        pairing_pks = list(await session.scalars(select(Pairing.id).where(Pairing.program_id == program_pk)))
    fixture = Fixture(encode_id("Program", program_pk), encode_id("Region", province_pk), pairing_pks, program_pk)
    return fixture, load_seconds


def q1_variables(fixture: Fixture, rng: random.Random, first: int) -> dict[str, Any]:
    """A page starting anywhere in the list: keyset pages cost the same wherever they start."""
    start = rng.randrange(max(1, len(fixture.pairing_pks) - first))
    return {"first": first, "after": encode_cursor((fixture.pairing_pks[start - 1],)) if start else None}


def q2_variables(fixture: Fixture, rng: random.Random) -> dict[str, Any]:
    return {"id": encode_id("Pairing", rng.choice(fixture.pairing_pks))}
