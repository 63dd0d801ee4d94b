"""Login test fixtures: a real OpenID provider (npm `oidc-provider` on Node.js) and a browser.

The provider runs as a subprocess on a free port for the whole test session. Koordinat
runs in production mode (no dev identities, Secure cookies) on the test database, and the
"browser" is an httpx client that talks to Koordinat in process and to the provider over
real HTTP, following every redirect and filling in the provider's forms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from joserfc.jwk import RSAKey

from backend.app import create_app
from backend.core.database import Database
from backend.core.settings import PROJECT_ROOT as ROOT_DIR
from backend.identity.models import Person
from tests.conftest import IN_CI, World, make_settings

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
APP_ORIGIN = "https://koordinat.test"
HIGH = "idporten-loa-high"
SUBSTANTIAL = "idporten-loa-substantial"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"

# What the provider knows about its users; the test world's people are matched to them.
PIA_FNR = "15108695088"
DAG_HPR = "9144900"
TINA_EMAIL = "tina.laerer@testvik.kommune.no"
ACCOUNTS: dict[str, dict[str, Any]] = {
    "pia": {"pid": PIA_FNR, "name": "Pia Forelder"},
    "ukjent": {"pid": "01010112345", "name": "Ukjent Person"},
    "dag": {HPR_CLAIM: DAG_HPR, "name": "Dag Doktor"},
    # The kommune's IdP writes the address with capitals; matching ignores case.
    "tina": {"email": "Tina.Laerer@Testvik.Kommune.no", "email_verified": True},
}

IDPORTEN_SECRET = "idporten-client-secret-for-tests-0123456789"
KOMMUNE_SECRET = "kommune-client-secret-for-tests-0123456789"

# The web app's own document: production answers a browser session only for these.
ME = (ROOT_DIR / "graphql" / "operations" / "Me.graphql").read_text()


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    helseid_key: dict[str, Any]


@pytest.fixture(scope="session")
def helseid_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "koordinat-helseid-1"}, private=True)


def _start_provider(tmp: Path, helseid_key: RSAKey, **extra: Any) -> Iterator[RunningProvider]:
    node = shutil.which("node")
    _require(node is not None, "Node.js is not installed (needed for the OpenID provider)")
    _require(
        (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
        f"run `npm ci --prefix {PROVIDER_DIR}` (bin/test does it)",
    )
    assert node is not None

    def client(name: str, **auth: Any) -> dict[str, Any]:
        return {
            "client_id": f"koordinat-{name}",
            "redirect_uris": [f"{APP_ORIGIN}/auth/callback/{name}"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            **auth,
        }

    # Like HelseID, the private_key_jwt client must push its authorization requests.
    par = {"require_pushed_authorization_requests": True}
    if extra.get("pushedAuthorizationRequests") is False:
        par = {}
    config = {
        "accounts": ACCOUNTS,
        "clients": [
            client("idporten", client_secret=IDPORTEN_SECRET),
            client(
                "helseid",
                token_endpoint_auth_method="private_key_jwt",
                jwks={"keys": [helseid_key.as_dict(private=False)]},
                **par,
            ),
            client(
                "kommune",
                client_secret=KOMMUNE_SECRET,
                token_endpoint_auth_method="client_secret_post",
            ),
        ],
        **extra,
    }
    config_file = tmp / "provider.json"
    config_file.write_text(json.dumps(config))
    log_file = tmp / "provider.log"
    # stderr goes to a file: a pipe nobody reads would stall a chatty provider.
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [node, str(PROVIDER_DIR / "provider.mjs"), str(config_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the OpenID provider did not start:\n{log_file.read_text()}")
        issuer = json.loads(line)["issuer"]
        yield RunningProvider(issuer=issuer, helseid_key=helseid_key.as_dict(private=True))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oidc_provider(
    tmp_path_factory: pytest.TempPathFactory, helseid_key: RSAKey
) -> Iterator[RunningProvider]:
    yield from _start_provider(tmp_path_factory.mktemp("oidc"), helseid_key)


@pytest.fixture(scope="session")
def skewed_oidc_provider(
    tmp_path_factory: pytest.TempPathFactory, helseid_key: RSAKey
) -> Iterator[RunningProvider]:
    """A provider whose clock is ten minutes behind: its ID tokens arrive already expired."""
    yield from _start_provider(
        tmp_path_factory.mktemp("oidc-skewed"),
        helseid_key,
        clockOffsetSeconds=-600,
        idTokenTtlSeconds=60,
    )


@pytest.fixture(scope="session")
def no_par_oidc_provider(
    tmp_path_factory: pytest.TempPathFactory, helseid_key: RSAKey
) -> Iterator[RunningProvider]:
    """A provider without Pushed Authorization Requests (no PAR endpoint in discovery)."""
    yield from _start_provider(
        tmp_path_factory.mktemp("oidc-no-par"), helseid_key, pushedAuthorizationRequests=False
    )


def provider_settings(provider: RunningProvider) -> list[dict[str, Any]]:
    return [
        {
            "name": "idporten",
            "title": "ID-porten",
            "issuer": provider.issuer,
            "client_id": "koordinat-idporten",
            "client_secret": IDPORTEN_SECRET,
            "scope": "openid profile",
            "match_by": "national_id",
            "min_acr": HIGH,
            # The front-channel authorization request stays covered by the ID-porten tests.
            "par": "never",
        },
        {
            "name": "helseid",
            "title": "HelseID",
            "issuer": provider.issuer,
            "client_id": "koordinat-helseid",
            # As it would arrive from a secret store: JSON text inside the JSON list.
            "private_key_jwk": json.dumps(provider.helseid_key),
            "scope": "openid profile helseid://scopes/identity/hpr_number",
            "match_by": "hpr_number",
            "par": "always",
        },
        {
            "name": "kommune",
            "title": "Testvik kommune",
            "issuer": provider.issuer,
            "client_id": "koordinat-kommune",
            "client_secret": KOMMUNE_SECRET,
            "scope": "openid email profile",
            "match_by": "email",
        },
    ]


@dataclass
class LoginApp:
    app: Any
    db: Database
    settings: Any


async def _login_app(database_url: str, provider: RunningProvider) -> AsyncIterator[LoginApp]:
    # The providers list goes through the environment's JSON form, as in production.
    os.environ["KOORDINAT_OIDC_PROVIDERS"] = json.dumps(provider_settings(provider))
    try:
        settings = make_settings(database_url, dev_mode=False, secret_key="login-test-secret")
    finally:
        del os.environ["KOORDINAT_OIDC_PROVIDERS"]
    assert [p.name for p in settings.oidc_providers] == ["idporten", "helseid", "kommune"]
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield LoginApp(app=app, db=app.state.db, settings=settings)


@pytest.fixture(scope="session")
async def login_app(database_url: str, oidc_provider: RunningProvider) -> AsyncIterator[LoginApp]:
    async for app in _login_app(database_url, oidc_provider):
        yield app


@pytest.fixture(scope="session")
async def skewed_login_app(
    database_url: str, skewed_oidc_provider: RunningProvider
) -> AsyncIterator[LoginApp]:
    async for app in _login_app(database_url, skewed_oidc_provider):
        yield app


@pytest.fixture
async def people(world: World, login_app: LoginApp) -> World:
    """The test world's people, with the identifiers the provider's accounts carry."""
    async with login_app.db.writing() as session:
        for person, values in (
            (world.parent, {"national_id": PIA_FNR}),
            (world.doctor, {"hpr_number": DAG_HPR}),
            (world.teacher, {"email": TINA_EMAIL}),
        ):
            row = await session.get(Person, person.id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
                setattr(person, key, value)
            session.add(row)
    return world


_FORM = re.compile(r'<form method="post" action="([^"]+)">', re.S)
_HIDDEN_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


class Browser:
    """Follows redirects between Koordinat (in process) and the provider (real HTTP)."""

    def __init__(self, app: Any) -> None:
        self.client = httpx.AsyncClient(
            base_url=APP_ORIGIN,
            mounts={APP_ORIGIN: httpx.ASGITransport(app=app)},
            follow_redirects=False,
            timeout=30,
        )

    async def start(self, provider: str) -> str:
        """Koordinat's login redirect: the provider's authorization URL."""
        response = await self.client.get(f"/auth/login/{provider}")
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def at_provider(self, url: str, account: str, acr: str = HIGH) -> str:
        """Log in and consent at the provider; returns the callback URL it sends us to."""
        for _ in range(12):
            response = await self.client.get(url)
            while response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                if url.startswith(APP_ORIGIN):
                    return url
                response = await self.client.get(url)
            assert response.status_code == 200, response.text
            form = _FORM.search(response.text)
            prompt = _HIDDEN_PROMPT.search(response.text)
            assert form and prompt, response.text
            data = {"prompt": prompt.group(1)}
            if prompt.group(1) == "login":
                data.update(login=account, acr=acr)
            response = await self.client.post(urljoin(url, form.group(1)), data=data)
            assert response.status_code == 303, response.text
            url = urljoin(url, response.headers["location"])
        raise AssertionError("the provider never sent the browser back")

    async def callback(self, url: str) -> httpx.Response:
        return await self.client.get(url)

    async def login(self, provider: str, account: str, acr: str = HIGH) -> httpx.Response:
        callback_url = await self.at_provider(await self.start(provider), account, acr)
        return await self.callback(callback_url)

    def session_cookie(self) -> str | None:
        return self.client.cookies.get("koordinat_sid", domain="koordinat.test")

    async def graphql(self, query: str, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query},
            headers={"content-type": "application/json", "origin": APP_ORIGIN, **headers},
        )

    async def me(self, **headers: str) -> Any:
        """Who the session is, as the web app asks it: {"name": ...}, or None."""
        response = await self.graphql(ME, **headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        me = body["data"]["me"]
        return {"name": me["name"]} if me else None


@pytest.fixture
async def browser(login_app: LoginApp) -> AsyncIterator[Browser]:
    b = Browser(login_app.app)
    yield b
    await b.client.aclose()
