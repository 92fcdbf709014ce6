"""The embedded SQLite database runs with WAL, foreign keys and a busy timeout."""

import pytest
from sqlalchemy.exc import IntegrityError

from db.engine import SQLITE_BUSY_TIMEOUT_MS, DatabaseUrlError, normalise_url
from db.models import Agency


def test_url_spellings_pick_the_async_driver():
    assert normalise_url("sqlite:///x.sqlite3") == "sqlite+aiosqlite:///x.sqlite3"
    assert normalise_url("postgres://u@h/d") == "postgresql+asyncpg://u@h/d"
    with pytest.raises(DatabaseUrlError, match="malformed database URL"):
        normalise_url("::not a url::")


async def test_sqlite_pragmas(demo_db):
    if not demo_db.is_sqlite:
        pytest.skip("SQLite only")
    async with demo_db.read_engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}")  # noqa: E731
        assert (await pragma("journal_mode")).scalar() == "wal"
        assert (await pragma("foreign_keys")).scalar() == 1
        assert (await pragma("busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


async def test_foreign_keys_are_enforced(fresh_db):
    with pytest.raises(IntegrityError):
        async with fresh_db.writing() as session:
            session.add(Agency(name="无处可寻", region_id=987654))
