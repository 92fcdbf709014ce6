"""Imports over GraphQL (an Upload, in process), as background jobs, from the command line, and the
templates over HTTP."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from db.models import Agency, Pairing, Role, ServiceActivity
from resolvers.access import SYSTEM, Actor
from resolvers.imports.files import ImportLimits
from resolvers.imports.jobs import wait_for_jobs
from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.scope import Scope
from schema.schema import schema
from tests.commands import qianshou
from tests.conftest import TODAY, run_graphql
from tests.import_files import headers, write_csv
from tests.test_imports import ACTIVITY_HEADER, agency_rows, scalar, tally

IMPORT = """
mutation($file: Upload!, $dryRun: Boolean!, $background: Boolean) {
  importRecords(kind: SERVICE_ACTIVITIES, file: $file, dryRun: $dryRun, background: $background) {
    report { written rows created updated unchanged problemCount
             problems { sheet row column value message messageZh code } results(first: 2) { row outcome objectId } }
    job { id status }
  }
}"""
JOB = "query($id: ID!) { importJob(id: $id) { status rowsRead rowsWritten fileName report { written created unchanged } } }"


def upload(path, name: str = "服务记录.csv") -> UploadFile:
    return UploadFile(io.BytesIO(path.read_bytes()), filename=name)


async def test_import_records_answers_the_report_and_a_dry_run_writes_nothing(open_db, tmp_path):
    path = write_csv(tmp_path / "a.csv", ACTIVITY_HEADER, tally(5))
    before = await scalar(open_db, select(func.count()).select_from(ServiceActivity))
    dry = await run_graphql(open_db, IMPORT, {"file": upload(path), "dryRun": True}, SYSTEM)
    assert dry.errors is None
    report = dry.data["importRecords"]["report"]
    assert (report["written"], report["rows"], report["created"], report["problemCount"]) == (False, 5, 5, 0)
    assert report["results"] == [
        {"row": 2, "outcome": "CREATED", "objectId": None},
        {"row": 3, "outcome": "CREATED", "objectId": None},
    ]
    assert await scalar(open_db, select(func.count()).select_from(ServiceActivity)) == before
    done = (await run_graphql(open_db, IMPORT, {"file": upload(path), "dryRun": False}, SYSTEM)).data["importRecords"]
    assert done["report"]["written"] and done["report"]["created"] == 5 and done["job"] is None
    assert done["report"]["results"][0]["objectId"]
    assert await scalar(open_db, select(func.count()).select_from(ServiceActivity)) == before + 5


async def test_import_records_lists_problems_with_sheet_row_column_value_and_chinese(open_db, tmp_path):
    rows = tally(2)
    rows[1][3] = "上门服务"
    answer = await run_graphql(
        open_db, IMPORT, {"file": upload(write_csv(tmp_path / "b.csv", ACTIVITY_HEADER, rows)), "dryRun": False}, SYSTEM
    )
    report = answer.data["importRecords"]["report"]
    assert report["written"] is False and report["results"] == []
    assert report["problems"] == [
        {
            "sheet": "服务记录",
            "row": 3,
            "column": "服务类型",
            "value": "上门服务",
            "message": "not one of: 家庭探访、个案、小组活动、主题活动",
            "messageZh": "不是可选值之一：家庭探访、个案、小组活动、主题活动",
            "code": "INVALID",
        }
    ]


@pytest.mark.slow
async def test_a_large_import_runs_as_a_job_that_its_caller_polls(open_db, tmp_path):
    path = write_csv(tmp_path / "big.csv", ACTIVITY_HEADER, tally(1500))
    variables = {"file": upload(path, "大表.csv"), "dryRun": False, "background": True}
    # MINISTRY may not record service activities: refused at once, without a job.
    ministry = (await run_graphql(open_db, IMPORT, variables, Actor(name="ministry", role=Role.MINISTRY))).data
    assert ministry["importRecords"]["job"] is None
    assert [p["code"] for p in ministry["importRecords"]["report"]["problems"]] == ["FORBIDDEN"]
    mentor = Actor(name="mentor-token", role=Role.MENTOR_AGENCY, agency_id=await ye_county_mentor(open_db))
    for _run, expected in (
        (1, {"written": True, "created": 1500, "unchanged": 0}),
        (2, {"written": True, "created": 0, "unchanged": 1500}),
    ):
        variables["file"] = upload(path, "大表.csv")
        payload = (await run_graphql(open_db, IMPORT, variables, mentor)).data["importRecords"]
        assert payload["report"] is None and payload["job"]["status"] in ("QUEUED", "RUNNING", "SUCCEEDED")
        await wait_for_jobs()
        job = (await run_graphql(open_db, JOB, {"id": payload["job"]["id"]}, mentor)).data["importJob"]
        assert job["status"] == "SUCCEEDED" and job["fileName"] == "大表.csv" and job["rowsRead"] == 1500
        assert job["report"] == expected and job["rowsWritten"] == expected["created"]
    other = await run_graphql(
        open_db, JOB, {"id": payload["job"]["id"]}, Actor(name="someone-else", role=Role.MINISTRY)
    )
    assert other.errors[0].extensions["code"] == "NOT_FOUND"
    admin = await run_graphql(open_db, JOB, {"id": payload["job"]["id"]}, SYSTEM)
    assert admin.data["importJob"]["status"] == "SUCCEEDED"


async def ye_county_mentor(db) -> int:
    async with db.reading() as session:
        ye = await session.scalar(select(Agency).where(Agency.name == "叶县心天地社会工作服务中心"))
        return await session.scalar(select(Pairing.mentor_id).where(Pairing.supported_id == ye.id))


@pytest.mark.slow
async def test_the_cli_writes_templates_and_imports_with_a_report(fresh_db, tmp_path):
    template = tmp_path / "机构.xlsx"
    assert (
        qianshou("import", "template", "agencies", "--output", str(template), database_url=fresh_db.url).returncode == 0
    )
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames == ["社工机构", "填写说明"]
    assert [cell.value for cell in workbook["社工机构"][1]] == headers(ImportKind.AGENCIES)
    validations = workbook["社工机构"].data_validations.dataValidation
    assert [v.formula1 for v in validations] == ['"筹备中,已登记,已注销"']
    bad = write_csv(tmp_path / "bad.csv", headers(ImportKind.AGENCIES), agency_rows(40, bad_row=37))
    done = qianshou("import", "agencies", str(bad), database_url=fresh_db.url)
    assert (
        done.returncode == 1 and "第 37 行 「统一社会信用代码」" in done.stderr and "nothing was written" in done.stderr
    )
    good = write_csv(tmp_path / "good.csv", headers(ImportKind.AGENCIES), agency_rows(40))
    assert (
        "40 would be created"
        in qianshou("import", "agencies", str(good), "--dry-run", database_url=fresh_db.url).stdout
    )
    assert "40 created" in qianshou("import", "agencies", str(good), database_url=fresh_db.url).stdout
    assert "40 unchanged" in qianshou("import", "agencies", str(good), database_url=fresh_db.url).stdout


@pytest.mark.slow
def test_templates_download_over_http_for_every_kind(live_server):
    for kind in ImportKind:
        response = httpx.get(f"{live_server.url}/imports/templates/{kind.slug}.xlsx", timeout=30)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        assert workbook.sheetnames == [SPECS[kind].sheet, "填写说明"]
    missing = httpx.get(f"{live_server.url}/imports/templates/pets.xlsx", timeout=30)
    assert missing.status_code == 404 and missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unauthenticated = httpx.get(
        f"{live_server.url}/imports/templates/agencies.xlsx", headers={"Authorization": "Bearer nonsense"}, timeout=30
    )
    assert unauthenticated.status_code == 401


async def test_a_file_over_the_import_limit_is_a_problem_in_the_report(open_db, tmp_path):
    path = write_csv(tmp_path / "big.csv", ACTIVITY_HEADER, tally(5))
    scope = Scope(db=open_db, actor=SYSTEM, today=TODAY, import_limits=ImportLimits(max_bytes=100))
    result = await schema.execute(IMPORT, variable_values={"file": upload(path), "dryRun": True}, context_value=scope)
    assert result.errors is None, result.errors
    report = result.data["importRecords"]["report"]
    assert (report["written"], report["rows"], report["problemCount"]) == (False, 0, 1)
    assert "单次导入上限" in report["problems"][0]["messageZh"]
