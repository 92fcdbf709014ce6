"""Every page of the app passes an automated WCAG 2.1 A/AA audit (axe-core, injected by the test from
web/node_modules: a devDependency, never served) with no serious or critical violation."""

from __future__ import annotations

import pytest

from tests.web.support import AXE, serious_violations, shot

if not AXE.exists():
    pytest.skip("axe-core is not installed (cd web && npm ci)", allow_module_level=True)

# (who, path, what shows the page has its data) for each page; {pairing} is a pairing the mentor reports on.
PAGES = [
    (None, "/", "[data-testid=trends]"),
    (None, "/pairings", "table.pairings tbody tr"),
    (None, "/pairings?sort=HEALTH&dir=desc", "table.pairings tbody tr"),
    ("ministry", "/pairings/{pairing}", "table.audit"),
    ("ministry", "/review", "main h1"),
    ("mentor", "/report?pairing={pairing}&form=update", "form.record-form"),
    ("mentor", "/report?pairing={pairing}&form=training", "form.record-form"),
    ("admin", "/import", "form select"),
    ("ministry", "/inbox", "[data-testid=inbox-unread]"),
    (None, "/sign-in", "form button[type=submit]"),
]


@pytest.mark.parametrize(("who", "path", "ready"), PAGES, ids=[path for _, path, _ in PAGES])
async def test_the_page_has_no_serious_accessibility_violation(page_as, world, who, path, ready):
    page = await page_as(who)
    await page.goto(world.server.url + path.format(pairing=world.open_pairing))
    try:
        await page.locator(ready).first.wait_for(timeout=10_000)
    finally:
        await shot(page, "a11y" + path.split("?")[0].replace("/", "-").replace("{pairing}", "pairing"))
    await page.wait_for_load_state("networkidle")
    violations = await serious_violations(page)
    assert violations == [], "\n".join(violations)


async def test_the_audit_finds_what_it_should(page_as, world):
    """The audit is not blind: a control without a label and grey-on-grey text are found."""
    page = await page_as()
    await page.goto(world.server.url + "/pairings")
    await page.locator("table.pairings tbody tr").first.wait_for()
    await page.evaluate("""() => {
        document.querySelector('main').insertAdjacentHTML('beforeend',
          '<input type="text"><p style="color:#bbb;background:#fff">浅灰色文字</p>');
    }""")
    found = " ".join(await serious_violations(page))
    assert "label" in found and "color-contrast" in found
    await shot(page, "accessibility-probe")
