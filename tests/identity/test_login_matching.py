"""Which person a login reaches: only verified staff for staff logins, only citizens for
ID-porten. A person someone added to a network by name and e-mail is nobody's login."""

from __future__ import annotations

import uuid

from sqlmodel import select

from backend.identity.login_models import UserSession
from backend.identity.models import Person
from tests.conftest import Api, World
from tests.helpers import add_member, register_child
from tests.identity.conftest import DAG_HPR, PIA_FNR, TINA_EMAIL, Browser, LoginApp


async def session_people(login_app: LoginApp) -> list[uuid.UUID]:
    async with login_app.db.reading() as session:
        return [row.person_id for row in (await session.exec(select(UserSession))).all()]


async def added_with_tinas_email(api: Api, world: World) -> uuid.UUID:
    """What any coordinator can do: add a new staff member to a child's network, giving
    them the e-mail address of a colleague who signs in with the kommune's IdP."""
    child = await register_child(api, world.coordinator)
    member = await add_member(
        api,
        world.coordinator,
        child["id"],
        role="MEMBER",
        newPerson={"name": "Tina Lærer", "email": TINA_EMAIL.upper()},
    )
    assert member["person"]["kind"] == "STAFF"
    person_id = uuid.UUID(member["person"]["id"])
    assert person_id != world.teacher.id
    async with api.aut.db.reading() as session:
        row = await session.get(Person, person_id)
    assert row is not None and row.email is not None
    assert row.email.lower() == TINA_EMAIL
    assert row.employer_service_id is None
    return person_id


async def test_a_person_added_with_a_colleagues_email_does_not_block_their_login(
    api: Api, browser: Browser, login_app: LoginApp, people: World
) -> None:
    await added_with_tinas_email(api, people)
    response = await browser.login("kommune", "tina")
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Tina Lærer"}
    assert await session_people(login_app) == [people.teacher.id]


async def test_a_person_added_with_an_email_cannot_be_logged_into(
    api: Api, browser: Browser, login_app: LoginApp, people: World
) -> None:
    await added_with_tinas_email(api, people)
    # The real Tina no longer has that address: the only row carrying it is the added one.
    async with login_app.db.writing() as session:
        teacher = await session.get(Person, people.teacher.id)
        assert teacher is not None
        teacher.email = "tina.ny@testvik.kommune.no"
        session.add(teacher)
    response = await browser.login("kommune", "tina")
    assert response.status_code == 403
    assert "Du har ikke tilgang til Koordinat" in response.text
    assert "koordinat_sid" not in response.headers.get("set-cookie", "")
    assert await session_people(login_app) == []
    assert await browser.me() is None


async def test_helseid_reaches_only_staff_with_an_employer(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    async with login_app.db.writing() as session:
        doctor = await session.get(Person, people.doctor.id)
        assert doctor is not None
        doctor.employer_service_id = None
        session.add(doctor)
    response = await browser.login("helseid", "dag")
    assert response.status_code == 403
    assert await session_people(login_app) == []

    async with login_app.db.writing() as session:
        doctor = await session.get(Person, people.doctor.id)
        assert doctor is not None and doctor.hpr_number == DAG_HPR
        doctor.employer_service_id = people.hospital.id
        session.add(doctor)
    response = await browser.login("helseid", "dag")
    assert response.status_code == 303, response.text
    assert await session_people(login_app) == [people.doctor.id]


async def test_idporten_never_reaches_a_staff_row(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    # The national id moves from the parent to a staff member.
    async with login_app.db.writing() as session:
        parent = await session.get(Person, people.parent.id)
        assert parent is not None
        parent.national_id = None
        session.add(parent)
        await session.flush()
        teacher = await session.get(Person, people.teacher.id)
        assert teacher is not None
        teacher.national_id = PIA_FNR
        session.add(teacher)
    response = await browser.login("idporten", "pia")
    assert response.status_code == 403
    assert "koordinat_sid" not in response.headers.get("set-cookie", "")
    assert await session_people(login_app) == []
