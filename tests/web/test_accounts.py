"""People sign in with accounts: a wrong password, the daily round trip, production's sign-in
first, and the inbox of notifications with its unread count in the header."""

from __future__ import annotations

import re

from tests.conftest import LiveServer
from tests.web.support import shot, sign_in


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
    production = LiveServer(
        world.server.environment["QIANSHOU_DATABASE_URL"], env={"QIANSHOU_ENV": "production"}
    ).start()
    try:
        page = await page_as()
        await page.goto(f"{production.url}/pairings?health=OFF_TRACK")
        await page.wait_for_url(re.compile(r"/sign-in\?next=%2Fpairings%3Fhealth%3DOFF_TRACK$"))
        # Anonymous access is off: the header says the visitor is not signed in, not a read-only visitor.
        await page.get_by_test_id("who").filter(has_text="未登录").wait_for()
        assert "访客" not in await page.locator("header").inner_text()
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
        refused = await page.evaluate(
            "fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{\"query\": \"{ viewer { name } }\"}'}).then((r) => r.status)"
        )
        assert refused == 401  # the cookie is gone: signing out really ended the session
    finally:
        production.stop()


async def unread_in_header(page) -> int:
    badge = page.get_by_test_id("unread-count")
    return int((await badge.locator("[aria-hidden=true]").inner_text()).replace(",", "")) if await badge.count() else 0


async def test_the_inbox_shows_notifications_and_marks_them_read(page_as, world, accounts):
    """The update returned in the test above told its mentor agency so: the notice waits in its inbox."""
    page = await page_as()
    await sign_in(page, world, "web.mentor", accounts["web.mentor"], "/")
    inbox_link = page.get_by_test_id("inbox-link")
    await page.get_by_test_id("unread-count").wait_for()
    before = await unread_in_header(page)
    assert before >= 1
    await inbox_link.click()
    await page.wait_for_url(re.compile(r"/inbox$"))
    await page.get_by_test_id("inbox-unread").filter(has_text=f"{before} 条未读").wait_for()
    returned = page.locator(".inbox > li.unread").filter(has_text="退回")
    await returned.first.wait_for()
    assert (
        await returned.first.get_by_role("link", name="查看结对").get_attribute("href")
        == f"/pairings/{world.open_pairing}"
    )
    await shot(page, "inbox")

    await returned.first.get_by_role("button", name=re.compile("^标为已读")).click()
    await page.get_by_test_id("inbox-unread").filter(has_text=f"{before - 1} 条未读").wait_for()
    await page.wait_for_function(
        "(n) => Number(document.querySelector('[data-testid=unread-count] [aria-hidden=true]')?.textContent ?? 0) === n",
        arg=before - 1,
    )
    await page.get_by_role("button", name="全部标为已读").click()
    await page.get_by_test_id("inbox-unread").filter(has_text="0 条未读").wait_for()
    await page.get_by_test_id("unread-count").wait_for(state="detached")
    assert await page.locator(".inbox > li.unread").count() == 0
    await page.reload()  # marked read on the server, not only on the page
    await page.get_by_test_id("inbox-unread").filter(has_text="0 条未读").wait_for()
