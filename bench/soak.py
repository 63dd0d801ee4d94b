"""Morning rush: two app processes and a worker on PostgreSQL and Redis, for a few minutes.

Coordinators load their caseload every 10 s, families keep their child's stream open, and
network members are updated at a steady rate, spread over both processes. Every loop is
bounded by the soak's end; every wait by a timeout. Reported: p50/p99 per operation,
errors, events lost or doubled per subscriber (by sequence number), CPU and memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import uuid
from typing import Any

import asyncpg
import httpx

from backend.api.operations import document
from backend.events.hub import encode_cursor
from bench import procs
from bench.fanout import Subscriber, subscribe
from bench.kommune import PG, Kommune
from bench.reads import percentile


async def soak(
    k: Kommune,
    *,
    minutes: float,
    coordinators: int = 50,
    families: int = 500,
    mutations_per_second: float = 20,
    redis_url: str = "redis://127.0.0.1:6379/9",
) -> dict[str, Any]:
    seconds = max(10.0, minutes * 60)
    extra = {
        "KOORDINAT_REDIS_URL": redis_url,
        "KOORDINAT_EVENTS_CHANNEL": f"koordinat:bench:{uuid.uuid4().hex[:8]}",
        "KOORDINAT_JOBS_QUEUE": f"koordinat:bench:jobs:{uuid.uuid4().hex[:8]}",
    }
    ports = [procs.free_port(), procs.free_port()]
    timings: dict[str, list[float]] = {"caseload": [], "mutation": []}
    errors: list[str] = []
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(procs.serve_product(k.url, p, **extra)) for p in ports]
        worker = stack.enter_context(
            procs.process(["-m", "backend.cli", "worker"], procs.product_env(k.url, **extra))
        )
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc in zip(bases, servers, strict=True):
            await procs.wait_healthy(base, proc)
        pids = {"app 1": servers[0].pid, "app 2": servers[1].pid, "worker": worker.pid}
        # Families: one guardian per child, following that child.
        followed = []
        for child in k.children:
            guardian = next(p for p, _, r in k.child_members[child] if r == "guardian")
            followed.append((guardian, child))
            if len(followed) >= families:
                break
        # Families who had the app open: they resume from the head of their child's stream.
        connection = await asyncpg.connect(database=k.name, **PG)  # type: ignore[arg-type]
        start_heads = {
            r["child_id"]: r["last_seq"]
            for r in await connection.fetch("SELECT child_id, last_seq FROM child_event_counter")
        }
        subscribers: list[Subscriber] = []
        for n in range(0, len(followed), 25):
            subscribers += await asyncio.gather(
                *(
                    subscribe(bases[(n + i) % 2], g, c, encode_cursor(c, start_heads.get(c, 0)))
                    for i, (g, c) in enumerate(followed[n : n + 25])
                )
            )
        by_child = {c: s for (_, c), s in zip(followed, subscribers, strict=True)}
        # Writers: staff members of the followed children, edited by their coordinator.
        targets = []
        for child in by_child:
            members = k.child_members[child]
            member = next(m for _, m, r in members if r == "member")
            targets.append((members[0][0], member, child))
        versions = {
            r["id"]: r["version"]
            for r in await connection.fetch(
                "SELECT id, version FROM network_member WHERE id = ANY($1)", [t[1] for t in targets]
            )
        }
        cpu0 = {name: procs.cpu_seconds(pid) for name, pid in pids.items()}
        start = time.monotonic()
        end = start + seconds
        async with httpx.AsyncClient(timeout=30) as http:

            async def timed(kind: str, base: str, body: dict[str, Any], person: uuid.UUID) -> Any:
                t0 = time.perf_counter()
                try:
                    response = await http.post(
                        f"{base}/graphql",
                        json=body,
                        headers={"x-koordinat-dev-person": str(person)},
                    )
                    payload = response.json()
                except (httpx.HTTPError, ValueError) as error:
                    errors.append(f"{kind}: {error!r}")
                    return None
                timings[kind].append(time.perf_counter() - t0)
                if response.status_code != 200 or "errors" in payload:
                    errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
                    return None
                return payload

            async def coordinator(n: int, person: uuid.UUID) -> None:
                body = {"query": document("MyCaseload"), "variables": {"first": 50}}
                await asyncio.sleep(10 * n / max(1, coordinators))  # spread over the 10 s
                while time.monotonic() < end:
                    await timed("caseload", bases[n % 2], body, person)
                    await asyncio.sleep(max(0.0, 10 - (time.monotonic() - start) % 10))

            async def writer() -> None:
                n = 0
                interval = 1 / mutations_per_second
                pending: set[asyncio.Task[None]] = set()
                busy: set[uuid.UUID] = set()

                async def one(person: uuid.UUID, member: uuid.UUID, base: str) -> None:
                    body = {
                        "query": document("UpdateNetworkMember"),
                        "variables": {
                            "input": {
                                "id": str(member),
                                "version": versions[member],
                                "responsibilities": f"Soak {time.monotonic():.3f}",
                            }
                        },
                    }
                    payload = await timed("mutation", base, body, person)
                    result = (payload or {}).get("data", {}).get("updateNetworkMember") or {}
                    if result.get("errors"):
                        errors.append(f"mutation: {result['errors']}")
                    elif result.get("member"):
                        versions[member] = int(result["member"]["version"])
                    busy.discard(member)

                while time.monotonic() < end:
                    person, member, _ = targets[n % len(targets)]
                    if member not in busy:
                        busy.add(member)
                        task = asyncio.create_task(one(person, member, bases[n % 2]))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
                    n += 1
                    await asyncio.sleep(interval)
                if pending:
                    await asyncio.wait(pending, timeout=30)

            staff = k.coordinators[:coordinators]
            await asyncio.gather(writer(), *(coordinator(n, p) for n, p in enumerate(staff)))
        elapsed = time.monotonic() - start
        cpu = {name: procs.cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
        rss = {name: procs.rss_mib(pid) for name, pid in pids.items()}
        # Let the last events arrive, then compare each stream with the database.
        heads = {
            r["child_id"]: r["last_seq"]
            for r in await connection.fetch(
                "SELECT child_id, last_seq FROM child_event_counter WHERE child_id = ANY($1)",
                list(by_child),
            )
        }
        await connection.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all(heads.get(c, 0) in s.received or not s.sequences for c, s in by_child.items()):
                break
            await asyncio.sleep(0.2)
        lost = doubled = 0
        for child, s in by_child.items():
            seen = s.sequences
            doubled += len(seen) - len(set(seen))
            if seen:
                lost += len(set(range(min(seen), heads.get(child, 0) + 1)) - set(seen))
        await asyncio.gather(*(s.close() for s in subscribers))
    return {
        "seconds": elapsed,
        "ops": {
            kind: {
                "n": len(v),
                "p50": statistics.median(v) if v else float("nan"),
                "p99": percentile(v, 0.99),
            }
            for kind, v in timings.items()
        },
        "errors": len(errors),
        "error_samples": errors[:5],
        "lost": lost,
        "doubled": doubled,
        "subscribers": len(subscribers),
        "streams_with_events": sum(1 for s in subscribers if s.sequences),
        "cpu_percent": {name: 100 * c / elapsed for name, c in cpu.items()},
        "rss_mib": rss,
    }
