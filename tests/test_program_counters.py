"""The program counters (program_totals, program_open_milestones) stay exact: writes of every kind
that change what `programStats` counts alternate with reads, and after each the counters, and the
whole-program `programStats` answered from them, equal a recount from the rows; the data version
moves with each write. A migration run over existing rows counts them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from db.data_version import VERSION
from db.migrate import upgrade
from db.models import CLOSED_MILESTONE_STATUSES, Milestone, Pairing, PairingStatus, ProgramOpenMilestones, ProgramTotals
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.totals import open_milestones_select, program_totals_select, recount_select
from resolvers.access import SYSTEM
from resolvers.ids import decode_typed_id, encode_id
from resolvers.totals import money
from tests.conftest import TODAY, gql

STATS = """
query Stats($programId: ID) {
  programStats(programId: $programId) {
    pairings activePairings milestonesOverdue
    serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
    resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
  }
}
"""
ERRORS = "userErrors { code message }"


def _figures(row: Any) -> tuple:
    return tuple(int(getattr(row, c)) for c in ("pairings", "active_pairings", *COUNTER_COLUMNS)) + tuple(
        money(getattr(row, c)) for c in MONEY_COLUMNS
    )


async def stored_and_recounted(db) -> tuple[dict, dict]:
    """Both program counters as kept and as recounted, by key; days with no open milestone left
    may keep a row of zero."""
    async with db.reading() as session:
        stored = {(r.program_id, r.slot): _figures(r) for r in await session.scalars(select(ProgramTotals))}
        recounted = {(r.program_id, r.slot): _figures(r) for r in await session.execute(program_totals_select())}
        kept = select(
            ProgramOpenMilestones.program_id, ProgramOpenMilestones.due_on, ProgramOpenMilestones.open_milestones
        )
        stored |= {(program, day): count for program, day, count in await session.execute(kept) if count}
        recounted |= {(program, day): count for program, day, count in await session.execute(open_milestones_select())}
    return stored, recounted


async def stats_from_rows(db, program_pk: int) -> dict[str, Any]:
    """programStats of a whole program, counted from the pairings, their recounted totals and
    their milestones."""
    async with db.reading() as session:
        pairings = list(await session.scalars(select(Pairing).where(Pairing.program_id == program_pk)))
        ids = [p.id for p in pairings]
        totals = [row for row in await session.execute(recount_select()) if row.pairing_id in ids]
        overdue = await session.scalar(
            select(func.count()).where(
                Milestone.pairing_id.in_(ids),
                Milestone.due_on < TODAY,
                Milestone.status.not_in(CLOSED_MILESTONE_STATUSES),
            )
        )

    def total(column: str) -> Any:
        return sum((getattr(row, column) for row in totals), 0)

    return {
        "pairings": len(pairings),
        "activePairings": sum(p.status is PairingStatus.ACTIVE for p in pairings),
        "milestonesOverdue": overdue,
        "serviceTotals": {
            "homeVisits": total("home_visits"),
            "caseworkCases": total("casework_cases"),
            "groupSessions": total("group_sessions"),
            "themedActivities": total("themed_activities"),
            "trainingSessions": total("training_sessions"),
            "beneficiaries": total("beneficiaries"),
        },
        "resourceTotals": {
            "cashYuan": str(money(total("cash_yuan"))),
            "inKindYuan": str(money(total("in_kind_yuan"))),
            "disbursementBatches": total("disbursement_batches"),
            "peopleFunded": total("people_funded"),
        },
    }


class Checker:
    """After each write: the counters equal a recount, programStats equals the rows, and the data
    version has moved."""

    def __init__(self, db, programs: list[int]) -> None:
        self.db, self.programs, self.version = db, programs, -1
        self.checked = 0

    async def check(self, step: str) -> None:
        stored, recounted = await stored_and_recounted(self.db)
        assert stored == recounted, step
        for program_pk in self.programs:
            answer = (await gql(self.db, STATS, {"programId": encode_id("Program", program_pk)}, SYSTEM))[
                "programStats"
            ]
            assert answer == await stats_from_rows(self.db, program_pk), step
        ((version,),) = await self.db.fetch(VERSION)
        assert version > self.version, step
        self.version = version
        self.checked += 1


async def mutate(db, name: str, input: dict[str, Any], selection: str, input_type: str | None = None) -> dict[str, Any]:
    input_type = input_type or f"{name[0].upper()}{name[1:]}Input"
    document = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    answer = (await gql(db, document, {"input": input}, SYSTEM))[name]
    assert answer["userErrors"] == [], answer
    return answer


async def test_writes_keep_the_program_counters_exact(fresh_db):
    db = fresh_db
    async with db.reading() as session:
        henan = await session.scalar(select(Pairing.program_id).where(Pairing.id == 1))
    assert henan is not None
    checker = Checker(db, [henan])
    await checker.check("the demo as loaded")

    program = await mutate(db, "createProgram", {"name": "第二期牵手计划", "startsOn": "2025-01-01"}, "program { id }")
    program_id = program["program"]["id"]
    checker.programs.append(decode_typed_id(program_id, "Program"))
    pairing = await mutate(
        db,
        "createPairing",
        {
            "programId": program_id,
            "mentorId": encode_id("Agency", 1),
            "supportedId": encode_id("Agency", 10),
            "startsOn": "2025-06-01",
            "status": "ACTIVE",
        },
        "pairing { id version }",
    )
    pairing_id = pairing["pairing"]["id"]
    await checker.check("a pairing created (with its counter row)")

    milestones = []
    for due_on in ("2025-09-30", "2025-12-31", "2027-06-30"):
        made = await mutate(
            db,
            "createMilestone",
            {
                "pairingId": pairing_id,
                "title": f"到期 {due_on}",
                "category": "GOVERNANCE",
                "termYear": 1,
                "dueOn": due_on,
            },
            "milestone { id version }",
        )
        milestones.append(made["milestone"])
        await checker.check(f"a milestone due {due_on}")

    activity = await mutate(
        db,
        "recordServiceActivity",
        {"pairingId": pairing_id, "kind": "HOME_VISIT", "occurredOn": "2025-07-01", "count": 3, "beneficiaries": 5},
        "serviceActivity { id }",
    )
    await checker.check("an activity recorded")
    await mutate(
        db,
        "recordResourceLink",
        {
            "pairingId": pairing_id,
            "projectName": "清泉公益",
            "kind": "CASH",
            "amountYuan": str(Decimal("1234.56")),
            "occurredOn": "2025-07-02",
            "peopleFunded": 2,
        },
        "resourceLink { id }",
    )
    await checker.check("a resource linked")
    await mutate(db, "recordTrainingSession", _training(pairing_id), "trainingSession { id }")
    await checker.check("a training session recorded")
    await mutate(
        db,
        "voidServiceActivity",
        {"id": activity["serviceActivity"]["id"], "reason": "误录"},
        "serviceActivity { id }",
        "VoidRecordInput",
    )
    await checker.check("an activity voided")

    first, second, _ = milestones
    moved = await mutate(
        db,
        "updateMilestone",
        {"milestoneId": first["id"], "version": first["version"], "dueOn": "2027-01-31"},
        "milestone { id version }",
    )
    await checker.check("a milestone's due date moved past today")
    await mutate(
        db,
        "updateMilestone",
        {"milestoneId": first["id"], "version": moved["milestone"]["version"], "waive": True},
        "milestone { id version }",
    )
    await checker.check("a milestone waived")
    update = await mutate(
        db,
        "submitMilestoneUpdate",
        {"milestoneId": second["id"], "note": "已完成", "progressPercent": 100},
        "milestoneUpdate { id }",
    )
    await checker.check("a report submitted (the milestone stays open)")
    await mutate(
        db,
        "reviewMilestoneUpdate",
        {
            "updateId": update["milestoneUpdate"]["id"],
            "decision": "APPROVE",
            "milestoneVersion": await milestone_version(db, second["id"]),
            "markAchieved": True,
        },
        "milestoneUpdate { id }",
    )
    await checker.check("a report approved, the milestone achieved")

    await mutate(
        db,
        "changePairingStatus",
        {"pairingId": pairing_id, "status": "SUSPENDED", "reason": "负责人变动"},
        "pairing { id }",
    )
    await checker.check("a pairing suspended")
    assert checker.checked == 14


async def milestone_version(db, milestone_id: str) -> int:
    async with db.reading() as session:
        version = await session.scalar(
            select(Milestone.version).where(Milestone.id == decode_typed_id(milestone_id, "Milestone"))
        )
    assert version is not None
    return version


def _training(pairing_id: str) -> dict[str, Any]:
    return {
        "pairingId": pairing_id,
        "topic": "督导",
        "startsOn": "2025-07-03",
        "mode": "ON_SITE",
        "participants": 12,
        "hours": "6.5",
    }


async def test_the_migration_counts_existing_rows(fresh_db):
    await upgrade(fresh_db.write_engine, "0009_authcache")
    async with fresh_db.writing() as session:
        # Written while no trigger keeps the counters: the migration must count them.
        await session.execute(update(Pairing).where(Pairing.id == 1).values(status=PairingStatus.ACTIVE))
    await upgrade(fresh_db.write_engine)
    stored, recounted = await stored_and_recounted(fresh_db)
    assert stored == recounted and len(stored) > 1
