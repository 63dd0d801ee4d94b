"""The child's plan in the browser: the coordinator's workspace, the family's page and the
caseload, two people at once, live, with axe on every page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Locator, Page, expect

from tests.e2e.test_roles_and_live import PHONE, child_href
from tests.e2e.test_web_app import CHILD, COORDINATOR, GUARDIAN

OSLO = ZoneInfo("Europe/Oslo")


def days_ago(days: int) -> str:
    return (dt.datetime.now(OSLO).date() - dt.timedelta(days=days)).isoformat()


def summary(page: Page, text: str) -> Locator:
    """The disclosure that opens one of the plan's forms."""
    return page.locator("summary", has_text=text)


async def open_plan(page: Page, base: str, href: str) -> None:
    """The child's plan tab; the plan is created (from half a year ago) if there is none."""
    await page.goto(base + href)
    await page.get_by_role("tab", name="Plan").click()
    await expect(page.get_by_role("heading", level=2, name="Individuell plan")).to_be_visible()
    create = page.get_by_role("form", name="Lag planen")
    overview = page.get_by_role("region", name="Om planen")
    await expect(create.or_(overview)).to_be_visible()
    if await create.is_visible():
        await create.get_by_label("Planen gjelder fra").fill(days_ago(180))
        await create.get_by_label("Det som er viktig for oss").fill("At Emma trives på skolen.")
        await create.get_by_role("button", name="Lag planen").click()
    await expect(overview).to_be_visible()
    # The page re-reads the plan while the child's history replays; let that settle first.
    await page.wait_for_load_state("networkidle")


async def add_need(page: Page, description: str) -> str:
    """Adds a school need; answers the label of its checkbox in the other forms."""
    await summary(page, "Nytt behov").click()
    form = page.get_by_role("form", name="Nytt behov")
    await form.get_by_label("Livsområde").select_option(label="Barnehage og skole")
    await form.get_by_label("Hva barnet og familien trenger hjelp til").fill(description)
    await form.get_by_role("button", name="Legg til behov").click()
    await expect(form.get_by_role("status")).to_contain_text("Behovet er lagt til.")
    return f"Barnehage og skole: {description}"


async def test_a_measure_reaches_the_family_live_and_their_confirmation_the_coordinator(
    open_session: Any,
) -> None:
    coordinator = await open_session()
    guardian = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await guardian.sign_in(GUARDIAN)
    href = await child_href(coordinator.page, CHILD)
    await open_plan(coordinator.page, coordinator.base, href)
    need = await add_need(coordinator.page, "Hjelp med lekser")

    # The guardian's own page, open before the change and never reloaded.
    family = guardian.page.get_by_role("region", name=f"Planen for {CHILD}", exact=True)
    await expect(family.get_by_role("heading", name="Det som er viktig for oss")).to_be_visible()
    await expect(family.get_by_text("Hjelp med lekser")).to_be_visible()

    page = coordinator.page
    await summary(page, "Nytt tiltak").click()
    form = page.get_by_role("form", name="Nytt tiltak")
    await form.get_by_label("Hva tiltaket er").fill("Leksehjelp på biblioteket")
    await form.get_by_label(need).check()
    responsible = form.get_by_label("Ansvarlig")
    ingrid = await responsible.locator("option", has_text="Ingrid Solberg").get_attribute("value")
    await responsible.select_option(value=ingrid)
    await form.get_by_label("Hvor ofte", exact=True).fill("Hver onsdag etter skolen")
    await form.get_by_label("Starter").fill(days_ago(7))
    await form.get_by_role("button", name="Legg til tiltak").click()
    await expect(form.get_by_role("status")).to_contain_text("Tiltaket er lagt til.")
    await coordinator.axe("plan-coordinator")

    # In plain words on the family's page: what, who, how often, from when.
    measure = family.get_by_role("article", name="Leksehjelp på biblioteket")
    await expect(measure).to_be_visible()
    await expect(measure).to_contain_text("Hver onsdag etter skolen")
    await expect(measure).to_contain_text("Ingrid Solberg")
    await expect(measure).to_contain_text("Ikke begynt ennå")
    assert "PLANNED" not in await family.inner_text()
    await guardian.axe("plan-family")

    # The guardian confirms this revision: the coordinator's open plan shows it.
    await family.get_by_role("button", name="Vi bekrefter planen").click()
    await expect(family.get_by_role("status").filter(has_text="Takk!")).to_be_visible()
    overview = page.get_by_role("region", name="Om planen")
    await expect(overview.get_by_text(f"Bekreftet av {GUARDIAN}")).to_be_visible()
    await expect(overview.get_by_text("Bekreftet", exact=True)).to_be_visible()
    await coordinator.axe("plan-coordinator-confirmed")


async def test_a_measure_with_no_reason_gets_the_servers_words(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    href = await child_href(session.page, CHILD)
    await open_plan(session.page, session.base, href)
    page = session.page
    await summary(page, "Nytt tiltak").click()
    form = page.get_by_role("form", name="Nytt tiltak")
    await form.get_by_label("Hva tiltaket er").fill("Svømming")
    await form.get_by_role("button", name="Legg til tiltak").click()
    # The form sends it; the server refuses it and says why, next to the choice of needs.
    refused = "Tiltaket må vise til minst ett behov eller mål det skal hjelpe på."
    needs = form.get_by_role("group", name="Behov tiltaket svarer på")
    await expect(needs.get_by_text(refused)).to_be_visible()
    await expect(form.get_by_role("link", name=refused)).to_be_visible()
    await session.axe("plan-measure-refused")
    await expect(page.get_by_role("article", name="Svømming")).to_have_count(0)

    # In English the same refusal is in English.
    await page.get_by_label("Språk").select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    form = page.get_by_role("form", name="New measure")
    await form.get_by_role("button", name="Add measure").click()
    needs = form.get_by_role("group", name="Needs the measure answers")
    refused_en = "A measure must name at least one need or goal it serves."
    await expect(needs.get_by_text(refused_en)).to_be_visible()
    await page.get_by_label("Language").select_option("nb")
    await expect(page.locator("html")).to_have_attribute("lang", "nb")


async def test_what_is_overdue_stands_out_and_the_chart_has_its_table(open_session: Any) -> None:
    session = await open_session()
    await session.sign_in(COORDINATOR)
    page = session.page

    # The caseload says it in words, per child: the demo's physiotherapy is overdue.
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CHILD)).first
    overdue = row.get_by_role("list", name="Oppfølging av planen")
    await expect(
        overdue.get_by_text(re.compile(r"^\d+ evaluering(er)? på overtid$"))
    ).to_be_visible()
    await expect(overdue.get_by_text(re.compile(r"^\d+ oppgaver? på overtid$"))).to_be_visible()
    await session.axe("caseload-plan-badges")

    await open_plan(page, session.base, await child_href(page, CHILD))
    physio = page.locator(".k-plan-card").filter(
        has=page.get_by_role("heading", name="Fysioterapi for barn og unge")
    )
    await expect(physio.get_by_text("Evalueringen er på overtid")).to_be_visible()
    late = page.get_by_role("row").filter(has_text="Henvise til ny vurdering av ståstativ")
    await expect(late.get_by_text("På overtid")).to_be_visible()

    # The goal's scores: a chart, and the same figures as a table for screen readers.
    trips = "Emma skal være med på skoleturene"
    goal = page.locator(".k-plan-card").filter(
        has=page.get_by_role("heading", name=re.compile(trips))
    )
    chart = goal.get_by_role("img", name=re.compile(f"^Måloppnåelse for «{trips}"))
    await expect(chart).to_be_visible()
    table = goal.get_by_role("table", name=re.compile(f"^Måloppnåelse for «{trips}"))
    rows = table.get_by_role("row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text("Noe bedre enn forventet")

    await goal.locator("summary", has_text="Registrer evaluering").click()
    evaluation = goal.get_by_role("form", name=re.compile("^Ny evaluering"))
    await evaluation.get_by_label("Dato for evalueringen").fill(days_ago(1))
    await evaluation.get_by_label("Måloppnåelse").select_option("2")
    await evaluation.get_by_label("Hva vi har sett").fill("Emma var med på hele fjellturen.")
    await evaluation.get_by_role("button", name="Lagre evalueringen").click()
    await expect(evaluation.get_by_role("status")).to_contain_text("Evalueringen er registrert.")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(2)).to_contain_text("Mye bedre enn forventet")
    await expect(chart).to_have_accessible_name(re.compile(r"sist \+2 \(Mye bedre enn forventet\)"))

    toggle = goal.get_by_role("button", name="Vis som tabell")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    await expect(table).to_be_visible()
    await expect(goal.get_by_role("button", name="Skjul tabellen")).to_have_attribute(
        "aria-expanded", "true"
    )
    await session.axe("plan-chart-table")


async def test_the_family_plan_on_a_phone(open_session: Any) -> None:
    coordinator = await open_session()
    await coordinator.sign_in(COORDINATOR)
    await open_plan(coordinator.page, coordinator.base, await child_href(coordinator.page, CHILD))
    session = await open_session()
    await session.sign_in(GUARDIAN)
    page = session.page
    await page.set_viewport_size(PHONE)
    family = page.get_by_role("region", name=f"Planen for {CHILD}", exact=True)
    await expect(family.get_by_role("heading", name="Målene")).to_be_visible()
    await session.axe("plan-family-phone")
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow

    # The child's voice, told to someone, with the child's age on the entry.
    await family.locator("summary", has_text="Skriv inn hva barnet sier").click()
    voice = family.get_by_role("form", name="Skriv inn hva barnet sier")
    await voice.get_by_label("Barnet fortalte det til noen").check()
    await voice.get_by_label("Hva barnet sa eller skrev").fill("Jeg liker best å tegne.")
    await voice.get_by_label("Hvordan det ble skrevet ned").fill("Fortalt til mor ved middagen")
    await voice.get_by_role("button", name="Lagre").click()
    await expect(voice.get_by_role("status")).to_contain_text("Det er lagret.")
    entry = family.get_by_role("listitem").filter(has_text="Jeg liker best å tegne.")
    await expect(entry).to_contain_text(re.compile(r"\d+ år gammel"))

    # A disagreement with the plan, in the family's words.
    await family.locator("summary", has_text="Si fra om at vi er uenige").click()
    disagree = family.get_by_role("form", name="Si fra om at vi er uenige")
    await disagree.get_by_label("Hva er dere uenige i, og hvorfor").fill("Vi vil ha færre møter.")
    await disagree.get_by_role("button", name="Send").click()
    await expect(disagree.get_by_role("status")).to_contain_text("har fått beskjed")
    await expect(
        family.get_by_role("listitem").filter(has_text="Vi vil ha færre møter.")
    ).to_contain_text("Venter på svar")
    await session.axe("plan-family-phone-after")
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow


async def test_a_stale_edit_is_refused_and_the_newest_shown(open_session: Any) -> None:
    first = await open_session()
    second = await open_session()
    await first.sign_in(COORDINATOR)
    await second.sign_in(COORDINATOR)
    href = await child_href(first.page, CHILD)
    await open_plan(first.page, first.base, href)
    await open_plan(second.page, second.base, href)

    # Both start editing the same revision; the second saves first.
    for session in (first, second):
        await session.page.get_by_role("button", name="Endre planen").click()
    newer = second.page.get_by_role("form", name="Endre planen")
    await newer.get_by_label("Det som er viktig for oss").fill("At Emma sover godt om natta.")
    await newer.get_by_role("button", name="Lagre").click()
    await expect(newer).to_have_count(0)

    stale = first.page.get_by_role("form", name="Endre planen")
    await stale.get_by_label("Det som er viktig for oss").fill("At Emma har venner.")
    await stale.get_by_role("button", name="Lagre").click()
    await expect(first.page.get_by_role("alert")).to_contain_text(
        "Noen andre endret dette mens du skrev."
    )
    overview = first.page.get_by_role("region", name="Om planen")
    await expect(overview.get_by_text("At Emma sover godt om natta.")).to_be_visible()
    assert "At Emma har venner." not in await overview.inner_text()
    await first.axe("plan-conflict")


async def test_a_disagreement_raised_to_the_leader_is_answered_by_the_leader(
    open_session: Any,
) -> None:
    """The family records a disagreement and raises it; the leader of the coordinating unit
    (the demo's Ola Haugen) reads it on the kommune page, without the rest of the plan, and
    answers; the family sees the answer."""
    words = f"Vi vil ha tilbake fysioterapien ({uuid.uuid4().hex[:6]})."
    family_session = await open_session()
    await family_session.sign_in(GUARDIAN)
    family = family_session.page.get_by_role("region", name=f"Planen for {CHILD}", exact=True)
    await family.locator("summary", has_text="Si fra om at vi er uenige").click()
    disagree = family.get_by_role("form", name="Si fra om at vi er uenige")
    await disagree.get_by_label("Hva er dere uenige i, og hvorfor").fill(words)
    await disagree.get_by_role("button", name="Send").click()
    await expect(disagree.get_by_role("status")).to_contain_text("har fått beskjed")
    entry = family.get_by_role("listitem").filter(has_text=words)
    await entry.get_by_role("button", name="Be om at lederen i kommunen ser på saken").click()
    await expect(entry).to_contain_text("Sendt videre til lederen i kommunen")

    leader = await open_session()
    await leader.sign_in("Ola Haugen")
    await leader.page.goto(leader.base + "/admin")
    raised = leader.page.get_by_role("region", name="Uenigheter tatt videre til deg")
    item = raised.get_by_role("listitem").filter(has_text=words)
    await expect(item).to_contain_text("Gjelder hele planen")
    await expect(item).to_contain_text("Venter på deg")
    await leader.axe("plan-leader-raised")
    await item.get_by_role("textbox", name="Svar").fill(
        "Vi setter opp et møte med fysioterapeuten."
    )
    await item.get_by_role("button", name="Send svar").click()
    answered = raised.get_by_role("listitem").filter(has_text=words)
    await expect(answered).to_contain_text("Vi setter opp et møte med fysioterapeuten.")

    await family_session.page.reload()
    entry = (
        family_session.page.get_by_role("region", name=f"Planen for {CHILD}", exact=True)
        .get_by_role("listitem")
        .filter(has_text=words)
    )
    await expect(entry).to_contain_text("Vi setter opp et møte med fysioterapeuten.")
