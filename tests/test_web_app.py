"""The web app in a real browser (Debian's headless Chromium, driven by Playwright) against a real
server: every request to another host is blocked, so each test also shows the app needs no internet.
Screenshots of every page go to tests/artifacts/screenshots/ (git-ignored) for people to look at."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import openpyxl
import pytest

from db.models import Role
from resolvers.tokens import create_token
from tests.conftest import ROOT, LiveServer

pytestmark = pytest.mark.slow  # drives Chromium against a real server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
if not (Path(__file__).parents[1] / "server" / "static" / "app" / "index.html").exists():
    pytest.skip("the web app is not built (npm ci && npm run build in web/)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parent / "artifacts" / "screenshots"
YE_COUNTY = "心天地"


class World:
    def __init__(self, server: LiveServer, tokens: dict[str, str], open_pairing: str, mentor_agency: str, other_pairing: str) -> None:
        self.server, self.tokens, self.open_pairing, self.other_pairing = server, tokens, open_pairing, other_pairing
        self.mentor_agency = mentor_agency

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(f"{self.server.url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=10).json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[World]:
    db = await databases.new_database("web", demo=True)
    url = db.url
    # Files over 2 KB are imported in the background, so the import test sees the app poll a job.
    server = LiveServer(url, env={"QIANSHOU_IMPORT_BACKGROUND_BYTES": "2000"}).start()
    query = "{ pairings(first: 100) { edges { node { id mentor { id } milestones(status: IN_PROGRESS, first: 1) { totalCount } } } } }"
    nodes = [edge["node"] for edge in httpx.post(f"{server.url}/graphql", json={"query": query}).json()["data"]["pairings"]["edges"]]
    # A pairing with a milestone still open, which its mentor agency can report on.
    open_one = next(node for node in nodes if node["milestones"]["totalCount"])
    other = next(node for node in nodes if node["mentor"]["id"] != open_one["mentor"]["id"])

    tokens = {
        "mentor": await create_token(db, "web-mentor", Role.MENTOR_AGENCY, agency_id=open_one["mentor"]["id"]),
        "ministry": await create_token(db, "web-ministry", Role.MINISTRY),
        "admin": await create_token(db, "web-admin", Role.ADMIN),
    }
    yield World(server, tokens, open_one["id"], open_one["mentor"]["id"], other["id"])
    server.stop()
    await db.dispose()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator:
    async with async_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page_as(browser, world):
    """A new browser tab signed in as one of the world's tokens (or anonymous), with the internet cut off."""
    contexts, outside = [], []

    async def open_page(who: str | None = None):
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")

        async def only_local(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                return await route.continue_()
            outside.append(route.request.url)
            return await route.abort()

        await context.route("**/*", only_local)
        if who:
            await context.add_init_script(f"sessionStorage.setItem('qianshou.token', {world.tokens[who]!r})")
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()
    assert outside == [], f"the app asked for files from elsewhere: {outside}"


async def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_the_overview_shows_totals_health_trends_and_coverage(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/")
    overview = page.get_by_test_id("overview")
    await overview.wait_for()
    stats = world.graphql("{ programStats { pairings serviceTotals { homeVisits } } }")["programStats"]
    assert f"{stats['serviceTotals']['homeVisits']:,}" in await overview.inner_text()
    await page.get_by_test_id("trends").wait_for()
    await page.get_by_test_id("coverage").wait_for()
    assert await page.locator(".grid-cells .cell").count() > 0
    assert await page.locator("svg.scatter circle").count() == stats["pairings"]
    await shot(page, "overview")


async def test_the_pairings_list_filters_by_health_in_its_url(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_label("健康度").select_option("OFF_TRACK")
    await page.wait_for_url(re.compile(r"health=OFF_TRACK"))
    expected = world.graphql("{ pairings(filter: {health: OFF_TRACK}) { totalCount } }")["pairings"]["totalCount"]
    await page.get_by_test_id("pairings-total").filter(has_text=f"共 {expected} 条").wait_for()
    assert await page.locator("table.pairings tbody .badge.health-OFF_TRACK").count() == expected
    assert await page.locator("table.pairings tbody tr").count() == expected
    await shot(page, "pairings-off-track")
    await page.reload()  # bookmarkable: the filter comes back from the URL
    await page.get_by_test_id("pairings-total").filter(has_text=f"共 {expected} 条").wait_for()
    assert await page.get_by_label("健康度").input_value() == "OFF_TRACK"


async def test_an_agency_search_finds_the_ye_county_pairing_and_opens_it(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_label("机构", exact=True).fill(YE_COUNTY)
    await page.get_by_role("button", name="搜索").click()
    await page.locator(".suggestions button").first.click()
    await page.wait_for_url(re.compile(r"agency="))
    await page.get_by_test_id("pairings-total").filter(has_text="共 1 条").wait_for()
    await page.locator("table.pairings tbody tr a").first.click()
    await page.wait_for_url(re.compile(r"/pairings/"))
    await page.get_by_role("heading", name="里程碑").wait_for()
    text = await page.locator("main").inner_text()
    assert "312" in text and "尚德社工服务站" in text and "¥92,300.00" in text
    await shot(page, "pairing")


async def test_bad_input_shows_the_api_error_next_to_its_field(page_as, world):
    page = await page_as("mentor")
    await page.goto(f"{world.server.url}/report?pairing={world.open_pairing}&form=update")
    form = page.locator("form.record-form")
    await form.get_by_label("说明").fill("第三期培训完成")
    await form.get_by_label("完成百分比").fill("150")
    await form.get_by_role("button", name="提交").click()
    field = page.locator("#form-update-progressPercent")
    error = page.locator("#form-update-progressPercent-error")
    await error.wait_for()
    assert await field.get_attribute("aria-invalid") == "true"
    assert await field.get_attribute("aria-describedby") == "form-update-progressPercent-error"
    assert (await error.inner_text()).strip()
    await shot(page, "report-bad-input")


async def test_a_submitted_update_arrives_live_and_staff_return_it(page_as, world):
    note = "浏览器测试：完成督导制度建设"
    watcher = await page_as()
    await watcher.goto(f"{world.server.url}/pairings/{world.open_pairing}")
    await watcher.get_by_role("heading", name="里程碑").wait_for()
    before = await watcher.locator(".updates > li").count()

    mentor = await page_as("mentor")
    await mentor.goto(f"{world.server.url}/report?pairing={world.open_pairing}&form=update")
    form = mentor.locator("form.record-form")
    await form.get_by_label("说明").fill(note)
    await form.get_by_label("完成百分比").fill("60")
    await form.get_by_role("button", name="提交").click()
    await mentor.get_by_role("status").filter(has_text="已保存").wait_for()

    await watcher.get_by_test_id("live-feed").filter(has_text="提交进展").wait_for()
    await watcher.get_by_text(note).wait_for()  # the page read again, with no reload
    assert await watcher.locator(".updates > li").count() == before + 1
    await shot(watcher, "pairing-live")

    staff = await page_as("ministry")
    await staff.goto(f"{world.server.url}/review")
    card = staff.locator(".review-card").filter(has_text=note)
    await card.wait_for()
    await shot(staff, "review-queue")
    await card.get_by_role("button", name="退回").click()
    await card.locator(".field-error").wait_for()  # a return needs a note: said next to the note
    await card.get_by_label("退回意见（退回时必填）").fill("请补充督导记录")
    await card.get_by_role("button", name="退回").click()
    await staff.locator(".review-card").filter(has_text=note).wait_for(state="detached")
    # The watcher (a VIEWER) sees the update returned, live; review notes are not for viewers.
    await watcher.locator(".updates li").filter(has_text=note).locator(".status-RETURNED").wait_for()
    await shot(mentor, "report")
    assert await watcher.get_by_role("heading", name="操作记录").count() == 0  # audit history is not for viewers
    await staff.goto(f"{world.server.url}/pairings/{world.open_pairing}")
    await staff.get_by_role("heading", name="操作记录").wait_for()


async def test_a_mentor_agency_is_refused_another_agencys_pairing(page_as, world):
    page = await page_as("mentor")
    await page.goto(f"{world.server.url}/pairings/{world.other_pairing}")
    await page.get_by_role("alert").filter(has_text="您无权查看此结对").wait_for()
    await shot(page, "pairing-refused")


async def test_the_english_switch_translates_the_interface_and_labels(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_role("button", name="切换语言").click()
    await page.get_by_role("heading", name="Pairings").wait_for()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.get_by_label("Health").locator("option", has_text="Off track").count() == 1
    await shot(page, "pairings-english")


async def test_graphiql_loads_and_runs_a_query_with_no_internet(page_as, world):
    page = await page_as()
    async with page.expect_response(lambda r: r.url.endswith("/graphql") and r.request.method == "POST") as introspection:
        await page.goto(world.server.url + "/graphql")
    assert (await introspection.value).status == 200
    await page.locator(".graphiql-container").wait_for()
    await page.locator(".graphiql-query-editor .CodeMirror").first.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("{ programs { totalCount } }")
    await page.keyboard.press("Control+Enter")
    await page.locator(".result-window").filter(has_text="totalCount").wait_for()
    await shot(page, "graphiql")


async def test_the_keyboard_alone_reaches_the_content_and_every_control_has_a_label(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_test_id("pairings-total").filter(has_text="共").wait_for()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到正文"
    await page.keyboard.press("Enter")
    assert await page.evaluate("location.hash") == "#main"
    unlabelled = await page.evaluate(
        """[...document.querySelectorAll('input, select, textarea, button')]
             .filter((control) => !(control.labels?.length || control.getAttribute('aria-label') || control.textContent.trim()))
             .map((control) => control.outerHTML)"""
    )
    assert unlabelled == []


PASSWORD = "web-test-密码-2026"


@pytest.fixture(scope="module")
def accounts(world) -> dict[str, str]:
    """Accounts for people (name -> password), made with `qianshou user create` as an administrator would."""
    made = {}
    for name, role, agency in (("web.mentor", "MENTOR_AGENCY", world.mentor_agency), ("web.staff", "MINISTRY", None)):
        command = [sys.executable, "-m", "server", "user", "create", "--name", name, "--role", role, "--password-stdin"]
        command += ["--agency", agency] if agency else []
        done = subprocess.run(command, input=PASSWORD, cwd=ROOT, env=world.server.environment, capture_output=True, text=True)
        if "No such command" in done.stderr:
            pytest.skip("sign-in for people (qianshou user, /auth/sign-in) is not on this branch yet")
        assert done.returncode == 0, done.stderr
        made[name] = PASSWORD
    return made


async def sign_in(page, world, name: str, password: str, then: str = "/") -> None:
    await page.goto(f"{world.server.url}/sign-in?next={then}")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_a_wrong_password_is_said_next_to_the_password(page_as, world, accounts):
    page = await page_as()
    await sign_in(page, world, "web.mentor", "not-the-password")
    error = page.locator("#sign-in-password-error")
    await error.filter(has_text="用户名或密码错误").wait_for()
    assert await page.locator("#sign-in-password").get_attribute("aria-invalid") == "true"
    await shot(page, "sign-in-wrong-password")


async def test_people_sign_in_to_submit_and_return_an_update(page_as, world, accounts):
    note = "登录测试：社工督导记录已整理"
    mentor = await page_as()
    await sign_in(mentor, world, "web.mentor", accounts["web.mentor"], f"/report?pairing={world.open_pairing}")
    await mentor.get_by_text("当前用户：web.mentor").wait_for()
    await mentor.get_by_role("button", name="退出").wait_for()
    form = mentor.locator("form.record-form")
    await form.wait_for()
    await shot(mentor, "report-signed-in")
    await form.get_by_label("说明").fill(note)
    await form.get_by_role("button", name="提交").click()
    await mentor.get_by_role("status").filter(has_text="已保存").wait_for()

    staff = await page_as()
    await sign_in(staff, world, "web.staff", accounts["web.staff"], "/review")
    card = staff.locator(".review-card").filter(has_text=note)
    await card.get_by_label("退回意见（退回时必填）").fill("请附上督导签到表")
    await card.get_by_role("button", name="退回").click()
    await staff.locator(".review-card").filter(has_text=note).wait_for(state="detached")
    await staff.get_by_role("button", name="退出").click()
    await staff.wait_for_url(re.compile(r"/sign-in"))


async def test_in_production_a_visitor_signs_in_first_and_comes_back(page_as, world, accounts):
    production = LiveServer(world.server.environment["QIANSHOU_DATABASE_URL"], env={"QIANSHOU_ENV": "production"}).start()
    try:
        page = await page_as()
        await page.goto(f"{production.url}/pairings?health=OFF_TRACK")
        await page.wait_for_url(re.compile(r"/sign-in\?next=%2Fpairings%3Fhealth%3DOFF_TRACK$"))
        await shot(page, "sign-in")
        await page.get_by_label("用户名").fill("web.staff")
        await page.get_by_label("密码").fill(accounts["web.staff"])
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url(re.compile(r"/pairings\?health=OFF_TRACK$"))
        await page.get_by_text("当前用户：web.staff").wait_for()
        await page.get_by_test_id("pairings-total").wait_for()
        await page.get_by_role("button", name="退出").click()
        await page.wait_for_url(re.compile(r"/sign-in"))
        await page.get_by_role("link", name="登录").wait_for()
        refused = await page.evaluate("fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{\"query\": \"{ viewer { name } }\"}'}).then((r) => r.status)")
        assert refused == 401  # the cookie is gone: signing out really ended the session
    finally:
        production.stop()


SIGN_IN_SHEET = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256)) * 8


async def test_a_mentor_attaches_a_pdf_and_the_reviewer_sees_and_downloads_it(page_as, world, accounts):
    note = "佐证测试：第二次督导已完成"
    mentor = await page_as()
    await sign_in(mentor, world, "web.mentor", accounts["web.mentor"], f"/report?pairing={world.open_pairing}&form=update")
    form = mentor.locator("form.record-form")
    await form.get_by_label("说明").fill(note)
    await form.get_by_label("附加佐证材料").set_input_files(
        {"name": "督导签到表.pdf", "mimeType": "application/pdf", "buffer": SIGN_IN_SHEET}
    )
    await form.get_by_label("文件备注：督导签到表.pdf").fill("第二次督导签到")
    await shot(mentor, "report-with-evidence")
    await form.get_by_role("button", name="提交").click()
    await mentor.get_by_role("status").filter(has_text="已保存").wait_for()
    assert await form.get_by_label("文件备注：督导签到表.pdf").count() == 0  # the form starts afresh

    staff = await page_as()
    await sign_in(staff, world, "web.staff", accounts["web.staff"], "/review")
    card = staff.locator(".review-card").filter(has_text=note)
    files = card.get_by_role("list", name="佐证材料")
    await files.get_by_text("第二次督导签到").wait_for()
    assert "2.1 KB" in await files.inner_text()  # 2,125 bytes, as people read them
    await shot(staff, "review-queue-evidence")
    link = files.get_by_role("link", name="督导签到表.pdf")
    assert await link.get_attribute("download") == "督导签到表.pdf"
    # Fetched as the link would be, with the reviewer's session cookie (Chromium cancels a download
    # while Playwright intercepts requests, which these tests do to cut off the internet).
    response = await staff.context.request.get(world.server.url + await link.get_attribute("href"))
    assert response.status == 200 and await response.body() == SIGN_IN_SHEET
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]

    await staff.goto(f"{world.server.url}/pairings/{world.open_pairing}")
    update = staff.locator(".updates > li").filter(has_text=note)
    await update.get_by_role("link", name="督导签到表.pdf").wait_for()
    await shot(staff, "pairing-evidence")


def activity_csv(world, rows: list[dict[str, object]]) -> bytes:
    """A CSV of service activities whose header is the template's, as a person would fill it in."""
    response = httpx.get(f"{world.server.url}/imports/templates/service-activities.xlsx",
                         headers={"Authorization": f"Bearer {world.tokens['admin']}"}, timeout=10)
    assert response.status_code == 200
    header = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1] if cell.value]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def tally(area, label: str) -> str:
    """A count of the import report, by its label."""
    return await area.locator(f"xpath=.//div[contains(@class, 'stat')][dt[normalize-space()='{label}']]/dd").inner_text()


async def test_staff_check_a_spreadsheet_see_its_bad_row_then_import_it(page_as, world):
    query = "{ pairings(first: 100) { edges { node { id status startsOn supported { name } serviceActivities { totalCount } } } } }"
    nodes = [edge["node"] for edge in world.graphql(query)["pairings"]["edges"]]
    active = next(node for node in nodes if node["status"] == "ACTIVE")
    day = (dt.date.fromisoformat(active["startsOn"]) + dt.timedelta(days=30)).isoformat()
    good = [
        {"受援机构": active["supported"]["name"], "服务类型": "家庭探访", "服务日期": day, "服务数量": 12, "备注": "导入测试：家访" * 60},
        {"受援机构": active["supported"]["name"], "服务类型": "小组活动", "服务日期": day, "服务数量": 3, "备注": "导入测试：小组" * 60},
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
    await form.get_by_label("选择文件").set_input_files({"name": "服务记录.csv", "mimeType": "text/csv", "buffer": activity_csv(world, bad)})
    await form.get_by_role("button", name="检查（不写入）").click()
    problems = page.get_by_test_id("problems")
    await problems.wait_for()
    cells = await problems.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:4] == ["3", "服务数量", "十二"]
    assert re.search(r"[\u4e00-\u9fff]", cells[4]), cells
    assert await tally(page, "问题") == "1"
    await shot(page, "import-problems")

    await form.get_by_label("选择文件").set_input_files({"name": "服务记录.csv", "mimeType": "text/csv", "buffer": activity_csv(world, good)})
    await form.get_by_role("button", name="检查（不写入）").click()
    report = page.get_by_test_id("import-report")
    await report.get_by_role("heading", name="检查结果（未写入）").wait_for()
    assert await tally(report, "问题") == "0"
    assert await tally(report, "新建") == "2"
    after_check = world.graphql(query)["pairings"]["edges"]
    assert next(e["node"] for e in after_check if e["node"]["id"] == active["id"])["serviceActivities"] == active["serviceActivities"]

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
