"""One-command backups: `qianshou db backup FILE` and `qianshou db restore FILE`.

SQLite is copied with its online backup API, page by page, into a consistent snapshot while the
servers keep reading and writing. PostgreSQL is dumped with `pg_dump --format=custom` (a snapshot
in one transaction, so also while serving) and restored with `pg_restore`."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from db.engine import normalise_url

# Pages copied per step; between steps writers may go on (SQLite restarts the copy if they do).
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """The backup or restore cannot be made; the message is one line fit for the terminal."""


def backup(url: str, target: Path) -> None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_file(parsed), target)
    else:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url))


def restore(url: str, source: Path) -> None:
    """Replaces the database's contents with the backup's. Stop the servers first."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        target = _sqlite_file(parsed)
        seen = _sqlite(target, VERSION_READ) if target.is_file() else None
        _copy_sqlite(source, target)
        _sqlite(target, VERSION_JUMP.format(jump=_jump(seen)))
    else:
        seen = _psql(url, VERSION_READ)
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq(url)}",
            str(source),
        )
        _psql(url, VERSION_JUMP.format(jump=_jump(seen)))


# The data version (db/data_version.py) never goes back: a restored database would count again
# through versions that tags were made for, with other data. Past every version the database had.
VERSION_READ = "SELECT coalesce(sum(version), 0) FROM data_versions"
VERSION_JUMP = "UPDATE data_versions SET version = version + {jump} WHERE slot = 0"


def _sqlite_file(url: URL) -> Path:
    if url.database is None:  # sqlite:// is an in-memory database
        raise BackupError(f"{url} names no SQLite database file")
    return Path(url.database)


def _jump(seen: str | None) -> int:
    return int(seen or 0) + 1


def _sqlite(path: Path, statement: str) -> str | None:
    """The first value `statement` returns, or None when the database has no data version (yet)."""
    with closing(sqlite3.connect(path)) as connection:
        try:
            row = connection.execute(statement).fetchone()
        except sqlite3.OperationalError:  # no such table: a database older than the data version
            return None
        connection.commit()
    return None if row is None else str(row[0])


def _psql(url: str, statement: str) -> str | None:
    if shutil.which("psql") is None:
        raise BackupError("psql is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(
        ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", statement, _libpq(url)], capture_output=True, text=True
    )
    if result.returncode != 0:
        return None  # no data version (yet), or a database that does not exist
    return result.stdout.strip() or None


def _copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with closing(sqlite3.connect(source)) as reader, closing(sqlite3.connect(target)) as writer:
        reader.backup(writer, pages=PAGES_PER_STEP)


def _check_sqlite_backup(source: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as connection:
            connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a Qianshou SQLite backup: {exc}") from None


def _libpq(url: str) -> str:
    """The URL as pg_dump reads it: without SQLAlchemy's driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(program: str, *arguments: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run([program, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise BackupError(f"{program} failed: {reason}")
