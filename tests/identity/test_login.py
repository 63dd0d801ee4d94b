"""OpenID Connect login end to end against a real provider, through every redirect."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlmodel import col, func, select

from backend.audit.models import AuditEntry
from backend.identity.login_models import UserSession
from backend.identity.models import Person
from tests.conftest import World
from tests.identity.conftest import (
    APP_ORIGIN,
    HIGH,
    ME,
    PIA_FNR,
    SUBSTANTIAL,
    Browser,
    LoginApp,
)


async def session_rows(login_app: LoginApp) -> list[UserSession]:
    async with login_app.db.reading() as session:
        return list((await session.exec(select(UserSession))).all())


def assert_no_session_cookie(response: httpx.Response) -> None:
    assert "koordinat_sid" not in response.headers.get("set-cookie", "")


async def test_citizen_logs_in_with_idporten(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    authorize = await browser.start("idporten")
    query = dict(parse_qsl(urlsplit(authorize).query))
    assert authorize.startswith(login_app.settings.oidc_providers[0].issuer)
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and query["state"] and query["nonce"]
    assert query["acr_values"] == HIGH
    assert query["redirect_uri"] == f"{APP_ORIGIN}/auth/callback/idporten"

    response = await browser.callback(await browser.at_provider(authorize, "pia", HIGH))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("koordinat_sid=")
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie

    assert await browser.me() == {"name": "Pia Forelder"}
    [row] = await session_rows(login_app)
    assert row.person_id == people.parent.id
    assert (row.provider, row.subject, row.acr, row.revoked_at) == ("idporten", "pia", HIGH, None)
    # The cookie is an opaque secret; the database holds only its hash.
    assert browser.session_cookie() not in (row.token_hash, str(row.id))
    async with login_app.db.reading() as session:
        started = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "session.started"))
        ).one()
    assert started.actor_person_id == people.parent.id
    assert started.detail["auth"] == "oidc:idporten"


async def test_health_personnel_log_in_with_helseid_and_private_key_jwt(
    browser: Browser, people: World
) -> None:
    # The provider accepts only a signed client assertion from this client.
    response = await browser.login("helseid", "dag")
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Dag Doktor"}


async def test_staff_log_in_with_the_kommune_idp_matched_by_email(
    browser: Browser, people: World
) -> None:
    response = await browser.login("kommune", "tina")
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Tina Lærer"}


async def test_staff_login_never_reaches_a_citizen_with_that_email(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    async with login_app.db.writing() as session:
        teacher = await session.get(Person, people.teacher.id)
        parent = await session.get(Person, people.parent.id)
        assert teacher is not None and parent is not None
        # The parent gave the teacher's address as contact e-mail; the teacher has none.
        parent.email, teacher.email = teacher.email, None
        session.add_all([teacher, parent])
    response = await browser.login("kommune", "tina")
    assert response.status_code == 403
    assert_no_session_cookie(response)
    assert await session_rows(login_app) == []


async def test_unknown_person_is_refused_without_an_account(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    async with login_app.db.reading() as session:
        before = (await session.exec(select(func.count()).select_from(UserSession))).one()
    response = await browser.login("idporten", "ukjent")
    assert response.status_code == 403
    assert "Du har ikke tilgang til Koordinat" in response.text
    assert_no_session_cookie(response)
    assert await session_rows(login_app) == [] and before == 0
    assert await browser.me() is None


async def test_login_below_the_required_level_is_refused(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    response = await browser.login("idporten", "pia", SUBSTANTIAL)
    assert response.status_code == 403
    assert "sikkerhetsnivå" in response.text
    assert_no_session_cookie(response)
    assert await session_rows(login_app) == []


async def test_wrong_state_is_refused(
    browser: Browser, login_app: LoginApp, people: World, caplog: pytest.LogCaptureFixture
) -> None:
    callback = await browser.at_provider(await browser.start("idporten"), "pia")
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["code"] and query["state"]
    query["state"] = "not-the-state-we-sent"
    response = await browser.callback(urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 400
    assert "Innloggingen mislyktes" in response.text
    assert "mismatching_state" in caplog.text
    assert_no_session_cookie(response)
    assert await session_rows(login_app) == []


async def test_callback_from_another_issuer_is_refused(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    callback = await browser.at_provider(await browser.start("idporten"), "pia")
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["iss"] == login_app.settings.oidc_providers[0].issuer
    query["iss"] = "https://idp.example.org"
    response = await browser.callback(urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 400
    assert await session_rows(login_app) == []


async def test_replayed_authorization_code_is_refused(
    browser: Browser, login_app: LoginApp, people: World, caplog: pytest.LogCaptureFixture
) -> None:
    callback = await browser.at_provider(await browser.start("idporten"), "pia")
    # Keep the state cookie as it was before the callback, to replay the whole request.
    state_cookie = browser.client.cookies.get("koordinat_session", domain="koordinat.test")
    assert state_cookie
    first = await browser.callback(callback)
    assert first.status_code == 303

    replay = Browser(login_app.app)
    replay.client.cookies.set("koordinat_session", state_cookie, domain="koordinat.test")
    try:
        response = await replay.callback(callback)
    finally:
        await replay.client.aclose()
    # The state still matches (same cookie), so it is the provider that refuses the code.
    assert response.status_code == 400
    assert "Innloggingen mislyktes" in response.text
    assert "invalid_grant" in caplog.text
    assert_no_session_cookie(response)
    assert len(await session_rows(login_app)) == 1


async def test_expired_id_token_is_refused(
    skewed_login_app: LoginApp, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with skewed_login_app.db.writing() as session:
        row = await session.get(Person, world.parent.id)
        assert row is not None
        row.national_id = PIA_FNR
        session.add(row)
    browser = Browser(skewed_login_app.app)
    try:
        response = await browser.login("idporten", "pia")
        assert response.status_code == 400
        assert "Innloggingen mislyktes" in response.text
        assert "ExpiredTokenError" in caplog.text
        assert_no_session_cookie(response)
        assert await session_rows(skewed_login_app) == []
    finally:
        await browser.client.aclose()


async def test_logout_ends_the_session_on_the_server(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    assert (await browser.login("idporten", "pia")).status_code == 303
    old_cookie = browser.session_cookie()
    assert old_cookie and await browser.me() == {"name": "Pia Forelder"}

    response = await browser.client.post("/auth/logout", headers={"origin": APP_ORIGIN})
    assert response.status_code == 303
    assert (
        'koordinat_sid="";' in response.headers["set-cookie"]
        or "Max-Age=0" in (response.headers["set-cookie"])
    )
    [row] = await session_rows(login_app)
    assert row.revoked_at is not None

    # Someone who kept the old cookie gets nothing with it.
    browser.client.cookies.set("koordinat_sid", old_cookie, domain="koordinat.test")
    assert await browser.me() is None
    async with login_app.db.reading() as session:
        ended = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.action) == "session.ended"))
        ).one()
    assert ended.entity_id == row.id


async def test_cookie_post_from_a_foreign_origin_is_refused(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    assert (await browser.login("idporten", "pia")).status_code == 303

    for origin in ("https://evil.example", "null", "http://koordinat.test"):
        foreign = await browser.graphql(ME, origin=origin)
        assert foreign.status_code == 403, origin
    cross_site_referer = await browser.client.post(
        "/graphql",
        json={"query": ME},
        headers={"content-type": "application/json", "referer": "https://evil.example/x"},
    )
    assert cross_site_referer.status_code == 403
    # In production a stripped Origin is no way around the check either.
    stripped = await browser.client.post(
        "/graphql",
        json={"query": ME},
        headers={"content-type": "application/json"},
    )
    assert stripped.status_code == 403
    # A logout forged from another site does not end the session.
    forged = await browser.client.post("/auth/logout", headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    assert await browser.me() == {"name": "Pia Forelder"}
    referer_only = await browser.client.post(
        "/graphql",
        json={"query": ME},
        headers={"content-type": "application/json", "referer": f"{APP_ORIGIN}/barn/1"},
    )
    assert referer_only.status_code == 200


async def test_login_page_lists_providers_and_unknown_providers_are_not_found(
    browser: Browser, people: World
) -> None:
    page = await browser.client.get("/auth/login")
    assert page.status_code == 200
    for title in ("ID-porten", "HelseID", "Testvik kommune"):
        assert title in page.text
    assert (await browser.client.get("/auth/login/facebook")).status_code == 404
    assert (await browser.client.get("/auth/callback/facebook?code=x&state=y")).status_code == 404


async def test_dev_sign_in_stays_refused_in_production(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    assert login_app.settings.dev_mode is False
    assert (await browser.client.get("/dev/sign-in")).status_code == 404
    response = await browser.client.post(
        "/dev/sign-in", data={"person_id": str(people.coordinator.id)}
    )
    assert response.status_code == 404
    assert "set-cookie" not in response.headers
    assert await browser.me(**{"x-koordinat-dev-person": str(people.coordinator.id)}) is None
