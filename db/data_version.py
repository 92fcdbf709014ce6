"""The data version: a number that goes up with every committed transaction that changes anything a
query can return, read in one statement. Conditional requests (server/etag.py) answer 304 while it,
and who asks what, stay the same.

It is kept by triggers, not by the code that writes: every table a query reads has one, so no write
path (the mutations, imports, the daily job, the webhook worker, the CLI, SQL typed by hand) can
forget it. `watch_all` runs after every upgrade and gives a trigger to any table that has none (a
table added by a later migration, or one SQLite rebuilt); tests/test_etag.py checks that every table
but UNWATCHED has one.

The version is the sum of SLOTS rows. On PostgreSQL a transaction adds one to the slot of its own
transaction id, once however many rows it changes: transactions running at the same time have
neighbouring ids, so they update different rows and never queue behind each other's row lock (one
shared row would make every writer wait for the one before it to commit). Exact under concurrency:
each commit adds one to a slot, and a snapshot that sees the same sum sees the same commits. SQLite
runs one writer at a time, so its triggers use slot 0, once per row changed.
"""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, Connection, cast, func, inspect, select, text

from db.models import Base, DataVersion
from db.reads.prepared import PreparedRead

TABLE = "data_versions"
SLOTS = 64
# Tables whose changes no query can return. Their writes happen on the request path (a session's or
# a token's "last used" time) or are bookkeeping, and would otherwise end every 304 a second later.
UNWATCHED = frozenset(
    {
        TABLE,
        "account_sessions",  # last_seen_at; a session that ends is refused before any 304 (server/auth.py)
        "api_tokens",  # last_used_at; a revoked token is refused before any 304
        "sign_in_attempts",  # read by the lockout rule only
        "idempotency_records",  # read by retried mutations only
        "digest_claims",  # which process sends a day's digests
    }
)

VERSION = PreparedRead(select(cast(func.coalesce(func.sum(DataVersion.version), 0), BigInteger)))

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx text := txid_current()::text;
BEGIN
    -- Once per transaction: the setting is local to it (and undone with a rolled-back savepoint).
    IF current_setting('qianshou.data_changed_in', true) IS DISTINCT FROM tx THEN
        PERFORM set_config('qianshou.data_changed_in', tx, true);
        UPDATE {TABLE} SET version = version + 1 WHERE slot = txid_current() % {SLOTS};
    END IF;
    RETURN NULL;
END $$
"""


def trigger_statements(dialect: str, table: str) -> list[str]:
    """The DDL that makes changes to `table` move the data version."""
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION data_changed()",
            f"CREATE TRIGGER data_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_changed()",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS data_changed_{table}_{event.lower()} AFTER {event} ON {table} "
        f"BEGIN UPDATE {TABLE} SET version = version + 1 WHERE slot = 0; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def create(connection: Connection) -> None:
    """The slots and, on PostgreSQL, the trigger function (the migration's part). The version starts
    at the time in microseconds: a database migrated anew (say, restored from a backup older than
    the data version) starts past what an earlier one reached, which grows far slower than that."""
    start = time.time_ns() // 1000
    connection.execute(
        text(f"INSERT INTO {TABLE} (slot, version) VALUES (:slot, :version)"),
        [{"slot": slot, "version": start if slot == 0 else 0} for slot in range(SLOTS)],
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text(POSTGRES_FUNCTION))


def watched(connection: Connection) -> set[str]:
    """The tables that have the data version's trigger."""
    if connection.dialect.name == "postgresql":
        query = "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'data_changed'"
        return {name.rsplit(".", 1)[-1].strip('"') for name in connection.scalars(text(query))}
    query = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data\\_changed\\_%' ESCAPE '\\'"
    return set(connection.scalars(text(query)))


def watch(connection: Connection, tables: list[str]) -> None:
    for table in tables:
        for statement in trigger_statements(connection.dialect.name, table):
            connection.execute(text(statement))


def watch_all(connection: Connection) -> list[str]:
    """Give a trigger to every table of the models that should have one and has none; their names."""
    existing = set(inspect(connection).get_table_names())
    if TABLE not in existing:
        return []  # not migrated this far yet (a downgrade, or an upgrade to an older revision)
    missing = sorted(set(Base.metadata.tables) & existing - UNWATCHED - watched(connection))
    watch(connection, missing)
    return missing
