"""The web app's budget: JavaScript and CSS on first load, and the caseload's time to screen.

A real `koordinat demo` process on a fresh SQLite file and Debian's headless Chromium
(Playwright): the demo coordinator signs in (dev sign-in, a form post) in a fresh browser
context, so every load is cold (no HTTP cache, no service worker), then opens /caseload.
Sizes are the built files (frontend-assets/dist) of the scripts and style sheets the page
loaded, gzipped at level 9; the time runs from the navigation's start (performance.timeOrigin)
to the first row of the caseload table being rendered and visible.
"""

from __future__ import annotations

import gzip
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from bench.procs import free_port, process, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "frontend-assets" / "dist"
CHROMIUM = os.environ.get("KOORDINAT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COORDINATOR = "Kari Nordmann"
# The first row of the caseload table, rendered and laid out.
VISIBLE = """() => {
  const row = document.querySelector('#main table tbody tr');
  return row && row.getClientRects().length > 0 ? performance.now() : null;
}"""
JS_GOAL_KB = 300
VISIBLE_GOAL_S = 1.0


def _gzipped(path: str) -> int | None:
    """Gzipped size of the built file a URL path names, or None if it is not in dist."""
    file = (DIST / path.lstrip("/")).resolve()
    if not file.is_file() or DIST.resolve() not in file.parents:
        return None
    return len(gzip.compress(file.read_bytes(), compresslevel=9, mtime=0))


async def _cold_load(browser: Any, base: str, person_id: str) -> dict[str, Any]:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        loaded: dict[str, set[str]] = {"script": set(), "stylesheet": set()}

        def on_response(response: Any) -> None:
            kind = response.request.resource_type
            if kind in loaded and response.url.startswith(base):
                loaded[kind].add(urlparse(response.url).path)

        page.on("response", on_response)
        signed_in = await context.request.post(
            f"{base}/dev/sign-in", form={"person_id": person_id}, max_redirects=0
        )
        if signed_in.status != 303:
            raise RuntimeError(f"dev sign-in answered {signed_in.status}")
        await page.goto(f"{base}/caseload")
        handle = await page.wait_for_function(VISIBLE, polling="raf", timeout=30_000)
        visible_ms = float(await handle.json_value())
        return {"seconds": visible_ms / 1000, **{k: sorted(v) for k, v in loaded.items()}}
    finally:
        await context.close()


async def bench_web(loads: int = 5) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    if not (DIST / "index.html").is_file():
        raise RuntimeError("the web app is not built (bin/setup builds it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    # One browser on 127.0.0.1 sends every request: the per-address budget is not measured here.
    env["KOORDINAT_RATE_LIMIT_ENABLED"] = "false"
    with tempfile.TemporaryDirectory(prefix="koordinat-bench-web-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        demo = ["-m", "backend.cli", "demo", "--port", str(port)]
        with process([*demo, "--database", f"{tmp}/demo.sqlite3"], env) as proc:
            await wait_healthy(base, proc)
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                people = (await client.get("/dev/people")).json()
            person_id = next(p["id"] for p in people if p["name"] == COORDINATOR)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                try:
                    # One load first, not counted: the server's first requests warm it up.
                    await _cold_load(browser, base, person_id)
                    runs = [await _cold_load(browser, base, person_id) for _ in range(loads)]
                finally:
                    await browser.close()
    scripts = sorted({s for run in runs for s in run["script"]})
    styles = sorted({s for run in runs for s in run["stylesheet"]})
    sizes = {path: _gzipped(path) for path in scripts + styles}
    missing = [path for path, size in sizes.items() if size is None]
    if missing:
        raise RuntimeError(f"loaded files not in {DIST}: {missing}")
    times = [run["seconds"] for run in runs]
    return {
        "js": sum(sizes[s] or 0 for s in scripts),
        "css": sum(sizes[s] or 0 for s in styles),
        "scripts": scripts,
        "styles": styles,
        "sizes": sizes,
        "times": times,
        "median": statistics.median(times),
    }


def section(r: dict[str, Any]) -> list[str]:
    kb = r["js"] / 1024
    median = r["median"]
    rows = [[f"`{p}`", f"{r['sizes'][p] / 1024:.1f} KB"] for p in r["scripts"] + r["styles"]]
    return [
        "`koordinat demo` on a fresh SQLite file, Debian's headless Chromium (Playwright). "
        f"The demo coordinator ({COORDINATOR}) opens /caseload in a fresh browser context "
        f"(cold: no cache), {len(r['times'])} times after one warm-up load. Sizes: the built "
        "files the page loaded, gzipped (level 9); time: from navigation start to the first "
        "caseload row rendered.",
        "",
        *_table(
            ["measure", "value", "goal", "verdict"],
            [
                [
                    "JavaScript on first load (gzipped)",
                    f"{kb:.1f} KB in {len(r['scripts'])} file(s)",
                    f"< {JS_GOAL_KB} KB",
                    _verdict(kb < JS_GOAL_KB),
                ],
                ["CSS on first load (gzipped)", f"{r['css'] / 1024:.1f} KB", "", ""],
                [
                    "caseload visible, median",
                    f"{median * 1000:.0f} ms ("
                    + ", ".join(f"{t * 1000:.0f}" for t in r["times"])
                    + " ms)",
                    f"< {VISIBLE_GOAL_S * 1000:.0f} ms",
                    _verdict(median < VISIBLE_GOAL_S),
                ],
            ],
        ),
        *_table(["file", "gzipped"], rows),
    ]


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
