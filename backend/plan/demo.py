"""Emma's plan in the demo, written through the plan's own service (every rule applies).

Emma is 7, with cerebral palsy and epilepsy. Her parents Sara and Ahmed say what matters to
them; the school, PPT, the fastlege, habilitering (HABU) and avlastning are in her network.
The plan began five months ago with evaluations every 13 weeks: everything has been
evaluated once except the physiotherapy, whose evaluation is overdue. Sara confirmed the plan
before the latest changes, so the current revision waits for the family's confirmation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.catalogue.models import LifeArea, MeasureProvision
from backend.core.actor import Actor
from backend.core.clock import today
from backend.identity.models import Person
from backend.network.models import NetworkMember, ServiceProvider
from backend.plan import service
from backend.plan.models import (
    EvaluationDecision,
    GoalVoice,
    MeasureStatus,
    Plan,
    PlanCategory,
    VoiceForm,
)
from backend.plan.types import (
    AddChildVoiceInput,
    AddGoalInput,
    AddMeasureInput,
    AddNeedInput,
    AddTaskInput,
    ConfirmPlanInput,
    CreatePlanInput,
    RecordDisagreementInput,
    RecordEvaluationInput,
)

EVERY_QUARTER = 13  # weeks


def _id(value: uuid.UUID) -> Any:
    """An id as the inputs take it."""
    return strawberry.ID(str(value))


def _days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


async def seed_plan(
    session: AsyncSession,
    *,
    child_id: uuid.UUID,
    coordinator: Person,
    mother: Person,
    father: Person,
    teacher: Person,
    habu: Person,
    services: dict[str, ServiceProvider],
    catalogue: dict[str, Any],
) -> None:
    kari = Actor.from_person(coordinator, auth_method="demo")
    sara = Actor.from_person(mother, auth_method="demo")
    ahmed = Actor.from_person(father, auth_method="demo")
    ingrid = Actor.from_person(teacher, auth_method="demo")
    rows = (
        await session.exec(
            select(NetworkMember).where(
                NetworkMember.child_id == child_id, col(NetworkMember.ended_at).is_(None)
            )
        )
    ).all()
    member = {m.person_id: m.id for m in rows}
    by_service = {m.service_id: m.id for m in rows if m.service_id is not None}
    start = _days(-150)

    written = await service.create_plan(
        session,
        kari,
        CreatePlanInput(
            child_id=_id(child_id),
            period_start=start,
            period_end=start + dt.timedelta(days=365),
            family_summary=(
                "Det viktigste for oss er at Emma er trygg, har venner og får være med på det "
                "klassen gjør. Vi vil slippe å fortelle det samme til alle på nytt, og vi "
                "trenger litt pusterom som familie."
            ),
            next_revision_on=_days(30),
        ),
    )
    plan_id = _id(written.plan_id)

    async def need(area: LifeArea, text: str, raised_by: str, category: PlanCategory) -> Any:
        found = await service.add_need(
            session,
            kari,
            AddNeedInput(
                plan_id=plan_id,
                life_area=area,
                description=text,
                raised_by=raised_by,
                category=category,
            ),
        )
        return _id(found.entity_id)

    seizures = await need(
        LifeArea.HEALTH,
        "Emma har epilepsi med anfall flere ganger i uka. Alle som er sammen med henne må "
        "vite hva de skal gjøre når hun får anfall.",
        "Sara og Ahmed, HABU",
        PlanCategory.HEALTH,
    )
    school = await need(
        LifeArea.SCHOOL,
        "Emma har cerebral parese, går med rullator og blir fort sliten. Hun trenger "
        "tilrettelegging for å delta sammen med klassen, også ute og på turer.",
        "Kontaktlærer",
        PlanCategory.SCHOOL,
    )
    respite = await need(
        LifeArea.HOME_AND_FAMILY,
        "Foreldrene sover lite på grunn av anfall om natta og trenger avlastning for å orke "
        "hverdagen og ha tid til lillebror.",
        "Sara og Ahmed",
        PlanCategory.NAV,
    )

    async def goal(text: str, needs: list[Any]) -> Any:
        found = await service.add_goal(
            session,
            kari,
            AddGoalInput(
                plan_id=plan_id,
                text=text,
                in_whose_words=GoalVoice.FAMILY,
                need_ids=needs,
                evaluation_every_weeks=EVERY_QUARTER,
            ),
        )
        return _id(found.entity_id)

    trips = await goal(
        "Emma skal være med på skoleturene sammen med klassen, ikke sitte igjen på skolen.",
        [school, seizures],
    )
    sleep = await goal("Vi vil sove en hel natt igjen og ha overskudd til begge barna.", [respite])

    async def measure(**fields: Any) -> Any:
        found = await service.add_measure(
            session,
            kari,
            AddMeasureInput(
                plan_id=plan_id,
                starts_on=start,
                status=MeasureStatus.ACTIVE,
                evaluation_every_weeks=EVERY_QUARTER,
                **fields,
            ),
        )
        return _id(found.entity_id)

    seizure_plan = await measure(
        title="Anfallsplan og opplæring av skole og avlastning",
        description="HABU lager en skriftlig anfallsplan og lærer opp ansatte på skolen og i "
        "avlastningen i hva de skal gjøre ved anfall, med akuttmedisin.",
        provision=MeasureProvision.SPECIALIST_HEALTH,
        service_id=_id(services["habu"].id),
        responsible_member_id=_id(member[habu.id]),
        frequency="Opplæring hvert halvår; planen oppdateres ved endringer",
        need_ids=[seizures],
        goal_ids=[trips],
    )
    school_day = await measure(
        title="Tilrettelagt skoledag med assistent",
        description="Assistent i klassen, hvilepauser og tilrettelagt uteområde; turer "
        "planlegges sammen med foreldrene.",
        provision=MeasureProvision.IN_HOUSE,
        service_id=_id(services["skole"].id),
        responsible_member_id=_id(member[teacher.id]),
        frequency="Hver skoledag",
        need_ids=[school],
        goal_ids=[trips],
    )
    bought = catalogue.get("privat_avlastning")
    respite_care = await measure(
        title="Avlastning hos privat leverandør, to helger i måneden",
        description="Kjøpt avlastning mens den kommunale avlastningsboligen er full.",
        provision=MeasureProvision.PRIVATE_PROVIDER,
        service_id=_id(services["avlastning"].id),
        responsible_member_id=_id(by_service[services["avlastning"].id]),
        frequency="To helger i måneden",
        monthly_cost=68_000,
        catalogue_measure_id=_id(bought.id) if bought is not None else None,
        need_ids=[respite],
        goal_ids=[sleep],
    )
    physio = catalogue.get("fysioterapi")
    physiotherapy = await measure(
        title="Fysioterapi for barn og unge",
        description="Trening av gange og balanse hjemme og på skolen; veiledning til "
        "foreldre og assistent.",
        provision=MeasureProvision.IN_HOUSE,
        service_id=_id(services["fastlege"].id),
        frequency="To ganger i uka",
        monthly_cost=4_500,
        catalogue_measure_id=_id(physio.id) if physio is not None else None,
        category=PlanCategory.HEALTH,
        need_ids=[school],
        goal_ids=[trips],
    )

    # Sara confirmed the plan as it stood then; what she confirmed stays readable.
    plan = await session.get(Plan, written.plan_id)
    assert plan is not None
    await service.confirm_plan(
        session, sara, ConfirmPlanInput(plan_id=plan_id, revision=plan.revision)
    )

    evaluated = start + dt.timedelta(weeks=EVERY_QUARTER, days=2)
    everyone = [
        _id(member[coordinator.id]),
        _id(member[mother.id]),
        _id(member[father.id]),
    ]
    targets: list[tuple[dict[str, Any], int, str, str | None]] = [
        (
            {"measure_id": seizure_plan},
            1,
            "Anfallsplanen er på plass, og skolen har hatt opplæring. Avlastningen mangler "
            "fortsatt opplæring.",
            "Vi er tryggere på skolen nå.",
        ),
        (
            {"measure_id": school_day},
            0,
            "Assistenten fungerer godt i klassen, men Emma er sliten etter lange dager.",
            "Emma sier hun liker assistenten.",
        ),
        (
            {"measure_id": respite_care},
            -1,
            "Avlastningen er i gang, men reisen er lang og Emma er urolig første natt.",
            "Vi ønsker avlastning nærmere hjemmet.",
        ),
        (
            {"goal_id": trips},
            1,
            "Emma var med på klassens tur til fjæra med rullestol og assistent.",
            "Hun har snakket om turen i flere uker.",
        ),
        (
            {"goal_id": sleep},
            -1,
            "Foreldrene sover fortsatt dårlig de fleste netter.",
            None,
        ),
    ]
    for target, score, observed, view in targets:
        await service.record_evaluation(
            session,
            kari,
            RecordEvaluationInput(
                evaluated_on=evaluated,
                score=score,
                observed=observed,
                family_view=view,
                decision=EvaluationDecision.CONTINUE if score >= 0 else EvaluationDecision.ADJUST,
                participant_member_ids=everyone,
                **target,
            ),
        )
    # The physiotherapy has not been evaluated: it is overdue since week 13.
    del physiotherapy

    for assignee, title, due in [
        (member[mother.id], "Søke om hjelpestønad og grunnstønad hos NAV", _days(14)),
        (member[coordinator.id], "Bestille tolk (arabisk) til neste ansvarsgruppemøte", _days(7)),
        (by_service[services["fastlege"].id], "Henvise til ny vurdering av ståstativ", _days(-10)),
    ]:
        await service.add_task(
            session,
            kari,
            AddTaskInput(
                plan_id=plan_id, title=title, assignee_member_id=_id(assignee), due_on=due
            ),
        )

    await service.add_child_voice(
        session,
        ingrid,
        AddChildVoiceInput(
            plan_id=plan_id,
            text="Jeg vil være med på turen til fjellet. Jeg kan sitte i vogna når jeg blir "
            "sliten.",
            form=VoiceForm.TOLD,
            recorded_how="Fortalt til kontaktlæreren i en samtale",
            goal_id=trips,
        ),
    )
    await service.add_child_voice(
        session,
        sara,
        AddChildVoiceInput(
            plan_id=plan_id,
            text="Tegning av familien på stranda. Emma forteller: «Det er lillebror som bygger "
            "sandslott, og jeg passer på.»",
            form=VoiceForm.DRAWN,
            recorded_how="Tegnet hjemme, Emma fortalte til mamma hva tegningen viser",
        ),
    )
    await service.record_disagreement(
        session,
        ahmed,
        RecordDisagreementInput(
            plan_id=plan_id,
            text="Vi er uenige i at avlastningen skal være hos en privat leverandør så langt "
            "hjemmefra. Vi ønsker avlastningsboligen i Fjordvik.",
            measure_id=respite_care,
        ),
    )
