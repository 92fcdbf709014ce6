"""Time to first contentful data of the web app's overview, measured in a real browser (headless
Chromium) against a real server on the national data set: from navigation start until the overview's
headline figures are on screen ("first data"), and until its slower panels (trends by month and the
coverage grid) have filled in ("complete"). Printed, never asserted.

    .venv/bin/qianshou demo --scale 1          # with QIANSHOU_DATABASE_URL pointing at a database
    .venv/bin/python -m bench.web --url http://127.0.0.1:8000 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from playwright.async_api import async_playwright

# Chromium with nothing of its own online (no sync, updates or QUIC); the browser tests launch it so too.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def measure(url: str, runs: int, chromium: str) -> tuple[list[float], list[float]]:
    first, complete = [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        for run in range(runs + 1):
            context = await browser.new_context()  # a cold tab each time; assets come from the server
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(url + "/")
            await page.get_by_test_id("overview").wait_for(timeout=60_000)
            shown = time.perf_counter() - started
            await page.get_by_test_id("trends").wait_for(timeout=60_000)
            await page.get_by_test_id("coverage").wait_for(timeout=60_000)
            filled = time.perf_counter() - started
            if run:  # the first run warms the server's caches and is left out
                first.append(shown)
                complete.append(filled)
            await context.close()
        await browser.close()
    return first, complete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    first, complete = asyncio.run(measure(options.url, options.runs, options.chromium))
    for name, timings in (("first data", first), ("complete", complete)):
        median = statistics.median(timings)
        print(
            f"overview {name:<10} over {len(timings)} cold tabs: median {median:.2f} s, best {min(timings):.2f} s, "
            f"worst {max(timings):.2f} s; median / 1.5 s target = {median / 1.5:.2f}"
        )


if __name__ == "__main__":
    main()
