"""Development sign-in: pick a demo person. Refused unless dev mode is on.

Until real login (OpenID Connect) lands this is how a caller gets an identity; in
production there is no way in through here.
"""

from __future__ import annotations

import html
import uuid

from sqlmodel import col, select
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity.actor import Actor
from backend.identity.models import Person
from backend.network.models import NetworkMember

DEV_HEADER = "x-koordinat-dev-person"
SESSION_KEY = "dev_person_id"


async def actor_from_request(
    connection: HTTPConnection, db: Database, settings: Settings, *, use_cookie: bool = True
) -> Actor | None:
    """The development identity of this request (header or session), only in dev mode."""
    if not settings.dev_mode:
        return None
    raw = connection.headers.get(DEV_HEADER)
    if raw is None and use_cookie and "session" in connection.scope:
        raw = connection.session.get(SESSION_KEY)
    return await actor_from_id(raw, db)


async def actor_from_id(raw: object, db: Database) -> Actor | None:
    if not raw:
        return None
    try:
        person_id = uuid.UUID(str(raw))
    except ValueError:
        return None
    async with db.reading() as session:
        person = await session.get(Person, person_id)
    return Actor.from_person(person, auth_method="dev") if person else None


def _refused() -> Response:
    return Response("Not Found", status_code=404)


async def sign_in_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.dev_mode:
        return _refused()
    db: Database = request.app.state.db
    async with db.reading() as session:
        people = (await session.exec(select(Person).order_by(Person.kind, Person.name))).all()
    rows = "\n".join(
        f'<li><form method="post" action="/dev/sign-in">'
        f'<input type="hidden" name="person_id" value="{p.id}">'
        f'<button type="submit">{html.escape(p.name)}</button> '
        f"<small>{html.escape(p.kind)}</small></form></li>"
        for p in people
    )
    return HTMLResponse(
        "<!doctype html><html lang='nb'><meta charset='utf-8'>"
        "<title>Koordinat – utviklerinnlogging</title>"
        "<h1>Utviklerinnlogging (kun i utviklingsmodus)</h1>"
        f"<ul>{rows}</ul><p><a href='/graphql'>GraphQL</a></p></html>"
    )


async def people(request: Request) -> Response:
    """The demo people for the web app's sign-in page, with their roles in networks."""
    settings: Settings = request.app.state.settings
    if not settings.dev_mode:
        return _refused()
    db: Database = request.app.state.db
    async with db.reading() as session:
        persons = (await session.exec(select(Person).order_by(Person.kind, Person.name))).all()
        memberships = (
            await session.exec(
                select(NetworkMember.person_id, NetworkMember.role).where(
                    col(NetworkMember.ended_at).is_(None)
                )
            )
        ).all()
    roles: dict[uuid.UUID, set[str]] = {}
    for person_id, role in memberships:
        roles.setdefault(person_id, set()).add(role)
    return JSONResponse(
        [
            {
                "id": str(p.id),
                "name": p.name,
                "kind": p.kind,
                "roles": sorted(roles.get(p.id, set())),
            }
            for p in persons
        ]
    )


async def sign_in(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.dev_mode:
        return _refused()
    form = await request.form()
    raw = form.get("person_id")
    try:
        person_id = uuid.UUID(str(raw))
    except ValueError:
        return Response("Bad Request", status_code=400)
    db: Database = request.app.state.db
    async with db.reading() as session:
        if await session.get(Person, person_id) is None:
            return Response("Bad Request", status_code=400)
    request.session[SESSION_KEY] = str(person_id)
    return RedirectResponse("/", status_code=303)


async def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)
