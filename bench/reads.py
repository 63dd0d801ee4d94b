"""Reads: the caseload and a child's workspace, the product against baseline B.

Both run as their own uvicorn process on the same database; the load comes from a third
process (bench.load). Latency is measured one request at a time (c=1), throughput with 16
concurrent clients; the server's CPU per request is its /proc CPU time over the requests.
"""

from __future__ import annotations

import contextlib
import pickle
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from sqlalchemy import event

from backend.api.operations import document
from backend.app import create_app
from backend.core.settings import Settings
from bench import procs
from bench.baseline import Statement, request_key
from bench.kommune import PG, Kommune

Request = tuple[str, dict[str, Any]]


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def body(request: Request) -> dict[str, Any]:
    name, variables = request
    return {"query": document(name), "variables": variables}


def bench_settings(url: str, **extra: Any) -> Settings:
    return Settings(
        database_url=url,
        dev_mode=True,
        secret_key="bench",
        jobs_in_process=False,
        rate_limit_enabled=False,
        **extra,
    )


@contextlib.asynccontextmanager
async def in_process(url: str, **extra: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The product app in this process (for capturing its SQL and for profiles)."""
    app = create_app(bench_settings(url, **extra))
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        try:
            yield app, client
        finally:
            await client.aclose()


async def capture(
    url: str, viewer: uuid.UUID, requests: list[Request]
) -> dict[str, list[Statement]]:
    """The statements (with parameters) the product runs for each request, in order."""
    scripts: dict[str, list[Statement]] = {}
    # B replays a render's reads: captured with the read cache off (a hit reads far less).
    async with in_process(url, read_cache_size=0) as (app, client):
        seen: list[Statement] = []
        recording = [False]

        def before(
            _c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool
        ) -> None:
            if recording[0]:
                seen.append((statement, parameters, many))

        engine = app.state.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", before)
        headers = {"x-koordinat-dev-person": str(viewer)}
        try:
            for request in requests:
                await client.post("/graphql", json=body(request), headers=headers)  # warm
                seen.clear()
                recording[0] = True
                response = await client.post("/graphql", json=body(request), headers=headers)
                recording[0] = False
                if response.status_code != 200 or "errors" in response.json():
                    raise RuntimeError(f"{request[0]}: {response.text[:300]}")
                scripts[request_key(*request)] = list(seen)
        finally:
            event.remove(engine, "before_cursor_execute", before)
    return scripts


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path or '/'}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'B' if key not in a else 'product'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{n}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {str(a)[:80]!r} != {str(b)[:80]!r}"


@contextlib.asynccontextmanager
async def servers(
    k: Kommune, scripts: dict[str, list[Statement]], viewer: uuid.UUID
) -> AsyncIterator[dict[str, Any]]:
    """The product and B, each in its own uvicorn process: {name: (base URL, pid)}."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "script.pickle"
        script.write_bytes(pickle.dumps(scripts))
        product_port, b_port = procs.free_port(), procs.free_port()
        dsn = f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{k.name}"
        with (
            procs.serve_product(k.url, product_port) as product,
            procs.process(
                [
                    "-m",
                    "bench.baseline",
                    "--dsn",
                    dsn,
                    "--script",
                    str(script),
                    "--viewer",
                    str(viewer),
                    "--port",
                    str(b_port),
                ]
            ) as baseline,
        ):
            bases = {
                "product": (f"http://127.0.0.1:{product_port}", product),
                "B": (f"http://127.0.0.1:{b_port}", baseline),
            }
            for base, proc in bases.values():
                await procs.wait_healthy(base, proc)
            yield bases


async def check_same(
    bases: dict[str, Any], headers: dict[str, str], requests: list[Request]
) -> list[str]:
    """Each request to both servers: the JSON must be equal. Returns the differences."""
    problems = []
    async with httpx.AsyncClient(timeout=60) as http:
        for request in requests:
            answers = []
            for base, _ in bases.values():
                response = await http.post(f"{base}/graphql", json=body(request), headers=headers)
                try:
                    answers.append(response.json())
                except ValueError:
                    answers.append({"status": response.status_code, "text": response.text[:200]})
            found = first_difference(answers[0], answers[1])
            if found:
                problems.append(f"{request[0]}: {found}")
    return problems


async def measure(
    base: str,
    pid: int,
    requests: list[Request],
    headers: dict[str, str],
    *,
    rounds: int,
    seconds: float,
) -> dict[str, float]:
    bodies = [body(r) for r in requests]
    await procs.load(base, bodies, headers, concurrency=2, requests=10, seconds=seconds)  # warm
    cpu = procs.cpu_seconds(pid)
    single = await procs.load(
        base, bodies, headers, concurrency=1, requests=rounds, seconds=seconds
    )
    cpu = procs.cpu_seconds(pid) - cpu
    many = await procs.load(base, bodies, headers, concurrency=16, requests=10**6, seconds=seconds)
    latencies = single["latencies"]
    errors = single["error_count"] + many["error_count"]
    if errors:
        print(f"  {base}: {errors} errors, e.g. {(single['errors'] + many['errors'])[:2]}")
    return {
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99),
        "cpu": cpu / max(1, len(latencies)),
        "throughput": len(many["latencies"]) / many["elapsed"],
        "errors": errors,
        "n": len(latencies),
    }


async def newest_log_cursor(k: Kommune, child: uuid.UUID) -> str:
    connection = await asyncpg.connect(database=k.name, **PG)  # type: ignore[arg-type]
    try:
        row = await connection.fetchrow(
            "SELECT id FROM access_log WHERE child_id = $1 ORDER BY id DESC LIMIT 1", child
        )
    finally:
        await connection.close()
    from bench.baseline import _cursor

    return _cursor(row["id"])


async def bench_reads(
    k: Kommune, *, rounds: int, seconds: float, cases: set[str]
) -> dict[str, Any]:
    viewer, child = k.coordinators[0], k.children[0]
    headers = {"x-koordinat-dev-person": str(viewer)}
    caseload: list[Request] = [("MyCaseload", {"first": 50})]
    # What the web app reads when a child is opened, and when two of its tabs are: the
    # consents and the access log are read only when their tab is opened.
    workspace: list[Request] = [
        ("Child", {"id": str(child)}),
        ("ChildConsents", {"id": str(child)}),
        ("AccessLog", {"id": str(child), "first": 20}),
    ]
    # A page of older entries: the newest page changes with every read (each read is logged).
    stable_log: Request = (
        "AccessLog",
        {"id": str(child), "first": 4, "after": await newest_log_cursor(k, child)},
    )
    scripts = await capture(k.url, viewer, [*caseload, *workspace, stable_log])
    statements = {name: len(scripts[request_key(name, v)]) for name, v in [*caseload, *workspace]}
    result: dict[str, Any] = {"statements": statements}
    async with servers(k, scripts, viewer) as bases:
        result["check"] = await check_same(bases, headers, [*caseload, *workspace[:2], stable_log])
        for case, requests in (
            ("caseload", caseload),
            ("workspace", workspace[:1]),
            ("consents tab", workspace[1:2]),
            ("access-log tab", workspace[2:]),
        ):
            if case not in cases:
                continue
            for system, (base, proc) in bases.items():
                result[(case, system)] = await measure(
                    base, proc.pid, requests, headers, rounds=rounds, seconds=seconds
                )
    return result


async def bench_growth(k: Kommune, *, rounds: int, seconds: float) -> dict[str, float]:
    """Caseload p50 of 50 children in this kommune, product and B (for growth)."""
    viewer = k.coordinators[0]
    headers = {"x-koordinat-dev-person": str(viewer)}
    caseload: list[Request] = [("MyCaseload", {"first": 50})]
    scripts = await capture(k.url, viewer, caseload)
    out = {}
    async with servers(k, scripts, viewer) as bases:
        for system, (base, proc) in bases.items():
            bodies = [body(r) for r in caseload]
            await procs.load(base, bodies, headers, concurrency=1, requests=5, seconds=seconds)
            cpu = procs.cpu_seconds(proc.pid)
            single = await procs.load(
                base, bodies, headers, concurrency=1, requests=rounds, seconds=seconds
            )
            cpu = procs.cpu_seconds(proc.pid) - cpu
            out[system] = statistics.median(single["latencies"])
            out[f"{system} cpu"] = cpu / max(1, len(single["latencies"]))
    return out


async def profile_caseload(k: Kommune, rounds: int = 20) -> str:
    """Where the time of the caseload request goes (pyinstrument, in process), or ''."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return ""
    viewer = k.coordinators[0]
    headers = {"x-koordinat-dev-person": str(viewer)}
    request = body(("MyCaseload", {"first": 50}))
    async with in_process(k.url) as (_, client):
        await client.post("/graphql", json=request, headers=headers)
        profiler = Profiler(async_mode="enabled", interval=0.0005)
        profiler.start()
        for _ in range(rounds):
            await client.post("/graphql", json=request, headers=headers)
        profiler.stop()
    return str(profiler.output_text(unicode=False, color=False, show_all=False, timeline=False))


__all__ = ["bench_growth", "bench_reads", "orjson", "profile_caseload"]
