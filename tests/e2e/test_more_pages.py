"""Notifications, kommune administration, the accessibility statement and how we use data, in a
real browser against a real server; axe on every page, in more than one language."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from playwright.async_api import expect

from backend.audit.review import child_ref
from tests.e2e.conftest import SECRET

COORDINATOR = "Kari Nordmann"
# Also staff of the coordinating unit; the language tests switch this person's language (it is
# kept on the person), so they use someone the other browser tests do not sign in as.
COLLEAGUE = "Ola Haugen"
GUARDIAN = "Sara Johansen"
PHONE = {"width": 375, "height": 812}


def nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Koordinat")


def notifications_link(page: Any, name: str = "Varsler") -> Any:
    return nav(page).get_by_role("link", name=re.compile(rf"^{name}"))


async def unread_in_menu(page: Any) -> int:
    """The number the menu shows (0 when it shows none), once it has been read."""
    link = notifications_link(page)
    await expect(link).to_have_attribute("aria-busy", "false")
    found = re.search(r"\d+", await link.inner_text())
    return int(found.group()) if found else 0


async def choose_language(page: Any, label: str, language: str) -> None:
    await page.get_by_label(label).first.select_option(language)
    await expect(page.locator("html")).to_have_attribute("lang", language)


def valid_org_number() -> str:
    """An unused-looking organisasjonsnummer in the 9 series with a correct MOD11 digit."""
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    while True:
        digits = [9] + [random.randrange(10) for _ in range(7)]
        check = 11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


async def test_accessibility_and_data_use_are_linked_from_every_page(open_session: Any) -> None:
    session = await open_session()
    page = session.page
    await page.goto(f"{session.base}/sign-in")
    footer = page.get_by_role("navigation", name="Om Koordinat")
    await footer.get_by_role("link", name="Tilgjengelighetserklæring").click()
    await expect(
        page.get_by_role("heading", level=1, name="Tilgjengelighetserklæring for Koordinat")
    ).to_be_visible()
    await expect(page.get_by_text("WCAG 2.1 nivå AA").first).to_be_visible()
    await expect(page.get_by_role("heading", name="Tilsyn")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("Uutilsynet"))).to_have_attribute(
        "href", "https://www.uutilsynet.no/"
    )
    await session.axe("accessibility-nb")

    await footer.get_by_role("link", name="Slik bruker vi opplysningene").click()
    await expect(
        page.get_by_role("heading", level=1, name="Slik bruker vi opplysningene")
    ).to_be_visible()
    for heading in ("Hvem ser hva", "Alder: 12 og 16 år", "Barnevern", "Adressebeskyttelse"):
        await expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    await expect(page.get_by_role("rowheader", name="Barnekoordinatoren")).to_be_visible()
    await session.axe("privacy-nb")

    await choose_language(page, "Språk", "en")
    await expect(page.get_by_role("heading", level=1, name="How we use data")).to_be_visible()
    await session.axe("privacy-en")

    await page.set_viewport_size(PHONE)
    await choose_language(page, "Language", "nn")
    await (
        page.get_by_role("navigation", name="Om Koordinat")
        .get_by_role("link", name="Tilgjengelegheitserklæring")
        .click()
    )
    await expect(
        page.get_by_role("heading", level=1, name="Tilgjengelegheitserklæring for Koordinat")
    ).to_be_visible()
    await session.axe("accessibility-nn-375")
    # Nothing is wider than the phone.
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # Signed in, the same footer is on every page.
    await page.set_viewport_size({"width": 1280, "height": 900})
    await choose_language(page, "Språk", "nb")
    await session.sign_in(COORDINATOR)
    await (
        page.get_by_role("navigation", name="Om Koordinat")
        .get_by_role("link", name="Slik bruker vi opplysningene")
        .click()
    )
    await expect(
        page.get_by_role("heading", level=1, name="Slik bruker vi opplysningene")
    ).to_be_visible()
    await expect(notifications_link(page)).to_be_visible()
    await session.axe("privacy-signed-in")


async def test_marking_a_notification_read_changes_the_unread_count(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await notifications_link(page).click()
    await expect(page.get_by_role("heading", level=1, name="Varsler")).to_be_visible()
    listing = page.get_by_role("region", name="Varslene dine")
    mark = listing.get_by_role("button", name="Merk som lest", exact=True)
    await expect(mark.first).to_be_visible()
    await session.axe("notifications-nb")

    before = await unread_in_menu(page)
    shown_unread = await mark.count()
    assert before >= shown_unread >= 2, (before, shown_unread)
    await mark.first.click()
    await expect(notifications_link(page)).to_have_text(re.compile(rf"\b{before - 1}\b"))
    await expect(mark).to_have_count(shown_unread - 1)
    await expect(listing.get_by_text(re.compile(r"^Lest "))).to_have_count(1)

    await listing.get_by_role("button", name="Merk alle viste som lest").click()
    await expect(mark).to_have_count(0)
    left = before - shown_unread
    if left:
        await expect(notifications_link(page)).to_have_text(re.compile(rf"\b{left}\b"))
    else:
        await expect(notifications_link(page)).to_have_text("Varsler")
        await expect(listing.get_by_text("Du har lest alle varslene.")).to_be_visible()
    # What the server keeps, not only what the page shows.
    await page.reload()
    await expect(listing.get_by_role("heading", level=3).first).to_be_visible()
    await expect(mark).to_have_count(0)
    assert await unread_in_menu(page) == left
    assert left == 0 or await listing.get_by_text(f"Du har {left} uleste varsler.").is_visible()
    await session.axe("notifications-all-read")


async def test_a_channel_choice_persists_across_reload(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COLLEAGUE)
    page = session.page
    await notifications_link(page).click()
    email = page.get_by_role("checkbox", name="På e-post: Daglig oppsummering av endringer")
    in_app = page.get_by_role("checkbox", name="I appen: Daglig oppsummering av endringer")
    await expect(email).to_be_checked()
    await email.uncheck()
    await expect(page.get_by_role("status")).to_have_text("Valget ditt er lagret.")
    await page.reload()
    await expect(email).not_to_be_checked()
    await expect(in_app).to_be_checked()
    # Another kind keeps its own choice.
    await expect(
        page.get_by_role("checkbox", name="På e-post: Et samtykke er trukket tilbake")
    ).to_be_checked()

    # Nynorsk, on a phone.
    await page.set_viewport_size(PHONE)
    await choose_language(page, "Språk", "nn")
    await expect(page.get_by_role("heading", level=1, name="Varsel")).to_be_visible()
    await expect(
        page.get_by_role("checkbox", name="På e-post: Dagleg oppsummering av endringar")
    ).not_to_be_checked()
    await session.axe("notifications-nn-375")
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # Back as it was (the language too: it is kept on the person).
    await page.get_by_role("checkbox", name="På e-post: Dagleg oppsummering av endringar").check()
    await expect(page.get_by_role("status")).to_have_text("Valet ditt er lagra.")
    await choose_language(page, "Språk", "nb")
    await page.reload()
    await expect(email).to_be_checked()


async def test_registering_a_service_shows_the_servers_errors_next_to_the_field(
    open_session: Any,
) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await nav(page).get_by_role("link", name="Kommuneadministrasjon").click()
    await expect(page.get_by_role("heading", level=1, name="Kommuneadministrasjon")).to_be_visible()
    services = page.get_by_role("region", name="Tjenester")
    await expect(services.get_by_role("cell", name="Fjordvik skole")).to_be_visible()
    await expect(
        page.get_by_role("region", name="Varsler som ikke kom fram").get_by_text(
            "Ingen varsler venter"
        )
    ).to_be_visible()
    await session.axe("admin-nb")

    form = page.get_by_role("form", name="Registrer en ny tjeneste")
    name = f"Fjordvik logoped {random.randrange(10**6)}"
    await form.get_by_label("Navn").fill(name)
    await form.get_by_label("Type").select_option("OTHER")
    org = form.get_by_role("textbox", name="Organisasjonsnummer")
    await org.fill("123456789")
    await form.get_by_role("button", name="Registrer tjenesten").click()
    # The server's message, tied to the field it is about.
    await expect(org).to_have_accessible_description(
        re.compile("Organisasjonsnummeret er ikke gyldig.")
    )
    await expect(org).to_have_attribute("aria-invalid", "true")
    await expect(services.get_by_role("cell", name=name)).to_have_count(0)
    await session.axe("admin-invalid-org-number")

    number = valid_org_number()
    await org.fill(number)
    await form.get_by_role("button", name="Registrer tjenesten").click()
    await expect(page.get_by_role("status")).to_have_text(f"{name} er registrert.")
    row = services.get_by_role("row").filter(has=page.get_by_role("cell", name=name))
    await expect(row).to_contain_text(f"{number[:3]} {number[3:6]} {number[6:]}")
    await expect(org).not_to_have_attribute("aria-invalid", "true")

    # In English, for a colleague in the coordinating unit.
    other = await open_session()
    await other.sign_in(COLLEAGUE)
    await choose_language(other.page, "Språk", "en")
    await nav(other.page).get_by_role("link", name="Kommune administration").click()
    await expect(
        other.page.get_by_role("heading", level=1, name="Kommune administration")
    ).to_be_visible()
    await expect(other.page.get_by_role("cell", name=name)).to_be_visible()
    await other.axe("admin-en")
    await choose_language(other.page, "Language", "nb")


async def test_a_guardian_opening_admin_sees_no_admin_data(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await expect(nav(page).get_by_role("link", name="Kommuneadministrasjon")).to_have_count(0)
    sent_before = len(session.documents)
    await page.goto(f"{session.base}/admin")
    await expect(
        page.get_by_role("heading", level=1, name="Denne siden er ikke for deg")
    ).to_be_visible()
    await expect(page.get_by_role("table")).to_have_count(0)
    await expect(page.get_by_text("Fjordvik skole")).to_have_count(0)
    await expect(page.get_by_role("button", name="Send igjen")).to_have_count(0)
    asked = " ".join(session.documents[sent_before:])
    assert "deadNotifications" not in asked and "serviceProviders" not in asked
    await session.axe("admin-guardian")

    # The guardian's own notifications, in plain words.
    await notifications_link(page).click()
    await expect(page.get_by_role("heading", level=1, name="Varsler")).to_be_visible()
    await expect(
        page.get_by_role("heading", level=3, name="Ny barnekoordinator").first
    ).to_be_visible()
    await session.axe("notifications-guardian")


async def test_a_new_notification_arrives_live(open_session: Any) -> None:
    watcher = await open_session()
    await watcher.sign_in("Jonas Moe")
    await notifications_link(watcher.page).click()
    welcome = watcher.page.get_by_role(
        "heading", level=3, name="Du er lagt til i et barns nettverk"
    )
    await expect(welcome.first).to_be_visible()
    before = await welcome.count()
    unread = await unread_in_menu(watcher.page)

    editor = await open_session()
    await editor.sign_in(COLLEAGUE)
    await editor.page.get_by_role("link", name="Lukas Pedersen").click()
    await editor.page.get_by_role("tab", name="Nettverk").click()
    form = editor.page.get_by_role("form", name="Nytt medlem i nettverket")
    await form.get_by_label("Ansatt").select_option(label="Jonas Moe")
    await form.get_by_label("Ansvar").fill("Hjelpestønad")
    await form.get_by_role("button", name="Legg til medlem").click()
    await expect(editor.page.get_by_role("status")).to_contain_text("Jonas Moe er lagt til.")

    # No reload: the list and the menu follow the live feed.
    # A bounded wait: the event crosses the outbox, the broker and the socket.
    await expect(welcome).to_have_count(before + 1, timeout=15_000)
    await expect(notifications_link(watcher.page)).to_have_text(
        re.compile(rf"\b{unread + 1}\b"), timeout=15_000
    )
    await watcher.axe("notifications-after-live-update")


async def test_the_coordinating_unit_sees_an_outsiders_probe_in_its_security_review(
    open_session: Any,
) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    href = await page.get_by_role("link", name="Yusuf Ali").first.get_attribute("href")
    assert href and re.fullmatch(r"/children/[0-9a-f-]{36}", href), href

    # A teacher outside Yusuf's network opens his page: refused, and kept for the kommune.
    teacher = await open_session()
    await teacher.sign_in("Ingrid Solberg")
    await expect(nav(teacher.page).get_by_role("link", name="Kommuneadministrasjon")).to_have_count(
        0
    )
    await teacher.page.goto(teacher.base + href)
    await expect(
        teacher.page.get_by_text(re.compile("Fant ikke siden eller barnet"))
    ).to_be_visible()

    await nav(page).get_by_role("link", name="Kommuneadministrasjon").click()
    review = page.get_by_role("region", name="Sikkerhetsgjennomgang")
    row = review.get_by_role("row").filter(has=page.get_by_role("cell", name="Ingrid Solberg"))
    await expect(row.first).to_be_visible()
    # The child appears as the review's own stable reference, never the child's id.
    reference = child_ref(uuid.UUID(href.rsplit("/", 1)[-1]), SECRET)
    await expect(row.first).to_contain_text(reference[-8:])
    assert href.rsplit("/", 1)[-1] not in await review.inner_text()
    assert "Yusuf" not in await review.inner_text()
    await session.axe("admin-security-review")
