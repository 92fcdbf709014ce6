"""Staff import a spreadsheet from the web app: its template, a check that finds a bad row, the import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import httpx
import openpyxl

from tests.web.support import shot


def activity_csv(world, rows: list[dict[str, object]]) -> bytes:
    """A CSV of service activities whose header is the template's, as a person would fill it in."""
    response = httpx.get(
        f"{world.server.url}/imports/templates/service-activities.xlsx",
        headers={"Authorization": f"Bearer {world.tokens['admin']}"},
        timeout=10,
    )
    assert response.status_code == 200
    header = [
        cell.value for cell in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1] if cell.value
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def tally(area, label: str) -> str:
    """A count of the import report, by its label."""
    return await area.locator(
        f"xpath=.//div[contains(@class, 'stat')][dt[normalize-space()='{label}']]/dd"
    ).inner_text()


async def test_staff_check_a_spreadsheet_see_its_bad_row_then_import_it(page_as, world):
    query = "{ pairings(first: 100) { edges { node { id status startsOn supported { name } serviceActivities { totalCount } } } } }"
    nodes = [edge["node"] for edge in world.graphql(query)["pairings"]["edges"]]
    active = next(node for node in nodes if node["status"] == "ACTIVE")
    day = (dt.date.fromisoformat(active["startsOn"]) + dt.timedelta(days=30)).isoformat()
    good = [
        {
            "受援机构": active["supported"]["name"],
            "服务类型": "家庭探访",
            "服务日期": day,
            "服务数量": 12,
            "备注": "导入测试：家访" * 60,
        },
        {
            "受援机构": active["supported"]["name"],
            "服务类型": "小组活动",
            "服务日期": day,
            "服务数量": 3,
            "备注": "导入测试：小组" * 60,
        },
    ]
    page = await page_as("admin")
    await page.goto(world.server.url + "/")
    await page.get_by_role("navigation").get_by_role("link", name="导入").click()
    form = page.locator("form").filter(has=page.get_by_label("导入类别"))
    await form.get_by_label("导入类别").select_option("SERVICE_ACTIVITIES")
    link = form.get_by_role("link", name="下载“服务记录”模板（.xlsx）")
    assert await link.get_attribute("href") == "/imports/templates/service-activities.xlsx"

    # A bad count on the second data row (row 3 of the sheet): told by row, column and in Chinese; nothing written.
    bad = [{**good[0], "备注": ""}, {**good[1], "备注": "", "服务数量": "十二"}]
    await form.get_by_label("选择文件").set_input_files(
        {"name": "服务记录.csv", "mimeType": "text/csv", "buffer": activity_csv(world, bad)}
    )
    await form.get_by_role("button", name="检查（不写入）").click()
    problems = page.get_by_test_id("problems")
    await problems.wait_for()
    cells = await problems.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:4] == ["3", "服务数量", "十二"]
    assert re.search(r"[\u4e00-\u9fff]", cells[4]), cells
    assert await tally(page, "问题") == "1"
    await shot(page, "import-problems")

    await form.get_by_label("选择文件").set_input_files(
        {"name": "服务记录.csv", "mimeType": "text/csv", "buffer": activity_csv(world, good)}
    )
    await form.get_by_role("button", name="检查（不写入）").click()
    report = page.get_by_test_id("import-report")
    await report.get_by_role("heading", name="检查结果（未写入）").wait_for()
    assert await tally(report, "问题") == "0"
    assert await tally(report, "新建") == "2"
    after_check = world.graphql(query)["pairings"]["edges"]
    assert (
        next(e["node"] for e in after_check if e["node"]["id"] == active["id"])["serviceActivities"]
        == active["serviceActivities"]
    )

    # The good file is over the background size: its report comes from polling the import job.
    async with page.expect_request(lambda request: "query ImportJob" in (request.post_data or "")):
        await form.get_by_role("button", name="导入", exact=True).click()
    await report.get_by_role("heading", name="导入结果").wait_for()
    await report.get_by_text("导入完成。").wait_for()
    assert await tally(report, "新建") == "2"
    after = next(e["node"] for e in world.graphql(query)["pairings"]["edges"] if e["node"]["id"] == active["id"])
    assert after["serviceActivities"]["totalCount"] == active["serviceActivities"]["totalCount"] + 2
    await shot(page, "import-done")
    await page.get_by_role("button", name="切换语言").click()
    await report.get_by_role("heading", name="Import report").wait_for()
    assert await tally(report, "Created") == "2"
    await page.get_by_role("link", name="Download the Service activities template (.xlsx)").wait_for()
    await shot(page, "import-done-en")
