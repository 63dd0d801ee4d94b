"""The Starlette application: GraphQL over HTTP POST and graphql-transport-ws, plus pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from backend import domains
from backend.api import errors, webapp
from backend.api.context import Context
from backend.api.limits import LimitRequests, Limits, RateLimited
from backend.api.schema import build_schema
from backend.authz import cedar
from backend.core.database import Database
from backend.core.errors import ErrorCode
from backend.core.i18n import LANGUAGES
from backend.core.settings import Settings, get_settings
from backend.events import registry
from backend.events.hub import LiveHub
from backend.events.socket import LiveTransportWSHandler, offers_our_protocol
from backend.identity import auth, csrf, dev, oidc
from backend.identity.csrf import CheckOrigin
from backend.jobs.runner import InProcessRunner

SUPPORTED_LANGUAGES = LANGUAGES


def pick_language(header: str | None, preferred: str | None, default: str) -> str:
    """Explicit Accept-Language wins, then the person's choice, then the default."""
    if header:
        for part in header.split(","):
            tag = part.split(";")[0].strip().lower()
            base = tag.split("-")[0]
            if base == "nn":
                return "nn"
            if base in ("nb", "no"):
                return "nb"
            if base == "en":
                return "en"
    if preferred in SUPPORTED_LANGUAGES:
        return str(preferred)
    return default


class KoordinatGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(self, settings: Settings, db: Database, live: LiveHub | None = None) -> None:
        super().__init__(
            build_schema(settings),
            # No IDE: strawberry's loads its scripts from a CDN, and nothing may (the web app and
            # any GraphQL client over POST serve developers instead).
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings
        self.db = db
        self.live = live
        self.limits = Limits(settings)

    async def run(
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Any:
        # Refuse the handshake itself (HTTP 403) for anything but graphql-transport-ws.
        if isinstance(request, WebSocket) and not offers_our_protocol(request):
            return await self.reject_websocket(request)
        try:
            return await super().run(request, context, root_value)
        except RateLimited as refused:
            return refused.response()
        except HTTPException as refused:
            # Malformed requests (bad JSON, no query, wrong operation type): JSON, with a code.
            language = pick_language(
                request.headers.get("accept-language"), None, self.settings.default_language
            )
            return Response(
                errors.body(
                    ErrorCode.BAD_REQUEST,
                    language,
                    refused.reason if self.settings.dev_mode else None,
                ),
                status_code=refused.status_code,
                media_type="application/json",
            )

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        # A cross-origin handshake needs an allowed Origin (KOORDINAT_ALLOWED_ORIGINS);
        # no Origin (not a browser) and the app's own origin pass strawberry's check before.
        return csrf.origin_allowed(self.settings, request.scope, request.headers)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        actor = await auth.authenticate(request, self.db, self.settings)
        language = pick_language(
            request.headers.get("accept-language"),
            actor.language if actor else None,
            self.settings.default_language,
        )
        if actor is not None:
            await self.limits.charge_person(actor.person_id, request.scope, language)
        return Context(
            db=self.db, settings=self.settings, actor=actor, language=language, live=self.live
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # Errors raised outside the operation (by an extension) get the error contract too.
        if result.errors:
            language = pick_language(
                request.headers.get("accept-language"), None, self.settings.default_language
            )
            dev_mode = self.settings.dev_mode
            result.errors = [errors.contract_error(e, language, dev_mode) for e in result.errors]
        return await super().process_result(request, result)


class RequireJsonPost:
    """POSTs to /graphql must be JSON (a cross-site form cannot send that) and of bounded size
    (a huge body is refused before it is read into memory)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = 1_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] == "POST":
            headers = dict(scope["headers"])
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if content_type != b"application/json":
                await self._refuse(
                    scope, receive, send, 415, "Content-Type must be application/json"
                )
                return
            declared = headers.get(b"content-length")
            if declared is not None and (
                not declared.isdigit() or int(declared) > self.max_body_bytes
            ):
                await self._refuse(scope, receive, send, 413, "Request body too large")
                return
            receive = self._bounded(receive)
        try:
            await self.app(scope, receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, 413, "Request body too large")

    def _bounded(self, receive: Receive) -> Receive:
        """Counts a body sent without Content-Length (chunked) as it arrives."""
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        return bounded

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
        response = JSONResponse({"errors": [{"message": text}]}, status_code=status)
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    pass


async def health(request: Request) -> Response:
    db: Database = request.app.state.db
    async with db.engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    domains.install()  # before the hub and the schema: they ask the registry
    cedar.engine()  # refuse to start with policies that do not validate against their schema
    db = Database(settings.database_url, echo=settings.sql_echo)
    live = LiveHub(db, settings)
    graphql_app = KoordinatGraphQL(settings, db, live)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await live.start()
        # Without Redis the app runs the jobs itself; with Redis, `koordinat worker` does.
        runner = (
            InProcessRunner(db, settings)
            if not settings.redis_url and settings.jobs_in_process
            else None
        )
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            await live.stop()
            await graphql_app.limits.close()
            await db.dispose()

    graphql_methods = ["GET", "POST"] if settings.dev_mode else ["POST"]
    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route("/graphql", graphql_app, methods=graphql_methods),
        WebSocketRoute("/graphql", graphql_app),
        Route("/dev/sign-in", dev.sign_in_page, methods=["GET"]),
        Route("/dev/sign-in", dev.sign_in, methods=["POST"]),
        Route("/dev/sign-out", dev.sign_out, methods=["POST"]),
        Route("/dev/people", dev.people, methods=["GET"]),
        *oidc.routes(),
        # The domains' own endpoints (calendar feeds, live documents).
        *registry.routes(),
        # Last: every other GET is a page of the web app.
        *webapp.routes(),
    ]
    middleware = [
        # Outermost: whatever escapes a route or a middleware is answered as JSON.
        Middleware(errors.JsonErrors, settings=settings, language=pick_language),
        Middleware(RequireJsonPost, max_body_bytes=settings.max_body_bytes),
        Middleware(LimitRequests, limits=graphql_app.limits, language=pick_language),
        Middleware(CheckOrigin, settings=settings),
        Middleware(
            SessionMiddleware,
            secret_key=settings.effective_secret_key(),
            session_cookie="koordinat_session",
            same_site="lax",
            https_only=not settings.dev_mode,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.db = db
    app.state.live = live
    app.state.limits = graphql_app.limits
    return app


def create_app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and multi-worker serving."""
    return create_app(get_settings())
