"""The demo's 20 Henan pairings, exported with the progress report and entered again through the
import templates into an empty database, give the same totals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from db.models import Agency, Pairing, Region
from resolvers.access import SYSTEM
from resolvers.imports.kinds import ImportKind
from resolvers.imports.report import RowOutcome
from resolvers.imports.runner import run_import
from resolvers.region_import import NATIONAL_REGIONS_CSV, import_regions, read_region_rows
from resolvers.reports import HEADERS, pairing_report
from tests.conftest import TODAY, gql, make_scope
from tests.import_files import fill_template
from tests.test_imports import assert_totals_exact

TOTALS = HEADERS[10:]  # 家庭探访(人次) … 资助人数
KINDS = {"家庭探访": "家庭探访(人次)", "个案": "个案(人次)", "小组活动": "小组活动(节次)", "主题活动": "主题活动(次)"}


async def report_rows(db) -> list[dict]:
    rows = []
    async for batch in await pairing_report(db, SYSTEM, TODAY):
        rows += [dict(zip(HEADERS, row, strict=True)) for row in batch]
    return rows


async def agencies_of(db, names: set[str]) -> list[dict]:
    """The agencies sheet: the directory's names, credit codes and region codes."""
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Agency.name, Agency.credit_code, Region.code)
                .join(Region, Region.id == Agency.region_id)
                .where(Agency.name.in_(names))
            )
        ).all()
    return [{"机构名称": name, "统一社会信用代码": code, "所在地区": region} for name, code, region in rows]


def record_rows(report: list[dict]) -> dict[ImportKind, list[dict]]:
    """Records that add up to each pairing's totals in the report."""
    records: dict[ImportKind, list[dict]] = {
        ImportKind.SERVICE_ACTIVITIES: [],
        ImportKind.TRAINING_SESSIONS: [],
        ImportKind.RESOURCE_LINKS: [],
    }
    for row in report:
        pairing = {"受援机构": row["受援机构"], "帮扶计划": row["帮扶计划"], "结对开始日期": row["开始日期"]}
        day = row["开始日期"]
        beneficiaries = row["受益群众(人)"]
        for kind, header in KINDS.items():
            if row[header] or beneficiaries:
                records[ImportKind.SERVICE_ACTIVITIES].append(
                    {**pairing, "服务类型": kind, "服务日期": day, "服务数量": row[header], "受益人数": beneficiaries}
                )
                beneficiaries = 0
        for _ in range(row["人才培养(期)"]):
            records[ImportKind.TRAINING_SESSIONS].append(
                {**pairing, "培训主题": "社工实务培训", "开始日期": day, "学时": 8, "培训方式": "现场", "参训人数": 20}
            )
        batches, cash, people = row["资助批次"], row["资助金额(元)"], row["资助人数"]
        for batch in range(batches):
            share = (
                (cash / batches).quantize(Decimal("0.01"))
                if batch < batches - 1
                else cash - (cash / batches).quantize(Decimal("0.01")) * (batches - 1)
            )
            records[ImportKind.RESOURCE_LINKS].append(
                {
                    **pairing,
                    "项目名称": "助学",
                    "资源类型": "资金",
                    "金额(元)": str(share),
                    "日期": day,
                    "资助批次": batch + 1,
                    "资助人数": people if batch == 0 else 0,
                }
            )
        if row["物资折价(元)"]:
            records[ImportKind.RESOURCE_LINKS].append(
                {
                    **pairing,
                    "项目名称": "物资",
                    "资源类型": "物资",
                    "金额(元)": str(row["物资折价(元)"]),
                    "日期": day,
                    "资助人数": 0 if batches else people,
                }
            )
    return records


async def imported(db, kind: ImportKind, path, outcome: RowOutcome = RowOutcome.CREATED) -> int:
    """Rows of the outcome; every other row must be unchanged."""
    report = await run_import(make_scope(db, SYSTEM), kind, path)
    assert report.problems == [] and report.written, report.problems[:5]
    assert report.count(outcome) + report.count(RowOutcome.UNCHANGED) == report.rows
    return report.count(outcome)


async def test_the_henan_pairings_reentered_through_the_templates_give_the_same_totals(demo_db, databases, tmp_path):
    source = await report_rows(demo_db)
    assert len(source) == 20
    db = await databases.new_database("henan-import")
    try:
        await import_regions(db, read_region_rows(NATIONAL_REGIONS_CSV))
        await gql(
            db,
            'mutation { createProgram(input: {name: "河南省社会工作服务机构牵手计划", startsOn: "2017-09-01"}) '
            "{ userErrors { message } } }",
            actor=SYSTEM,
        )
        names = {row["帮扶机构"] for row in source} | {row["受援机构"] for row in source}
        await imported(
            db,
            ImportKind.AGENCIES,
            fill_template(ImportKind.AGENCIES, tmp_path / "agencies.xlsx", await agencies_of(demo_db, names)),
        )
        pairings = [
            {key: row[key] for key in ("帮扶计划", "帮扶机构", "受援机构", "开始日期", "结束日期")} for row in source
        ]
        # New pairings are PLANNED or ACTIVE: they start ACTIVE, and a second file moves them on.
        await imported(
            db,
            ImportKind.PAIRINGS,
            fill_template(
                ImportKind.PAIRINGS,
                tmp_path / "pairings.xlsx",
                [
                    {**row, "状态": "计划中" if s["状态"] == "计划中" else "进行中"}
                    for row, s in zip(pairings, source, strict=True)
                ],
            ),
        )
        # A closed (COMPLETED or TERMINATED) or SUSPENDED pairing takes no new records, ADMIN's
        # imports included (resolvers/pairing_state.py): the records of a finished term are entered
        # while it is open, as they were recorded during the term, and the term is closed after.
        for kind, rows in record_rows(source).items():
            await imported(db, kind, fill_template(kind, tmp_path / f"{kind.slug}.xlsx", rows))
        moved = await imported(
            db,
            ImportKind.PAIRINGS,
            fill_template(
                ImportKind.PAIRINGS,
                tmp_path / "pairings-status.xlsx",
                [
                    {**row, "状态": s["状态"], "状态说明": "协议终止" if s["状态"] == "已终止" else None}
                    for row, s in zip(pairings, source, strict=True)
                ],
            ),
            RowOutcome.UPDATED,
        )
        assert moved == sum(1 for row in source if row["状态"] not in ("计划中", "进行中")) > 0
        again = await report_rows(db)
        same = ("帮扶计划", "帮扶机构", "受援机构", "所在县区", "开始日期", "结束日期", "状态", *TOTALS)
        key = lambda row: row["受援机构"]  # noqa: E731
        assert [[row[h] for h in same] for row in sorted(again, key=key)] == [
            [row[h] for h in same] for row in sorted(source, key=key)
        ]
        ye = next(row for row in again if row["受援机构"] == "叶县心天地社会工作服务中心")
        assert [ye[h] for h in TOTALS] == [312, 62, 89, 14, 4, 1800, Decimal("92300.00"), ye["物资折价(元)"], 3, 47]
        await assert_totals_exact(db)
        async with db.reading() as session:
            statuses = (await session.execute(select(Pairing.status, Pairing.version))).all()
        assert all(version == (1 if status.value in ("PLANNED", "ACTIVE") else 2) for status, version in statuses)
    finally:
        await db.dispose()
