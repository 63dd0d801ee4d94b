"""A kommune's default template: read by its staff, edited by its coordinating unit with the
version rule; a bad template is refused with typed errors and nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.core.clock import today
from tests.conftest import Api, World
from tests.pathway.support import TEMPLATES, call, codes, grant, ok, pathway_rows, read_child
from tests.plan.support import family

DEFAULT = [
    ("decision", "REQUEST_SUBMITTED", 21, None, "DECISION"),
    ("first_network_meeting", "DECISION_GRANTED", 14, None, "NETWORK_MEETING"),
    ("first_plan", "DECISION_GRANTED", 42, None, "PLAN_CREATED"),
    ("plan_evaluation", "PREVIOUS_MET", 182, 182, "PLAN_EVALUATED"),
]


def milestone(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "title": fields.pop("title", f"Milepæl {key}"),
        "anchor": fields.pop("anchor", "DECISION_GRANTED"),
        "targetDays": fields.pop("targetDays", 10),
        "trigger": fields.pop("trigger", "MANUAL"),
        **fields,
    }


async def templates(api: Api, as_: Any) -> list[dict[str, Any]]:
    return list((await api.gql(TEMPLATES, as_=as_))["pathwayTemplates"])


async def test_the_default_template_and_who_reads_it(api: Api, world: World) -> None:
    (template,) = await templates(api, world.coordinator2)
    assert template["version"] == 1
    assert [
        (m["key"], m["anchor"], m["targetDays"], m["repeatEveryDays"], m["trigger"])
        for m in template["milestones"]
    ] == DEFAULT
    # The kommune's staff read it; a citizen has no kommune's templates.
    assert await templates(api, world.teacher) == [template]
    assert await templates(api, world.parent) == []
    # The hospital is no service of the kommune.
    assert await templates(api, world.doctor) == []


async def test_the_coordinating_unit_edits_the_template(api: Api, world: World) -> None:
    (template,) = await templates(api, world.coordinator2)
    wanted = [milestone("decision", anchor="REQUEST_SUBMITTED", targetDays=14, trigger="DECISION")]
    refused = await call(
        api,
        "updatePathwayTemplate",
        world.teacher,
        templateId=template["id"],
        version=1,
        name="Ny mal",
        milestones=wanted,
    )
    assert codes(refused) == [("NOT_ALLOWED", None)]
    # A kommune's template is no one else's: the answer of an id that exists nowhere.
    refused = await call(
        api,
        "updatePathwayTemplate",
        world.doctor,
        templateId=template["id"],
        version=1,
        name="Ny mal",
        milestones=wanted,
    )
    assert codes(refused) == [("NOT_FOUND", "templateId")]
    edited = await ok(
        api,
        "updatePathwayTemplate",
        world.coordinator2,
        templateId=template["id"],
        version=1,
        name="Testvik: kortere frister",
        milestones=wanted,
    )
    assert (edited["id"], edited["version"], edited["name"]) == (
        template["id"],
        2,
        "Testvik: kortere frister",
    )
    stale = await call(
        api,
        "updatePathwayTemplate",
        world.coordinator2,
        templateId=template["id"],
        version=1,
        name="Igjen",
        milestones=wanted,
    )
    assert codes(stale) == [("CONFLICT", "version")]
    # A pathway started now follows the edited template.
    fam = await family(api, world)
    await grant(
        api,
        fam.child_id,
        submitted_on=today() - dt.timedelta(days=3),
        decided_on=today(),
        municipality_id=world.municipality.id,
    )
    pathway = (await read_child(api, fam.child_id, world.coordinator))["pathway"]
    assert pathway["templateName"] == "Testvik: kortere frister"
    assert [m["key"] for m in pathway["milestones"]] == ["decision"]


async def test_a_bad_template_is_refused_and_nothing_is_written(api: Api, world: World) -> None:
    (template,) = await templates(api, world.coordinator2)
    before = await pathway_rows(api)

    async def refused(language: str = "nb", **fields: Any) -> dict[str, Any]:
        return await call(
            api,
            "updatePathwayTemplate",
            world.coordinator2,
            language=language,
            templateId=template["id"],
            version=template["version"],
            **{"name": "Mal", **fields},
        )

    bad = await refused(
        milestones=[
            milestone("a", targetDays=-1),
            milestone("b", targetDays=731),
            milestone("a"),
            milestone("c", title="   "),
            milestone("d", repeatEveryDays=0),
            milestone("with space"),
        ]
    )
    assert codes(bad) == [
        ("INVALID", "milestones.0.targetDays"),
        ("INVALID", "milestones.1.targetDays"),
        ("DUPLICATE", "milestones.2.key"),
        ("REQUIRED", "milestones.3.title"),
        ("INVALID", "milestones.4.repeatEveryDays"),
        ("INVALID", "milestones.5.key"),
    ]
    for language, text in [
        ("nb", "Måltiden er 0 til 730 dager."),
        ("nn", "Måltida er 0 til 730 dagar."),
        ("en", "The target time is 0 to 730 days."),
    ]:
        negative = await refused(language, milestones=[milestone("a", targetDays=-5)])
        assert negative["errors"][0]["message"] == text
    too_many = await refused(milestones=[milestone(f"m{n}") for n in range(21)])
    assert codes(too_many) == [("TOO_MANY", "milestones")]
    assert codes(await refused(milestones=[])) == [("REQUIRED", "milestones")]
    assert codes(await refused(name=" ", milestones=[milestone("a")])) == [("REQUIRED", "name")]
    first_previous = await refused(milestones=[milestone("a", anchor="PREVIOUS_MET")])
    assert codes(first_previous) == [("INVALID", "milestones.0.anchor")]
    assert await pathway_rows(api) == before
    assert (await templates(api, world.coordinator2))[0]["version"] == 1
