"""Browser tests: the built web app in headless Chromium (Debian's package) against a real
`koordinat demo` process (SQLite, in-process broker and jobs, demo data).

Every page is checked with axe; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Page,
    Request,
    Response,
    WebSocket,
    async_playwright,
    expect,
)

from backend.api.trusted import is_trusted
from graphql import parse

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend-assets" / "dist" / "index.html"
AXE = ROOT / "frontend-assets" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("KOORDINAT_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SECRET = "koordinat-e2e-secret"
# As root and offline: no sandbox, and none of Chromium's background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# What a failed test prints besides its assertion: the last of each session's timeline and of
# the server's log, so a failure seen once (on a busy machine) explains itself.
TIMELINE_SHOWN = 60
SERVER_LOG_SHOWN = 40
SESSIONS = pytest.StashKey[list["Session"]]()
_server_log: list[Path] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        for session in item.stash.get(SESSIONS, []):
            shown = "\n".join(session.timeline[-TIMELINE_SHOWN:])
            report.sections.append((f"browser of {', '.join(session.people) or 'nobody'}", shown))
        if _server_log:
            # Without uvicorn's access lines: what is left is what the server had to say.
            lines = [
                line
                for line in _server_log[0].read_text(errors="replace").splitlines()
                if not line.startswith("INFO:     127.0.0.1:")
            ][-SERVER_LOG_SHOWN:]
            report.sections.append(("server log", "\n".join(lines)))
    return report


# The page notes where its clicks and submits land (a click lost to a moving layout shows).
WATCH_INPUT = """
for (const type of ['mousedown', 'mouseup', 'click', 'submit']) {
  document.addEventListener(type, (event) => {
    const target = event.target;
    const what = target instanceof Element
      ? `${target.tagName.toLowerCase()} "${(target.textContent || '').trim().slice(0, 40)}"`
      : String(target);
    console.debug(`[input] ${type} ${what}`);
  }, true);
}
"""


def _operation(sent: Any) -> str:
    """The operation's name in a GraphQL request (a POST body or a socket's subscribe)."""
    if not isinstance(sent, dict):
        return "?"
    name = sent.get("operationName")
    if not name and isinstance(sent.get("query"), str):
        name = sent["query"].split("{", 1)[0].strip()
    return str(name or "?")


def _body(post_data: str | None) -> Any:
    try:
        return json.loads(post_data or "{}")
    except ValueError:
        return None


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(what)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not DIST.is_file():
        _missing("the web app is not built (bin/setup builds it)")
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM}")
    port = _free_port()
    database = tmp_path_factory.mktemp("e2e") / "demo.sqlite3"
    koordinat = shutil.which("koordinat", path=str(Path(sys.executable).parent)) or "koordinat"
    # Every browser in these tests comes from 127.0.0.1: the per-address budget is meant for
    # one client, so it would throttle the whole suite (the budgets have their own tests).
    env = {**os.environ, "KOORDINAT_RATE_LIMIT_ENABLED": "false", "KOORDINAT_SECRET_KEY": SECRET}
    # The server's log goes to a file: a pipe nobody reads fills up and stops the server.
    log_path = tmp_path_factory.mktemp("e2e-log") / "server.log"
    log = log_path.open("w")
    _server_log.append(log_path)
    process = subprocess.Popen(
        [koordinat, "demo", "--port", str(port), "--database", str(database)],
        cwd=tmp_path_factory.mktemp("e2e-cwd"),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = log_path.read_text()
            raise RuntimeError(f"koordinat demo did not start:\n{output}")
        time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# A page on a busy two-core machine may take more than the default five seconds.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM}")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Session:
    """One person in one browser context (own cookies), with helpers for the checks."""

    def __init__(self, context: BrowserContext, page: Page, base: str) -> None:
        self.context = context
        self.page = page
        self.base = base
        self.artifacts = ARTIFACTS
        self.people: list[str] = []
        self.errors: list[str] = []
        # Every GraphQL document the pages send, over HTTP and over the socket.
        self.documents: list[str] = []
        # What the page did, in order, for the report of a failed test.
        self.timeline: list[str] = []
        self._started = time.monotonic()
        page.on("pageerror", self._on_error)
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfailed", lambda r: self._note(f"failed {r.url} {r.failure}"))
        page.on("console", self._on_console)
        page.on("framenavigated", self._on_navigated)
        page.on("websocket", self._on_socket)

    def _note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self._started:8.3f}s {what}")

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self._note(f"at {frame.url}")

    def _on_error(self, error: Exception) -> None:
        self.errors.append(str(error))
        self._note(f"script error {error}")

    def _on_console(self, message: ConsoleMessage) -> None:
        self._note(f"console.{message.type} {message.text[:300]}")

    def _on_request(self, request: Request) -> None:
        if request.url.endswith("/graphql") and request.method == "POST" and request.post_data:
            sent = _body(request.post_data)
            self.documents.append(sent["query"])
            self._note(f"-> {_operation(sent)}")

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.url.endswith("/graphql") and request.method == "POST":
            self._note(f"<- {response.status} {_operation(_body(request.post_data))}")

    def _on_socket(self, socket: WebSocket) -> None:
        # Only the GraphQL socket carries documents (the live minutes' frames are binary).
        if not socket.url.endswith("/graphql"):
            return

        self._note("socket opened")

        def sent(payload: str | bytes) -> None:
            message = json.loads(payload)
            if message.get("type") == "subscribe":
                self.documents.append(message["payload"]["query"])
            operation = _operation(message.get("payload"))
            self._note(f"socket -> {message.get('type')} {message.get('id', '')} {operation}")

        def received(frame: str | bytes) -> None:
            message = json.loads(frame)
            if not isinstance(message, dict):
                return
            payload = message.get("payload")
            if isinstance(payload, dict):
                data = payload.get("data") or {}
                kinds = [v.get("__typename", k) for k, v in data.items() if isinstance(v, dict)]
                shown = " ".join(kinds)
            else:  # an error's payload is the list of errors
                shown = json.dumps(payload)[:300] if payload is not None else ""
            self._note(f"socket <- {message.get('type')} {message.get('id', '')} {shown}")

        socket.on("framesent", sent)
        socket.on("framereceived", received)
        socket.on("close", lambda _: self._note("socket closed"))

    async def sign_in(self, name: str) -> None:
        self.people.append(name)
        await self.page.goto(f"{self.base}/sign-in")
        try:
            await self.page.get_by_role("button", name=f"Logg inn som {name}").click()
            await self.page.wait_for_selector("#main h1")
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=str(ARTIFACTS / "failed-sign-in.png"))
            raise

    async def axe(self, label: str) -> None:
        """No accessibility violations on the page as it is now; a screenshot for the record."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
        if not await self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            await self.page.add_script_tag(content=AXE.read_text())
        violations: list[dict[str, Any]] = await self.page.evaluate(
            """async () => (await window.axe.run(document, {resultTypes: ['violations']}))
                .violations.map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
        )
        assert violations == [], f"{label}: {violations}"
        assert self.errors == [], f"{label}: script errors {self.errors}"


SET_LANGUAGE = (ROOT / "graphql" / "operations" / "SetMyLanguage.graphql").read_text()
ERROR_FIELDS = "fragment ErrorFields on UserError { code field message }"


async def reset_languages(base: str, names: set[str]) -> None:
    """A language chosen in a test is kept on the person: give the demo its bokmål back."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        people = {p["name"]: p["id"] for p in (await client.get("/dev/people")).json()}
        for name in names:
            response = await client.post(
                "/graphql",
                json={
                    "query": SET_LANGUAGE + ERROR_FIELDS,
                    "variables": {"input": {"language": "nb"}},
                },
                headers={"x-koordinat-dev-person": people[name], "origin": base},
            )
            assert response.json()["data"]["setMyLanguage"]["errors"] == [], response.text


@pytest.fixture
async def open_session(
    browser: Browser, demo_server: str, request: pytest.FixtureRequest
) -> AsyncIterator[Any]:
    contexts: list[BrowserContext] = []
    sessions: list[Session] = []

    async def open_one(locale: str = "nb-NO") -> Session:
        # Designsystemet opens a Details by growing its content's height over 0.4 s. Playwright
        # scrolls a button inside the still-growing box into view, the box then moves it, and
        # the press and the release land on different elements: a lost click. People see the
        # box open before they click; these browsers ask for reduced motion, which has no
        # animation, so a test does not race it.
        context = await browser.new_context(
            locale=locale,
            timezone_id="Europe/Oslo",
            viewport={"width": 1280, "height": 900},
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        await context.add_init_script(WATCH_INPUT)
        contexts.append(context)
        session = Session(context, await context.new_page(), demo_server)
        sessions.append(session)
        request.node.stash[SESSIONS] = sessions
        return session

    yield open_one
    for context in contexts:
        await context.close()
    await reset_languages(demo_server, {name for s in sessions for name in s.people})
    # The pages send only the documents of graphql/operations/ (production refuses others).
    unknown = [
        document
        for session in sessions
        for document in session.documents
        if not is_trusted(parse(document))
    ]
    assert unknown == [], unknown
