"""What idle subscriptions cost: database transactions per second and the app's CPU.

Starts `koordinat serve` on a fresh PostgreSQL database (loopback only), opens 0, 100 and
1,000 idle subscriptions (one person each, most following one child, every fifth all of
their children), and measures over a window with no traffic: PostgreSQL's
`xact_commit + xact_rollback` for the database, and the app process's CPU time from /proc.

    .venv/bin/python -m bench.idle [--counts 0,100,1000] [--window 30] [--tokens]

`--tokens` signs the sockets in with API tokens instead of the development identity, so
the socket's own session check is part of the figure too. "app transactions" are counted
on the app's engine (SQLAlchemy's `begin`); PostgreSQL's figure also holds autovacuum.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from backend.api.operations import document
from backend.children.models import Child
from backend.core.clock import today
from backend.core.database import Database
from backend.core.migrate import upgrade
from backend.identity.models import Person, PersonKind
from backend.identity.sessions import issue_api_token
from backend.network.models import Municipality, NetworkMember, NetworkRole

ROOT = Path(__file__).resolve().parents[1]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(url: str, count: int, tokens: bool) -> tuple[Child, list[Any]]:
    db = Database(url)
    async with db.writing() as session:
        kommune = Municipality(name="Benchvik", number="4609", org_number="974760673")
        session.add(kommune)
        await session.flush()
        people = [Person(name=f"Ansatt {n}", kind=PersonKind.STAFF.value) for n in range(count)]
        session.add_all(people)
        child = Child(municipality_id=kommune.id, given_name="Barn", family_name="Bench")
        session.add(child)
        await session.flush()
        session.add_all(
            NetworkMember(
                child_id=child.id,
                person_id=p.id,
                role=NetworkRole.MEMBER.value,
                active_from=today(),
            )
            for p in people
        )
    inits: list[Any] = []
    for person in people:
        if tokens:
            _, secret = await issue_api_token(db, person.id, "bench")
            inits.append({"token": secret})
        else:
            inits.append({"devPerson": str(person.id)})
    await db.dispose()
    return child, inits


async def _subscribe(base: str, init: Any, child: Child, mine: bool) -> ClientConnection:
    connection = await connect(
        base.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        max_queue=None,
        open_timeout=30,
    )
    await connection.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
    assert orjson.loads(await connection.recv())["type"] == "connection_ack"
    name, variables = ("MyEvents", {}) if mine else ("ChildEvents", {"childId": str(child.id)})
    await connection.send(
        orjson.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": document(name), "variables": variables},
            }
        ).decode()
    )
    return connection


async def _answer_pings(connection: ClientConnection) -> None:
    async for raw in connection:
        message = orjson.loads(raw)
        if message.get("type") == "ping":
            await connection.send('{"type":"pong"}')
        elif message.get("type") in ("error", "complete"):
            raise AssertionError(f"a stream ended: {message}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _serve_counting(port: int, count_file: str) -> None:
    """The app under uvicorn, counting the transactions its engine begins (in a file)."""
    import threading

    import uvicorn
    from sqlalchemy import event

    from backend.app import create_app
    from backend.core.settings import get_settings

    app = create_app(get_settings())
    began = [0]

    def on_begin(_connection: Any) -> None:
        began[0] += 1

    event.listen(app.state.db.engine.sync_engine, "begin", on_begin)

    def report() -> None:
        while True:
            Path(count_file).write_text(str(began[0]))
            time.sleep(1.0)

    threading.Thread(target=report, daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _app_transactions(count_file: Path) -> int:
    time.sleep(1.2)  # the file is rewritten every second
    return int(count_file.read_text() or 0)


async def _transactions(name: str) -> int:
    admin = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
    try:
        await admin.execute("SELECT pg_stat_clear_snapshot()")
        row = await admin.fetchrow(
            "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1",
            name,
        )
        return int(row["n"]) if row else 0
    finally:
        await admin.close()


async def measure(
    count: int, window: float, tokens: bool, extra: dict[str, str] | None = None
) -> tuple[float, float, float, float]:
    """(app transactions/s, PostgreSQL transactions/s, CPU % of one core, RSS MiB) of the
    app with `count` idle subscriptions."""
    name = f"koordinat_idle_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    process: subprocess.Popen[bytes] | None = None
    clients: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    try:
        await upgrade(url)
        child, inits = await _seed(url, count, tokens)
        port = _free_port()
        count_file = Path(tempfile.mkdtemp()) / "transactions"
        count_file.write_text("0")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
        env.update(
            KOORDINAT_DATABASE_URL=url,
            KOORDINAT_DEV_MODE="true",
            KOORDINAT_SECRET_KEY="bench",
            KOORDINAT_JOBS_IN_PROCESS="false",
            KOORDINAT_SOCKETS_PER_IP=str(count + 10),
            KOORDINAT_RATE_LIMIT_ENABLED="false",
        )
        env.update(extra or {})
        process = subprocess.Popen(  # noqa: ASYNC220 (started once, not awaited)
            # This tree's code (cwd first on the path), also when run from another checkout.
            [sys.executable, "-m", "bench.idle", "--serve", str(port), str(count_file)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=1) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        for n, init in enumerate(inits):
            clients.append(await _subscribe(base, init, child, mine=n % 5 == 0))
        readers = [asyncio.create_task(_answer_pings(c)) for c in clients]
        # The child has no events yet (rows seeded directly): nothing to replay, and the
        # subscriptions are idle once they are set up.
        await asyncio.sleep(5)
        xacts, cpu, start = await _transactions(name), _cpu_seconds(process.pid), time.monotonic()
        own = await asyncio.to_thread(_app_transactions, count_file)
        await asyncio.sleep(window)
        own = await asyncio.to_thread(_app_transactions, count_file) - own
        elapsed = time.monotonic() - start
        cpu = _cpu_seconds(process.pid) - cpu
        # PostgreSQL's count includes autovacuum and our own first reading.
        xacts = await _transactions(name) - xacts - 1
        for reader in readers:
            if reader.done() and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]
        rss = _rss_mib(process.pid)
        return own / window, xacts / elapsed, 100 * cpu / elapsed, rss
    finally:
        for reader in readers:
            reader.cancel()
        for client in clients:
            await client.close()
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        admin = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="0,100,1000")
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--tokens", action="store_true")
    parser.add_argument(
        "--set", action="append", default=[], help="KOORDINAT_NAME=value for the app process"
    )
    args = parser.parse_args()
    print("idle subscriptions | app transactions/s | database transactions/s | CPU % | RSS MiB")
    for count in (int(c) for c in args.counts.split(",")):
        extra = dict(item.split("=", 1) for item in args.set)
        own, rate, cpu, rss = await measure(
            count, min(max(args.window, 5.0), 120.0), args.tokens, extra
        )
        print(f"{count} | {own:.2f} | {rate:.1f} | {cpu:.1f} | {rss:.0f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        _serve_counting(int(sys.argv[2]), sys.argv[3])
    else:
        asyncio.run(main())
