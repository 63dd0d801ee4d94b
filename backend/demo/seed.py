"""Realistic demo data for the embedded default, written through the real services.

All national identity numbers here are synthetic (month + 80), the form the population
register uses for test data, so no real person can be hit.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from stdnum.no import fodselsnummer, orgnr

from backend.catalogue.demo import seed_catalogue
from backend.children import service as children
from backend.children.models import AddressProtection, Child
from backend.children.types import GuardianInput, RegisterChildInput
from backend.consent import service as consents
from backend.consent.models import InformationCategory
from backend.consent.types import RecordConsentInput
from backend.core.clock import today
from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.meeting.demo import seed_meetings
from backend.network import service as network
from backend.network.models import (
    Municipality,
    NetworkMember,
    NetworkRole,
    ServiceProvider,
    ServiceType,
)
from backend.network.types import AddNetworkMemberInput
from backend.pathway.demo import seed_pathway
from backend.plan.demo import seed_plan
from backend.right.demo import seed_right


def synthetic_national_id(birth: dt.date, serial: int) -> str:
    """A synthetic fødselsnummer for `birth`; serial picks among valid individual numbers."""
    found = 0
    for individual in range(500, 1000):
        base = f"{birth.day:02d}{birth.month + 80:02d}{birth.year % 100:02d}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        if k1 == "10":
            continue
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if k2 == "10":
            continue
        if found == serial:
            return base + k1 + k2
        found += 1
    raise ValueError("no synthetic number left for that date")


def demo_org_number(seed: int) -> str:
    """A checksum-valid organisation number from the 99xxxxxx range used for demos."""
    base = 99000000 + seed * 7
    while True:
        for check in range(10):
            candidate = f"{base:08d}{check}"
            if orgnr.is_valid(candidate):
                return candidate
        base += 1


# What a family typically agrees to share: each service sees its own field, and the
# coordinator everything but barnevern (which needs a consent of its own).
_SERVICE_CONSENT = {
    "skole": [InformationCategory.SCHOOL],
    "barnehage": [InformationCategory.SCHOOL],
    "ppt": [InformationCategory.SCHOOL, InformationCategory.HEALTH],
    "helsestasjon": [InformationCategory.HEALTH],
    "fastlege": [InformationCategory.HEALTH],
    "habu": [InformationCategory.HEALTH, InformationCategory.SCHOOL],
    "nav": [InformationCategory.WELFARE, InformationCategory.FAMILY],
    "avlastning": [InformationCategory.WELFARE],
    "barnevern": [InformationCategory.BARNEVERN, InformationCategory.FAMILY],
}


async def _family_consents(
    session: AsyncSession,
    child_id: uuid.UUID,
    services: dict[str, ServiceProvider],
    members: list[tuple[Person, NetworkRole, str, str]],
) -> None:
    """The first guardian with parental responsibility consents, through the real service."""
    guardian_row = (
        await session.exec(
            select(NetworkMember).where(
                NetworkMember.child_id == child_id,
                NetworkMember.role == NetworkRole.GUARDIAN.value,
                NetworkMember.has_parental_responsibility == True,  # noqa: E712
            )
        )
    ).first()
    assert guardian_row is not None
    person = await session.get(Person, guardian_row.person_id)
    assert person is not None
    guardian = Actor.from_person(person, auth_method="demo")
    child = await session.get(Child, child_id)
    assert child is not None
    young_adult = child.birth_date is not None and child.birth_date <= _years_ago(16)
    grants = [
        ("unit", category)
        for category in (
            InformationCategory.HEALTH,
            InformationCategory.SCHOOL,
            InformationCategory.WELFARE,
            InformationCategory.FAMILY,
        )
    ] + [(key, c) for _, _, key, _ in members for c in _SERVICE_CONSENT.get(key, [])]
    for key, category in dict.fromkeys(grants):
        if young_adult and category is InformationCategory.HEALTH:
            continue  # from 16 the young person decides on health information
        await consents.record_consent(
            session,
            guardian,
            RecordConsentInput(
                child_id=str(child_id),  # type: ignore[arg-type]
                category=category,
                service_id=str(services[key].id),  # type: ignore[arg-type]
            ),
        )


def _years_ago(years: int, days: int = 0) -> dt.date:
    now = today()
    return now.replace(year=now.year - years) - dt.timedelta(days=days)


async def seed_demo(db: Database, settings: Settings) -> bool:
    """Fill an empty database with a kommune, services, people and children. False if not empty."""
    async with db.writing() as session:
        if (await session.exec(select(func.count()).select_from(Municipality))).one():
            return False
        kommune = Municipality(
            name="Fjordvik kommune", number="4699", org_number=demo_org_number(1)
        )
        session.add(kommune)
        services: dict[str, ServiceProvider] = {}
        for n, (key, name, kind, local) in enumerate(
            [
                ("unit", "Koordinerende enhet, Fjordvik", ServiceType.COORDINATING_UNIT, True),
                ("helsestasjon", "Fjordvik helsestasjon", ServiceType.HELSESTASJON, True),
                ("skole", "Fjordvik skole", ServiceType.SKOLE, True),
                ("barnehage", "Solsikken barnehage", ServiceType.BARNEHAGE, True),
                ("ppt", "PPT Fjordvik og omegn", ServiceType.PPT, True),
                ("barnevern", "Barnevernstjenesten i Fjordvik", ServiceType.BARNEVERN, True),
                ("nav", "NAV Fjordvik", ServiceType.NAV, True),
                ("fastlege", "Fjordvik legesenter", ServiceType.FASTLEGE, True),
                ("avlastning", "Bryggen avlastningsbolig", ServiceType.AVLASTNING, True),
                ("habu", "Habiliteringstjenesten for barn (HABU)", ServiceType.HABILITERING, False),
                ("bup", "BUP Vestkysten", ServiceType.BUP, False),
            ],
            start=2,
        ):
            provider = ServiceProvider(
                name=name,
                type=kind.value,
                org_number=demo_org_number(n),
                municipality_id=kommune.id if local else None,
            )
            session.add(provider)
            services[key] = provider
        await session.flush()

        def staff(name: str, service: str, email: str) -> Person:
            person = Person(
                name=name,
                kind=PersonKind.STAFF.value,
                email=email,
                employer_service_id=services[service].id,
                municipality_id=kommune.id if services[service].municipality_id else None,
            )
            session.add(person)
            return person

        kari = staff("Kari Nordmann", "unit", "kari.nordmann@fjordvik.example")
        ola = staff("Ola Haugen", "unit", "ola.haugen@fjordvik.example")
        # Ola leads the coordinating unit (enhetsleder): raised disagreements come to him.
        ola.leads_service = True
        teacher = staff("Ingrid Solberg", "skole", "ingrid.solberg@fjordvik.example")
        ppt = staff("Per Lien", "ppt", "per.lien@fjordvik.example")
        nurse = staff("Aisha Rahman", "helsestasjon", "aisha.rahman@fjordvik.example")
        gp = staff("Dr. Erik Berg", "fastlege", "erik.berg@fjordvik.example")
        bv = staff("Sofie Dahl", "barnevern", "sofie.dahl@fjordvik.example")
        nav = staff("Jonas Moe", "nav", "jonas.moe@fjordvik.example")
        habu = staff("Dr. Mette Holm", "habu", "mette.holm@habu.example")
        kindergarten = staff("Lise Strand", "barnehage", "lise.strand@fjordvik.example")
        respite = staff("Hanne Vik", "avlastning", "hanne.vik@fjordvik.example")
        await session.flush()
        kari_actor = Actor.from_person(kari, auth_method="demo")
        ola_actor = Actor.from_person(ola, auth_method="demo")

        def guardian(
            name: str, birth: dt.date, serial: int, responsible: bool = True, language: str = "nb"
        ) -> GuardianInput:
            return GuardianInput(
                has_parental_responsibility=responsible,
                name=name,
                national_id=synthetic_national_id(birth, serial),
                email=name.lower().replace(" ", ".") + "@example.no",
                preferred_language=language,
            )

        plans: list[
            tuple[Actor, RegisterChildInput, list[tuple[Person, NetworkRole, str, str]]]
        ] = [
            (
                kari_actor,
                # Emma, 7, has cerebral palsy and epilepsy; her father reads Arabic, and the
                # family needs an interpreter in meetings. Her plan: backend/plan/demo.py.
                RegisterChildInput(
                    given_name="Emma",
                    family_name="Johansen",
                    national_id=synthetic_national_id(_years_ago(7, 40), 0),
                    birth_date=_years_ago(7, 40),
                    interpreter_language="ar",
                    guardians=[
                        guardian("Sara Johansen", _years_ago(36), 1),
                        guardian("Ahmed Haddad", _years_ago(39), 2, language="ar"),
                    ],
                ),
                [
                    (
                        teacher,
                        NetworkRole.MEMBER,
                        "skole",
                        "Kontaktlærer; tilrettelegging i klassen",
                    ),
                    (ppt, NetworkRole.MEMBER, "ppt", "Sakkyndig vurdering av spesialundervisning"),
                    (habu, NetworkRole.SPECIALIST, "habu", "Oppfølging av epilepsi og motorikk"),
                    (gp, NetworkRole.MEMBER, "fastlege", "Medisiner og henvisninger"),
                    (respite, NetworkRole.MEMBER, "avlastning", "Avlastning to helger i måneden"),
                ],
            ),
            (
                kari_actor,
                RegisterChildInput(
                    given_name="Yusuf",
                    family_name="Ali",
                    national_id=synthetic_national_id(_years_ago(4, 100), 0),
                    birth_date=_years_ago(4, 100),
                    preferred_language="so",
                    interpreter_language="so",
                    guardians=[guardian("Hodan Ali", _years_ago(31), 3, language="so")],
                ),
                [
                    (
                        kindergarten,
                        NetworkRole.MEMBER,
                        "barnehage",
                        "Språkstimulering i barnehagen",
                    ),
                    (nurse, NetworkRole.MEMBER, "helsestasjon", "Vekst og utvikling"),
                    (nav, NetworkRole.MEMBER, "nav", "Hjelpestønad og grunnstønad"),
                ],
            ),
            (
                kari_actor,
                RegisterChildInput(
                    family_name="Larsen",
                    expected_date=today() + dt.timedelta(days=70),
                    guardians=[guardian("Nora Larsen", _years_ago(29), 4)],
                ),
                [(nurse, NetworkRole.MEMBER, "helsestasjon", "Svangerskaps- og barselomsorg")],
            ),
            (
                kari_actor,
                RegisterChildInput(
                    given_name="Noah",
                    family_name="Kristiansen",
                    national_id=synthetic_national_id(_years_ago(12, 10), 0),
                    birth_date=_years_ago(12, 10),
                    address_protection=AddressProtection.STRICTLY_CONFIDENTIAL,
                    guardians=[
                        guardian("Camilla Kristiansen", _years_ago(41), 5),
                        guardian("Robert Kristiansen", _years_ago(43), 6, responsible=False),
                    ],
                ),
                [
                    (bv, NetworkRole.MEMBER, "barnevern", "Tiltaksplan og hjelpetiltak i hjemmet"),
                    (teacher, NetworkRole.MEMBER, "skole", "Skolehverdag og fravær"),
                ],
            ),
            (
                ola_actor,
                RegisterChildInput(
                    given_name="Sara",
                    family_name="Nilsen",
                    national_id=synthetic_national_id(_years_ago(16, 60), 0),
                    birth_date=_years_ago(16, 60),
                    guardians=[guardian("Hilde Nilsen", _years_ago(45), 7)],
                ),
                [
                    (teacher, NetworkRole.MEMBER, "skole", "Tilrettelagt eksamen"),
                    (gp, NetworkRole.MEMBER, "fastlege", "Oppfølging av diabetes"),
                ],
            ),
            (
                ola_actor,
                RegisterChildInput(
                    given_name="Lukas",
                    family_name="Pedersen",
                    national_id=synthetic_national_id(_years_ago(7, 200), 0),
                    birth_date=_years_ago(7, 200),
                    guardians=[
                        guardian("Anne Pedersen", _years_ago(35), 8),
                        guardian("Magnus Pedersen", _years_ago(36), 9),
                    ],
                ),
                [
                    (ppt, NetworkRole.MEMBER, "ppt", "Utredning av lese- og skrivevansker"),
                    (habu, NetworkRole.SPECIALIST, "habu", "Autismeutredning"),
                ],
            ),
        ]
        registered: dict[str, Child] = {}
        for coordinator, registration, members in plans:
            child = await children.register_child(session, coordinator, settings, registration)
            registered[registration.given_name or registration.family_name] = child
            for person, role, service_key, responsibilities in members:
                # Barnevern adds its own membership (nobody else may): Sofie Dahl adds herself.
                adder = Actor.from_person(bv, auth_method="demo") if person is bv else coordinator
                await network.add_member(
                    session,
                    adder,
                    settings,
                    AddNetworkMemberInput(
                        child_id=str(child.id),  # type: ignore[arg-type]
                        role=role,
                        person_id=str(person.id),  # type: ignore[arg-type]
                        service_id=str(services[service_key].id),  # type: ignore[arg-type]
                        responsibilities=responsibilities,
                    ),
                )
            await _family_consents(session, child.id, services, members)
        catalogue = await seed_catalogue(session, kommune)
        emma = registered["Emma"]
        parents = {
            p.name: p
            for p in (
                await session.exec(
                    select(Person)
                    .join(NetworkMember, col(NetworkMember.person_id) == col(Person.id))
                    .where(NetworkMember.child_id == emma.id)
                )
            ).all()
        }
        await seed_plan(
            session,
            child_id=emma.id,
            coordinator=kari,
            mother=parents["Sara Johansen"],
            father=parents["Ahmed Haddad"],
            teacher=teacher,
            habu=habu,
            services=services,
            catalogue=catalogue,
        )
        # Requests for a barnekoordinator: Emma's (granted) and the Berg family's appeal.
        await seed_right(
            session,
            settings,
            kommune=kommune,
            unit_staff=ola,
            coordinator=kari,
            emma_id=emma.id,
            mother=parents["Sara Johansen"],
        )
        # Emma's pathway (started by her granted request), a transition and a signal.
        await seed_pathway(session, child_id=emma.id, coordinator=kari, recorder=habu)
        # Emma's meetings: one held (minutes, tasks), one ahead with a hospital guest.
        await seed_meetings(
            session,
            child_id=emma.id,
            coordinator=kari,
            mother=parents["Sara Johansen"],
            father=parents["Ahmed Haddad"],
            teacher=teacher,
            habu=habu,
            hospital_org_number=demo_org_number(14),
        )
        await session.flush()
        count = (await session.exec(select(func.count()).select_from(Child))).one()
        assert count == len(plans)
    return True
