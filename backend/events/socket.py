"""The graphql-transport-ws connection: who is calling, how long they may stay, and sending.

Around strawberry's handler: the caller is resolved at `connection_init` (the payload's
token or dev identity, else the handshake's session), a socket without a caller is closed
(4403), and while it is open the caller's session is checked every few seconds: when it
expires or is revoked the socket closes (4401). Each socket holds memory for as long as it
is open, so one address and one person may hold only so many (`KOORDINAT_SOCKETS_PER_IP`,
`KOORDINAT_SOCKETS_PER_PERSON`, counted per app process; over it: 4429), and a socket that
does not send `connection_init` in time closes (4408). Messages go out as text frames (the
protocol is JSON text), and an event rendered once for many receivers is sent from its
encoded JSON without serializing it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any, cast

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from backend.api.context import Context
from backend.api.limits import Limits, OpenSockets, client_address
from backend.api.loaders import Loaders
from backend.authz.access import Gate
from backend.core.actor import Actor
from backend.events import registry
from backend.events.hub import Waiter
from backend.events.render import RenderedData

log = logging.getLogger("koordinat.events.socket")

SESSION_ENDED = 4401
# graphql-transport-ws's "too many" code; its clients do not reconnect on it.
TOO_MANY = 4429


def offers_our_protocol(websocket: WebSocket) -> bool:
    """Only graphql-transport-ws: a legacy `graphql-ws` handshake is refused (HTTP 403)."""
    return GRAPHQL_TRANSPORT_WS_PROTOCOL in websocket.scope.get("subprotocols", [])


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _watchdog: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.context.settings
        self.connection_init_wait_timeout = dt.timedelta(
            seconds=settings.socket_init_timeout_seconds
        )
        self._held: list[str] = []

    @property
    def _ws(self) -> WebSocket:
        return cast(WebSocket, self.websocket.ws)  # type: ignore[attr-defined]

    @property
    def _open_sockets(self) -> OpenSockets:
        limits: Limits = self.view.limits  # type: ignore[attr-defined]
        return limits.sockets

    def _hold(self, key: str, cap: int) -> bool:
        if not self._open_sockets.acquire(key, cap):
            return False
        self._held.append(key)
        return True

    async def handle(self) -> None:
        address = client_address(self._ws.scope)
        try:
            if not self._hold(f"ip:{address}", self.context.settings.sockets_per_ip):
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=TOO_MANY, reason="Too many connections")
                return
            await super().handle()
        finally:
            for key in self._held:
                self._open_sockets.release(key)
            self._held.clear()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload")
        if (
            not self.connection_init_received
            and not self.connection_timed_out
            and isinstance(payload, dict | None)
        ):
            context = self.context
            credentials = registry.credentials()
            actor = (
                await credentials.authenticate(payload, context.db, context.settings)
                if credentials is not None
                else None
            )
            actor = actor or context.actor
            if actor is None:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=4403, reason="Forbidden")
                return
            cap = context.settings.sockets_per_person
            if not self._hold(f"person:{actor.person_id}", cap):
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=TOO_MANY, reason="Too many connections")
                return
            context.actor = actor
            context.via = "websocket"  # for the access log
            context.loaders = Loaders(context.db, actor, context.reads)
            context.gate = Gate(context.db, actor, "websocket", context.reads)
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch_session())

    async def _watch_session(self) -> None:
        """Close the socket when its session or API token ends (logout, revocation, expiry).

        The hub is told at once by a hint (logout and revocation announce the credential, on
        every process through the broker) and checks every credential at its sweep (expiry),
        so an idle socket costs no database work of its own. Without a hub (a bare schema), it
        falls back to asking the database every `events_recheck_seconds`.
        """
        context = self.context
        actor = context.actor
        assert actor is not None
        if actor.session_id is None and actor.token_id is None:
            return  # the development identity has no server-side credential to end
        hub = context.live
        if hub is None:
            await self._poll_session(actor)
            return
        waiter = Waiter(actor)
        hub.register(waiter)
        try:
            while not waiter.ended:
                await waiter.event.wait()
                waiter.event.clear()
        finally:
            hub.unregister(waiter)
        # The streams were woken by the same news: let each send its own UNAUTHENTICATED
        # end first (bounded), then close the socket itself.
        for _ in range(40):
            if not self.operations:
                break
            await asyncio.sleep(0.025)
        with contextlib.suppress(Exception):
            await self.websocket.close(code=SESSION_ENDED, reason="Session ended")

    async def _poll_session(self, actor: Actor) -> None:
        context = self.context
        interval = context.settings.events_recheck_seconds
        while True:
            await asyncio.sleep(interval)
            credentials = registry.credentials()
            try:
                valid = credentials is not None and await credentials.still_valid(
                    actor, context.db, context.settings
                )
            except Exception:
                log.exception("session check failed; trying again")
                continue
            if not valid:
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=SESSION_ENDED, reason="Session ended")
                return

    async def shutdown(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await super().shutdown()

    async def send_message(self, message: Message) -> None:
        await self._send_text(orjson.dumps(message).decode())

    async def _send_text(self, text: str) -> None:
        try:
            await self._ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            # RuntimeError: sending after the socket was closed (e.g. by the watchdog).
            raise WebSocketDisconnected from exc

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: object
    ) -> None:
        first = True
        async for result in result_source:  # type: ignore[attr-defined]
            if first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            first = False
            data = result.data
            if isinstance(data, RenderedData) and not result.errors and not result.extensions:
                # The same encoded payload for every receiver; only the operation id differs.
                if not operation.completed:
                    await self._send_text(
                        '{"id":'
                        + orjson.dumps(operation.id).decode()
                        + ',"type":"next","payload":'
                        + data.encoded
                        + "}"
                    )
                continue
            await operation.send_next(result)
