"""Daily work on a pairing: a mentor agency reports (with evidence files), staff review, pages update
live, the audit section shows what changed under the pairing, and a kiosk tab (a token, no cookie)
still downloads files."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image

from tests.conftest import LiveServer
from tests.web.support import shot, sign_in


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
    # Staff who may read the audit trail see the pairing's and everything under it: here the update
    # submitted and returned, and the milestone it moved.
    await staff.goto(f"{world.server.url}/pairings/{world.open_pairing}")
    await staff.get_by_role("heading", name="操作记录").wait_for()
    audit = staff.locator("table.audit tbody tr")
    assert await audit.filter(has_text="submitMilestoneUpdate").filter(has_text="进展").count() >= 1
    assert await audit.filter(has_text="reviewMilestoneUpdate").filter(has_text="里程碑").count() >= 1
    await shot(staff, "pairing-audit")


async def test_a_mentor_agency_is_refused_another_agencys_pairing(page_as, world):
    page = await page_as("mentor")
    await page.goto(f"{world.server.url}/pairings/{world.other_pairing}")
    await page.get_by_role("alert").filter(has_text="您无权查看此结对").wait_for()
    await shot(page, "pairing-refused")


SIGN_IN_SHEET = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256)) * 8
)


async def test_a_mentor_attaches_a_pdf_and_the_reviewer_sees_and_downloads_it(page_as, world, accounts):
    note = "佐证测试：第二次督导已完成"
    mentor = await page_as()
    await sign_in(
        mentor, world, "web.mentor", accounts["web.mentor"], f"/report?pairing={world.open_pairing}&form=update"
    )
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


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_a_training_record_takes_files_and_a_kiosk_tab_downloads_them(page_as, world):
    topic = "佐证测试：社工督导培训"
    mentor = await page_as("mentor")
    await mentor.goto(f"{world.server.url}/report?pairing={world.open_pairing}&form=training")
    form = mentor.locator("form.record-form")
    await form.get_by_label("主题").fill(topic)
    await form.get_by_label("开始日期").fill("2026-11-20")  # within the term, before the server's today
    await form.get_by_label("学时").fill("3")
    await form.get_by_label("参训人数").fill("18")
    await form.get_by_label("附加佐证材料").set_input_files(
        [
            {"name": "培训签到表.pdf", "mimeType": "application/pdf", "buffer": SIGN_IN_SHEET},
            {"name": "培训现场.png", "mimeType": "image/png", "buffer": photo()},
        ]
    )
    await form.get_by_label("文件备注：培训现场.png").fill("培训现场照片")
    await form.get_by_role("button", name="提交").click()
    try:
        await mentor.get_by_role("status").filter(has_text="已保存").wait_for()
    finally:
        await shot(mentor, "report-training-evidence")

    # A kiosk in production (no anonymous reads): the tab holds a token and sends no cookie. Files
    # still show and download, fetched with the Authorization header: the token goes into no URL.
    production = LiveServer(
        world.server.environment["QIANSHOU_DATABASE_URL"], env={"QIANSHOU_ENV": "production"}
    ).start()
    try:
        kiosk = await page_as("ministry")
        files_asked = []
        kiosk.on("request", lambda request: files_asked.append(request) if "/files/" in request.url else None)
        await kiosk.goto(f"{production.url}/pairings/{world.open_pairing}")
        row = kiosk.locator("tr").filter(has_text=topic)
        picture = row.get_by_role("img", name="培训现场照片")
        await kiosk.wait_for_function(
            "(img) => img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0",
            arg=await picture.element_handle(),
        )
        link = row.get_by_role("link", name="培训签到表.pdf")
        assert (
            httpx.get(production.url + await link.get_attribute("href"), timeout=10).status_code == 401
        )  # a plain link is refused
        async with kiosk.expect_download() as downloading:
            await link.click()
        download = await downloading.value
        assert download.suggested_filename == "培训签到表.pdf"
        assert Path(await download.path()).read_bytes() == SIGN_IN_SHEET
        assert len(files_asked) == 2 and all(
            r.headers.get("authorization", "").startswith("Bearer ") for r in files_asked
        )
        assert not any(world.tokens["ministry"] in r.url for r in files_asked)
        await shot(kiosk, "pairing-record-evidence-kiosk")
    finally:
        production.stop()
