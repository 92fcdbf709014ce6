"""The version of the data a caller may see, which conditional requests compare (server/etag.py).

One number for all data (db/data_version.py): any committed change, in any program, moves it for
every caller. Narrower versions (per program, per region, per agency) would let more polls end in 304
but must never miss a change a caller can see: programs, agencies and regions are a directory every
role reads, totals and health are derived across tables, and notifications, imports and webhook logs
belong to no program. The global version is exact by construction, read in one statement of a few
dozen rows, and a poll that follows a write costs what it cost without conditional requests.
"""

from __future__ import annotations

from db import data_version
from db.engine import Database


async def current_version(db: Database) -> int:
    """A number that differs from every earlier answer once anything a query can return has changed.
    Read before the query it stands for runs, so that the query sees at least that much."""
    rows = await db.fetch(data_version.VERSION, alone=True)
    return int(rows[0][0])
