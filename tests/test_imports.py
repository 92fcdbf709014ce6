"""Importing spreadsheets: the rules of the single mutations, natural keys, idempotence, exact totals,
and the caller's scope. Run through `run_import`, which the CLI, GraphQL and the jobs all call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from db.credit_code import credit_code_check_char
from db.models import Agency, AuditEvent, Pairing, PairingTotals, Role, ServiceActivity
from db.totals import recount_select
from resolvers.access import SYSTEM, Actor
from resolvers.imports.kinds import ImportKind
from resolvers.imports.report import RowOutcome
from resolvers.imports.runner import run_import
from tests.conftest import make_scope
from tests.import_files import fill_template, headers, write_csv

YE_COUNTY = "叶县心天地社会工作服务中心"
KINDS = ("家庭探访", "个案", "小组活动", "主题活动")


def credit_code(serial: int) -> str:
    first17 = f"52410422MJY{serial:06d}"
    return first17 + credit_code_check_char(first17)


async def scalar(db, statement):
    async with db.reading() as session:
        return await session.scalar(statement)


async def totals_of(db) -> dict[int, tuple]:
    async with db.reading() as session:
        rows = (await session.execute(select(PairingTotals))).scalars().all()
    return {
        row.pairing_id: (
            row.home_visits,
            row.casework_cases,
            row.group_sessions,
            row.themed_activities,
            row.training_sessions,
            row.beneficiaries,
            row.cash_yuan,
            row.in_kind_yuan,
            row.disbursement_batches,
            row.people_funded,
        )
        for row in rows
    }


async def assert_totals_exact(db) -> None:
    """The counter rows equal the totals recomputed from the records."""
    async with db.reading() as session:
        recounted = {row.pairing_id: row for row in (await session.execute(recount_select())).all()}
    for pairing_id, stored in (await totals_of(db)).items():
        again = recounted[pairing_id]
        assert stored[:6] == (
            again.home_visits,
            again.casework_cases,
            again.group_sessions,
            again.themed_activities,
            again.training_sessions,
            again.beneficiaries,
        )
        assert stored[6:] == (
            Decimal(str(again.cash_yuan)).quantize(Decimal("0.01")),
            Decimal(str(again.in_kind_yuan)).quantize(Decimal("0.01")),
            again.disbursement_batches,
            again.people_funded,
        )


def agency_rows(count: int, bad_row: int | None = None) -> list[list[str]]:
    rows = []
    for serial in range(1, count + 1):
        code = credit_code(serial)
        if serial + 1 == bad_row:  # the header is row 1, so data row n is on sheet row n + 1
            code = code[:17] + ("0" if code[17] != "0" else "1")
        rows.append([f"测试社会工作服务中心{serial:03d}", code, "410422", "已登记"])
    return rows


async def test_a_bad_credit_code_on_row_37_refuses_the_file_naming_that_row(fresh_db, tmp_path):
    before = await scalar(fresh_db, select(func.count()).select_from(Agency))
    path = write_csv(tmp_path / "机构.csv", headers(ImportKind.AGENCIES), agency_rows(40, bad_row=37))
    report = await run_import(make_scope(fresh_db, SYSTEM), ImportKind.AGENCIES, path)
    assert [(p.row, p.column, p.code.value) for p in report.problems] == [(37, "统一社会信用代码", "INVALID")]
    problem = report.problems[0]
    assert problem.value == agency_rows(40, bad_row=37)[35][1]
    assert "校验码" in problem.message_zh and problem.sheet == "社工机构"
    assert report.results == [] and not report.written
    assert await scalar(fresh_db, select(func.count()).select_from(Agency)) == before

    fixed = write_csv(tmp_path / "机构-改.csv", headers(ImportKind.AGENCIES), agency_rows(40))
    report = await run_import(make_scope(fresh_db, SYSTEM), ImportKind.AGENCIES, fixed)
    assert report.ok and report.count(RowOutcome.CREATED) == 40
    assert await scalar(fresh_db, select(func.count()).select_from(Agency)) == before + 40


async def test_an_edited_agency_row_updates_it_versioned_and_audited(fresh_db, tmp_path):
    scope = make_scope(fresh_db, SYSTEM)
    rows = agency_rows(3)
    await run_import(scope, ImportKind.AGENCIES, write_csv(tmp_path / "a.csv", headers(ImportKind.AGENCIES), rows))
    rows[1][0] = "测试社会工作服务中心（更名）"
    report = await run_import(
        scope, ImportKind.AGENCIES, write_csv(tmp_path / "b.csv", headers(ImportKind.AGENCIES), rows)
    )
    assert [r.outcome for r in report.results] == [RowOutcome.UNCHANGED, RowOutcome.UPDATED, RowOutcome.UNCHANGED]
    async with fresh_db.reading() as session:
        agency = await session.scalar(select(Agency).where(Agency.credit_code == rows[1][1]))
        events = (
            (
                await session.execute(
                    select(AuditEvent).where(AuditEvent.object_type == "Agency", AuditEvent.object_id == agency.id)
                )
            )
            .scalars()
            .all()
        )
    assert agency.name == "测试社会工作服务中心（更名）" and agency.version == 2
    assert [event.action for event in events] == ["importRecords", "importRecords"]
    assert events[1].changes == {
        "before": {"name": "测试社会工作服务中心002", "version": 1},
        "after": {"name": "测试社会工作服务中心（更名）", "version": 2},
    }


def tally(rows: int, edit: dict[int, int] | None = None) -> list[list]:
    """A monthly tally of a pairing's service: `rows` rows over the Ye County pairing's term."""
    start = dt.date(2017, 9, 1)
    out = []
    for index in range(rows):
        count = (edit or {}).get(index, index % 7 + 1)
        out.append(
            [
                YE_COUNTY,
                "",
                "",
                KINDS[index % 4],
                (start + dt.timedelta(days=index % 1000)).isoformat(),
                count,
                index % 5,
                "",
                "",
            ]
        )
    return out


ACTIVITY_HEADER = [
    "受援机构",
    "帮扶计划",
    "结对开始日期",
    "服务类型",
    "服务日期",
    "服务数量",
    "受益人数",
    "服务站",
    "备注",
]


async def test_a_large_tally_imported_twice_leaves_the_totals_as_after_the_first_time(open_db, tmp_path):
    scope = make_scope(open_db, SYSTEM)
    before = await totals_of(open_db)
    rows = tally(3000)
    path = write_csv(tmp_path / "服务记录.csv", ACTIVITY_HEADER, rows)
    first = await run_import(scope, ImportKind.SERVICE_ACTIVITIES, path)
    assert first.ok and first.count(RowOutcome.CREATED) == 3000
    after_first = await totals_of(open_db)
    pairing_id = first.results[0].object_id and (
        await scalar(
            open_db, select(ServiceActivity.pairing_id).where(ServiceActivity.id == first.results[0].object_id)
        )
    )
    added = after_first[pairing_id][0] - before[pairing_id][0]
    assert added == sum(row[5] for row in rows if row[3] == "家庭探访")
    assert after_first[pairing_id][5] - before[pairing_id][5] == sum(row[6] for row in rows)
    assert {k: v for k, v in after_first.items() if k != pairing_id} == {
        k: v for k, v in before.items() if k != pairing_id
    }
    audits = await scalar(open_db, select(func.count()).select_from(AuditEvent))

    second = await run_import(scope, ImportKind.SERVICE_ACTIVITIES, path)
    assert second.ok and second.count(RowOutcome.UNCHANGED) == 3000
    assert [r.object_id for r in second.results] == [r.object_id for r in first.results]
    assert await totals_of(open_db) == after_first
    assert await scalar(open_db, select(func.count()).select_from(AuditEvent)) == audits

    edited = write_csv(tmp_path / "服务记录-改.csv", ACTIVITY_HEADER, tally(3000, edit={100: 40}))
    third = await run_import(scope, ImportKind.SERVICE_ACTIVITIES, edited)
    assert [(r.row, r.outcome) for r in third.results if r.outcome is not RowOutcome.UNCHANGED] == [
        (102, RowOutcome.UPDATED)
    ]
    column = KINDS.index(rows[100][3])
    assert (await totals_of(open_db))[pairing_id][column] == after_first[pairing_id][column] + 40 - rows[100][5]
    assert await scalar(open_db, select(func.count()).select_from(AuditEvent)) == audits + 1
    await assert_totals_exact(open_db)


async def test_a_dry_run_reports_what_would_change_and_writes_nothing(open_db, tmp_path):
    scope = make_scope(open_db, SYSTEM)
    path = write_csv(tmp_path / "t.csv", ACTIVITY_HEADER, tally(10))
    await run_import(scope, ImportKind.SERVICE_ACTIVITIES, write_csv(tmp_path / "s.csv", ACTIVITY_HEADER, tally(4)))
    before = await scalar(open_db, select(func.count()).select_from(ServiceActivity))
    report = await run_import(scope, ImportKind.SERVICE_ACTIVITIES, path, dry_run=True)
    assert report.ok and report.dry_run and not report.written
    assert [r.outcome for r in report.results] == [RowOutcome.UNCHANGED] * 4 + [RowOutcome.CREATED] * 6
    assert [r.object_id is None for r in report.results] == [False] * 4 + [True] * 6
    assert await scalar(open_db, select(func.count()).select_from(ServiceActivity)) == before


async def test_rows_are_held_to_the_mutations_rules_and_all_problems_are_listed(open_db, tmp_path):
    rows = tally(3)
    rows[0][4] = "2030-01-01"  # after today and after the term
    rows[1][5] = 100_001  # above the count's bound
    rows[2][0] = "没有这个机构"
    path = write_csv(tmp_path / "bad.csv", ACTIVITY_HEADER, rows)
    report = await run_import(make_scope(open_db, SYSTEM), ImportKind.SERVICE_ACTIVITIES, path)
    found = sorted((p.row, p.column, p.code.value) for p in report.problems)
    assert found == [
        (2, "服务日期", "INVALID"),
        (2, "服务日期", "INVALID"),
        (3, "服务数量", "INVALID"),
        (4, "受援机构", "NOT_FOUND"),
    ]
    assert all(p.message_zh for p in report.problems)
    assert "结对期限" in next(p.message_zh for p in report.problems if p.row == 2 and "期限" in p.message_zh)


async def test_an_agency_imports_only_into_its_own_pairings(open_db, tmp_path):
    async with open_db.reading() as session:
        ye = await session.scalar(select(Agency).where(Agency.name == YE_COUNTY))
        pairing = await session.scalar(select(Pairing).where(Pairing.supported_id == ye.id))
    mentor = Actor(name="mentor-token", role=Role.MENTOR_AGENCY, agency_id=pairing.mentor_id)
    own = write_csv(tmp_path / "own.csv", ACTIVITY_HEADER, tally(2))
    assert (await run_import(make_scope(open_db, mentor), ImportKind.SERVICE_ACTIVITIES, own)).written
    other = tally(2)
    other[1][0] = "淅川县光明社会工作服务中心"  # a pairing of another mentor
    before = await scalar(open_db, select(func.count()).select_from(ServiceActivity))
    report = await run_import(
        make_scope(open_db, mentor),
        ImportKind.SERVICE_ACTIVITIES,
        write_csv(tmp_path / "other.csv", ACTIVITY_HEADER, other),
    )
    assert [(p.row, p.code.value) for p in report.problems] == [(3, "NOT_FOUND")]
    assert await scalar(open_db, select(func.count()).select_from(ServiceActivity)) == before
    staff_only = await run_import(
        make_scope(open_db, mentor),
        ImportKind.AGENCIES,
        write_csv(tmp_path / "a.csv", headers(ImportKind.AGENCIES), agency_rows(1)),
    )
    assert [(p.row, p.code.value) for p in staff_only.problems] == [(None, "FORBIDDEN")]
    assert "无权导入" in staff_only.problems[0].message_zh


async def test_records_are_matched_by_an_explicit_external_id_when_given(open_db, tmp_path):
    scope = make_scope(open_db, SYSTEM)
    row = {
        "受援机构": YE_COUNTY,
        "项目名称": "仁人书包",
        "资源类型": "物资",
        "金额(元)": 1234.5,
        "日期": dt.datetime(2019, 9, 1),
        "外部编号": "RR-1",
    }
    path = fill_template(ImportKind.RESOURCE_LINKS, tmp_path / "r.xlsx", [row])
    before = await totals_of(open_db)
    created = await run_import(scope, ImportKind.RESOURCE_LINKS, path)
    assert created.ok and created.count(RowOutcome.CREATED) == 1
    moved = fill_template(
        ImportKind.RESOURCE_LINKS,
        tmp_path / "r2.xlsx",
        [{**row, "日期": dt.datetime(2019, 10, 1), "金额(元)": "1000.25"}],
    )
    updated = await run_import(scope, ImportKind.RESOURCE_LINKS, moved)
    assert [(r.outcome, r.object_id) for r in updated.results] == [(RowOutcome.UPDATED, created.results[0].object_id)]
    pairing_id = next(k for k, v in (await totals_of(open_db)).items() if v != before[k])
    assert (await totals_of(open_db))[pairing_id][7] == before[pairing_id][7] + Decimal("1000.25")
    cents = fill_template(ImportKind.RESOURCE_LINKS, tmp_path / "r3.xlsx", [{**row, "金额(元)": "1.001"}])
    refused = await run_import(scope, ImportKind.RESOURCE_LINKS, cents)
    assert [(p.column, p.message_zh) for p in refused.problems] == [("金额(元)", "最多 2 位小数")]
