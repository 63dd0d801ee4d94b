"""The pages barnekoordinators and families use, in a real browser against a real server."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from playwright.async_api import Route, expect

COORDINATOR = "Kari Nordmann"
GUARDIAN = "Sara Johansen"
CHILD = "Emma Johansen"


def members_cell(page: Any, child: str) -> Any:
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("link", name=child))
        .get_by_role("cell")
        .nth(2)
    )


async def test_sign_in_page_lists_demo_people_by_role(open_session: Any) -> None:
    session = await open_session()
    await session.page.goto(f"{session.base}/")
    await expect(session.page).to_have_url(re.compile(r"/sign-in$"))
    await expect(session.page.get_by_role("heading", name="Barnekoordinatorer")).to_be_visible()
    await expect(session.page.get_by_role("heading", name="Foresatte", exact=True)).to_be_visible()
    await expect(
        session.page.get_by_role("button", name=f"Logg inn som {COORDINATOR}")
    ).to_be_visible()
    await session.axe("sign-in")


async def test_caseload_lists_my_children_and_filters_by_name(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await expect(page).to_have_url(re.compile(r"/caseload$"))
    table = page.get_by_role("region", name="Barn der jeg er barnekoordinator")
    await expect(table.get_by_role("link", name=CHILD)).to_be_visible()
    await expect(table.get_by_role("link", name="Yusuf Ali")).to_be_visible()
    await session.axe("caseload")
    await page.get_by_role("searchbox", name="Søk etter navn").fill("yus")
    await expect(table.get_by_role("link", name="Yusuf Ali")).to_be_visible()
    await expect(table.get_by_role("link", name=CHILD)).to_have_count(0)


async def test_child_workspace_every_tab(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await page.get_by_role("link", name=CHILD).click()
    await expect(page.get_by_role("heading", level=1, name=CHILD)).to_be_visible()
    await session.axe("child-overview")
    for tab, heading, label in [
        ("Nettverk", "Nettverket", "child-network"),
        ("Samtykker", "Samtykker", "child-consents"),
        ("Hvem har sett", "Hvem har sett opplysningene", "child-access-log"),
        ("Hendelser", "Hendelser", "child-timeline"),
    ]:
        await page.get_by_role("tab", name=tab).click()
        await expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
        await session.axe(label)
    # The access log shows this very visit, in plain words.
    await page.get_by_role("tab", name="Hvem har sett").click()
    await expect(page.get_by_role("cell", name=re.compile(COORDINATOR)).first).to_be_visible()
    # The timeline replays the child's history.
    await page.get_by_role("tab", name="Hendelser").click()
    await expect(page.get_by_text("Barnet ble registrert")).to_be_visible()


async def test_a_change_in_one_browser_shows_live_in_another(open_session: Any) -> None:
    watcher = await open_session()
    await watcher.sign_in(COORDINATOR)
    cell = members_cell(watcher.page, "Yusuf Ali")
    await expect(cell).to_have_text(re.compile(r"\d+ medlem"))
    before = int(re.match(r"\d+", (await cell.inner_text()).strip()).group())  # type: ignore[union-attr]

    editor = await open_session()
    await editor.sign_in(COORDINATOR)
    await editor.page.get_by_role("link", name="Yusuf Ali").click()
    await editor.page.get_by_role("tab", name="Nettverk").click()
    form = editor.page.get_by_role("form", name="Nytt medlem i nettverket")
    staff = form.get_by_label("Ansatt")
    # The directory and the network load on their own: read both only once they are there.
    await expect(staff.locator("option").nth(1)).to_be_attached()
    await expect(editor.page.get_by_role("table").first.get_by_role("row").nth(1)).to_be_visible()
    options = await staff.locator("option").all_inner_texts()
    network = await editor.page.get_by_role("table").first.inner_text()
    name = next(o for o in options[1:] if o not in network)
    await staff.select_option(label=name)
    await form.get_by_label("Ansvar").fill("Følger opp overgangen til skolen")
    await form.get_by_role("button", name="Legg til medlem").click()
    await expect(editor.page.get_by_role("status")).to_contain_text(f"{name} er lagt til.")

    # No reload: the caseload follows the live feed.
    await expect(cell).to_have_text(re.compile(rf"^{before + 1} medlem"))
    await watcher.axe("caseload-after-live-update")


async def test_a_stale_edit_shows_a_conflict_and_the_newer_data(open_session: Any) -> None:
    first = await open_session()
    second = await open_session()
    for session in (first, second):
        await session.sign_in(COORDINATOR)
        await session.page.get_by_role("link", name="Noah Kristiansen").click()
        await session.page.get_by_role("button", name="Endre opplysninger").click()

    await second.page.get_by_label("Tolkespråk").fill("ar")
    await second.page.get_by_role("button", name="Lagre").click()
    await expect(second.page.get_by_role("status")).to_have_text("Lagret.")

    await first.page.get_by_label("Tolkespråk").fill("so")
    await first.page.get_by_role("button", name="Lagre").click()
    await expect(first.page.get_by_role("alert")).to_contain_text("Noen andre har endret")
    # The newer data is what the page shows now, not the stale edit.
    await expect(first.page.locator("dl.k-facts")).to_contain_text("ar")
    await first.axe("child-conflict")


async def test_server_errors_show_next_to_the_field(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await page.get_by_role("link", name="Registrer barn").click()
    await page.get_by_label("Etternavn").fill("Testesen")
    await page.get_by_label("Fødselsnummer").fill("12345678901")
    await page.get_by_label("Navn på foresatt").fill("Foresatt Testesen")
    await page.get_by_role("button", name="Registrer").click()
    field = page.get_by_label("Fødselsnummer")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(
        page.get_by_text("Fødselsnummeret eller D-nummeret er ikke gyldig.").first
    ).to_be_visible()
    await session.axe("register-child-errors")


async def test_family_view_consent_given_and_withdrawn(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await expect(page).to_have_url(re.compile(r"/family$"))
    await expect(page.get_by_role("link", name=CHILD)).to_be_visible()
    await expect(page.get_by_role("region", name="Hvem kan vi kontakte").first).to_be_visible()
    await session.axe("family")

    await page.get_by_role("link", name=CHILD).click()
    await page.get_by_role("tab", name="Samtykker").click()
    form = page.get_by_role("form", name="Nytt samtykke")
    await form.get_by_label("Opplysninger").select_option("WELFARE")
    services = await form.get_by_label("Hvem").locator("option").all_inner_texts()
    await form.get_by_label("Hvem").select_option(label=services[1])
    await form.get_by_role("button", name="Gi samtykke").click()
    await expect(page.get_by_text("Samtykket er registrert.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="NAV og avlastning").filter(has_text=services[1])
    await expect(row.first).to_contain_text("Gjelder")
    await session.axe("family-consents")

    await row.first.get_by_role("button", name="Trekk tilbake").click()
    await expect(page.get_by_text("Samtykket er trukket tilbake.")).to_be_visible()
    await expect(row.first).to_contain_text("Trukket tilbake")


async def test_nynorsk_and_english(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await page.get_by_label("Språk").select_option("nn")
    await expect(
        page.get_by_role("heading", name="Born der eg er barnekoordinator")
    ).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "nn")
    await session.axe("caseload-nn")
    await page.get_by_label("Språk").select_option("en")
    await expect(page.get_by_role("heading", name="My children")).to_be_visible()
    await page.get_by_role("link", name="Register a child").click()
    await page.get_by_label("Family name").fill("Test")
    await page.get_by_label("National identity number").fill("123")
    await page.get_by_role("button", name="Register").click()
    # The server's own message, in the language the person chose.
    await expect(
        page.get_by_text("The national identity number or D number is not valid.").first
    ).to_be_visible()
    # Back to bokmål: the choice is kept on the person, and the other tests read bokmål.
    await page.get_by_label("Language").select_option("nb")
    await expect(page.locator("html")).to_have_attribute("lang", "nb")


async def test_an_answer_about_me_read_before_a_language_change_does_not_undo_it(
    open_session: Any,
) -> None:
    """Seen on a busy machine: the family page asked who I am, I chose English, and the
    answer (read before the change, arriving after it) put the page back in bokmål."""
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await page.wait_for_load_state("networkidle")
    read = asyncio.Event()
    release = asyncio.Event()
    delivered = asyncio.Event()

    async def hold_me(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("operationName") != "Me" or read.is_set():
            await route.fallback()
            return
        response = await route.fetch()  # read by the server now, before the change
        read.set()
        await release.wait()
        await route.fulfill(response=response)
        delivered.set()

    await page.route(re.compile(r"/graphql$"), hold_me)
    # Opening the family page again asks who I am.
    await page.get_by_role("link", name=re.compile("^Varsler")).click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await page.get_by_role("link", name="Vår familie").click()
    await asyncio.wait_for(read.wait(), 15)
    async with page.expect_response(lambda r: "SetMyLanguage" in (r.request.post_data or "")):
        await page.get_by_label("Språk").select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    release.set()
    await asyncio.wait_for(delivered.wait(), 15)
    # Two frames after the late answer: React has rendered it and run its effects.
    await page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    await page.wait_for_load_state("networkidle")
    assert await page.locator("html").get_attribute("lang") == "en"
    await expect(page.get_by_role("link", name="Our family")).to_be_visible()
