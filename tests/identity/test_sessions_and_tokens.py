"""Session lifetime, API tokens, the websocket seam and the development identity."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

from sqlmodel import select
from starlette.requests import HTTPConnection

from backend.core.database import utcnow
from backend.identity import auth, sessions
from backend.identity.actor import Actor
from backend.identity.login_models import ApiToken
from backend.identity.models import Person
from tests.conftest import Api, AppUnderTest, World
from tests.identity.conftest import APP_ORIGIN, Browser, LoginApp


def connection(kind: str = "http", **headers: str) -> HTTPConnection:
    scope: dict[str, Any] = {
        "type": kind,
        "scheme": "wss" if kind == "websocket" else "https",
        "path": "/graphql",
        "query_string": b"",
        "headers": [(b"host", b"koordinat.test")]
        + [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    return HTTPConnection(scope)


async def person_row(login_app: LoginApp, person: Person) -> Person:
    async with login_app.db.reading() as session:
        row = await session.get(Person, person.id)
    assert row is not None
    return row


async def test_sessions_end_after_the_absolute_lifetime_and_when_idle(
    login_app: LoginApp, people: World
) -> None:
    db, settings = login_app.db, login_app.settings
    parent = await person_row(login_app, people.parent)
    now = utcnow()

    async def start(hours_ago: float) -> str:
        _row, secret = await sessions.start_session(
            db,
            parent,
            provider="idporten",
            subject="pia",
            acr="idporten-loa-high",
            settings=settings,
            now=now - dt.timedelta(hours=hours_ago),
        )
        return secret

    live = await start(0)
    # Started 13 hours ago: past the 12-hour absolute lifetime.
    too_old = await start(13)
    # Started 9 hours ago and not used since: past the 8-hour idle limit.
    idle = await start(9)

    actor = await auth.authenticate(connection(cookie=f"koordinat_sid={live}"), db, settings)
    assert actor is not None and actor.person_id == parent.id and actor.session_id is not None
    assert actor.auth_method == "oidc:idporten"
    assert await auth.still_valid(actor, db, settings)
    for secret in (too_old, idle):
        ended = connection(cookie=f"koordinat_sid={secret}")
        assert await auth.authenticate(ended, db, settings) is None
    assert await auth.authenticate(connection(cookie="koordinat_sid=made-up"), db, settings) is None


async def test_still_valid_turns_false_after_logout(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    assert (await browser.login("idporten", "pia")).status_code == 303
    cookie = f"koordinat_sid={browser.session_cookie()}"
    actor = await auth.authenticate(connection(cookie=cookie), login_app.db, login_app.settings)
    assert actor is not None
    assert await auth.still_valid(actor, login_app.db, login_app.settings)
    response = await browser.client.post("/auth/logout", headers={"origin": APP_ORIGIN})
    assert response.status_code == 303
    assert not await auth.still_valid(actor, login_app.db, login_app.settings)


async def test_websocket_handshake_uses_the_cookie_only_from_an_allowed_origin(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    assert (await browser.login("kommune", "tina")).status_code == 303
    cookie = f"koordinat_sid={browser.session_cookie()}"
    db, settings = login_app.db, login_app.settings
    own = await auth.authenticate(
        connection("websocket", cookie=cookie, origin=APP_ORIGIN), db, settings
    )
    assert own is not None and own.person_id == people.teacher.id
    for origin in ("https://evil.example", None):
        headers = {"cookie": cookie} | ({"origin": origin} if origin else {})
        assert await auth.authenticate(connection("websocket", **headers), db, settings) is None


async def test_api_token_works_until_revoked(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    db, settings = login_app.db, login_app.settings
    row, secret = await sessions.issue_api_token(db, people.doctor.id, "Testvik sykehus EPJ")
    async with db.reading() as session:
        stored = await session.get(ApiToken, row.id)
    assert stored is not None and stored.token_hash != secret and secret not in stored.token_hash

    bearer = {"authorization": f"Bearer {secret}"}
    # A machine client sends no cookie, so any Origin (or none) is fine.
    assert await browser.me(**bearer, origin="https://epj.sykehus.example") == {
        "name": "Dag Doktor"
    }
    actor = await auth.authenticate_connection_params({"token": secret}, db, settings)
    assert actor is not None and actor.token_id == row.id and actor.auth_method == "api_token"
    assert await auth.still_valid(actor, db, settings)

    assert await sessions.revoke_api_token(db, row.id)
    assert not await sessions.revoke_api_token(db, row.id)
    assert await browser.me(**bearer) is None
    assert await auth.authenticate_connection_params({"token": secret}, db, settings) is None
    assert not await auth.still_valid(actor, db, settings)
    # A wrong or malformed token is anonymous, never an error.
    assert await browser.me(authorization="Bearer kt_not-a-token") is None
    assert await browser.me(authorization="Basic Zm9vOmJhcg==") is None


async def test_expired_api_token_is_refused(login_app: LoginApp, people: World) -> None:
    _row, secret = await sessions.issue_api_token(
        login_app.db,
        people.doctor.id,
        "expired",
        expires_at=utcnow() - dt.timedelta(minutes=1),
    )
    found = await auth.authenticate(
        connection(authorization=f"Bearer {secret}"), login_app.db, login_app.settings
    )
    assert found is None


def koordinat(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KOORDINAT_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_token_cli_creates_and_revokes(
    browser: Browser, login_app: LoginApp, people: World, database_url: str
) -> None:
    created = koordinat(
        database_url, "token", "create", "--person", str(people.doctor.id), "--name", "EPJ"
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("kt_") and secret not in created.stderr
    assert await browser.me(authorization=f"Bearer {secret}") == {"name": "Dag Doktor"}

    async with login_app.db.reading() as session:
        row = (await session.exec(select(ApiToken).where(ApiToken.name == "EPJ"))).one()
    assert f"token id: {row.id}" in created.stderr
    revoked = koordinat(database_url, "token", "revoke", str(row.id))
    assert revoked.returncode == 0, revoked.stderr
    assert await browser.me(authorization=f"Bearer {secret}") is None
    again = koordinat(database_url, "token", "revoke", str(row.id))
    assert again.returncode != 0 and "no active token" in again.stderr
    unknown = koordinat(
        database_url, "token", "create", "--person", str(row.id), "--name", "nobody"
    )
    assert unknown.returncode != 0 and "no person" in unknown.stderr


async def test_dev_identity_still_works_in_dev_mode(
    api: Api, app_under_test: AppUnderTest, world: World
) -> None:
    assert app_under_test.settings.dev_mode
    data = await api.gql("{ me { name } }", as_=world.parent)
    assert data == {"me": {"name": "Pia Forelder"}}
    db, settings = app_under_test.db, app_under_test.settings
    actor = await auth.authenticate_connection_params(
        {"devPerson": str(world.parent.id)}, db, settings
    )
    assert actor is not None and actor.auth_method == "dev"
    assert await auth.still_valid(actor, db, settings)
    # The same payload means nothing in production.
    production = settings.model_copy(update={"dev_mode": False})
    assert (
        await auth.authenticate_connection_params(
            {"devPerson": str(world.parent.id)}, db, production
        )
        is None
    )
    assert not await auth.still_valid(actor, db, production)


async def test_actor_defaults_keep_old_callers_working(world: World) -> None:
    actor = Actor.from_person(world.parent, auth_method="test")
    assert actor.session_id is None and actor.token_id is None
