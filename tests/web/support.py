"""What the browser tests share beside their fixtures: screenshots, signing in, and the accessibility audit."""

from __future__ import annotations

import shutil

from tests.conftest import ROOT

# Debian's Chromium, driven by Playwright (never `playwright install`), launched with bench.web's ARGS.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PASSWORD = "web-test-密码-2026"
# axe-core, a test-only devDependency of web/ (never built into the app): injected into the page under test.
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


async def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def sign_in(page, world, name: str, password: str, then: str = "/") -> None:
    await page.goto(f"{world.server.url}/sign-in?next={then}")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def serious_violations(page) -> list[str]:
    """The serious and critical failures of WCAG 2.x A and AA that axe-core finds on the page as it
    is now, one line each (rule, impact, the first few elements)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    found = await page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))
             .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
             .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)"""
    )
    return found
