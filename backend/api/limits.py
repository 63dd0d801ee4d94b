"""What one person or one address may cost the app (rate limits, document cost).

Every GraphQL POST is measured before graphql-core sees it: one regex pass over the raw
document counts tokens and aliases and stops at the cap, so an oversized document costs
microseconds instead of a parse and a validation (a 1,000-alias document took 64 ms of
event loop, and twenty of them starved everyone else). What passes is charged to token
buckets per address (before authentication) and per person (after it): one request and
the document's tokens as its cost. With `KOORDINAT_REDIS_URL` the buckets live in Redis,
shared by every app process; otherwise, or while Redis is unreachable, in this process.
A refusal is JSON with a stable code (`QUERY_TOO_COMPLEX`, 400; `RATE_LIMITED`, 429 with
Retry-After) and a message in the caller's language.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.errors import MESSAGES, ErrorCode
from backend.core.i18n import pick
from backend.core.settings import Settings

log = logging.getLogger("koordinat.api.limits")

# The document's cost (tokens), left in the ASGI scope for the per-person charge.
COST_KEY = "koordinat.document_cost"

# Tokens as graphql-core's lexer sees them; commas, white space and stray characters are
# skipped. Comments are matched (so their text is not read as names) but not counted.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|"(?:[^"\\\n\r]|\\.)*")
    | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    | (?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<punct>\.\.\.|[!$&()\[\]{}:=@|])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class DocumentCost:
    tokens: int
    aliases: int
    # "tokens" or "aliases" when a cap was passed (counting stopped there), else None.
    over: str | None = None


def measure(document: str, max_tokens: int, max_aliases: int) -> DocumentCost:
    """Tokens and aliases of a raw document, stopping as soon as either cap is passed.

    An alias is `name :` outside parentheses: arguments, variable definitions and input
    objects (the other places a colon appears) are all inside `( )`."""
    tokens = aliases = parens = 0
    after_name = False
    for match in _TOKEN.finditer(document):
        kind = match.lastgroup
        if kind == "comment":
            continue
        tokens += 1
        if tokens > max_tokens:
            return DocumentCost(tokens, aliases, "tokens")
        if kind == "punct":
            char = match.group()
            if char == "(":
                parens += 1
            elif char == ")":
                parens = max(0, parens - 1)
            elif char == ":" and after_name and parens == 0:
                aliases += 1
                if aliases > max_aliases:
                    return DocumentCost(tokens, aliases, "aliases")
        after_name = kind == "name"
    return DocumentCost(tokens, aliases)


@dataclass
class LimitStats:
    """Process-wide counters: documents that reached graphql-core's parser, and refusals
    by code (a refusal before parsing never reaches it)."""

    documents_parsed: int = 0
    refused: Counter[str] | None = None

    def __post_init__(self) -> None:
        self.refused = Counter()

    def refuse(self, code: ErrorCode) -> None:
        assert self.refused is not None
        self.refused[code.value] += 1


stats = LimitStats()


def client_address(scope: Scope) -> str:
    """The caller's address as the key of its budget: IPv6 by /64 (one host usually holds
    the whole prefix). Behind a proxy, uvicorn's FORWARDED_ALLOW_IPS makes this the
    client's address rather than the proxy's."""
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# --- token buckets


@dataclass(frozen=True)
class Charge:
    """Take `cost` from the bucket `key`, which holds `capacity` and refills `per_second`."""

    key: str
    cost: float
    capacity: float
    per_second: float


def _waits(levels: Sequence[float], charges: Sequence[Charge]) -> float:  # seconds until all fit
    wait = 0.0
    for level, charge in zip(levels, charges, strict=True):
        if level < charge.cost:
            wait = max(wait, (charge.cost - level) / charge.per_second)
    return wait


class MemoryBuckets:
    """Token buckets in this process (the embedded default, and the fallback)."""

    PRUNE_AT = 20_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (level, at)

    def _level(self, charge: Charge, now: float) -> float:
        level, at = self._buckets.get(charge.key, (charge.capacity, now))
        return min(charge.capacity, level + (now - at) * charge.per_second)

    async def take(self, charges: Sequence[Charge]) -> float:
        """0 when every charge was taken, else the seconds to wait (nothing taken)."""
        now = self._clock()
        levels = [self._level(c, now) for c in charges]
        wait = _waits(levels, charges)
        if wait > 0:
            return wait
        for level, charge in zip(levels, charges, strict=True):
            self._buckets[charge.key] = (level - charge.cost, now)
        if len(self._buckets) > self.PRUNE_AT:
            self._buckets.clear()  # forgetting only ever gives budget back
        return 0.0

    async def close(self) -> None:
        return None


# All charges in one step (all or nothing), on Redis's clock so app hosts need not agree.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local cost = tonumber(ARGV[3 * i - 2])
  local capacity = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  local state = redis.call('HMGET', KEYS[i], 'level', 'at')
  local level = capacity
  if state[1] then
    level = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) * rate)
  end
  levels[i] = level
  if level < cost then wait = math.max(wait, (cost - level) / rate) end
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  redis.call('HSET', KEYS[i], 'level', tostring(levels[i] - tonumber(ARGV[3 * i - 2])),
             'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate * 1000) + 1000)
end
return '0'
"""


class RedisBuckets:
    """Token buckets in Redis, shared by every app process; this process's buckets stand in
    while Redis cannot be reached (limits stay per process, requests are not refused)."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._script = self._client.register_script(_TAKE)
        self._prefix = prefix
        self._fallback = MemoryBuckets()
        self._warned_at = -math.inf

    async def take(self, charges: Sequence[Charge]) -> float:
        keys = [f"{self._prefix}:{c.key}" for c in charges]
        args: list[float] = []
        for c in charges:
            args += [c.cost, c.capacity, c.per_second]
        try:
            result = await self._script(keys=keys, args=args)
        except (RedisError, OSError):
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("rate limits: Redis unreachable, limiting in this process")
            return await self._fallback.take(charges)
        return float(result)

    async def close(self) -> None:
        await self._client.aclose()


class OpenSockets:
    """Open websockets per key ("ip:..." or "person:...") in this app process."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def acquire(self, key: str, cap: int) -> bool:
        if self._open[key] >= cap:
            return False
        self._open[key] += 1
        return True

    def release(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def count(self, key: str) -> int:
        return self._open.get(key, 0)


# --- the limits of one app


class RateLimited(Exception):
    def __init__(self, retry_after: float, language: str) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after
        self.language = language

    def response(self) -> JSONResponse:
        seconds = max(1, math.ceil(self.retry_after))
        return refusal(ErrorCode.RATE_LIMITED, self.language, 429, retry_after=seconds)


def refusal(
    code: ErrorCode, language: str, status: int, retry_after: int | None = None
) -> JSONResponse:
    stats.refuse(code)
    extensions: dict[str, object] = {"code": code.value}
    headers = {}
    if retry_after is not None:
        extensions["retryAfterSeconds"] = retry_after
        headers["retry-after"] = str(retry_after)
    body = {
        "data": None,
        "errors": [{"message": pick(MESSAGES[code], language), "extensions": extensions}],
    }
    return JSONResponse(body, status_code=status, headers=headers)


class Limits:
    PER_MINUTE = 60.0
    BURST_SECONDS = 10.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enabled = settings.rate_limit_enabled
        self.sockets = OpenSockets()
        self.buckets: MemoryBuckets | RedisBuckets = (
            RedisBuckets(settings.redis_url, settings.rate_limit_prefix)
            if settings.redis_url
            else MemoryBuckets()
        )

    def measure(self, document: str) -> DocumentCost:
        return measure(document, self.settings.max_tokens, self.settings.max_aliases)

    def _charges(self, who: str, cost: int, requests: int, tokens: int) -> list[Charge]:
        # Per-minute rates with a burst of BURST_SECONDS' worth: a whole minute's budget
        # spent at once would still stall everyone else for seconds. A bucket always holds
        # at least one request and one document of the largest allowed size.
        burst = self.BURST_SECONDS / self.PER_MINUTE
        token_capacity = max(tokens * burst, self.settings.max_tokens)
        return [
            Charge(f"{who}:requests", 1, max(requests * burst, 1), requests / self.PER_MINUTE),
            Charge(
                f"{who}:cost", min(cost, token_capacity), token_capacity, tokens / self.PER_MINUTE
            ),
        ]

    async def charge_address(self, scope: Scope, cost: int, language: str) -> None:
        if not self.enabled:
            return
        s = self.settings
        charges = self._charges(
            f"ip:{client_address(scope)}", cost, s.rate_limit_ip_requests, s.rate_limit_ip_cost
        )
        wait = await self.buckets.take(charges)
        if wait > 0:
            raise RateLimited(wait, language)

    async def charge_person(self, person_id: object, scope: Scope, language: str) -> None:
        if not self.enabled or scope.get("type") != "http" or COST_KEY not in scope:
            return
        s = self.settings
        charges = self._charges(
            f"person:{person_id}",
            int(scope[COST_KEY]),
            s.rate_limit_person_requests,
            s.rate_limit_person_cost,
        )
        wait = await self.buckets.take(charges)
        if wait > 0:
            raise RateLimited(wait, language)

    async def close(self) -> None:
        await self.buckets.close()


class LimitRequests:
    """ASGI middleware for POST /graphql: refuses an oversized document before it is parsed
    and charges the caller's address, then hands the (already read) body on."""

    def __init__(
        self,
        app: ASGIApp,
        limits: Limits,
        language: Callable[[str | None, str | None, str], str],
    ) -> None:
        self.app = app
        self.limits = limits
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] == "POST"
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = dict(scope["headers"])
        accept = headers.get(b"accept-language", b"").decode("latin-1") or None
        language = self.language(accept, None, self.limits.settings.default_language)
        cost = self._measure(body)
        if cost is not None and cost.over is not None:
            response = refusal(ErrorCode.QUERY_TOO_COMPLEX, language, 400)
            await response(scope, _replay(body, receive), send)
            return
        tokens = cost.tokens if cost is not None else 0
        try:
            await self.limits.charge_address(scope, tokens, language)
        except RateLimited as refused:
            await refused.response()(scope, _replay(body, receive), send)
            return
        scope[COST_KEY] = tokens
        await self.app(scope, _replay(body, receive), send)

    def _measure(self, body: bytes) -> DocumentCost | None:
        """None when the body is not a JSON object with a string `query` (strawberry
        answers those itself)."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        query = data.get("query") if isinstance(data, dict) else None
        if not isinstance(query, str):
            return None
        return self.limits.measure(query)


async def _read_body(receive: Receive) -> bytes:
    # The body is bounded by RequireJsonPost, which wraps this middleware.
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


__all__ = [
    "COST_KEY",
    "LimitRequests",
    "Limits",
    "OpenSockets",
    "RateLimited",
    "client_address",
    "measure",
    "stats",
]
