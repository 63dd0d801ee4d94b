"""The right to a barnekoordinator in the browser: a family asks, the coordinating unit refuses,
the family sees the decision and its appeal deadline live and appeals; the pathway's pages; axe on
every new page, in each language and at phone width."""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Locator, Page, expect

from tests.e2e.test_roles_and_live import PHONE, child_href
from tests.e2e.test_web_app import CHILD, COORDINATOR

OSLO = ZoneInfo("Europe/Oslo")
# A parent in the demo no other browser test signs in as: the family page is this test's own.
PARENT = "Magnus Pedersen"
LANGUAGE_LABEL = {"nb": "Språk", "nn": "Språk", "en": "Language"}


def in_days(days: int) -> str:
    return (dt.datetime.now(OSLO).date() + dt.timedelta(days=days)).isoformat()


def fresh_name() -> str:
    """A given name no other run has used, so the test finds its own request."""
    return "Ny" + "".join(random.choices(string.ascii_lowercase, k=6))


def summary(page: Page | Locator, text: str) -> Locator:
    return page.locator("summary", has_text=text)


async def no_sideways_scroll(page: Page, where: str) -> None:
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (where, overflow)


async def send_request(page: Page, given: str) -> Locator:
    """The family asks for a barnekoordinator for a child not born yet; its card is returned."""
    await expect(page.get_by_role("heading", level=2, name="Barnekoordinator")).to_be_visible()
    await summary(page, "Be om barnekoordinator").click()
    form = page.get_by_role("form", name="Be om barnekoordinator")
    await form.get_by_label("Hvilket barn gjelder det").select_option(
        label="Et barn som ikke er registrert her ennå"
    )
    await form.get_by_label("Barnets fornavn").fill(given)
    await form.get_by_label("Barnets etternavn").fill("Pedersen")
    await expect(form.get_by_label("Barnet er ikke født ennå")).to_be_checked()
    await form.get_by_label("Termindato").fill(in_days(90))
    await expect(form.get_by_label("Kommune")).to_have_value(re.compile(".+"))
    await form.get_by_label("Fortell om barnet og familien").fill(
        "Ultralyden viser en hjertefeil. Vi vet at det blir mange avtaler etter fødselen."
    )
    await form.get_by_label("Hvem hjelper dere nå").fill("Fjordvik helsestasjon\nSykehuset")
    await form.get_by_label("Det er ikke avklart ennå hva barnet trenger").check()
    await form.get_by_role("button", name="Send til kommunen").click()
    await expect(form.get_by_role("status")).to_contain_text("Kommunen har fått forespørselen")
    card = page.get_by_role("region", name=f"Barnekoordinator for {given} Pedersen")
    await expect(card.get_by_role("heading", name="Neste steg")).to_be_visible()
    await expect(card.get_by_text("Kommunen ser på saken")).to_be_visible()
    await expect(card.get_by_text(re.compile("Kommunen skal svare senest"))).to_be_visible()
    return card


async def test_a_family_asks_the_unit_refuses_and_the_family_appeals_live(
    open_session: Any,
) -> None:
    guardian = await open_session()
    unit = await open_session()
    await guardian.sign_in(PARENT)
    await unit.sign_in(COORDINATOR)
    given = fresh_name()
    child = f"{given} Pedersen"

    card = await send_request(guardian.page, given)
    await guardian.axe("right-family-sent")

    # The unit's inbox lists it as awaiting a decision, with its due date.
    await unit.page.get_by_role("link", name="Forespørsler", exact=True).click()
    await expect(
        unit.page.get_by_role("heading", level=1, name="Forespørsler om barnekoordinator")
    ).to_be_visible()
    await unit.page.get_by_label("Vis status").select_option(label="Venter på vedtak")
    row = unit.page.get_by_role("row").filter(has=unit.page.get_by_role("link", name=child))
    await expect(row).to_contain_text("Venter på vedtak")
    await unit.axe("right-inbox")
    await row.get_by_role("link", name=child).click()
    await expect(
        unit.page.get_by_role("heading", level=1, name=f"Forespørsel for {child}")
    ).to_be_visible()
    await expect(unit.page.get_by_text("Ultralyden viser en hjertefeil.")).to_be_visible()
    await unit.axe("right-request-detail")

    # Refusing without reasons or legal basis: the server's words next to the fields.
    form = unit.page.get_by_role("form", name="Vedtak")
    await form.get_by_label("Avslå").check()
    await form.get_by_role("button", name="Lagre vedtaket").click()
    await expect(form.locator("#decide-reasons")).to_have_attribute("aria-invalid", "true")
    await expect(form.locator("#decide-legalBasis")).to_have_attribute("aria-invalid", "true")
    await unit.axe("right-decision-errors")

    await form.get_by_label("Begrunnelse").fill(
        "Barnet er ikke født, og behovet for langvarige tjenester er ikke beskrevet ennå."
    )
    await form.get_by_label("Hjemmel").fill("Pasient- og brukerrettighetsloven § 2-5 c")
    await form.get_by_role("button", name="Lagre vedtaket").click()
    await expect(unit.page.get_by_role("status")).to_contain_text("Familien får beskjed")
    await expect(unit.page.locator("#main header").get_by_text("Avslått")).to_be_visible()

    # The family's open page shows the decision and the appeal deadline without reload.
    await expect(card.get_by_text("Kommunen sa nei").first).to_be_visible(timeout=30_000)
    await expect(card.get_by_text(re.compile("Dere kan klage til og med")).first).to_be_visible()
    await expect(card.get_by_text("Pasient- og brukerrettighetsloven § 2-5 c")).to_be_visible()
    await guardian.axe("right-family-refused")

    await summary(card, "Klag på vedtaket").click()
    appeal = card.get_by_role("form", name="Klag på vedtaket")
    await appeal.get_by_label("Hvorfor er dere uenige").fill(
        "Vi trenger hjelp til å samordne avtalene allerede fra fødselen."
    )
    await appeal.get_by_role("button", name="Send klagen").click()
    await expect(card.get_by_text(f"Klage sendt av {PARENT}")).to_be_visible()
    await expect(card.get_by_text("Kommunen ser på klagen").first).to_be_visible()
    await guardian.axe("right-family-appealed")

    # The unit sees the appeal: in the inbox, and the reassessment form on the request.
    await unit.page.get_by_role("link", name="Tilbake til forespørslene").click()
    await unit.page.get_by_label("Vis status").select_option(label="Klage til ny vurdering")
    row = unit.page.get_by_role("row").filter(has=unit.page.get_by_role("link", name=child))
    await expect(row).to_contain_text("Klage til ny vurdering")
    await row.get_by_role("link", name=child).click()
    await expect(unit.page.get_by_text(f"Klage sendt av {PARENT}")).to_be_visible()
    await expect(unit.page.get_by_role("form", name="Ny vurdering etter klage")).to_be_visible()
    await unit.axe("right-request-appealed")


async def test_a_guardian_opening_the_inbox_gets_no_requests(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(PARENT)
    await session.page.goto(session.base + "/kommune/requests")
    await expect(session.page.get_by_role("heading", level=1)).to_have_text(
        "Denne siden er ikke for deg"
    )
    assert "Forespørsler om barnekoordinator" not in await session.page.locator("body").inner_text()


async def test_the_pathway_tab_the_missed_milestones_and_the_template_editor(
    open_session: Any,
) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page
    await expect(
        page.get_by_role("heading", level=2, name="Milepæler som trenger oppfølging")
    ).to_be_visible()
    await session.axe("pathway-caseload")

    await page.goto(session.base + await child_href(page, CHILD))
    await page.get_by_role("tab", name="Forløp").click()
    await expect(page.get_by_role("heading", level=2, name="Forløpet")).to_be_visible()
    for heading in ("Milepæler", "Overganger", "Signaler", "Forespørsler om barnekoordinator"):
        await expect(page.get_by_role("heading", level=3, name=heading)).to_be_visible()
    await session.axe("pathway-child-tab")

    # A signal recorded by a network member shows in the list.
    await summary(page, "Meld et signal").click()
    signal = page.get_by_role("form", name="Meld et signal")
    await signal.get_by_label("Hva gjelder det").select_option(label="Mye fravær fra skolen")
    await signal.get_by_label("Beskrivelse").fill("Borte tre dager denne uken.")
    await signal.get_by_role("button", name="Meld et signal").click()
    await expect(signal.get_by_role("status")).to_contain_text("Signalet er meldt")
    await expect(page.get_by_text("Borte tre dager denne uken.")).to_be_visible()

    await page.goto(session.base + "/admin")
    editor = page.get_by_role("region", name="Forløpsmaler")
    await expect(editor).to_be_visible()
    form = editor.get_by_role("form").first
    await expect(form.get_by_label("Frist i dager").first).to_be_visible()
    # A negative target is the server's to refuse: its words next to the field.
    target = form.get_by_label("Frist i dager").first
    before = await target.input_value()
    await target.fill("-5")
    await form.get_by_role("button", name="Lagre malen").click()
    await expect(target).to_have_attribute("aria-invalid", "true")
    await session.axe("pathway-template-error")
    await target.fill(before)
    await form.get_by_role("button", name="Lagre malen").click()
    await expect(editor.get_by_role("status")).to_contain_text("Malen er lagret.")


async def test_the_new_pages_in_each_language_and_on_a_phone(open_session: Any) -> None:
    # The requests are read once in bokmål to find one to open.
    unit = await open_session()
    await unit.sign_in(COORDINATOR)
    await unit.page.goto(unit.base + "/kommune/requests")
    first = unit.page.locator("a[href^='/kommune/requests/']").first
    await expect(first).to_be_visible()
    request = await first.get_attribute("href")
    await unit.page.goto(unit.base + "/caseload")
    child = await child_href(unit.page, CHILD)
    for language in ("nb", "nn", "en"):
        for who, paths in [
            (COORDINATOR, ["/kommune/requests", request, "/admin", "/caseload", child]),
            (PARENT, ["/family"]),
        ]:
            session = await open_session()
            await session.sign_in(who)
            page = session.page
            await page.get_by_label("Språk").select_option(language)
            await expect(page.locator("html")).to_have_attribute("lang", language)
            slug = who.split()[0].lower()
            for width, viewport in [("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)]:
                await page.set_viewport_size(viewport)
                for path in paths:
                    assert path
                    await page.goto(session.base + path)
                    await expect(page.locator("#main h1")).to_be_visible()
                    name = "request" if path == request else path.strip("/").replace("/", "-")
                    if path == child:
                        name = "child-pathway"
                        await page.get_by_role("tab", name=re.compile("Forløp|Pathway")).click()
                        await expect(page.get_by_role("heading", level=2).first).to_be_visible()
                    if path == "/family":
                        await expect(page.locator("#family-right-heading")).to_be_visible()
                    # Everything read, so the screenshot and axe see the page as people do.
                    await expect(page.locator("#main .ds-spinner")).to_have_count(0)
                    await session.axe(f"right-{language}-{width}-{slug}-{name}")
                    if width == "phone":
                        await no_sideways_scroll(page, f"{language} {path}")
            await page.get_by_label(LANGUAGE_LABEL[language]).select_option("nb")
            await expect(page.locator("html")).to_have_attribute("lang", "nb")
