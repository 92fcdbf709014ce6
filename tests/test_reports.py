"""The pairing progress report: CLI (CSV and .xlsx) and HTTP, rows limited to what the token may read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from db.models import Agency, Pairing, Region, Role
from resolvers import reports
from resolvers.access import SYSTEM, Actor
from resolvers.ids import encode_id
from resolvers.reports import HEADERS, pairing_report
from resolvers.tokens import create_token
from tests.commands import qianshou
from tests.conftest import TODAY, LiveServer, gql

pytestmark = pytest.mark.slow  # runs the qianshou command

YE_COUNTY = "叶县心天地社会工作服务中心"
HEALTH_LABELS = {
    "NOT_STARTED": "未开始",
    "ON_TRACK": "正常",
    "AT_RISK": "有风险",
    "OFF_TRACK": "严重滞后",
    "COMPLETED": "已完成",
}


def parse_csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


def check_ye_county(rows: list[dict[str, str]]) -> None:
    ye = next(row for row in rows if row["受援机构"] == YE_COUNTY)
    assert ye["所在县区"] == "叶县"
    assert ye["状态"] == "已完成" and ye["健康度"] == "已完成"
    assert [
        ye[h]
        for h in ("家庭探访(人次)", "个案(人次)", "小组活动(节次)", "主题活动(次)", "人才培养(期)", "受益群众(人)")
    ] == [
        "312",
        "62",
        "89",
        "14",
        "4",
        "1800",
    ]
    assert ye["资助金额(元)"] == "92300.00"
    assert float(ye["物资折价(元)"]) > 100_000
    assert (ye["资助批次"], ye["资助人数"]) == ("3", "47")


async def test_the_csv_report_has_every_pairing_with_its_progress_and_totals(demo_db):
    done = qianshou("report", "pairings", "--format", "csv", database_url=demo_db.url, text=False)
    assert done.returncode == 0, done.stderr.decode()
    rows = parse_csv(done.stdout)
    assert len(rows) == 20
    check_ye_county(rows)
    data = await gql(
        demo_db,
        "{ pairings(first: 100) { edges { node { supported { name } progress { health milestonesOverdue percentComplete } } } } }",
    )
    progress = {edge["node"]["supported"]["name"]: edge["node"]["progress"] for edge in data["pairings"]["edges"]}
    for row in rows:
        expected = progress[row["受援机构"]]
        assert row["健康度"] == HEALTH_LABELS[expected["health"]]
        assert int(row["逾期里程碑"]) == expected["milestonesOverdue"]
        assert float(row["完成率(%)"]) == pytest.approx(expected["percentComplete"])


async def test_the_xlsx_report_holds_the_same_rows(demo_db, tmp_path: Path):
    output = tmp_path / "进展.xlsx"
    done = qianshou(
        "report", "pairings", "--format", "xlsx", "--output", str(output), database_url=demo_db.url, text=False
    )
    assert done.returncode == 0, done.stderr.decode()
    sheet = openpyxl.load_workbook(output, read_only=True).active
    values = list(sheet.values)
    assert tuple(values[0]) == HEADERS
    csv_rows = parse_csv(qianshou("report", "pairings", "--format", "csv", database_url=demo_db.url, text=False).stdout)
    assert len(values) - 1 == len(csv_rows)
    ye = next(row for row in values[1:] if row[2] == YE_COUNTY)
    assert ye[3] == "叶县"
    assert ye[4].date().isoformat() == "2017-09-01"
    assert list(ye[10:16]) == [312, 62, 89, 14, 4, 1800]
    assert ye[16] == 92300


async def test_program_filter_and_an_unknown_program(demo_db):
    async with demo_db.reading() as session:
        program_pk = await session.scalar(select(Pairing.program_id).limit(1))
    program_id, unknown_id = encode_id("Program", program_pk), encode_id("Program", 999_999)
    done = qianshou(
        "report", "pairings", "--format", "csv", "--program", program_id, database_url=demo_db.url, text=False
    )
    assert done.returncode == 0 and len(parse_csv(done.stdout)) == 20
    unknown = qianshou(
        "report", "pairings", "--format", "csv", "--program", unknown_id, database_url=demo_db.url, text=False
    )
    assert unknown.returncode == 1
    assert "no program" in unknown.stderr.decode() and unknown.stdout == b""


async def test_the_report_is_read_in_batches(demo_db, monkeypatch):
    monkeypatch.setattr(reports, "BATCH_SIZE", 7)
    batches = [batch async for batch in await pairing_report(demo_db, SYSTEM, TODAY)]
    assert [len(batch) for batch in batches] == [7, 7, 6]


def test_reports_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        response = client.get("/reports/pairings.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = parse_csv(response.content)
        assert len(rows) == 20
        check_ye_county(rows)
        workbook = client.get("/reports/pairings.xlsx")
        assert workbook.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True).active
        assert len(list(sheet.values)) == 21
        assert (
            client.get("/reports/pairings.csv", params={"programId": encode_id("Program", 999_999)}).status_code == 404
        )
        refused = client.get("/reports/pairings.csv", headers={"Authorization": "Bearer qs_" + "x" * 43})
        assert refused.status_code == 401


async def test_an_agency_token_gets_only_its_own_pairings(fresh_db):
    async with fresh_db.reading() as session:
        mentor_pk = await session.scalar(select(Agency.id).join(Pairing, Pairing.mentor_id == Agency.id).limit(1))
        own = (await session.scalars(select(Pairing.id).where(Pairing.mentor_id == mentor_pk))).all()
    secret = await create_token(fresh_db, "report-mentor", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", mentor_pk))
    server = LiveServer(fresh_db.url).start()
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        response = httpx.get(f"{server.url}/reports/pairings.csv", headers=headers, timeout=30)
        assert response.status_code == 200
        assert 0 < len(parse_csv(response.content)) == len(own) < 20
    finally:
        server.stop()


async def test_regional_staff_get_the_pairings_of_their_region(demo_db):
    async with demo_db.reading() as session:
        city = await session.scalar(select(Region).where(Region.code == "410400"))  # 平顶山市
        expected = set(
            (
                await session.scalars(
                    select(Agency.name)
                    .join(Pairing, Pairing.supported_id == Agency.id)
                    .join(Region, Region.id == Agency.region_id)
                    .where(Region.path.startswith(city.path))
                )
            ).all()
        )
    # The demo database is read-only here, so the actor is built as `authenticate` would build it.
    staff = Actor(name="staff", role=Role.REGIONAL_STAFF, region_id=city.id, region_path=city.path)
    rows = [row async for batch in await pairing_report(demo_db, staff, TODAY) for row in batch]
    assert {row[2] for row in rows} == expected
    assert 0 < len(rows) < 20
