"""Imports are held to the single mutations' permissions: role x kind x (own pairing, other pairing),
with the expected matrix of tests/test_access_writes.py. Dry runs, so one database serves them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Agency, Pairing, PairingStatus, Role
from resolvers.access import SYSTEM, Actor
from resolvers.imports.kinds import ImportKind
from resolvers.imports.runner import run_import
from tests.conftest import gql, make_scope, reopen_ye_county
from tests.import_files import fill_template
from tests.test_access_matrix import OTHER_PAIRING, OWN_PAIRING, make_actors
from tests.test_access_writes import allowed

# Each kind, the mutation whose permission it takes, and a row for it (the pairing's columns added).
KINDS = {
    ImportKind.SERVICE_ACTIVITIES: ("recordServiceActivity", {"服务类型": "个案", "服务数量": 2}, "服务日期"),
    ImportKind.TRAINING_SESSIONS: (
        "recordTrainingSession",
        {"培训主题": "督导", "学时": 4, "培训方式": "远程", "参训人数": 9},
        "开始日期",
    ),
    ImportKind.MILESTONES: ("createMilestone", {"里程碑名称": "制度建设", "类别": "机构治理", "年度": 1}, "截止日期"),
}
XICHUAN = "淅川县光明社会工作服务中心"  # a COMPLETED pairing of the demo
PAIRING = "query($id: ID!) { pairing(id: $id) { startsOn supported { name } program { name } } }"


@dataclass
class World:
    db: Database
    actors: dict[Role, Actor]
    pairings: dict[str, dict]


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[World]:
    db = await databases.new_database("import-access", demo=True)
    # The matrix is about roles, on open pairings, as tests/test_access_writes.py's; what a closed
    # pairing refuses is test_a_closed_pairing_takes_no_imported_rows_whoever_imports below.
    await reopen_ye_county(db)
    try:
        pairings = {
            target: (await gql(db, PAIRING, {"id": pairing_id}, SYSTEM))["pairing"]
            for target, pairing_id in (("own", OWN_PAIRING), ("other", OTHER_PAIRING))
        }
        yield World(db, await make_actors(db), pairings)
    finally:
        await db.dispose()


@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", list(Role))
async def test_import_permission(world: World, tmp_path, role: Role, kind: ImportKind, target: str) -> None:
    permission, values, date_column = KINDS[kind]
    pairing = world.pairings[target]
    row = {
        "受援机构": pairing["supported"]["name"],
        "帮扶计划": pairing["program"]["name"],
        "结对开始日期": pairing["startsOn"],
        date_column: pairing["startsOn"],
        **values,
    }
    path = fill_template(kind, tmp_path / "one.xlsx", [row])
    report = await run_import(make_scope(world.db, world.actors[role]), kind, path, dry_run=True)
    if allowed(role, permission, target):
        assert report.problems == [] and report.rows == 1
    else:
        assert report.results == [] and [p.code.value for p in report.problems] in (["FORBIDDEN"], ["NOT_FOUND"])
        assert report.problems[0].message_zh


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_closed_pairing_takes_no_imported_rows_whoever_imports(
    world: World, tmp_path, kind: ImportKind
) -> None:
    """Even ADMIN, who may import anything into an open pairing: a COMPLETED pairing's record is final."""
    async with world.db.reading() as session:
        closed = await session.scalar(
            select(Pairing).join(Agency, Agency.id == Pairing.supported_id).where(Agency.name == XICHUAN)
        )
    assert closed.status is PairingStatus.COMPLETED
    _, values, date_column = KINDS[kind]
    row = {"受援机构": XICHUAN, "结对开始日期": closed.starts_on, date_column: closed.starts_on, **values}
    path = fill_template(kind, tmp_path / "closed.xlsx", [row])
    report = await run_import(make_scope(world.db, world.actors[Role.ADMIN]), kind, path, dry_run=True)
    assert report.results == [] and [p.code.value for p in report.problems] == ["NOT_ALLOWED_TRANSITION"]
    assert "结项" in report.problems[0].message_zh
