"""Meetings in the browser: the coordinator calls a meeting, two people write the minutes at the
same time and each sees the other's text, an action item reaches its owner's task list live, a
guest sees the meeting and no part of the plan consent does not allow; axe on every new page, in
each language and at phone width."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import string
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Locator, Page, expect

from tests.e2e.test_roles_and_live import PHONE, child_href
from tests.e2e.test_web_app import CHILD, COORDINATOR, GUARDIAN

OSLO = ZoneInfo("Europe/Oslo")
# Emma's contact teacher: a network member who gets an action item.
MEMBER = "Ingrid Solberg"
# NAV: staff outside Emma's network, with no consent from her family.
GUEST = "Jonas Moe"
# The demo's meeting that was held (backend/meeting/demo.py).
HELD = "Ansvarsgruppemøte"
LANGUAGE_LABEL = {"nb": "Språk", "nn": "Språk", "en": "Language"}
MEETING_URL = re.compile(r"/meetings/[0-9a-f-]{36}$")


def in_days(days: int) -> str:
    return (dt.datetime.now(OSLO).date() + dt.timedelta(days=days)).isoformat()


def fresh(prefix: str) -> str:
    """A title no other run has used, so the test finds its own meeting."""
    return f"{prefix} {''.join(random.choices(string.ascii_lowercase, k=5))}"


def summary(page: Page | Locator, text: str) -> Locator:
    return page.locator("summary", has_text=text)


async def no_sideways_scroll(page: Page, where: str) -> None:
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (where, overflow)


async def schedule(page: Page, base: str, title: str) -> str:
    """The coordinator calls a meeting about Emma from her workspace; answers its path."""
    await page.goto(base + "/caseload")
    await page.goto(base + await child_href(page, CHILD))
    await page.get_by_role("tab", name="Møter").click()
    await expect(page.get_by_role("heading", level=2, name="Møter")).to_be_visible()
    await page.get_by_role("link", name="Kall inn til møte").click()
    form = page.get_by_role("form", name=f"Kall inn til møte om {CHILD}")
    await expect(form).to_be_visible()
    # The interpreter the child's record names is the starting choice.
    await expect(form.get_by_label("Tolk", exact=True)).to_have_value("ar")
    await form.get_by_label("Tittel").fill(title)
    await form.get_by_label("Sted (valgfritt)").fill("Fjordvik skole, møterom 2")
    await form.get_by_label("Sak 1", exact=True).fill("Skoleturen i mai")
    await form.get_by_role("button", name="Legg til en sak").click()
    await form.get_by_label("Sak 2", exact=True).fill("Avlastning")
    # A meeting in the past: the server's words next to the start time, nothing written.
    await form.get_by_label("Dato").fill(in_days(-3))
    await form.get_by_label("Fra", exact=True).fill("10:00")
    await form.get_by_label("Til", exact=True).fill("11:30")
    await form.get_by_role("button", name="Kall inn").click()
    await expect(form.locator("#meeting-startsAt")).to_have_attribute("aria-invalid", "true")
    await form.get_by_label("Dato").fill(in_days(7))
    await form.get_by_role("button", name="Kall inn").click()
    await expect(page).to_have_url(MEETING_URL)
    await expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    return page.url.removeprefix(base)


async def test_two_people_write_the_minutes_at_once_and_an_action_item_reaches_its_owner(
    open_session: Any,
) -> None:
    coordinator = await open_session()
    guardian = await open_session()
    member = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in(GUARDIAN)
    await member.sign_in(MEMBER)
    title = fresh("Ansvarsgruppemøte")
    meeting = await schedule(coordinator.page, coordinator.base, title)
    await coordinator.axe("meeting-view-coordinator")

    # The guardian answers (the form works on a phone).
    page = guardian.page
    await page.set_viewport_size(PHONE)
    # From the invitation in her notifications to the meeting.
    await page.get_by_role("link", name=re.compile("^Varsler")).click()
    invitation = page.locator(".k-notification", has_text=title).filter(
        has_text="Invitasjon til møte"
    )
    await invitation.get_by_role("link", name="Åpne møtet").click()
    await expect(page).to_have_url(re.compile(re.escape(meeting) + "$"))
    answer = page.get_by_role("form", name="Kommer du?")
    await answer.get_by_label("Ja, jeg kommer").check()
    await answer.get_by_label("Kommentar (valgfritt)").fill("Vi kommer begge, med tolk.")
    await answer.get_by_role("button", name="Send svaret").click()
    await expect(answer.get_by_role("status")).to_contain_text("Svaret er sendt.")
    await no_sideways_scroll(page, "answer on a phone")
    await guardian.axe("meeting-answer-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await expect(
        coordinator.page.get_by_role("region", name="Hvem er invitert").get_by_text(
            "Vi kommer begge, med tolk."
        )
    ).to_be_visible(timeout=30_000)

    # Both open the live minutes and type into the same text at the same time.
    for session in (coordinator, guardian):
        await expect(session.page.locator('[data-minutes-status="connected"]')).to_be_visible()
    mine = coordinator.page.locator("#minutes-general")
    theirs = guardian.page.locator("#minutes-general")
    await mine.click()
    await theirs.click()
    await asyncio.gather(
        mine.press_sequentially("Kari skriver referatet.", delay=40),
        theirs.press_sequentially("Sara legger til et ønske.", delay=40),
    )
    both = re.compile(r"(?=[\s\S]*Kari skriver referatet\.)(?=[\s\S]*Sara legger til et ønske\.)")
    await expect(mine).to_have_value(both)
    await expect(theirs).to_have_value(both)
    # Per agenda item too: what one writes, the other sees.
    decisions = guardian.page.get_by_role("group", name=re.compile("Sak 1: Skoleturen i mai"))
    await decisions.get_by_label("Hva ble bestemt").press_sequentially("Emma blir med på turen.")
    await expect(
        coordinator.page.get_by_role(
            "group", name=re.compile("Sak 1: Skoleturen i mai")
        ).get_by_label("Hva ble bestemt")
    ).to_have_value("Emma blir med på turen.")
    await guardian.axe("meeting-minutes-guardian")

    # The member has the child's plan open; the coordinator agrees an action item for her.
    await member.page.goto(member.base + await child_href(coordinator.page.locator("#main"), CHILD))
    await member.page.get_by_role("tab", name="Plan").click()
    tasks = member.page.get_by_role("region", name="Oppgaver")
    await expect(tasks).to_be_visible()
    await member.page.wait_for_load_state("networkidle")
    task = fresh("Lage turplan med assistent")
    page = coordinator.page
    await summary(page, "Avtal et oppfølgingspunkt").click()
    form = page.get_by_role("form", name="Avtal et oppfølgingspunkt")
    await form.get_by_label("Hva skal gjøres").fill(task)
    await form.get_by_label("Sak (valgfritt)").select_option(label="Skoleturen i mai")
    owner = form.get_by_label("Hvem har ansvaret")
    ingrid = await owner.locator("option", has_text=MEMBER).get_attribute("value")
    await owner.select_option(value=ingrid)
    await form.get_by_label("Frist").fill(in_days(21))
    await form.get_by_role("button", name="Avtal", exact=True).click()
    await expect(form.get_by_role("status")).to_contain_text("Avtalt, og lagt inn i planen.")
    await expect(
        page.get_by_role("region", name="Oppfølgingspunkter").get_by_text(task)
    ).to_be_visible()
    # In her task list without a reload.
    await expect(tasks.get_by_role("row").filter(has_text=task)).to_be_visible(timeout=30_000)
    await member.axe("meeting-task-in-plan")

    # Minutes close once the meeting has started: the server says so, and they stay open.
    await page.get_by_role("button", name="Lukk referatet").click()
    minutes = page.get_by_role("region", name="Referat")
    await expect(minutes.get_by_text("Referatet kan lukkes når møtet har startet.")).to_be_visible()
    await expect(mine).to_be_editable()


async def test_the_held_meetings_minutes_are_corrected_and_the_guardian_confirms(
    open_session: Any,
) -> None:
    coordinator = await open_session()
    guardian = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in(GUARDIAN)
    page = coordinator.page
    await page.get_by_role("link", name="Møter", exact=True).click()
    earlier = page.get_by_role("region", name="Tidligere møter")
    await earlier.get_by_role("link", name=HELD, exact=True).first.click()
    await expect(page).to_have_url(MEETING_URL)
    meeting = page.url.removeprefix(coordinator.base)
    # The frozen minutes, as closed; the family's confirmation with them.
    minutes = page.get_by_role("region", name="Referat")
    frozen = minutes.locator("[data-minutes-version]").first
    await expect(frozen).to_be_visible()
    number = int(await frozen.get_attribute("data-minutes-version") or "0")
    await expect(minutes.get_by_text(f"{GUARDIAN} bekreftet").first).to_be_visible()
    await coordinator.axe("meeting-held-minutes")

    # Reopened for a correction (live again), then closed: a new version to confirm.
    await minutes.get_by_role("button", name="Åpne referatet igjen for rettelser").click()
    await expect(page.locator('[data-minutes-status="connected"]')).to_be_visible()
    general = page.locator("#minutes-general")
    await general.click()
    await general.press("End")
    await general.press_sequentially(" Rettet etter kommentar fra far.")
    await expect(general).to_have_value(re.compile("Rettet etter kommentar fra far\\."))
    # The text is stored before the minutes close (durable before live): give it a moment.
    await page.wait_for_timeout(1_000)
    await minutes.get_by_role("button", name="Lukk referatet").click()
    latest = minutes.locator(f"[data-minutes-version='{number + 1}']")
    await expect(latest).to_contain_text("Rettet etter kommentar fra far.")

    await guardian.page.goto(guardian.base + meeting)
    confirm = guardian.page.get_by_role("form", name="Stemmer referatet?")
    await confirm.get_by_label("Ja, jeg bekrefter referatet").check()
    await confirm.get_by_role("button", name="Send", exact=True).click()
    await expect(confirm.get_by_role("status")).to_contain_text("Takk.")
    await expect(
        guardian.page.locator(f"[data-minutes-version='{number + 1}']").get_by_text(
            re.compile(f"{GUARDIAN} bekreftet")
        )
    ).to_be_visible()
    await guardian.axe("meeting-minutes-confirmed")


async def test_a_guest_sees_the_meeting_and_only_what_consent_allows(open_session: Any) -> None:
    coordinator = await open_session()
    guardian = await open_session()
    guest = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in(GUARDIAN)
    title = fresh("Møte med sykehuset")
    meeting = await schedule(coordinator.page, coordinator.base, title)

    page = coordinator.page
    await summary(page, "Inviter en gjest").click()
    form = page.get_by_role("form", name="Inviter en gjest")
    await form.get_by_label("Søk etter ansatt").fill("Jonas")
    await form.get_by_label(GUEST).check()
    await form.get_by_label("Timer med tilgang etter møtet").fill("48")
    await form.get_by_role("button", name="Inviter gjesten").click()
    await expect(form.get_by_role("status")).to_contain_text("Gjesten er invitert.")
    invited = page.get_by_role("region", name="Hvem er invitert")
    await expect(invited.get_by_text(GUEST, exact=True)).to_be_visible()
    await coordinator.axe("meeting-guest-invited")

    # The guardian sees who is invited and objects.
    await guardian.page.goto(guardian.base + meeting)
    await summary(guardian.page, f"Protester mot at {GUEST} er med").click()
    objection = guardian.page.get_by_role("form", name=f"Protester mot at {GUEST} er med")
    await objection.get_by_label("Hvorfor").fill("Vi vil møte sykehuset først.")
    await objection.get_by_role("button", name="Send innvendingen").click()
    await expect(objection.get_by_role("status")).to_contain_text("Innvendingen er sendt")
    await page.reload()
    await expect(invited.get_by_text("Vi vil møte sykehuset først.")).to_be_visible()

    # The guest: the meeting from their own list, nothing of the child's workspace.
    await guest.sign_in(GUEST)
    await guest.page.get_by_role("link", name="Møter", exact=True).click()
    await guest.page.get_by_role("link", name=title).click()
    await expect(guest.page).to_have_url(MEETING_URL)
    await expect(guest.page.get_by_role("heading", level=1, name=title)).to_be_visible()
    await expect(guest.page.get_by_text("Du er gjest i dette møtet")).to_be_visible()
    await expect(guest.page.get_by_role("heading", level=2, name="Fra planen")).to_be_visible()
    await expect(guest.page.locator("#main a[href^='/children/']")).to_have_count(0)
    # Emma's plan has health and NAV parts; NAV has no consent from her family.
    plan = guest.page.get_by_role("region", name="Fra planen")
    body = await plan.inner_text()
    assert "epilepsi" not in body and "Foreldrene sover lite" not in body, body
    for part in await plan.locator("[data-guest-plan] > li").all():
        await expect(part).to_contain_text("Generelt")
    # Where the child lives is not the guest's to know; the agenda and minutes are there.
    await expect(guest.page.get_by_role("heading", level=2, name="Saksliste")).to_be_visible()
    await expect(guest.page.get_by_role("heading", level=2, name="Referat")).to_be_visible()
    await guest.axe("meeting-guest-view")
    child = await child_href(page.locator("#main"), CHILD)
    await guest.page.goto(guest.base + child)
    await expect(guest.page.get_by_text("Fant ikke siden eller barnet.")).to_be_visible()


async def test_the_calendar_address_is_shown_once_replaced_and_revoked(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await page.get_by_role("link", name="Møter", exact=True).click()
    calendar = page.get_by_role("region", name="Møtene i kalenderen din")
    await expect(calendar).to_be_visible()
    if await calendar.get_by_role("button", name="Slett adressen").is_visible():
        await calendar.get_by_role("button", name="Slett adressen").click()
        await expect(calendar.get_by_text("Adressen er slettet")).to_be_visible()
    await calendar.get_by_role("button", name="Lag kalenderadresse").click()
    address = calendar.get_by_label("Kalenderadressen din")
    await expect(address).to_have_value(re.compile(r"/calendar/[A-Za-z0-9_-]+\.ics$"))
    first = await address.input_value()
    await session.axe("calendar-created")
    await calendar.get_by_role("button", name="Lag ny adresse").click()
    await expect(address).not_to_have_value(first)
    await page.reload()
    # Shown once: after a reload only that there is one.
    await expect(calendar.get_by_label("Kalenderadressen din")).to_have_count(0)
    await expect(calendar.get_by_text("Du har en kalenderadresse")).to_be_visible()
    await calendar.get_by_role("button", name="Slett adressen").click()
    await expect(calendar.get_by_text("Du har ingen kalenderadresse.")).to_be_visible()


async def test_the_meeting_pages_in_each_language_and_on_a_phone(open_session: Any) -> None:
    unit = await open_session()
    await unit.sign_in(COORDINATOR)
    meeting = await schedule(unit.page, unit.base, fresh("Språkmøte"))
    await summary(unit.page, "Inviter en gjest").click()
    form = unit.page.get_by_role("form", name="Inviter en gjest")
    await form.get_by_label("Søk etter ansatt").fill("Jonas")
    await form.get_by_label(GUEST).check()
    await form.get_by_role("button", name="Inviter gjesten").click()
    await expect(form.get_by_role("status")).to_contain_text("Gjesten er invitert.")
    await unit.page.goto(unit.base + "/caseload")
    child = await child_href(unit.page, CHILD)
    for language in ("nb", "nn", "en"):
        for who, paths in [
            (
                COORDINATOR,
                [
                    "/meetings",
                    meeting,
                    meeting + "/edit",
                    child + "/meetings/new",
                    child,
                    "/caseload",
                ],
            ),
            (GUARDIAN, ["/family", meeting]),
            (GUEST, [meeting]),
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
                    await page.goto(session.base + path)
                    await expect(page.locator("#main h1")).to_be_visible()
                    name = {meeting: "meeting", meeting + "/edit": "meeting-edit"}.get(
                        path, path.strip("/").replace("/", "-")
                    )
                    if path == child:
                        name = "child-meetings"
                        await page.get_by_role(
                            "tab", name=re.compile("^(Møter|Møte|Meetings)$")
                        ).click()
                        await expect(page.locator("#child-upcoming-heading")).to_be_visible()
                    if path == meeting:
                        await expect(page.locator("#minutes-heading")).to_be_visible()
                    await expect(page.locator("#main .ds-spinner")).to_have_count(0)
                    await session.axe(f"meetings-{language}-{width}-{slug}-{name}")
                    if width == "phone":
                        await no_sideways_scroll(page, f"{language} {who} {path}")
            await page.get_by_label(LANGUAGE_LABEL[language]).select_option("nb")
            await expect(page.locator("html")).to_have_attribute("lang", "nb")
