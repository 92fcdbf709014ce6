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

from sqlalchemy.engine import make_url

from db.engine import normalise_url

# Pages copied per step; between steps writers may go on (SQLite restarts the copy if they do).
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """The backup or restore cannot be made; the message is one line fit for the terminal."""


def backup(url: str, target: Path) -> None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        _copy_sqlite(Path(parsed.database), target)
    else:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url))


def restore(url: str, source: Path) -> None:
    """Replaces the database's contents with the backup's. Stop the servers first."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        _copy_sqlite(source, Path(parsed.database))
    else:
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={_libpq(url)}", str(source))


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
