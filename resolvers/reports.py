"""The pairing progress report: one row per pairing the actor may read, streamed in batches.

One statement joins pairings, programs, both agencies, the supported agency's region, the
counter row and the progress figures, and is read through a server-side cursor, so a program of
any size is never held in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from db.engine import Database
from db.models import Agency, Pairing, PairingStatus, PairingTotals, Program, Region
from db.models.totals import SERVICE_COLUMNS
from resolvers.access import Actor, visible_pairings
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.labels import zh
from resolvers.progress import progress_select
from resolvers.totals import money

BATCH_SIZE = 500

HEADERS = (
    "帮扶计划",
    "帮扶机构",
    "受援机构",
    "所在县区",
    "开始日期",
    "结束日期",
    "状态",
    "完成率(%)",
    "逾期里程碑",
    "健康度",
    "家庭探访(人次)",
    "个案(人次)",
    "小组活动(节次)",
    "主题活动(次)",
    "人才培养(期)",
    "受益群众(人)",
    "资助金额(元)",
    "物资折价(元)",
    "资助批次",
    "资助人数",
)


async def _program_pk(db: Database, program_id: str | None) -> int | None:
    if program_id is None:
        return None
    pk = decode_typed_id(program_id, "Program")
    async with db.read_sessions() as session:
        if await session.get(Program, pk) is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no program {program_id!r}", message_zh=f"没有帮扶计划 {program_id!r}")
    return pk


def report_statement(actor: Actor, today: dt.date, program_pk: int | None) -> Select[*tuple[Any, ...]]:
    conditions = [visible_pairings(actor)]
    if program_pk is not None:
        conditions.append(Pairing.program_id == program_pk)
    progress = progress_select(today, and_(*conditions)).subquery("progress")
    # Aliases throughout: access conditions are subqueries on agencies and regions, and must not
    # be correlated with the report's own joins.
    mentor, supported = aliased(Agency, name="mentor"), aliased(Agency, name="supported")
    county = aliased(Region, name="county")
    totals = [func.coalesce(getattr(PairingTotals, column), 0).label(column) for column in SERVICE_COLUMNS]
    return (
        select(
            Program.name.label("program"),
            mentor.name.label("mentor"),
            supported.name.label("supported"),
            county.name.label("county"),
            Pairing.starts_on,
            Pairing.ends_on,
            Pairing.status,
            progress.c.percent_complete,
            progress.c.overdue,
            progress.c.health,
            *totals,
            func.coalesce(PairingTotals.cash_yuan, 0).label("cash_yuan"),
            func.coalesce(PairingTotals.in_kind_yuan, 0).label("in_kind_yuan"),
            func.coalesce(PairingTotals.disbursement_batches, 0).label("disbursement_batches"),
            func.coalesce(PairingTotals.people_funded, 0).label("people_funded"),
        )
        .join(Program, Program.id == Pairing.program_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(supported, supported.id == Pairing.supported_id)
        .join(county, county.id == supported.region_id)
        .join(progress, progress.c.pairing_id == Pairing.id)
        .outerjoin(PairingTotals, PairingTotals.pairing_id == Pairing.id)
        .where(*conditions)
        .order_by(Pairing.program_id, Pairing.id)
    )


def report_row(row: Any) -> list[Any]:
    """Values in the order of HEADERS: dates, ints, a float rounded to 0.01 and money as Decimal."""
    return [
        row.program,
        row.mentor,
        row.supported,
        row.county,
        row.starts_on,
        row.ends_on,
        zh("PairingStatus", PairingStatus(row.status).value),
        round(float(row.percent_complete), 2),
        int(row.overdue),
        zh("PairingHealth", row.health),
        *(int(getattr(row, column)) for column in SERVICE_COLUMNS),
        money(Decimal(row.cash_yuan)),
        money(Decimal(row.in_kind_yuan)),
        int(row.disbursement_batches),
        int(row.people_funded),
    ]


async def pairing_report(
    db: Database, actor: Actor, today: dt.date, *, program_id: str | None = None
) -> AsyncIterator[list[list[Any]]]:
    """Batches of report rows, in program then pairing order. Errors about the arguments (an
    unknown program) are raised before the first batch, so a caller can still refuse cleanly."""
    statement = report_statement(actor, today, await _program_pk(db, program_id))
    return _batches(db, statement)


async def _batches(db: Database, statement: Select[*tuple[Any, ...]]) -> AsyncIterator[list[list[Any]]]:
    async with db.read_transaction() as session:
        result = await session.stream(statement.execution_options(yield_per=BATCH_SIZE))
        async for partition in result.partitions():
            yield [report_row(row) for row in partition]
