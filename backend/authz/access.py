"""The data-access gate: every read or write of a child's data asks here first.

A check always names the record (the child) and is decided by the Cedar policies on facts
computed from that child's rows: the caller's active memberships, the recorded consents, the
child's age and address protection. "Not found" and "forbidden" look the same to someone
outside the child's network. Reads are noted per child and written to the access log once
per operation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.access_log import NewAccessLogRow
from backend.audit.purposes import LoggedPurpose, for_root_field
from backend.audit.service import append_access_log
from backend.authz.policy import (
    EMPLOYER_ACTIONS,
    Action,
    Category,
    ChildFacts,
    decide_globally,
    decide_on_child,
)
from backend.children.models import AddressProtection, Child, strictest
from backend.consent.models import Consent, InformationCategory
from backend.core.clock import today
from backend.core.database import Database, Reads
from backend.core.errors import ErrorCode, UserError, UserErrors, fail
from backend.core.loaders import DataLoader
from backend.identity.actor import Actor
from backend.identity.models import Person, PersonKind
from backend.network.models import NetworkMember, NetworkRole, ServiceProvider, ServiceType


class AccessDenied(UserErrors):
    """A refusal by the gate: carries the child and action so the refusal can be logged."""

    def __init__(self, child_id: uuid.UUID, action: Action, error: UserError) -> None:
        super().__init__([error])
        self.child_id = child_id
        self.action = action


def age_on(birth_date: dt.date | None, day: dt.date) -> int:
    if birth_date is None:
        return -1
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return max(years, 0)


async def load_facts(
    session: AsyncSession, actor: Actor, child_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ChildFacts]:
    """Facts for one caller and many children: a fixed number of statements."""
    found = await load_facts_for(session, [(actor, c) for c in child_ids])
    return {child_id: facts for (_, child_id), facts in found.items()}


def _ids(name: str, values: list[uuid.UUID], column: Any) -> Any:
    """An id list bound as one expanding parameter of the column's type (not coerced one
    element at a time)."""
    return sa.bindparam(name, values, expanding=True, type_=column.type)


async def load_facts_for(
    session: AsyncSession, pairs: Sequence[tuple[Actor, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], ChildFacts]:
    """Facts for many (caller, child) pairs at once, keyed by (person id, child id).

    Three or four statements whatever the count (Core rows, not ORM objects), so a page of
    children, or many subscribers waking for one event, cost the same as one.
    """
    ids = list(dict.fromkeys(c for _, c in pairs))
    people = list(dict.fromkeys(a.person_id for a, _ in pairs))
    now = today()
    # Expanding parameters: the id lists are bound as they are, not coerced one by one.
    member = NetworkMember.__table__.c  # type: ignore[attr-defined]
    # The callers' own memberships and the protected family members, in one statement:
    # protection follows the person, so the family part of each network counts.
    memberships = (
        await session.execute(
            sa.select(
                member.id,
                member.child_id,
                member.person_id,
                member.role,
                member.service_id,
                member.has_parental_responsibility,
                Person.__table__.c.address_protection,  # type: ignore[attr-defined]
            )
            .join(Person.__table__, Person.__table__.c.id == member.person_id)  # type: ignore[attr-defined]
            .where(
                member.child_id.in_(_ids("child_ids", ids, member.child_id)),
                member.ended_at.is_(None),
                sa.or_(
                    member.person_id.in_(_ids("people", people, member.person_id)),
                    sa.and_(
                        member.role.in_(FAMILY_ROLES),
                        Person.__table__.c.address_protection  # type: ignore[attr-defined]
                        != AddressProtection.NONE.value,
                    ),
                ),
            )
        )
    ).all()
    child = Child.__table__.c  # type: ignore[attr-defined]
    children = {
        row.id: row
        for row in (
            await session.execute(
                sa.select(
                    child.id,
                    child.birth_date,
                    child.municipality_id,
                    child.address_protection,
                    child.health_withheld_from_guardians,
                    child.history_protection,
                    child.history_protected_seq,
                ).where(child.id.in_(_ids("ids", ids, child.id)))
            )
        ).all()
    }
    consent = Consent.__table__.c  # type: ignore[attr-defined]
    consents = (
        await session.execute(
            sa.select(
                consent.child_id,
                consent.service_id,
                consent.category,
                consent.to_guardians,
                consent.valid_from,
                consent.valid_to,
            ).where(
                consent.child_id.in_(_ids("ids", ids, consent.child_id)),
                consent.withdrawn_at.is_(None),
            )
        )
    ).all()
    protection = {c.id: c.address_protection for c in children.values()}
    mine_of: dict[tuple[uuid.UUID, uuid.UUID], list[Any]] = {}
    wanted = set(people)
    for m in memberships:
        if m.role in FAMILY_ROLES and m.address_protection != AddressProtection.NONE.value:
            protection[m.child_id] = strictest(
                protection.get(m.child_id, "none"), m.address_protection
            )
        if m.person_id in wanted:
            mine_of.setdefault((m.person_id, m.child_id), []).append(m)
    active_of: dict[uuid.UUID, list[Any]] = {}
    for c in consents:
        # Consent.active_on, on the row (withdrawn ones are not selected).
        if c.valid_from <= now and (c.valid_to is None or now <= c.valid_to):
            active_of.setdefault(c.child_id, []).append(c)
    employers = list({a.employer_service_id for a, _ in pairs if a.employer_service_id})
    # The callers' employers: their type and kommune (the coordinating unit of the child's
    # kommune, the kommune's barnevernstjeneste).
    employer_of: dict[uuid.UUID, Any] = {}
    if employers:
        service = ServiceProvider.__table__.c  # type: ignore[attr-defined]
        employer_of = {
            row.id: row
            for row in (
                await session.execute(
                    sa.select(service.id, service.type, service.municipality_id).where(
                        service.id.in_(employers)
                    )
                )
            ).all()
        }
    facts: dict[tuple[uuid.UUID, uuid.UUID], ChildFacts] = {}
    for actor, child_id in pairs:
        mine = mine_of.get((actor.person_id, child_id), [])
        services = frozenset(m.service_id for m in mine if m.service_id is not None)
        active = active_of.get(child_id, [])
        row = children.get(child_id)
        employer = (
            employer_of.get(actor.employer_service_id)
            if actor.is_staff and actor.employer_service_id is not None
            else None
        )
        in_childs_kommune = bool(
            row
            and employer is not None
            and employer.municipality_id is not None
            and employer.municipality_id == row.municipality_id
        )
        facts[(actor.person_id, child_id)] = ChildFacts(
            child_id=child_id,
            roles=frozenset(m.role for m in mine) if row else frozenset(),
            has_parental_responsibility=any(
                m.role == NetworkRole.GUARDIAN.value and m.has_parental_responsibility for m in mine
            ),
            consented_categories=frozenset(
                c.category for c in active if c.service_id is not None and c.service_id in services
            ),
            child_age=age_on(row.birth_date, now) if row else -1,
            health_withheld_from_guardians=bool(row and row.health_withheld_from_guardians),
            guardians_have_youth_health_consent=any(
                c.to_guardians and c.category == InformationCategory.HEALTH.value for c in active
            ),
            protection=protection.get(child_id, AddressProtection.NONE.value),
            in_coordinating_unit=in_childs_kommune
            and employer is not None
            and employer.type == ServiceType.COORDINATING_UNIT.value,
            service_ids=services,
            member_ids=frozenset(m.id for m in mine),
            history_protection=row.history_protection if row else "none",
            history_protected_seq=row.history_protected_seq if row else 0,
            employer_service_type=employer.type if employer is not None else "",
            employer_in_childs_kommune=in_childs_kommune,
        )
    return facts


# Which category a service's membership reveals.
SERVICE_CATEGORY: dict[str, Category] = {
    ServiceType.HELSESTASJON.value: Category.HEALTH,
    ServiceType.FASTLEGE.value: Category.HEALTH,
    ServiceType.HABILITERING.value: Category.HEALTH,
    ServiceType.BUP.value: Category.HEALTH,
    ServiceType.SYKEHUS.value: Category.HEALTH,
    ServiceType.BARNEHAGE.value: Category.SCHOOL,
    ServiceType.SKOLE.value: Category.SCHOOL,
    ServiceType.PPT.value: Category.SCHOOL,
    ServiceType.NAV.value: Category.WELFARE,
    ServiceType.AVLASTNING.value: Category.WELFARE,
    ServiceType.BARNEVERN.value: Category.BARNEVERN,
}
# Local services whose name tells where the child lives.
LOCATION_REVEALING = frozenset(
    {
        ServiceType.HELSESTASJON.value,
        ServiceType.FASTLEGE.value,
        ServiceType.BARNEHAGE.value,
        ServiceType.SKOLE.value,
        ServiceType.AVLASTNING.value,
    }
)
# The roles whose person's protection protects the whole network.
FAMILY_ROLES = (NetworkRole.GUARDIAN.value, NetworkRole.CHILD.value)
# Memberships that are themselves data of their category: who is in the network from
# barnevern or a health service tells barnevern or health information (helsepersonelloven
# § 21), so the membership is shown only to readers of that category.
MEMBERSHIP_IS_DATA = frozenset({Category.BARNEVERN, Category.HEALTH})


# The one place that says which categories an object of a child's network reveals: the
# types of every path (root, nested, list, event) ask here, the gate decides.


def service_categories(service: ServiceProvider | None, facts: ChildFacts) -> list[Category]:
    """All categories a reader must be allowed to see a member's service and duties.

    With a protected address a kommune's own service tells where the family lives (its
    name is the place's: "PPT Testvik"); with strengt fortrolig (kode 6), every service.
    """
    if service is None:
        return [Category.BASIC]
    categories = [SERVICE_CATEGORY.get(service.type, Category.BASIC)]
    if facts.address_protected and (
        facts.strictly_confidential
        or service.type in LOCATION_REVEALING
        or service.municipality_id is not None
    ):
        categories.append(Category.LOCATION)
    return categories


def municipality_category(facts: ChildFacts | None) -> Category:
    """The kommune, the child's or any service's: location when the network is protected."""
    return Category.LOCATION if facts is not None and facts.address_protected else Category.BASIC


def person_categories(
    person: Person, services: Iterable[ServiceProvider | None], facts: ChildFacts
) -> list[Category]:
    """What seeing this person of a child's network (name, e-mail) reveals of where the
    family lives.

    With a protected address, staff tell the place of their services (the membership's and
    their employer's: a teacher's name and work address say which school); with kode 6 the
    names and e-mail domains of all staff count as location. Anyone else's contact details
    are the family's (see contact_category).
    """
    if person.kind != PersonKind.STAFF.value or not facts.address_protected:
        return [Category.BASIC]
    if facts.strictly_confidential or any(
        Category.LOCATION in service_categories(s, facts) for s in services if s is not None
    ):
        return [Category.LOCATION]
    return [Category.BASIC]


def contact_category(person: Person) -> Category:
    """Work contact details of staff with an employer are shared in the network (as far as
    the person is visible at all); anyone else's are the family's contact details."""
    if person.kind == PersonKind.STAFF.value and person.employer_service_id is not None:
        return Category.BASIC
    return Category.CONTACT


def membership_category(service: ServiceProvider | None) -> Category | None:
    """The category a membership itself belongs to, when knowing of it is that category's."""
    if service is None:
        return None
    category = SERVICE_CATEGORY.get(service.type, Category.BASIC)
    return category if category in MEMBERSHIP_IS_DATA else None


@dataclass(frozen=True, slots=True)
class Seen:
    """One object's gate decision, made once per request when the object is built: whether
    it may be read, and what to note in the access log when a resolver hands it out
    (`Gate.seen`). Resolvers then read attributes instead of asking the gate per field."""

    child_id: uuid.UUID
    allowed: bool
    what: tuple[str, ...]


class Gate:
    """Per-request access decisions (cached) and the record of what was read."""

    def __init__(
        self, db: Database, actor: Actor | None, via: str = "http", reads: Reads | None = None
    ) -> None:
        self.db = db
        self.actor = actor
        self.via = via
        self.reads = reads or Reads(db)
        self._facts: DataLoader[uuid.UUID, ChildFacts] = DataLoader(self._load)
        self._decisions: dict[tuple[object, ...], bool] = {}
        self._seen: dict[tuple[object, ...], Seen] = {}
        self._read: dict[uuid.UUID, set[str]] = {}
        self._refused: dict[uuid.UUID, set[str]] = {}
        self._known: dict[uuid.UUID, ChildFacts] = {}

    async def _load(self, child_ids: list[uuid.UUID]) -> list[ChildFacts]:
        assert self.actor is not None
        async with self.reads.session() as session:
            found = await load_facts(session, self.actor, child_ids)
        self._known.update(found)
        return [found[c] for c in child_ids]

    async def facts(self, child_id: uuid.UUID) -> ChildFacts | None:
        if self.actor is None:
            return None
        return await self._facts.load(child_id)

    def decide(
        self,
        facts: ChildFacts,
        action: Action,
        category: Category = Category.BASIC,
        own: bool = False,
    ) -> bool:
        assert self.actor is not None
        employer = facts.employer_key if action in EMPLOYER_ACTIONS else None
        key = (facts.decision_key, employer, action, category, own)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = decide_on_child(self.actor, action, facts, category, own)
        return found

    async def can(self, child_id: uuid.UUID, action: Action) -> bool:
        facts = await self.facts(child_id)
        return facts is not None and self.decide(facts, action)

    async def view(self, child_id: uuid.UUID, what: str = "child") -> ChildFacts | None:
        """Facts if the caller may see this child at all; a refusal is noted for the log."""
        facts = await self.facts(child_id)
        if facts is None or not self.decide(facts, Action.VIEW_CHILD):
            self.note_refused(child_id, what)
            return None
        self.note_read(child_id, Category.BASIC.value)
        return facts

    def decided(self, facts: ChildFacts, categories: Iterable[Category], own: bool = False) -> Seen:
        """Whether every category may be read, decided once (nothing noted yet): the
        decision an object carries to its resolvers."""
        wanted = tuple(categories)
        key = (facts.child_id, facts.decision_key, wanted, own)
        found = self._seen.get(key)
        if found is None:
            allowed = all(self.decide(facts, Action.READ_CATEGORY, c, own) for c in wanted)
            found = self._seen[key] = Seen(facts.child_id, allowed, tuple(c.value for c in wanted))
        return found

    def seen(self, decision: Seen) -> bool:
        """Notes a decided read (or refusal) as the resolver hands the object out."""
        if decision.what:
            target = self._read if decision.allowed else self._refused
            noted = target.get(decision.child_id)
            if noted is None:
                noted = target[decision.child_id] = set()
            noted.update(decision.what)
        return decision.allowed

    def read(
        self,
        facts: ChildFacts,
        categories: Iterable[Category],
        own: bool = False,
    ) -> bool:
        """Whether every category may be read; notes the read or the refusal."""
        return self.seen(self.decided(facts, categories, own))

    def note_read(self, child_id: uuid.UUID, what: str) -> None:
        self._read.setdefault(child_id, set()).add(what)

    def note_refused(self, child_id: uuid.UUID, what: str) -> None:
        self._refused.setdefault(child_id, set()).add(what)

    async def entries(self, purpose: str | LoggedPurpose) -> list[NewAccessLogRow]:
        """One access-log row per child touched since the last call, then start over.

        `purpose` is a logged purpose, or the name of a root field the server runs itself
        (a live stream): never text from the client."""
        touched = set(self._read) | set(self._refused)
        if not touched:
            return []
        read, refused = self._read, self._refused
        self._read, self._refused = {}, {}
        actor = self.actor
        logged = purpose if isinstance(purpose, LoggedPurpose) else for_root_field(purpose)
        organisation = None
        unknown = [c for c in touched if c not in self._known]
        if actor is not None and (actor.employer_service_id is not None or unknown):
            async with self.reads.session() as session:
                if actor.employer_service_id is not None:
                    service = ServiceProvider.__table__.c  # type: ignore[attr-defined]
                    organisation = (
                        await session.execute(
                            sa.select(service.name).where(service.id == actor.employer_service_id)
                        )
                    ).scalar_one_or_none()
                if unknown:
                    # A write refused inside its service decided on facts the gate never saw:
                    # the roles are looked up again, so a guardian's refusal names its role.
                    self._known.update(await load_facts(session, actor, unknown))
        roles = {c: sorted(f.roles) for c, f in self._known.items() if c in touched}
        return [
            NewAccessLogRow(
                child_id=child_id,
                actor_person_id=actor.person_id if actor else None,
                actor_name=actor.name if actor else "anonym",
                roles=roles.get(child_id, []),
                organisation=organisation,
                what=sorted(read.get(child_id, set())),
                refused=sorted(refused.get(child_id, set())),
                purpose=logged.purpose.value,
                purpose_category=logged.category.value if logged.category else None,
                via=self.via,
                # Someone with no role here asked for this child: a probe, not a look.
                outsider=not roles.get(child_id) and bool(refused.get(child_id)),
            )
            for child_id in sorted(touched)
        ]

    def remember(self, facts: ChildFacts) -> None:
        """Facts decided elsewhere (a live stream's batch check), for the log's roles."""
        self._known[facts.child_id] = facts

    async def flush(self, purpose: str | LoggedPurpose) -> None:
        """Write this operation's access-log rows before the answer leaves."""
        await append_access_log(self.db, await self.entries(purpose))


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    return actor


async def require_on_child(
    session: AsyncSession,
    actor: Actor | None,
    action: Action,
    child_id: uuid.UUID,
    category: Category = Category.BASIC,
) -> ChildFacts:
    """Refuse unless the caller may do `action` on this child; outsiders get NOT_FOUND."""
    if actor is None:
        raise AccessDenied(child_id, action, UserError(ErrorCode.UNAUTHENTICATED))
    facts = (await load_facts(session, actor, [child_id]))[child_id]
    if not decide_on_child(actor, Action.VIEW_CHILD, facts):
        raise AccessDenied(child_id, action, UserError(ErrorCode.NOT_FOUND, "childId"))
    if action is not Action.VIEW_CHILD and not decide_on_child(actor, action, facts, category):
        raise AccessDenied(child_id, action, UserError(ErrorCode.NOT_ALLOWED))
    return facts


def require_global(actor: Actor | None, action: Action) -> Actor:
    actor = require_actor(actor)
    if not decide_globally(actor, action):
        fail(ErrorCode.NOT_ALLOWED)
    return actor


async def may_see_child(session: AsyncSession, actor: Actor | None, child_id: uuid.UUID) -> bool:
    """Whether the caller may see anything of this child right now (e.g. at event delivery)."""
    if actor is None:
        return False
    facts = (await load_facts(session, actor, [child_id]))[child_id]
    return decide_on_child(actor, Action.VIEW_CHILD, facts)


async def still_in_reach(session: AsyncSession, actor: Actor | None, child_id: uuid.UUID) -> None:
    """The check after a write: nobody moves a record out of their own reach.

    Runs inside the writer's transaction, after the change is flushed, so a write that would
    leave the caller unable to see the child rolls back. (Handing over the coordinator role is
    the one deliberate exception and does not call this.)
    """
    await session.flush()
    if actor is None or not await may_see_child(session, actor, child_id):
        raise AccessDenied(child_id, Action.VIEW_CHILD, UserError(ErrorCode.NOT_ALLOWED))


# ---- Writes: a row the caller may not read is one they may not write ----------------------


def membership_categories(service: ServiceProvider | None) -> list[Category]:
    """What knowing that a membership exists reveals (`membership_category`): the read side
    (`visible_members`) and the write side (`may_know_membership`) ask the same rule."""
    category = membership_category(service)
    return [category] if category is not None else []


def may_know_membership(
    read: Callable[[list[Category], bool], bool], service: ServiceProvider | None, own: bool
) -> bool:
    """Whether a reader may know of a membership of `service`; `read(categories, own)` is the
    reader's category check (the request's gate on reads, `may_read` on writes)."""
    categories = membership_categories(service)
    return not categories or read(categories, own)


def may_read(actor: Actor, facts: ChildFacts) -> Callable[[list[Category], bool], bool]:
    """The category check of a write, decided as the gate decides a read (nothing noted)."""

    def read(categories: list[Category], own: bool) -> bool:
        return all(decide_on_child(actor, Action.READ_CATEGORY, facts, c, own) for c in categories)

    return read


Row = TypeVar("Row", bound=SQLModel)


async def load_for_write(
    session: AsyncSession,
    actor: Actor | None,
    model: type[Row],
    value: str,
    *,
    action: Action,
    field: str = "id",
    version: int | None = None,
    readable: Callable[[Row, ChildFacts], Awaitable[bool]] | None = None,
    permitted: Callable[[Row, ChildFacts], bool] | None = None,
    reach: Action = Action.VIEW_CHILD,
) -> tuple[Row, ChildFacts]:
    """The row behind `value` for a write, if the caller may read it; else NOT_FOUND.

    `reach` is the action that says the caller may see the row's child at all: viewChild for
    the network's data; a domain with a wider reach (the pathway: also the kommune's
    coordinating unit) names its own action (any enum whose value is a Cedar action name).

    An id that exists nowhere, a row of a child outside the caller's network and a row the
    caller may not read (`readable`) all get the same answer: NOT_FOUND on `field`, same
    message. Only then comes the permission (`permitted`, default: `action` on the child;
    NOT_ALLOWED), then the child's write lock and the version check (CONFLICT), so neither
    tells anything about a row the caller may not see. Refusals about a real child are
    AccessDenied, to be logged in that child's access log.
    """
    row_id = uuid.UUID(int=0)
    try:
        row_id = uuid.UUID(str(value))
    except ValueError:
        if actor is not None:
            fail(ErrorCode.NOT_FOUND, field)
    row = await session.get(model, row_id)
    child_id: uuid.UUID | None = getattr(row, "child_id", None) if row is not None else None
    if actor is None:
        if child_id is not None:
            raise AccessDenied(child_id, action, UserError(ErrorCode.UNAUTHENTICATED))
        fail(ErrorCode.UNAUTHENTICATED)
    assert actor is not None
    if row is None or child_id is None:
        fail(ErrorCode.NOT_FOUND, field)
    assert row is not None and child_id is not None
    not_found = AccessDenied(child_id, action, UserError(ErrorCode.NOT_FOUND, field))
    facts = (await load_facts(session, actor, [child_id]))[child_id]
    if not decide_on_child(actor, reach, facts):
        raise not_found
    if readable is not None and not await readable(row, facts):
        raise not_found
    allowed = (
        permitted(row, facts) if permitted is not None else decide_on_child(actor, action, facts)
    )
    if not allowed:
        raise AccessDenied(child_id, action, UserError(ErrorCode.NOT_ALLOWED))
    # Serialize writers of one child's data (PostgreSQL row lock; SQLite writes are serial).
    await session.exec(select(Child.id).where(Child.id == child_id).with_for_update())
    await session.refresh(row)  # re-read under the lock
    if version is not None and getattr(row, "version", None) != version:
        fail(ErrorCode.CONFLICT, "version")
    return row, facts


async def coordinating_unit_of(session: AsyncSession, actor: Actor | None) -> uuid.UUID | None:
    """The kommune whose coordinating unit (koordinerende enhet) the caller works for, or None.

    The unit appoints the barnekoordinator (helse- og omsorgstjenesteloven § 7-2 a): its
    staff register children and make the first assignment, and administer notifications.
    """
    if actor is None or not actor.is_staff or actor.employer_service_id is None:
        return None
    employer = await session.get(ServiceProvider, actor.employer_service_id)
    if (
        employer is None
        or employer.type != ServiceType.COORDINATING_UNIT.value
        or employer.municipality_id is None
    ):
        return None
    return employer.municipality_id
