"""program counters: a program's pairings, totals and open milestones by due day; open milestones by due date

`programStats` for a whole program summed 45,000 pairings' counter rows and hashed them against
the overdue milestones at national scale (over 100 ms). These tables hold the same figures per
program (db/models/totals.py), kept by triggers on pairings, pairing_totals and milestones, so that
every write keeps them exact in its own transaction, whoever writes; the existing rows are counted
here once.

Revision ID: 0010_national_counters
Revises: 0009_authcache
Create Date: 2026-12-06 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_national_counters"
down_revision: str | None = "0009_authcache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 16  # db/models/totals.py PROGRAM_SLOTS, frozen here as this revision wrote it
FIGURES = (
    "home_visits",
    "casework_cases",
    "group_sessions",
    "themed_activities",
    "training_sessions",
    "beneficiaries",
    "disbursement_batches",
    "people_funded",
)
MONEY = ("cash_yuan", "in_kind_yuan")
CLOSED = "('ACHIEVED', 'WAIVED')"


def _active(row: str) -> str:
    return f"CASE WHEN {row}.status = 'ACTIVE' THEN 1 ELSE 0 END"


def _open(row: str) -> str:
    return f"CASE WHEN {row}.status NOT IN {CLOSED} THEN 1 ELSE 0 END"


def _program_of(row: str) -> str:
    return f"(SELECT program_id FROM pairings WHERE id = {row}.pairing_id)"


def _add_to_program(program: str, pairing_id: str, amounts: dict[str, str]) -> str:
    """Add `amounts` to the program's slot row, making it if it is not there yet."""
    columns = ", ".join(amounts)
    values = ", ".join(amounts.values())
    sums = ", ".join(f"{column} = program_totals.{column} + excluded.{column}" for column in amounts)
    return (
        f"INSERT INTO program_totals (program_id, slot, {columns}) VALUES ({program}, {pairing_id} % {SLOTS}, {values}) "
        f"ON CONFLICT (program_id, slot) DO UPDATE SET {sums}"
    )


def _add_open(row: str, amount: str) -> str:
    return (
        f"INSERT INTO program_open_milestones (program_id, due_on, open_milestones) "
        f"VALUES ({_program_of(row)}, {row}.due_on, {amount}) ON CONFLICT (program_id, due_on) "
        "DO UPDATE SET open_milestones = program_open_milestones.open_milestones + excluded.open_milestones"
    )


def _totals(sign: str, row: str, minus: str | None = None) -> dict[str, str]:
    return {column: f"{sign}{row}.{column}" + (f" - {minus}.{column}" if minus else "") for column in FIGURES + MONEY}


# (name, event on table, condition if any, statements): the same SQL on both databases.
TRIGGERS: tuple[tuple[str, str, str | None, list[str]], ...] = (
    (
        "program_count_pairing",
        "INSERT ON pairings",
        None,
        [_add_to_program("NEW.program_id", "NEW.id", {"pairings": "1", "active_pairings": _active("NEW")})],
    ),
    (
        "program_count_pairing_status",
        "UPDATE OF status ON pairings",
        "OLD.status <> NEW.status",
        [_add_to_program("NEW.program_id", "NEW.id", {"active_pairings": f"{_active('NEW')} - {_active('OLD')}"})],
    ),
    (
        "program_add_totals",
        "INSERT ON pairing_totals",
        None,
        [_add_to_program(_program_of("NEW"), "NEW.pairing_id", _totals("", "NEW"))],
    ),
    (
        "program_change_totals",
        "UPDATE ON pairing_totals",
        None,
        [_add_to_program(_program_of("NEW"), "NEW.pairing_id", _totals("", "NEW", minus="OLD"))],
    ),
    (
        "program_remove_totals",
        "DELETE ON pairing_totals",
        None,
        [_add_to_program(_program_of("OLD"), "OLD.pairing_id", _totals("-", "OLD"))],
    ),
    (
        "program_count_milestone",
        "INSERT ON milestones",
        f"NEW.status NOT IN {CLOSED}",
        [_add_open("NEW", "1")],
    ),
    (
        "program_move_milestone",
        "UPDATE OF status, due_on, pairing_id ON milestones",
        f"{_open('OLD')} <> {_open('NEW')} OR OLD.due_on <> NEW.due_on OR OLD.pairing_id <> NEW.pairing_id",
        [_add_open("OLD", f"-{_open('OLD')}"), _add_open("NEW", _open("NEW"))],
    ),
    (
        "program_uncount_milestone",
        "DELETE ON milestones",
        f"OLD.status NOT IN {CLOSED}",
        [_add_open("OLD", "-1")],
    ),
)

RECOUNT_TOTALS = (
    f"INSERT INTO program_totals (program_id, slot, pairings, active_pairings, {', '.join(FIGURES + MONEY)}) "
    f"SELECT p.program_id, p.id % {SLOTS}, count(*), sum({_active('p')}), "
    + ", ".join(f"coalesce(sum(t.{column}), 0)" for column in FIGURES + MONEY)
    + f" FROM pairings p LEFT JOIN pairing_totals t ON t.pairing_id = p.id GROUP BY p.program_id, p.id % {SLOTS}"
)
RECOUNT_OPEN = (
    "INSERT INTO program_open_milestones (program_id, due_on, open_milestones) "
    "SELECT p.program_id, m.due_on, count(*) FROM milestones m JOIN pairings p ON p.id = m.pairing_id "
    f"WHERE m.status NOT IN {CLOSED} GROUP BY p.program_id, m.due_on"
)


def upgrade() -> None:
    op.create_table(
        "program_totals",
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in ("pairings", "active_pairings")
        ),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in FIGURES[:6]),
        *(sa.Column(name, sa.Numeric(14, 2), server_default="0", nullable=False) for name in MONEY),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in FIGURES[6:]),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_totals_program_id_programs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("program_id", "slot", name=op.f("pk_program_totals")),
    )
    op.create_table(
        "program_open_milestones",
        sa.Column("program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("open_milestones", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_open_milestones_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", "due_on", name=op.f("pk_program_open_milestones")),
    )
    op.create_index(
        "ix_milestones_open_due_on",
        "milestones",
        ["due_on", "id"],
        sqlite_where=sa.text(f"status NOT IN {CLOSED}"),
        postgresql_where=sa.text(f"status NOT IN {CLOSED}"),
    )
    op.execute(RECOUNT_TOTALS)
    op.execute(RECOUNT_OPEN)
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, event, condition, statements in TRIGGERS:
        body = "; ".join(statements)
        when = "" if condition is None else f" WHEN ({condition})"
        if postgres:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
            )
            op.execute(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{when} EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{when} BEGIN {body}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, event, _, _ in TRIGGERS:
        table = event.rsplit(" ON ", 1)[1]
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index("ix_milestones_open_due_on", table_name="milestones")
    op.drop_table("program_open_milestones")
    op.drop_table("program_totals")
