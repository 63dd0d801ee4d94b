"""GraphQL types and inputs for consent (samtykke) and the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import strawberry

from backend.api.common import PageInfo, UserError
from backend.api.context import Info
from backend.audit.access_log import LoggedRow
from backend.audit.purposes import OUTSIDER, Purpose
from backend.audit.purposes import label as purpose_label
from backend.audit.purposes import stored as stored_purpose
from backend.authz.access import service_categories
from backend.authz.policy import Category, ChildFacts
from backend.consent.models import Consent as ConsentRow
from backend.consent.models import InformationCategory
from backend.core.clock import today
from backend.core.i18n import Text, pick
from backend.network.types import ServiceProvider

strawberry.enum(
    InformationCategory,
    name="InformationCategory",
    description="Categories of information a consent names; barnevern is its own.",
)


@strawberry.type(description="A consent (samtykke), active or withdrawn: history is kept.")
class Consent:
    id: strawberry.ID
    category: InformationCategory
    to_guardians: bool = strawberry.field(
        description="A young person's (16+) consent that the guardians see health information."
    )
    valid_from: dt.date
    valid_to: dt.date | None
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    version: int
    row: strawberry.Private[ConsentRow]
    # The reader's facts about the consent's child; looked up when not given.
    facts: strawberry.Private[ChildFacts | None] = None

    @strawberry.field
    def is_active(self) -> bool:
        return self.row.active_on(today())

    @strawberry.field(description="The service the consent lets see the category.")
    async def service(self, info: Info) -> ServiceProvider | None:
        if self.row.service_id is None:
            return None
        facts = self.facts or await info.context.gate.facts(self.row.child_id)
        if facts is None:
            return None
        row = await info.context.loaders.service.load(self.row.service_id)
        if row is None:
            return None
        # What the service is reveals a category, as it does for a membership of it.
        own = consent_is_own(self.row, facts, info)
        if not info.context.gate.read(facts, service_categories(row, facts), own=own):
            return None
        return ServiceProvider.from_row(row, facts)

    @strawberry.field(description="Who gave it.")
    async def given_by(self, info: Info) -> str | None:
        row = await info.context.loaders.person.load(self.row.given_by_person_id)
        return row.name if row else None

    @strawberry.field(description="Who withdrew it.")
    async def withdrawn_by(self, info: Info) -> str | None:
        if self.row.withdrawn_by_person_id is None:
            return None
        row = await info.context.loaders.person.load(self.row.withdrawn_by_person_id)
        return row.name if row else None

    @classmethod
    def from_row(cls, row: ConsentRow, facts: ChildFacts | None = None) -> Consent:
        return cls(
            id=strawberry.ID(str(row.id)),
            category=InformationCategory(row.category),
            to_guardians=row.to_guardians,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            given_at=row.given_at,
            withdrawn_at=row.withdrawn_at,
            version=row.version,
            row=row,
            facts=facts,
        )


def consent_is_own(row: ConsentRow, facts: ChildFacts, info: Info) -> bool:
    """A consent is the reader's own if it names their service or they gave it."""
    actor = info.context.actor
    return (row.service_id is not None and row.service_id in facts.service_ids) or (
        actor is not None and row.given_by_person_id == actor.person_id
    )


def visible_consents(info: Info, rows: list[ConsentRow], facts: ChildFacts) -> list[Consent]:
    """The consents whose category the reader may read (the read or refusal is logged)."""
    gate = info.context.gate
    return [
        Consent.from_row(row, facts)
        for row in rows
        if gate.read(facts, [Category(row.category)], own=consent_is_own(row, facts, info))
    ]


# What was read, in plain words for the family.
WHAT_IN_WORDS: dict[str, Text] = {
    "basic": (
        "grunnopplysninger og nettverket",
        "grunnopplysningar og nettverket",
        "basic details and the network",
    ),
    "identity": ("fødselsnummer", "fødselsnummer", "national identity number"),
    "location": (
        "opplysninger som viser bosted",
        "opplysningar som viser bustad",
        "details that show where the child lives",
    ),
    "contact": (
        "familiens kontaktopplysninger",
        "kontaktopplysningane til familien",
        "the family's contact details",
    ),
    "health": ("helseopplysninger", "helseopplysningar", "health information"),
    "school": (
        "opplysninger om barnehage og skole",
        "opplysningar om barnehage og skule",
        "kindergarten and school information",
    ),
    "welfare": (
        "opplysninger om NAV og avlastning",
        "opplysningar om NAV og avlasting",
        "welfare and respite information",
    ),
    "family": ("familieopplysninger", "familieopplysningar", "family information"),
    "barnevern": ("barnevernsopplysninger", "barnevernsopplysningar", "child welfare information"),
    "consents": ("samtykker", "samtykke", "consents"),
    "accessLog": ("tilgangsloggen", "tilgangsloggen", "the access log"),
    "child": ("barnet", "barnet", "the child"),
}


# Who looked, when naming them would reveal a category the reader may not see.
WITHHELD_READER: Text = ("en tjeneste", "ei teneste", "a service")


def in_words(what: str, language: str) -> str:
    return pick(WHAT_IN_WORDS.get(what, (what, what, what)), language)


def withheld_reader(language: str) -> str:
    return pick(WITHHELD_READER, language)


strawberry.enum(
    Purpose,
    name="AccessPurpose",
    description="Why data was read (tjenstlig behov). Staff choose FOLLOW_UP, "
    "MEETING_PREPARATION, PLAN_WORK, CASE_WORK or EMERGENCY in the request's "
    "`extensions.purpose`; otherwise the server derives it from what was asked for.",
)


@strawberry.type(description="One look at the child's data (tilgangslogg).")
class AccessLogEntry:
    id: strawberry.ID
    at: dt.datetime
    who: str
    roles: list[str]
    organisation: str | None
    what: list[str] = strawberry.field(description="What was read, in plain words.")
    refused: list[str] = strawberry.field(description="What was asked for and refused.")
    purpose: str = strawberry.field(description="Why, in plain words (see purposeCode).")
    purpose_code: Purpose = strawberry.field(
        description="Why, as a code; USE where the purpose itself would tell a category "
        "you may not read."
    )
    via: str

    @classmethod
    def from_row(
        cls, row: LoggedRow, words: PageWords, withhold_reader: bool = False
    ) -> AccessLogEntry:
        """One entry in plain words, without the categories the reader may not read.

        With `withhold_reader`, who looked is shown only as a service: their name,
        organisation and roles would tell the reader a category they may not see.
        """
        if is_outsider(row):
            # A probe from outside: the family learns that it happened, not who or how.
            return cls(
                id=strawberry.ID(str(row.id)),
                at=row.at,
                who=words.outsider,
                roles=[],
                organisation=None,
                what=[],
                refused=[words.child],
                purpose=words.outsider_purpose,
                purpose_code=Purpose.OUTSIDER_REFUSED,
                via=row.via,
            )
        purpose, purpose_text = words.purpose(row.purpose, row.purpose_category)
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            who=words.withheld_reader if withhold_reader else row.actor_name,
            roles=[] if withhold_reader else list(row.roles),
            organisation=None if withhold_reader else row.organisation,
            what=words.shown(row.what),
            refused=words.shown(row.refused),
            purpose=purpose_text,
            purpose_code=purpose,
            via=row.via,
        )


class PageWords:
    """What one reader is shown of the logged words on a page, each decided once.

    A page repeats the same few categories and purposes on every row: whether the reader
    may read a category (a gate decision) and its words in the reader's language are worked
    out at its first use on the page and reused for the other rows.
    """

    __slots__ = (
        "_may_read",
        "_purposes",
        "_words",
        "child",
        "language",
        "outsider",
        "outsider_purpose",
        "withheld_reader",
    )

    def __init__(self, language: str, may_read: Callable[[Category], bool]) -> None:
        self.language = language
        self._may_read = may_read
        # A logged word -> its words for this reader, or None where it is not shown.
        self._words: dict[str, str | None] = {}
        self._purposes: dict[tuple[str, str | None], tuple[Purpose, str]] = {}
        self.child = in_words("child", language)
        self.outsider = pick(OUTSIDER, language)
        self.outsider_purpose = purpose_label(Purpose.OUTSIDER_REFUSED, language)
        self.withheld_reader = withheld_reader(language)

    def shown(self, logged: list[str]) -> list[str]:
        """The logged words the reader may see, in plain words, in their order."""
        words = self._words
        shown = []
        for what in logged:
            if what in words:
                found = words[what]
            else:
                found = words[what] = (
                    in_words(what, self.language) if readable(what, self._may_read) else None
                )
            if found is not None:
                shown.append(found)
        return shown

    def purpose(self, logged: str, category: str | None) -> tuple[Purpose, str]:
        """The purpose shown for a logged one, as a code and in words."""
        key = (logged, category)
        found = self._purposes.get(key)
        if found is None:
            purpose = stored_purpose(logged)
            if category is not None and not readable(category, self._may_read):
                # The purpose would tell the choice (a child's own health choice): plain use.
                purpose = Purpose.USE
            found = self._purposes[key] = (purpose, purpose_label(purpose, self.language))
        return found


def is_outsider(row: LoggedRow) -> bool:
    """A refusal for someone with no role in the network; rows from before the flag was
    kept are recognised by their shape (no roles, nothing read, something refused)."""
    return row.outsider or (not row.roles and not row.what and bool(row.refused))


def readable(what: str, may_read: Callable[[Category], bool]) -> bool:
    """Whether a logged word may be shown: categories as the reader may read them; the
    rest (the child, the access log, action names) always."""
    try:
        category = Category(what)
    except ValueError:
        return True
    return may_read(category)


@strawberry.type
class AccessLogEdge:
    cursor: str
    node: AccessLogEntry


@strawberry.type
class AccessLogConnection:
    edges: list[AccessLogEdge]
    page_info: PageInfo


@strawberry.input
class RecordConsentInput:
    child_id: strawberry.ID
    category: InformationCategory
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="The service that may see the category."
    )
    to_guardians: bool = strawberry.field(
        default=False, description="Instead of a service: the guardians (health, from 16)."
    )
    valid_from: dt.date | None = strawberry.field(default=None, description="Default: today.")
    valid_to: dt.date | None = None


@strawberry.input
class WithdrawConsentInput:
    id: strawberry.ID


@strawberry.input(description="The child (12-15) asks that health information be withheld.")
class SetHealthWithholdingInput:
    child_id: strawberry.ID
    withhold: bool


@strawberry.type
class ConsentPayload:
    consent: Consent | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
