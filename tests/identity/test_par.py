"""Pushed Authorization Requests (RFC 9126) against the real provider.

In the test settings HelseID has `par: "always"` and its client at the provider requires
PAR (as HelseID does for new clients, together with private_key_jwt); the kommune's IdP
has the default `"auto"`; ID-porten has `"never"`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlmodel import select

from backend.identity.login_models import UserSession
from backend.identity.oidc import OidcClients
from tests.conftest import World
from tests.identity.conftest import APP_ORIGIN, Browser, LoginApp, RunningProvider

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"

UseProviders = Callable[..., OidcClients]


async def session_rows(login_app: LoginApp) -> list[UserSession]:
    async with login_app.db.reading() as session:
        return list((await session.exec(select(UserSession))).all())


@pytest.fixture
def use_providers(login_app: LoginApp, monkeypatch: pytest.MonkeyPatch) -> UseProviders:
    """Runs the app with changed provider settings (per provider name) for one test."""

    def use(issuer: str | None = None, **changes: dict[str, Any]) -> OidcClients:
        providers = []
        for provider in login_app.settings.oidc_providers:
            update = dict(changes.get(provider.name, {}))
            if issuer is not None:
                update["issuer"] = issuer
            providers.append(provider.model_validate({**provider.model_dump(), **update}))
        settings = login_app.settings.model_copy(update={"oidc_providers": providers})
        clients = OidcClients(settings)
        monkeypatch.setattr(login_app.app.state, "oidc_clients", clients, raising=False)
        return clients

    return use


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def test_health_personnel_log_in_through_par(
    browser: Browser, login_app: LoginApp, people: World
) -> None:
    authorize = await browser.start("helseid")
    # The browser carries only a reference to the pushed request, nothing of its content.
    assert authorize.startswith(login_app.settings.oidc_providers[1].issuer)
    query = query_of(authorize)
    assert set(query) == {"client_id", "request_uri"}
    assert query["client_id"] == "koordinat-helseid"
    assert query["request_uri"].startswith(REQUEST_URI_PREFIX)

    response = await browser.callback(await browser.at_provider(authorize, "dag"))
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Dag Doktor"}
    [row] = await session_rows(login_app)
    assert (row.person_id, row.provider, row.subject) == (people.doctor.id, "helseid", "dag")


async def test_auto_uses_par_when_the_provider_offers_it(browser: Browser, people: World) -> None:
    # The kommune's client may use either; "auto" pushes since discovery has the endpoint.
    authorize = await browser.start("kommune")
    assert set(query_of(authorize)) == {"client_id", "request_uri"}
    response = await browser.callback(await browser.at_provider(authorize, "tina"))
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Tina Lærer"}


async def test_callback_after_par_still_checks_the_state(
    browser: Browser, login_app: LoginApp, people: World, caplog: pytest.LogCaptureFixture
) -> None:
    callback = await browser.at_provider(await browser.start("helseid"), "dag")
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["code"] and query["state"]
    query["state"] = "not-the-state-we-sent"
    response = await browser.callback(urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 400
    assert "mismatching_state" in caplog.text
    assert await session_rows(login_app) == []


async def test_the_par_assertion_is_addressed_to_the_issuer(
    oidc_provider: RunningProvider, use_providers: UseProviders
) -> None:
    clients = use_providers()
    auth = clients.par_auth["helseid"]
    _url, _headers, body = auth.prepare("POST", f"{oidc_provider.issuer}/request", {}, "a=b")
    assertion = dict(parse_qsl(body))["client_assertion"]
    public_key = RSAKey.import_key(oidc_provider.helseid_key).as_dict(private=False)
    token = jwt.decode(assertion, RSAKey.import_key(public_key))
    assert token.header["kid"] == "koordinat-helseid-1"
    assert token.claims["aud"] == oidc_provider.issuer
    assert token.claims["iss"] == token.claims["sub"] == "koordinat-helseid"


async def test_a_client_that_requires_par_cannot_use_a_plain_request(
    browser: Browser, login_app: LoginApp, people: World, use_providers: UseProviders
) -> None:
    use_providers(helseid={"par": "never"})
    authorize = await browser.start("helseid")
    query = query_of(authorize)
    assert "request_uri" not in query
    assert query["code_challenge"] and query["redirect_uri"] and query["state"]

    # The provider itself refuses the plain request and sends the browser back with an error.
    at_provider = await browser.client.get(authorize)
    assert at_provider.status_code in (302, 303)
    back = at_provider.headers["location"]
    assert back.startswith(f"{APP_ORIGIN}/auth/callback/helseid?")
    assert query_of(back)["error"] == "invalid_request"
    assert "Pushed Authorization Request must be used" in query_of(back)["error_description"]

    # Koordinat then refuses cleanly: a page, no session, no cookie.
    response = await browser.callback(back)
    assert response.status_code == 400
    assert "Innloggingen mislyktes" in response.text
    assert "koordinat_sid" not in response.headers.get("set-cookie", "")
    assert await session_rows(login_app) == []
    assert await browser.me() is None


async def test_a_par_error_gives_a_refusal_page_and_writes_nothing(
    browser: Browser,
    login_app: LoginApp,
    people: World,
    use_providers: UseProviders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A key the provider does not know for this client: the PAR endpoint refuses the client.
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-registered"}, private=True)
    use_providers(helseid={"private_key_jwk": stranger.as_dict(private=True)})
    response = await browser.client.get("/auth/login/helseid")
    assert response.status_code == 502
    assert "Innloggingen kunne ikke startes" in response.text
    assert "Traceback" not in response.text and "invalid_client" not in response.text
    assert "PAR endpoint answered 401: invalid_client" in caplog.text
    # Not even the login state is kept: no cookie of any kind.
    assert "set-cookie" not in response.headers
    assert await session_rows(login_app) == []


async def test_without_a_par_endpoint_auto_falls_back_and_always_refuses(
    browser: Browser,
    login_app: LoginApp,
    people: World,
    no_par_oidc_provider: RunningProvider,
    use_providers: UseProviders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_providers(issuer=no_par_oidc_provider.issuer)
    discovery_url = f"{no_par_oidc_provider.issuer}/.well-known/openid-configuration"
    async with httpx.AsyncClient() as http:
        discovery = await http.get(discovery_url)
    assert "pushed_authorization_request_endpoint" not in discovery.json()

    refused = await browser.client.get("/auth/login/helseid")
    assert refused.status_code == 502
    assert "Innloggingen kunne ikke startes" in refused.text
    assert "PAR is required" in caplog.text
    assert "set-cookie" not in refused.headers

    authorize = await browser.start("kommune")
    assert authorize.startswith(no_par_oidc_provider.issuer)
    query = query_of(authorize)
    assert "request_uri" not in query and query["code_challenge_method"] == "S256"
    response = await browser.callback(await browser.at_provider(authorize, "tina"))
    assert response.status_code == 303, response.text
    assert await browser.me() == {"name": "Tina Lærer"}
