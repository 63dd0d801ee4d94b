"""The error contract: every error a client sees has a stable code and a message in its language.

Three places produce errors and all go through here:
- graphql-core (parse, validation, variable coercion) and resolvers: `ErrorContract`, a
  schema extension that runs last, gives each error `extensions.code` (and `field` where known)
  and a message in the caller's language;
- the request before GraphQL runs (token or session lookup) and the other routes:
  `JsonErrors`, an ASGI middleware that answers any escaped exception as JSON;
- a database that is restarting, unreachable or locked is `UNAVAILABLE` (retryable, nothing was
  changed); everything else unexpected is `INTERNAL_ERROR`. In production neither carries the
  exception's text (SQL, parameters, driver messages): that goes to the server log only.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import orjson
from sqlalchemy import exc as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from backend.core.errors import MESSAGES, RETRYABLE, ErrorCode, UserErrors
from backend.core.i18n import normalise, pick
from backend.core.settings import Settings
from graphql import GraphQLError

log = logging.getLogger("koordinat.errors")

# SQLSTATE classes that mean "the database cannot serve you right now; try again":
# 08 connection, 57 operator intervention (shutdown, termination, cancel), 53 resources,
# 40 serialization/deadlock, 55P03 lock not available.
_RETRYABLE_SQLSTATES = ("08", "57", "53", "40", "55P03")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        orig = getattr(item, "orig", None)
        todo.extend(
            [orig if isinstance(orig, BaseException) else None, item.__cause__, item.__context__]
        )
        if isinstance(item, GraphQLError):
            todo.append(item.original_error)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database is down, restarting, unreachable or locked."""
    for item in _chain(exc):
        if isinstance(item, sa.DBAPIError) and (item.connection_invalidated or not item.statement):
            # A lost connection, or a failure to connect at all (no statement was sent).
            return True
        if isinstance(
            item,
            sa.DisconnectionError | sa.TimeoutError | sa.InterfaceError | ConnectionError,
        ):
            return True
        if isinstance(item, asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
            return True
        if isinstance(item, OSError | TimeoutError) and not isinstance(item, FileNotFoundError):
            return True
        sqlstate = getattr(item, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_RETRYABLE_SQLSTATES):
            return True
        if isinstance(item, sqlite3.OperationalError) and (
            "locked" in str(item) or "busy" in str(item) or "unable to open" in str(item)
        ):
            return True
    return False


def connection_lost(exc: BaseException) -> bool:
    """Whether the connection broke (so a COMMIT in flight may or may not have happened)."""
    for item in _chain(exc):
        if isinstance(item, sa.DBAPIError) and item.connection_invalidated:
            return True
        if isinstance(
            item,
            ConnectionError
            | sa.InterfaceError
            | asyncpg.PostgresConnectionError
            | asyncpg.InterfaceError,
        ):
            return True
    return False


def message(code: ErrorCode, language: str | None) -> str:
    return pick(MESSAGES[code], language)


def extensions(code: ErrorCode, field: str | None = None, **more: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"code": code.value, "retryable": code in RETRYABLE}
    if field is not None:
        values["field"] = field
    values.update(more)
    return values


def typed(
    code: ErrorCode,
    language: str | None,
    like: GraphQLError | None = None,
    *,
    field: str | None = None,
    text: str | None = None,
    **more: Any,
) -> GraphQLError:
    """A client-facing error: code, message in the language, position and path of `like`."""
    return GraphQLError(
        text or message(code, language),
        nodes=like.nodes if like else None,
        source=like.source if like else None,
        positions=like.positions if like else None,
        path=like.path if like else None,
        extensions=extensions(code, field, **more),
    )


def body(code: ErrorCode, language: str | None, detail: str | None = None) -> bytes:
    """A GraphQL-shaped JSON body for errors outside an operation (and on non-GraphQL routes)."""
    ext = extensions(code, **({"detail": detail} if detail else {}))
    return orjson.dumps(
        {"data": None, "errors": [{"message": message(code, language), "extensions": ext}]}
    )


# --- graphql-core's own errors ----------------------------------------------------------------

_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)'")
_AT = re.compile(r"has invalid value at (?P<path>[\w.\[\]]+):")
_INPUT = re.compile(
    r"(has invalid value|got invalid value|of required type .* was not provided"
    r"|of non-null type .* must not be"
    r"|Expected value of type|cannot represent|does not exist in '|is not defined by type"
    r"|Expected type '|of required type)"
)
_TOO_LARGE = re.compile(r"(exceeds maximum operation depth|aliases|token limit|tokens)", re.I)
_ARGUMENT = re.compile(r"^Argument '(?P<name>\w+)'")
_FIELD = re.compile(r"^Field '(?P<parent>\w+)\.(?P<name>\w+)' of required type")


def classify(error: GraphQLError) -> tuple[ErrorCode, str | None]:
    """The code (and input field path, if known) of an error graphql-core produced itself."""
    text = error.message
    if _TOO_LARGE.search(text) and not _INPUT.search(text):
        return ErrorCode.QUERY_TOO_COMPLEX, None
    if text.startswith("Syntax Error"):
        return ErrorCode.GRAPHQL_PARSE_FAILED, None
    if text.startswith("GraphQL introspection has been disabled"):
        return ErrorCode.INTROSPECTION_DISABLED, None
    if _INPUT.search(text):
        variable = _VARIABLE.match(text)
        if variable:
            at = _AT.search(text)
            # `$input` at `.guardians[0].nationalId` reads `input.guardians.0.nationalId`.
            path = variable.group("name") + (at.group("path") if at else "")
            return ErrorCode.INVALID_INPUT, re.sub(r"\[(\d+)\]", r".\1", path)
        argument = _ARGUMENT.match(text)
        return ErrorCode.INVALID_INPUT, argument.group("name") if argument else None
    return ErrorCode.GRAPHQL_VALIDATION_FAILED, None


def contract_error(error: GraphQLError, language: str | None, dev_mode: bool) -> GraphQLError:
    """The error as a client may see it."""
    ext = error.extensions or {}
    if "code" in ext:
        if "retryable" in ext:
            return error
        # Typed already (a query error, a refusal): add `retryable`, keep the rest.
        code = ErrorCode.__members__.get(str(ext["code"]))
        error.extensions = {**ext, "retryable": code in RETRYABLE}
        return error
    original = error.original_error
    detail = {"detail": error.message} if dev_mode else {}
    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        # Parse, validation or coercion error: English text with schema names; the detail is
        # for developers only (with introspection off, it would hand out the schema).
        code, field = classify(error)
        return typed(code, language, error, field=field, **detail)
    if isinstance(original, UserErrors) and original.errors:
        first = original.errors[0]
        return typed(
            first.code, language, error, field=first.field, text=first.message(normalise(language))
        )
    if original is not None and is_unavailable(original):
        log.warning("database unavailable: %s", original)
        return typed(ErrorCode.UNAVAILABLE, language, error, **detail)
    if not _is_coercion(error):
        log.error("internal error", exc_info=original)
        return typed(ErrorCode.INTERNAL_ERROR, language, error, **detail)
    code, field = classify(error)
    return typed(code, language, error, field=field, **detail)


def _is_coercion(error: GraphQLError) -> bool:
    """A scalar's parse function raised (e.g. an invalid `Date`): bad input, not a fault."""
    return error.path is None and bool(_INPUT.search(error.message))


def build_error_contract(settings: Settings) -> type[SchemaExtension]:
    dev_mode = settings.dev_mode

    class ErrorContract(SchemaExtension):
        """Runs last (listed last, so its `on_operation` finishes first): sees every error."""

        def on_operation(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            errors = getattr(result, "errors", None)
            if result is None or not errors:
                return
            language = getattr(self.execution_context.context, "language", None)
            result.errors = [contract_error(e, language, dev_mode) for e in errors]

    return ErrorContract


# --- outside an operation -----------------------------------------------------------------------


class JsonErrors:
    """Any exception that escapes a route or a middleware becomes a JSON error (never the
    server's plain-text 500): `UNAVAILABLE` with 503 and Retry-After when the database is
    unreachable or locked, `INTERNAL_ERROR` with 500 otherwise. The language comes from
    Accept-Language (the person's own choice is not known when their lookup failed)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        language: Callable[[str | None, str | None, str], str],
    ) -> None:
        self.app = app
        self.settings = settings
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            unavailable = is_unavailable(exc)
            if unavailable:
                log.warning("database unavailable (%s %s): %s", scope["type"], scope["path"], exc)
            else:
                log.error("unhandled error on %s", scope["path"], exc_info=exc)
            if started:
                return
            if scope["type"] == "websocket":
                # 1013 "try again later"; 1011 "server error".
                await send({"type": "websocket.close", "code": 1013 if unavailable else 1011})
                return
            headers = dict(scope["headers"])
            accept = headers.get(b"accept-language", b"").decode("latin-1") or None
            language = self.language(accept, None, self.settings.default_language)
            code = ErrorCode.UNAVAILABLE if unavailable else ErrorCode.INTERNAL_ERROR
            detail = f"{type(exc).__name__}: {exc}" if self.settings.dev_mode else None
            response_headers = [(b"content-type", b"application/json")]
            if unavailable:
                response_headers.append((b"retry-after", b"2"))
            await send(
                {
                    "type": "http.response.start",
                    "status": 503 if unavailable else 500,
                    "headers": response_headers,
                }
            )
            await send({"type": "http.response.body", "body": body(code, language, detail)})
