"""The fast paths' switches and their counted fallbacks.

Each fast path (schema/engine/README.md) does what a slower, plainer path does, and can be switched
off at start-up (QIANSHOU_FAST_EXECUTION, ...): to measure what it buys (`bench.run --fast-paths`),
to compare answers (tests/test_fast_paths.py), or to rule it out when something looks wrong.

Where a fast path meets a case it does not handle it hands the work back to the plain path; that
is counted here by reason, and an unexpected error is logged once per reason with its traceback
(a fallback taken on every request must not flood the log, nor go unseen). This module sits in the
lowest layer so that every fast path, in `db/` and in `schema/`, can use it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass

log = logging.getLogger("qianshou.fast_paths")


@dataclass
class FastPaths:
    # schema/engine/execution.py: plain fields completed by planned, generated code rather than graphql-core.
    fast_execution: bool = True
    # db/reads/prepared.py: reads compiled once and run on the driver's connection, without SQLAlchemy's execution.
    prepared_reads: bool = True
    # db/reads/combined.py: a turn's prepared reads sent to PostgreSQL as one statement (needs prepared_reads).
    combined_reads: bool = True
    # schema/engine/fetch_ahead.py, pairing_pages.py: a page's agencies, progress, totals and lists fetched ahead.
    fetch_ahead: bool = True
    # schema/engine/sql_answers.py: PostgreSQL writes the JSON of a dashboard's documents; graphql-core runs no field.
    sql_answers: bool = True


# The process's switches, set once at start-up (server/app.py); read where each path is taken.
FAST_PATHS = FastPaths()


def use(paths: FastPaths) -> None:
    """Switches the process's fast paths as `paths` says."""
    for each in dataclasses.fields(FastPaths):
        setattr(FAST_PATHS, each.name, getattr(paths, each.name))


_fallbacks: Counter[str] = Counter()
_logged: set[str] = set()


def count(reason: str) -> None:
    """A fallback that is part of the design (a value the fast path leaves to the plain one)."""
    _fallbacks[reason] += 1


def fell_back(reason: str, error: BaseException) -> None:
    """A fallback forced by an unexpected error: counted, and logged the first time for `reason`."""
    _fallbacks[reason] += 1
    if reason not in _logged:
        _logged.add(reason)
        log.warning("fast path fell back (%s); logged once, counted in fallbacks()", reason, exc_info=error)


def fallbacks() -> dict[str, int]:
    """How many times each fallback was taken in this process, by reason."""
    return dict(_fallbacks)
