"""Login with OpenID Connect (authorization code flow, PKCE S256) through authlib.

`GET /auth/login/{provider}` sends the browser to the provider with a fresh state, nonce
and PKCE verifier (kept in Starlette's signed session cookie until the callback). With
Pushed Authorization Requests (RFC 9126) the parameters go to the provider's PAR endpoint,
authenticated like the token request, and the browser carries only the `request_uri`.
`GET /auth/callback/{provider}` checks the state, exchanges the code (with the client
secret or a `private_key_jwt` assertion), validates the ID token (signature from the
provider's JWKS, issuer, audience, expiry, nonce), checks the authentication level, maps
the login to an existing person and starts a server-side session. Nobody gets an account
by logging in: an unknown person gets a refusal page.
`POST /auth/logout` ends the session on the server.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx2
from authlib.common.urls import add_params_to_uri
from authlib.integrations.httpx_client import OAuth2ClientAuth
from authlib.integrations.starlette_client import OAuth, OAuthError, StarletteOAuth2App
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.errors import JoseError
from joserfc.jwk import import_key
from sqlalchemy import func
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.core.database import Database
from backend.core.settings import Settings
from backend.identity import sessions
from backend.identity.models import Person, PersonKind
from backend.identity.providers import OidcProvider

log = logging.getLogger(__name__)

# Signing algorithm for the client assertion, by key type, when the JWK names none.
_DEFAULT_ALGS = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}


class OidcClients:
    """One authlib client per configured provider, with cached discovery and JWKS."""

    def __init__(self, settings: Settings) -> None:
        self.oauth = OAuth()
        self.providers: dict[str, OidcProvider] = {}
        # Client authentication at the PAR endpoint: as at the token endpoint, except that
        # a client assertion is addressed to the issuer (what HelseID expects there).
        self.par_auth: dict[str, OAuth2ClientAuth] = {}
        for provider in settings.oidc_providers:
            self.providers[provider.name] = provider
            self.oauth.register(**_registration(provider))
            secret, method = _client_auth(provider, audience=provider.issuer)
            self.par_auth[provider.name] = OAuth2ClientAuth(
                client_id=provider.client_id, client_secret=secret, auth_method=method
            )

    def get(self, name: str) -> tuple[OidcProvider, StarletteOAuth2App] | None:
        provider = self.providers.get(name)
        if provider is None:
            return None
        client = self.oauth.create_client(name)
        assert isinstance(client, StarletteOAuth2App)
        return provider, client


def _client_auth(provider: OidcProvider, audience: str | None) -> tuple[Any, str | PrivateKeyJWT]:
    """The client secret (or private key) and authentication method, in authlib's terms.

    `audience` is a client assertion's `aud`; None means the URL the request goes to.
    """
    if provider.private_key_jwk is None:
        return provider.client_secret, provider.auth_method
    key = import_key(provider.private_key_jwk)
    alg = provider.private_key_jwk.get("alg") or _DEFAULT_ALGS[key.key_type]
    headers = {"kid": key.kid} if key.kid else None
    return key, PrivateKeyJWT(token_endpoint=audience, alg=alg, headers=headers)


def _registration(provider: OidcProvider) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "name": provider.name,
        "client_id": provider.client_id,
        "server_metadata_url": provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        "client_kwargs": {
            "scope": provider.scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": provider.auth_method,
            "timeout": 10.0,
        },
    }
    # A client assertion for the token request is addressed to the token endpoint.
    secret, method = _client_auth(provider, audience=None)
    kwargs["client_secret"] = secret
    if isinstance(method, PrivateKeyJWT):
        kwargs["client_auth_methods"] = [method]
    return kwargs


def _clients(request: Request) -> OidcClients:
    state = request.app.state
    clients = getattr(state, "oidc_clients", None)
    if clients is None:
        clients = state.oidc_clients = OidcClients(state.settings)
    return clients


def _callback_url(request: Request, settings: Settings, name: str) -> str:
    if settings.public_url:
        return f"{settings.public_url.rstrip('/')}/auth/callback/{name}"
    return str(request.url_for("auth_callback", provider=name))


def _page(title: str, body: str, status_code: int) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='nb'><meta charset='utf-8'>"
        f"<title>Koordinat – {html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1>{body}"
        "<p><a href='/auth/login'>Logg inn / Sign in</a></p></html>",
        status_code=status_code,
    )


# Refusal pages say what the person can do, never why a token failed in detail.
_REFUSALS: dict[str, tuple[str, str, int]] = {
    "failed": (
        "Innloggingen mislyktes",
        "Innloggingen kunne ikke fullføres. Prøv igjen fra start. "
        "(The sign-in could not be completed. Please start again.)",
        400,
    ),
    "level": (
        "For lavt sikkerhetsnivå",
        "Koordinat krever innlogging på høyt sikkerhetsnivå, for eksempel BankID. "
        "(Koordinat requires a high assurance level sign-in, such as BankID.)",
        403,
    ),
    "unknown": (
        "Du har ikke tilgang til Koordinat",
        "Vi fant deg ikke blant brukerne av Koordinat. Kontakt barnekoordinatoren eller "
        "kommunen hvis du mener du skal ha tilgang. "
        "(You are not registered in Koordinat. Contact the coordinator or the kommune.)",
        403,
    ),
    "unavailable": (
        "Innloggingstjenesten svarer ikke",
        "Prøv igjen om litt. (The sign-in service is not responding; try again shortly.)",
        502,
    ),
    "not_accepted": (
        "Innloggingen kunne ikke startes",
        "Innloggingstjenesten tok ikke imot innloggingen fra Koordinat. Prøv igjen senere, "
        "og kontakt kommunen hvis det fortsatt ikke går. (The sign-in service did not accept "
        "Koordinat's sign-in request. Try again later, and contact the kommune if it persists.)",
        502,
    ),
}


class ParRefused(Exception):
    """The PAR endpoint did not accept the pushed request, or PAR is required but missing."""


def _refuse(kind: str, provider: str, reason: str) -> HTMLResponse:
    log.warning("login via %s refused (%s): %s", provider, kind, reason)
    title, text, status_code = _REFUSALS[kind]
    return _page(title, f"<p>{html.escape(text)}</p>", status_code)


async def login_page(request: Request) -> Response:
    """Lists the configured providers (ID-porten, HelseID, ...)."""
    providers = _clients(request).providers.values()
    items = "".join(
        f"<li><a href='/auth/login/{html.escape(p.name)}'>{html.escape(p.title or p.name)}</a></li>"
        for p in providers
    )
    return _page("Logg inn", f"<ul>{items}</ul>", 200)


async def login(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    name = request.path_params["provider"]
    clients = _clients(request)
    found = clients.get(name)
    if found is None:
        return Response("Not Found", status_code=404)
    provider, client = found
    extra: dict[str, str] = {}
    if provider.min_acr:
        extra["acr_values"] = provider.min_acr
    redirect_uri = _callback_url(request, settings, name)
    try:
        metadata = await client.load_server_metadata()
        if metadata.get("issuer") != provider.issuer:
            # Discovery at the configured address must describe that same issuer.
            return _refuse("unavailable", name, f"issuer mismatch: {metadata.get('issuer')!r}")
        par_endpoint = metadata.get("pushed_authorization_request_endpoint")
        if provider.par == "always" and not par_endpoint:
            raise ParRefused("PAR is required but the provider has no PAR endpoint")
        # What `authorize_redirect` does, with the PAR step in between: the state, nonce
        # and PKCE verifier are made and kept exactly as without PAR, so the callback
        # checks them the same way.
        authorization = await client.create_authorization_url(redirect_uri, **extra)
        if par_endpoint and provider.par != "never":
            authorization["url"] = await _push(
                client,
                clients.par_auth[name],
                par_endpoint,
                str(metadata["authorization_endpoint"]),
                authorization["url"],
            )
    except ParRefused as error:
        return _refuse("not_accepted", name, str(error))
    except (httpx2.HTTPError, ValueError) as error:
        return _refuse("unavailable", name, repr(error))
    # Saved only now: a refused login start leaves nothing in the session.
    await client.save_authorize_data(request, redirect_uri=redirect_uri, **authorization)
    return RedirectResponse(authorization["url"], status_code=302)


async def _push(
    client: StarletteOAuth2App,
    auth: OAuth2ClientAuth,
    par_endpoint: str,
    authorization_endpoint: str,
    url: str,
) -> str:
    """Pushes the authorization request in `url` (RFC 9126); returns the URL to send the
    browser to, which carries only `client_id` and the provider's `request_uri`."""
    # Query parameters of the endpoint itself stay on the redirect, not in the push.
    own = parse_qsl(urlsplit(authorization_endpoint).query, keep_blank_values=True)
    params = [p for p in parse_qsl(urlsplit(url).query, keep_blank_values=True) if p not in own]
    response = await client.post(par_endpoint, withhold_token=True, data=dict(params), auth=auth)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    request_uri = body.get("request_uri")
    if response.status_code not in (200, 201) or not isinstance(request_uri, str):
        error = str(body.get("error", ""))[:100]
        description = str(body.get("error_description", ""))[:200]
        raise ParRefused(f"PAR endpoint answered {response.status_code}: {error} {description}")
    return str(
        add_params_to_uri(
            authorization_endpoint,
            [("client_id", client.client_id), ("request_uri", request_uri)],
        )
    )


def _claims_options(provider: OidcProvider) -> dict[str, Any]:
    # A fresh dict per call: authlib pops entries out of it while validating.
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "nonce": {"essential": True},
    }


async def callback(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    name = request.path_params["provider"]
    found = _clients(request).get(name)
    if found is None:
        return Response("Not Found", status_code=404)
    provider, client = found
    returned_iss = request.query_params.get("iss")
    if returned_iss is not None and returned_iss != provider.issuer:
        # RFC 9207: a response from another issuer (mix-up attack) is never redeemed.
        return _refuse("failed", name, f"authorization response from {returned_iss!r}")
    try:
        token = await client.authorize_access_token(
            request,
            leeway=settings.oidc_leeway_seconds,
            claims_options=_claims_options(provider),
        )
    except OAuthError as error:
        # Wrong or missing state, an error from the provider, a refused (e.g. replayed) code.
        return _refuse("failed", name, f"{error.error}: {error.description}")
    except JoseError as error:
        # Bad signature, wrong issuer or audience, expired, wrong nonce.
        return _refuse("failed", name, f"ID token rejected: {error!r}")
    except (httpx2.HTTPError, ValueError) as error:
        return _refuse("unavailable", name, repr(error))
    claims = token.get("userinfo")
    if not claims:
        return _refuse("failed", name, "no ID token in the token response")
    if not provider.acr_sufficient(claims.get("acr")):
        return _refuse("level", name, f"acr {claims.get('acr')!r} below {provider.min_acr!r}")
    person = await find_person(db, provider, claims)
    if person is None:
        return _refuse("unknown", name, f"no single person matches {provider.claim}")

    previous = request.cookies.get(sessions.SESSION_COOKIE)
    if previous:
        await sessions.end_session(db, previous)
    _row, secret = await sessions.start_session(
        db,
        person,
        provider=name,
        subject=str(claims["sub"]),
        acr=claims.get("acr"),
        settings=settings,
    )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        secret,
        max_age=settings.session_max_hours * 3600,
        path="/",
        secure=not settings.dev_mode,
        httponly=True,
        samesite="lax",
    )
    return response


async def find_person(db: Database, provider: OidcProvider, claims: Any) -> Person | None:
    """The one person the login's claim names, or None (missing, unknown or ambiguous)."""
    value = claims.get(provider.claim)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    statement = select(Person)
    if provider.match_by == "national_id":
        statement = statement.where(
            col(Person.kind) == PersonKind.CITIZEN.value, col(Person.national_id) == value
        )
    else:
        # An e-mail address or HPR number on a person is only an identity for verified
        # staff: people with an employer, which administrators set and nobody can give
        # themselves or a colleague. Anyone added to a network as a new person (with
        # whatever e-mail the one adding them typed) has none, so such a row can neither
        # be logged into nor make a colleague's login ambiguous. A citizen's e-mail is
        # contact information they gave us, never an identity.
        statement = statement.where(
            col(Person.kind) == PersonKind.STAFF.value,
            col(Person.employer_service_id).is_not(None),
        )
        if provider.match_by == "hpr_number":
            statement = statement.where(col(Person.hpr_number) == value)
        else:
            statement = statement.where(func.lower(col(Person.email)) == value.lower())
    async with db.reading() as session:
        people = (await session.exec(statement.limit(2))).all()
    return people[0] if len(people) == 1 else None


async def logout(request: Request) -> Response:
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    secret = request.cookies.get(sessions.SESSION_COOKIE)
    if secret:
        await sessions.end_session(db, secret)
    request.session.clear()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        sessions.SESSION_COOKIE,
        path="/",
        secure=not settings.dev_mode,
        httponly=True,
        samesite="lax",
    )
    return response


def routes() -> list[Route]:
    return [
        Route("/auth/login", login_page, methods=["GET"]),
        Route("/auth/login/{provider}", login, methods=["GET"]),
        Route("/auth/callback/{provider}", callback, methods=["GET"], name="auth_callback"),
        Route("/auth/logout", logout, methods=["POST"]),
    ]
