"""What one mutation costs: SQL statements, round trips, policy decisions and time.

The product runs in this process (ASGI over httpx) so the bench can listen on its engine:
every statement is one round trip, and so are BEGIN and COMMIT (asyncpg sends them on their
own). Policy decisions are the calls into Cedar (`cedarpy.is_authorized`), counted by
wrapping it for the length of the measurement, and so are the gate's decisions
(`decide_on_child` as `backend.authz.access` calls it; Cedar only sees the cache misses).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import cedarpy
from sqlalchemy import event

import backend.authz.access as access
from backend.api.operations import document
from bench.fanout import member_version
from bench.kommune import Kommune
from bench.reads import in_process


async def bench_mutation(k: Kommune, rounds: int) -> dict[str, Any]:
    child = k.children[0]
    coordinator, member = next(
        (k.child_members[child][0][0], m)
        for _, m, role in k.child_members[child]
        if role == "member"
    )
    headers = {"x-koordinat-dev-person": str(coordinator)}
    counts = {"statements": 0, "transactions": 0, "decisions": 0, "cedar": 0}
    samples: list[float] = []
    version = await member_version(k, member)
    original = cedarpy.is_authorized
    original_decide = access.decide_on_child

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts["cedar"] += 1
        return original(*args, **kwargs)

    def decided(*args: Any, **kwargs: Any) -> Any:
        counts["decisions"] += 1
        return original_decide(*args, **kwargs)

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def begin(*_: Any) -> None:
        counts["transactions"] += 1

    async with in_process(k.url) as (app, client):
        engine = app.state.db.engine.sync_engine
        for n in range(rounds + 3):
            if n == 3:  # after warm-up
                for key in counts:
                    counts[key] = 0
                event.listen(engine, "before_cursor_execute", statement)
                event.listen(engine, "begin", begin)
                cedarpy.is_authorized = counted
                access.decide_on_child = decided  # type: ignore[assignment]
            start = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={
                    "query": document("UpdateNetworkMember"),
                    "variables": {
                        "input": {
                            "id": str(member),
                            "version": version,
                            "responsibilities": f"R {n}",
                        }
                    },
                },
                headers=headers,
            )
            if n >= 3:
                samples.append(time.perf_counter() - start)
            result = response.json()["data"]["updateNetworkMember"]
            if result["errors"]:
                raise RuntimeError(f"mutation failed: {result['errors']}")
            version = int(result["member"]["version"])
        cedarpy.is_authorized = original
        access.decide_on_child = original_decide  # type: ignore[assignment]
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)
        # After the counting: the profile's rounds are not in the figures above.
        profile = await _profile(client, headers, member, version)
    per = max(1, len(samples))
    return {
        "statements": counts["statements"] / per,
        "transactions": counts["transactions"] / per,
        # BEGIN and COMMIT are round trips of their own with asyncpg.
        "round_trips": (counts["statements"] + 2 * counts["transactions"]) / per,
        "decisions": counts["decisions"] / per,
        "cedar": counts["cedar"] / per,
        "ms": 1000 * statistics.median(samples),
        "profile": profile,  # type: ignore[dict-item]
    }


async def _profile(client: Any, headers: dict[str, str], member: Any, version: int) -> str:
    """Where one mutation's time goes (pyinstrument over 20 more rounds), or ''."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return ""
    profiler = Profiler(async_mode="enabled", interval=0.0005)
    profiler.start()
    for n in range(20):
        response = await client.post(
            "/graphql",
            json={
                "query": document("UpdateNetworkMember"),
                "variables": {
                    "input": {"id": str(member), "version": version, "responsibilities": f"P {n}"}
                },
            },
            headers=headers,
        )
        version = int(response.json()["data"]["updateNetworkMember"]["member"]["version"])
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False, show_all=False, timeline=False))
