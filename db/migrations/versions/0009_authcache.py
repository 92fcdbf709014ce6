"""credential_changes: each process learns at once that a credential it remembers has changed

Triggers on the tables that say what a token or a session stands for (a token revoked or renamed,
an account disabled or given a new role, scope or password, a session ended, an agency added to or
moved out of a region, a region moved) tell every server process to forget the credentials it
has verified (resolvers/credentials.py): on PostgreSQL by NOTIFY, delivered on commit; on SQLite
by bumping `credential_changes.version`, which each process reads a few times a second.
Writing `last_used_at` or `last_seen_at` fires nothing.

Revision ID: 0009_authcache
Revises: 0009_etag
Create Date: 2026-12-06 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_authcache"
down_revision: str | None = "0009_etag"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "qianshou_credentials"
# (table, event) pairs whose rows change what a verified credential stands for.
WATCHED = [
    ("api_tokens", "UPDATE OF revoked_at, role, agency_id, region_id, token_hash, name"),
    ("api_tokens", "DELETE"),
    ("accounts", "UPDATE OF disabled_at, role, agency_id, region_id, password_hash, name"),
    ("accounts", "DELETE"),
    ("account_sessions", "UPDATE OF token_hash, account_id, expires_at"),
    ("account_sessions", "DELETE"),
    ("agencies", "INSERT"),
    ("agencies", "UPDATE OF region_id"),
    ("agencies", "DELETE"),
    ("regions", "UPDATE OF path"),
]


def _name(table: str, event: str) -> str:
    return f"credentials_changed_{table}_{event.split()[0].lower()}"


def upgrade() -> None:
    op.create_table(
        "credential_changes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_changes")),
    )
    op.execute("INSERT INTO credential_changes (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION credentials_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
        )
        for table, event in WATCHED:
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION credentials_changed()"
            )
        return
    for table, event in WATCHED:
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
            "BEGIN UPDATE credential_changes SET version = version + 1; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, event in WATCHED:
        op.execute(f"DROP TRIGGER {_name(table, event)}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION credentials_changed()")
    op.drop_table("credential_changes")
