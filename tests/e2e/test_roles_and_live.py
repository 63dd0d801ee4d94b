"""Two browsers at once, roles that see only what the policies allow, keyboard-only tasks,
every page in each language and at phone width."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from tests.e2e.test_web_app import CHILD, COORDINATOR, GUARDIAN

PHONE = {"width": 375, "height": 812}


class Switch:
    """A page's way to the server: while offline, its socket is dropped and new ones refused.

    Every connection's frames are kept, both ways, so a test can say what the server sent.
    """

    def __init__(self) -> None:
        self.offline = False
        self.open: list[WebSocketRoute] = []
        self.connections: list[list[tuple[str, dict[str, Any]]]] = []

    def route(self, route: WebSocketRoute) -> None:
        server = route.connect_to_server()
        frames: list[tuple[str, dict[str, Any]]] = []
        self.connections.append(frames)
        self.open.append(route)

        def up(message: str | bytes) -> None:
            frames.append(("sent", json.loads(message)))
            server.send(message)

        def down(message: str | bytes) -> None:
            frames.append(("received", json.loads(message)))
            route.send(message)

        route.on_message(up)
        server.on_message(down)


def subscription_of(frames: list[tuple[str, dict[str, Any]]], name: str) -> tuple[str, Any]:
    """The id and variables of the subscription `name` (e.g. "ChildEvents") on one connection."""
    for direction, message in frames:
        payload = message.get("payload") or {}
        subscribe = direction == "sent" and message.get("type") == "subscribe"
        if subscribe and f"subscription {name}" in payload.get("query", ""):
            return message["id"], payload.get("variables") or {}
    raise AssertionError(f"no {name} subscription in {frames}")


def events_received(frames: list[tuple[str, dict[str, Any]]], subscription: str) -> list[Any]:
    return [
        message["payload"]["data"]["childEvents"]
        for direction, message in frames
        if direction == "received"
        and message.get("type") == "next"
        and message.get("id") == subscription
    ]


async def child_href(page: Page, name: str) -> str:
    href = await page.get_by_role("link", name=name).first.get_attribute("href")
    assert href and re.fullmatch(r"/children/[0-9a-f-]{36}", href), href
    return href


async def choose(page: Page, option: str, limit: int = 40) -> None:
    """In the focused select, move with the arrow keys to the option that starts with `option`."""
    for _ in range(limit):
        chosen = await page.evaluate(
            "() => document.activeElement?.selectedOptions?.[0]?.textContent ?? ''"
        )
        if chosen.startswith(option):
            return
        await page.keyboard.press("ArrowDown")
    where = await page.evaluate("() => document.activeElement?.outerHTML.slice(0, 200)")
    raise AssertionError(f"no option {option!r} by the arrow keys in {where}")


async def tab_to(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element is the one named `name` (keyboard only)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        names = await page.evaluate(
            """() => { const el = document.activeElement; if (!el) return [];
                 const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
                 return [el.getAttribute('aria-label'), label, el.textContent]
                   .filter(Boolean).map(t => t.trim()) }"""
        )
        if name in names:
            return
    raise AssertionError(f"never reached {name!r} with Tab")


async def test_two_browsers_network_change_handover_and_withdrawal(open_session: Any) -> None:
    coordinator = await open_session()
    guardian = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in(GUARDIAN)
    href = await child_href(coordinator.page, CHILD)
    await coordinator.page.goto(coordinator.base + href)
    await guardian.page.goto(guardian.base + href)
    await guardian.page.get_by_role("tab", name="Nettverk").click()
    guardian_network = guardian.page.get_by_role("tabpanel")

    # The coordinator adds a member: the guardian's open page shows it without reload.
    await coordinator.page.get_by_role("tab", name="Nettverk").click()
    form = coordinator.page.get_by_role("form", name="Nytt medlem i nettverket")
    await form.get_by_label("Ansatt").select_option(label="Lise Strand")
    await form.get_by_label("Tjeneste").select_option(label="Solsikken barnehage")
    await form.get_by_label("Ansvar").fill("Overgang fra barnehage til skole")
    await form.get_by_role("button", name="Legg til medlem").click()
    await expect(guardian_network.get_by_text("Lise Strand")).to_be_visible()

    # The guardian withdraws a consent: the coordinator's open page shows it.
    await coordinator.page.get_by_role("tab", name="Samtykker").click()
    await guardian.page.get_by_role("tab", name="Samtykker").click()
    active = (
        guardian.page.get_by_role("row")
        .filter(has_text="Gjelder")
        .filter(has=guardian.page.get_by_role("button", name="Trekk tilbake"))
    )
    first = active.first
    what = (await first.get_by_role("cell").nth(1).inner_text()).strip()
    before = await coordinator.page.get_by_role("row").filter(has_text="Trukket tilbake").count()
    await first.get_by_role("button", name="Trekk tilbake").click()
    await expect(guardian.page.get_by_text("Samtykket er trukket tilbake.")).to_be_visible()
    withdrawn = coordinator.page.get_by_role("row").filter(has_text="Trukket tilbake")
    await expect(withdrawn).to_have_count(before + 1)
    await expect(withdrawn.filter(has_text=what).first).to_be_visible()

    await coordinator.page.get_by_role("tab", name="Nettverk").click()
    await guardian.page.get_by_role("tab", name="Nettverk").click()
    # The coordinator hands the role over: the guardian sees the new coordinator.
    handover = coordinator.page.get_by_role("form", name="Overlever barnekoordinatorrollen")
    await handover.get_by_label("Barnekoordinator").select_option(label="Ola Haugen")
    await handover.get_by_role("button", name="Overlever barnekoordinatorrollen").click()
    await expect(guardian.page.get_by_text("Barnekoordinator: Ola Haugen")).to_be_visible()

    # Hand back, so the other tests find Kari as Emma's coordinator.
    ola = await open_session()
    await ola.sign_in("Ola Haugen")
    await ola.page.goto(ola.base + href)
    await ola.page.get_by_role("tab", name="Nettverk").click()
    back = ola.page.get_by_role("form", name="Overlever barnekoordinatorrollen")
    await back.get_by_label("Barnekoordinator").select_option(label=COORDINATOR)
    await back.get_by_role("button", name="Overlever barnekoordinatorrollen").click()
    await expect(guardian.page.get_by_text(f"Barnekoordinator: {COORDINATOR}")).to_be_visible()


async def test_a_page_that_lost_its_connection_shows_what_it_missed(open_session: Any) -> None:
    guardian = await open_session()
    coordinator = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in("Hodan Ali")
    href = await child_href(coordinator.page, "Yusuf Ali")
    # The guardian's socket goes through a switch: "offline" drops it and refuses new ones.
    network = Switch()

    async def switch(route: WebSocketRoute) -> None:
        if network.offline:
            await route.close(code=1001, reason="offline")
            return
        network.route(route)

    await guardian.page.route_web_socket(re.compile(r"/graphql$"), switch)
    await guardian.page.goto(guardian.base + href)
    await guardian.page.get_by_role("tab", name="Hendelser").click()
    events = guardian.page.get_by_role("listitem")
    await expect(events.first).to_be_visible()
    # A change the guardian sees live: the history's replay has all arrived before it.
    await coordinator.page.goto(coordinator.base + href)
    await coordinator.page.get_by_role("tab", name="Nettverk").click()
    form = coordinator.page.get_by_role("form", name="Nytt medlem i nettverket")
    await form.get_by_label("Ansatt").select_option(label="Per Lien")
    await form.get_by_role("button", name="Legg til medlem").click()
    await expect(coordinator.page.get_by_role("status")).to_contain_text("Per Lien er lagt til.")
    await expect(events.first).to_contain_text("Nytt medlem i nettverket – Per Lien")

    network.offline = True
    for route in network.open:
        await route.close(code=1001, reason="offline")
    await expect(guardian.page.get_by_text("Mistet forbindelsen. Prøver igjen")).to_be_visible(
        timeout=30_000
    )
    # What the page had when it went offline: the history up to its last cursor.
    first = network.connections[0]
    before = events_received(first, subscription_of(first, "ChildEvents")[0])
    cursors = [e["cursor"] for e in before if e["__typename"] == "Event"]
    # While the guardian is offline, the coordinator ends the membership again.
    row = coordinator.page.get_by_role("row", name=re.compile("Per Lien"))
    await row.get_by_role("button", name="Avslutt").click()
    confirm = coordinator.page.get_by_role("group", name="Avslutte medlemskapet til Per Lien?")
    await confirm.get_by_role("button", name="Avslutt").click()
    await expect(coordinator.page.get_by_role("row", name=re.compile("Per Lien"))).to_have_count(0)

    network.offline = False
    await expect(guardian.page.get_by_text("Mistet forbindelsen. Prøver igjen")).to_have_count(
        0, timeout=30_000
    )
    await expect(events.first).to_contain_text("Et medlemskap ble avsluttet – Per Lien")
    # The page resumed from its last cursor, and what happened while offline arrived once: the
    # server sent that one event on the new connection, not the history again.
    again = network.connections[-1]
    subscription, variables = subscription_of(again, "ChildEvents")
    assert cursors and variables.get("after") == cursors[-1]
    replayed = events_received(again, subscription)
    assert [e["__typename"] for e in replayed] == ["Event"], replayed
    await expect(events).to_have_count(len(cursors) + 1)


async def test_each_role_sees_only_what_the_policies_allow(open_session: Any) -> None:
    coordinator = await open_session()
    await coordinator.sign_in(COORDINATOR)
    emma = await child_href(coordinator.page, CHILD)
    noah = await child_href(coordinator.page, "Noah Kristiansen")

    # The father without parental responsibility of a child with kode 6.
    father = await open_session()
    await father.sign_in("Robert Kristiansen")
    await expect(father.page.get_by_role("link", name="Noah Kristiansen")).to_be_visible()
    await father.page.goto(father.base + noah)
    await expect(father.page.get_by_role("heading", level=1)).to_have_text("Noah Kristiansen")
    for tab in ["Oversikt", "Nettverk", "Samtykker", "Hvem har sett", "Hendelser"]:
        await father.page.get_by_role("tab", name=tab).click()
        body = await father.page.locator("body").inner_text()
        # The other parent is named (as a guardian); her contact details and the kommune are not.
        for hidden in ["Fjordvik", "Ingrid Solberg", "Sofie Dahl", "Emma", "@", "example"]:
            assert hidden not in body, (tab, hidden)
    await father.page.goto(father.base + emma)
    await expect(
        father.page.get_by_text(re.compile("Fant ikke siden eller barnet"))
    ).to_be_visible()
    assert "Emma" not in await father.page.locator("body").inner_text()

    # The teacher: her own children, never barnevern without a consent naming it.
    teacher = await open_session()
    await teacher.sign_in("Ingrid Solberg")
    region = teacher.page.get_by_role("region", name="Barn der jeg er med i nettverket")
    await expect(region.get_by_role("link", name=CHILD)).to_be_visible()
    listed = await region.get_by_role("link").all_inner_texts()
    assert not {"Yusuf Ali", "Lukas Pedersen", "Larsen"} & set(listed)
    await teacher.page.goto(teacher.base + noah)
    await teacher.page.get_by_role("tab", name="Nettverk").click()
    assert "Sofie Dahl" not in await teacher.page.locator("body").inner_text()

    # Someone outside the network gets the same page as for a child that does not exist.
    outsider = await open_session()
    await outsider.sign_in("Jonas Moe")
    await outsider.page.goto(outsider.base + emma)
    missing = outsider.page.get_by_text(re.compile("Fant ikke siden eller barnet"))
    await expect(missing).to_be_visible()
    text = await outsider.page.locator("body").inner_text()
    assert "Emma" not in text and "Johansen" not in text
    await outsider.page.goto(outsider.base + "/children/01a23352-0000-7000-8000-000000000000")
    await expect(missing).to_be_visible()


async def test_a_coordinator_task_by_keyboard_alone(open_session: Any) -> None:
    session = await open_session()
    page = session.page
    await page.goto(f"{session.base}/sign-in")
    await tab_to(page, f"Logg inn som {COORDINATOR}")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Mine barn")).to_be_visible()
    await tab_to(page, "Yusuf Ali")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1, name="Yusuf Ali")).to_be_visible()
    # Focus moved to the page's content on navigation.
    assert await page.evaluate("() => document.activeElement?.id") == "main"
    await tab_to(page, "Oversikt")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=2, name="Nettverket")).to_be_visible()
    await tab_to(page, "Ansatt")
    await choose(page, "Ingrid")
    await tab_to(page, "Ansvar")
    await page.keyboard.type("Skolestart neste høst")
    await tab_to(page, "Legg til medlem")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Ingrid Solberg er lagt til.")


async def test_a_family_task_by_keyboard_alone(open_session: Any) -> None:
    session = await open_session()
    page = session.page
    await page.goto(f"{session.base}/sign-in")
    await tab_to(page, "Logg inn som Anne Pedersen")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Vår familie")).to_be_visible()
    await tab_to(page, "Lukas Pedersen")
    await page.keyboard.press("Enter")
    await tab_to(page, "Oversikt")
    for _ in range(2):
        await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=2, name="Samtykker")).to_be_visible()
    await tab_to(page, "Opplysninger")
    await choose(page, "Familie")
    await tab_to(page, "Hvem")
    await choose(page, "PPT")
    await tab_to(page, "Gi samtykke")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Samtykket er registrert.")).to_be_visible()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
async def test_every_page_in_each_language_and_on_a_phone(open_session: Any, language: str) -> None:
    for who, pages in [
        (COORDINATOR, ["/caseload", "/children/new", "{child}"]),
        (GUARDIAN, ["/family", "{child}"]),
    ]:
        session = await open_session()
        await session.sign_in(who)
        page = session.page
        await page.get_by_label("Språk").select_option(language)
        await expect(page.locator("html")).to_have_attribute("lang", language)
        child = await child_href(page, CHILD)
        slug = who.split()[0].lower()
        for width, viewport in [("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)]:
            await page.set_viewport_size(viewport)
            for path in pages:
                await page.goto(session.base + path.format(child=child))
                await expect(page.locator("#main h1")).to_be_visible()
                name = path.strip("/").replace("/", "-").replace("{child}", "child")
                await session.axe(f"{language}-{width}-{slug}-{name}")
                if width == "phone":
                    overflow = await page.evaluate(
                        "() => document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 0, (path, overflow)
        # Leave the person's language as the demo had it.
        await page.get_by_label(
            {"nb": "Språk", "nn": "Språk", "en": "Language"}[language]
        ).select_option("nb")
        await expect(page.locator("html")).to_have_attribute("lang", "nb")


async def test_the_child_workspace_prints_cleanly(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await page.goto(session.base + await child_href(page, CHILD))
    await expect(page.get_by_role("heading", level=1, name=CHILD)).to_be_visible()
    await page.emulate_media(media="print")
    assert not await page.locator("header.k-header").is_visible()
    assert not await page.get_by_role("button").first.is_visible()
    await expect(page.get_by_role("heading", level=1, name=CHILD)).to_be_visible()
    await page.pdf(path=str(session.artifacts / "child-print.pdf"))
