"""milestone events take their ids in commit order at COMMIT (PostgreSQL)

A replay "since n" reads ids above n, so an event must not take a lower id than one already
committed. Writers of events queued on an advisory lock from the write's last statement to its
COMMIT: a hold that spanned a round trip to the client and the client's turn to send COMMIT, during
which every other writer of events waited. A deferred constraint trigger now does it at COMMIT, in
the server: it takes the lock, gives the row its id in commit order and NOTIFYs that id, and the
lock is released by the commit a moment later.

Revision ID: 0011_event_order
Revises: 0010_national_counters
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_event_order"
down_revision: str | None = "0010_national_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lock's key (as the batch took it before); resolvers/events.py NOTIFY_CHANNEL, frozen here.
EVENT_ORDER_LOCK = 0x51_69_61_6E_73_68_6F_75
NOTIFY_CHANNEL = "qianshou_milestone_events"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite commits one writer at a time: ids become visible in order by themselves
    op.execute(
        f"""
        CREATE FUNCTION milestone_event_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            ordered bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock({EVENT_ORDER_LOCK});
            ordered := nextval(pg_get_serial_sequence('milestone_events', 'id'));
            UPDATE milestone_events SET id = ordered WHERE id = NEW.id;
            IF FOUND THEN
                PERFORM pg_notify('{NOTIFY_CHANNEL}', ordered::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER milestone_events_in_order AFTER INSERT ON milestone_events "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION milestone_event_in_order()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER milestone_events_in_order ON milestone_events")
    op.execute("DROP FUNCTION milestone_event_in_order()")
