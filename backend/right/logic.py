"""The rules of the right to a barnekoordinator that need no database: the time limits, the
Cedar questions and what happens next, in the family's words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from backend.authz import cedar
from backend.core.deadlines import deadline_after, oslo_date
from backend.core.i18n import Text, pick
from backend.identity.actor import Actor
from backend.right.models import RequestStatus

# Klagefrist: 4 weeks from the day the family was told (forvaltningsloven § 29).
APPEAL_WEEKS = 4
# The kommune's target for its decision, counted from the request (the pathway's default).
DECISION_WEEKS = 3
# From 15 the young person asks and appeals for themselves; from 12 the child reads.
SUBMITS_FROM_AGE = 15
READS_FROM_AGE = 12


def appeal_deadline(told_at: dt.datetime) -> dt.date:
    """4 weeks from the Oslo date the family was told, moved to the next working day."""
    return deadline_after(oslo_date(told_at), weeks=APPEAL_WEEKS)


def decision_due_on(submitted_at: dt.datetime) -> dt.date:
    """The day the kommune's decision is due: 3 weeks from the request (Oslo date), moved to
    the next working day. The one place the target is computed."""
    return deadline_after(oslo_date(submitted_at), weeks=DECISION_WEEKS)


def is_late(submitted_at: dt.datetime, deadline: dt.date) -> bool:
    """An appeal is in time up to and including its deadline day (Oslo date)."""
    return oslo_date(submitted_at) > deadline


@dataclass(frozen=True)
class RequestFacts:
    """What the right's policies decide on (policies/right.cedarschema: RequestFacts)."""

    is_submitter: bool
    child_registered: bool
    roles: frozenset[str]
    has_parental_responsibility: bool
    child_age: int
    in_kommunes_coordinating_unit: bool
    service_has_consent: bool


SUBMIT = "submitCoordinatorRequest"
READ = "readCoordinatorRequest"
DECIDE = "decideCoordinatorRequest"
APPEAL = "appealCoordinatorDecision"


def decide(actor: Actor, action: str, facts: RequestFacts) -> bool:
    return _decide(actor.kind.value, actor.municipality_id is not None, action, facts)


@lru_cache(maxsize=4096)
def _decide(kind: str, employed_by_kommune: bool, action: str, facts: RequestFacts) -> bool:
    # The policies never name a person or a request: equal facts share one evaluation.
    return cedar.decide(
        principal_id="caller",
        principal_kind=kind,
        employed_by_kommune=employed_by_kommune,
        action=action,
        resource_kind="CoordinatorRequest",
        resource_id="request",
        context={
            "isSubmitter": facts.is_submitter,
            "childRegistered": facts.child_registered,
            "roles": sorted(facts.roles),
            "hasParentalResponsibility": facts.has_parental_responsibility,
            "childAge": facts.child_age,
            "inKommunesCoordinatingUnit": facts.in_kommunes_coordinating_unit,
            "serviceHasConsent": facts.service_has_consent,
        },
    )


# What happens next, per status, for the family (the reader's language).
NEXT_STEP: dict[RequestStatus, Text] = {
    RequestStatus.AWAITING_DECISION: (
        "Koordinerende enhet i kommunen behandler anmodningen og fatter vedtak. "
        "Dere får beskjed i Koordinat og på e-post når vedtaket er klart.",
        "Koordinerande eining i kommunen behandlar oppmodinga og gjer vedtak. "
        "De får melding i Koordinat og på e-post når vedtaket er klart.",
        "The kommune's coordinating unit is considering the request and will make a decision. "
        "You will be told in Koordinat and by e-mail when the decision is made.",
    ),
    RequestStatus.GRANTED: (
        "Barnet har fått barnekoordinator. Koordinatoren tar kontakt for å avtale "
        "det første møtet.",
        "Barnet har fått barnekoordinator. Koordinatoren tek kontakt for å avtale "
        "det første møtet.",
        "The child has a barnekoordinator. The coordinator will contact you to arrange "
        "the first meeting.",
    ),
    RequestStatus.REFUSED: (
        "Anmodningen er avslått. Dere kan klage på vedtaket innen klagefristen; "
        "skriv hvorfor dere mener vedtaket er feil.",
        "Oppmodinga er avslått. De kan klage på vedtaket innan klagefristen; "
        "skriv kvifor de meiner vedtaket er feil.",
        "The request was refused. You can appeal the decision before the appeal deadline; "
        "write why you think the decision is wrong.",
    ),
    RequestStatus.APPEALED: (
        "Kommunen vurderer klagen på nytt. Gir kommunen dere ikke medhold, sendes klagen "
        "til Statsforvalteren.",
        "Kommunen vurderer klaga på nytt. Gir ikkje kommunen dykk medhald, blir klaga "
        "send til Statsforvaltaren.",
        "The kommune is reassessing the appeal. If it does not change its decision, the "
        "appeal goes to the Statsforvalteren.",
    ),
    RequestStatus.WITH_STATSFORVALTEREN: (
        "Kommunen opprettholdt avslaget og har sendt klagen til Statsforvalteren, "
        "som avgjør saken.",
        "Kommunen heldt oppe avslaget og har sendt klaga til Statsforvaltaren, som avgjer saka.",
        "The kommune upheld the refusal and sent the appeal to the Statsforvalteren, "
        "who will decide.",
    ),
    RequestStatus.REFUSAL_FINAL: (
        "Statsforvalteren har opprettholdt avslaget, og vedtaket er endelig. Dere kan sende "
        "en ny anmodning hvis situasjonen endrer seg.",
        "Statsforvaltaren har halde oppe avslaget, og vedtaket er endeleg. De kan sende "
        "ei ny oppmoding om situasjonen endrar seg.",
        "The Statsforvalteren upheld the refusal, and the decision is final. You may send a "
        "new request if the situation changes.",
    ),
}


def next_step(status: RequestStatus, language: str) -> str:
    return pick(NEXT_STEP[status], language)
