"""Cross-site request forgery: a cookie-carrying POST or websocket must come from our own pages.

Browsers attach the session cookie to requests that other sites trigger. SameSite=Lax
already keeps it off cross-site POSTs in current browsers; on top of that every POST that
carries one of our cookies must name an allowed `Origin` (or `Referer`), and /graphql
POSTs must be JSON (`RequireJsonPost` in backend/app.py). Websocket handshakes are not
covered by SameSite at all, so `auth.authenticate` checks their Origin the same way.
Bearer-token clients carry no cookie and are not affected.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.core.settings import Settings

# Our cookies: the login session, and Starlette's signed session (OpenID state, dev sign-in).
GUARDED_COOKIES = ("koordinat_sid", "koordinat_session")


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin(scope: Scope, headers: Headers) -> str | None:
    """The origin this request was addressed to (scheme and Host header)."""
    host = headers.get("host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", ""), scope.get("scheme"))
    return f"{scheme}://{host}".lower()


def allowed_origins(settings: Settings, scope: Scope, headers: Headers) -> set[str]:
    """The allow-list: the setting, else the public URL, else the request's own origin."""
    if settings.allowed_origins:
        return {o.lower() for o in settings.allowed_origins}
    if settings.public_url:
        origin = _origin_of(settings.public_url)
        return {origin} if origin else set()
    origin = own_origin(scope, headers)
    return {origin} if origin else set()


def origin_allowed(settings: Settings, scope: Scope, headers: Headers) -> bool:
    """Whether the request names an allowed origin (Origin, else Referer).

    Browsers send Origin with every POST and websocket handshake, so a request naming
    neither is not a browser's: refused in production, let through in dev mode for the
    scripts and tools that replay the development sign-in cookie. An opaque `null`
    origin (sandboxed frames, some redirects) is always refused.
    """
    stated = headers.get("origin")
    if stated is not None:
        return stated.lower() in allowed_origins(settings, scope, headers)
    referer = headers.get("referer")
    if referer:
        origin = _origin_of(referer)
        return origin is not None and origin in allowed_origins(settings, scope, headers)
    return settings.dev_mode


def carries_guarded_cookie(headers: Headers) -> bool:
    raw = headers.get("cookie")
    if not raw:
        return False
    cookies = cookie_parser(raw)
    return any(name in cookies for name in GUARDED_COOKIES)


class CheckOrigin:
    """Refuses cookie-carrying POSTs from an origin outside the allow-list (403)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = Headers(scope=scope)
            if carries_guarded_cookie(headers) and not origin_allowed(
                self.settings, scope, headers
            ):
                response = JSONResponse(
                    {"errors": [{"message": "Origin not allowed"}]}, status_code=403
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
