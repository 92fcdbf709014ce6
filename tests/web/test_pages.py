"""The pages everyone reads: the overview, the pairings list (filters, search, sorting the whole list
through the API, all in the URL), English, keyboard use, GraphiQL."""

from __future__ import annotations

import json
import re

from tests.web.support import shot

YE_COUNTY = "心天地"


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
    await page.wait_for_function(
        "(n) => document.querySelectorAll('svg.scatter circle').length === n", arg=stats["pairings"]
    )
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


async def rows_in_view(page) -> list[str]:
    return await page.locator("table.pairings tbody tr td:first-child a").evaluate_all(
        "links => links.map((a) => a.getAttribute('href'))"
    )


async def test_sorting_a_column_sorts_the_whole_list_through_the_api_and_the_url(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_test_id("pairings-total").filter(has_text="共").wait_for()
    progress = page.get_by_role("button", name=re.compile("^完成率"))
    await progress.click()
    await page.wait_for_url(re.compile(r"sort=PROGRESS$"))
    # Again for descending: the API sorts the whole list, ties by creation order (descending too).
    async with page.expect_request(lambda r: '"direction":"DESC"' in (r.post_data or "")) as asked:
        await progress.click()
    assert json.loads((await asked.value).post_data)["variables"]["orderBy"] == {
        "field": "PROGRESS",
        "direction": "DESC",
    }
    await page.wait_for_url(re.compile(r"sort=PROGRESS&dir=desc$"))
    query = "{ pairings(first: 25, orderBy: {field: PROGRESS, direction: DESC}) { edges { node { id progress { percentComplete } } } } }"
    nodes = [edge["node"] for edge in world.graphql(query)["pairings"]["edges"]]
    expected = [f"/pairings/{node['id']}" for node in nodes]
    await page.wait_for_function(
        "(hrefs) => JSON.stringify([...document.querySelectorAll('table.pairings tbody tr td:first-child a')].map((a) => a.getAttribute('href'))) === JSON.stringify(hrefs)",
        arg=expected,
    )
    percents = [node["progress"]["percentComplete"] for node in nodes]
    assert len(set(percents)) < len(percents), "the demo has ties, which the API breaks by creation order"
    header = page.locator("th", has=progress)
    assert await header.get_attribute("aria-sort") == "descending"
    await shot(page, "pairings-sorted")
    await page.reload()  # bookmarkable: the sort comes back from the URL
    await page.get_by_test_id("pairings-total").filter(has_text="共").wait_for()
    await page.wait_for_function(
        "(first) => document.querySelector('table.pairings tbody tr td:first-child a')?.getAttribute('href') === first",
        arg=expected[0],
    )
    assert await rows_in_view(page) == expected


async def test_the_english_switch_translates_the_interface_and_labels(page_as, world):
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.get_by_role("button", name="切换语言").click()
    await page.get_by_role("heading", name="Pairings").wait_for()
    assert await page.locator("html").get_attribute("lang") == "en"
    # The option names come from the server's label table, which may still be on its way.
    await page.get_by_label("Health").locator("option", has_text="Off track").wait_for(state="attached")
    await shot(page, "pairings-english")


async def test_graphiql_loads_and_runs_a_query_with_no_internet(page_as, world):
    page = await page_as()
    async with page.expect_response(
        lambda r: r.url.endswith("/graphql") and r.request.method == "POST"
    ) as introspection:
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
