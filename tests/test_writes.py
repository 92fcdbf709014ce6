"""The write helpers of resolvers/tx.py and the runner of resolvers/writes.py, below the mutations that use them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEvent, Milestone
from db.statements import recording
from resolvers.access import Actor, Role
from resolvers.errors import ErrorCode, UserError, UserErrors
from resolvers.tx import Tx
from tests.conftest import make_scope

ADMIN = Actor(name="admin", role=Role.ADMIN)
STALE = UserError("changed by someone else", ErrorCode.STALE_VERSION, ["version"])


async def test_a_guarded_update_reads_the_row_back_in_its_own_statement(fresh_db: Database) -> None:
    async with fresh_db.writing() as session:
        milestone = await session.scalar(select(Milestone).order_by(Milestone.id).limit(1))
        version = milestone.version
        tx = Tx(make_scope(fresh_db, ADMIN), session, "updateMilestone")
        with recording(fresh_db) as statements:
            values = {"title": "完善机构章程（修订）", "version": Milestone.version + 1}
            await tx.guarded_update(milestone, values, Milestone.version == version, STALE)
        # One statement: the UPDATE returns the row as stored, with no SELECT to read it back.
        # (The audit event is written with the write's batch, when it finishes.)
        assert [text.split()[0] for text in statements.texts] == ["UPDATE"], statements.texts
        assert (milestone.title, milestone.version) == ("完善机构章程（修订）", version + 1)
        await tx.finish()
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert event.changes["after"] == {"title": "完善机构章程（修订）", "version": version + 1}


async def test_a_guarded_update_whose_guard_fails_is_refused(fresh_db: Database) -> None:
    async with fresh_db.writing() as session:
        milestone = await session.scalar(select(Milestone).order_by(Milestone.id).limit(1))
        title, version = milestone.title, milestone.version
        tx = Tx(make_scope(fresh_db, ADMIN), session, "updateMilestone")
        with pytest.raises(UserErrors) as refused:
            await tx.guarded_update(milestone, {"title": "x"}, Milestone.version == version + 1, STALE)
        assert refused.value.errors == [STALE]
        assert (milestone.title, milestone.version, tx.audited) == (title, version, 0)
