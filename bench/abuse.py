"""Latency of a normal query while one address floods the app with costly documents.

`koordinat serve` runs in its own process (SQLite, dev mode); twenty concurrent clients from
one address (sent as X-Forwarded-For, which uvicorn trusts from 127.0.0.1) send costly
documents in a loop while a person from another address asks `me` once every 100 ms.
Run: `.venv/bin/python -m bench.abuse [--root TREE] [--seconds N]`; `--root` serves another
checkout (e.g. an unpacked older release) to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
NORMAL = "{ me { id name } }"
# Each sent with its own leading comment, so no parse or validation cache can help.
HOSTILE = {
    "1,000 aliases": "{ " + " ".join(f"a{n}: __typename" for n in range(1000)) + " }",
    "3,900 repeated fields (just under the caps)": "{ me { " + " ".join(["id"] * 3900) + " } }",
}
ATTACKERS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(root: Path, env: dict[str, str]) -> str:
    """Migrate the database and add one person; returns the person's id."""
    person = str(uuid.uuid4())
    script = (
        "import asyncio, uuid\n"
        "from backend.core.database import Database\n"
        "from backend.core.migrate import upgrade\n"
        "from backend.identity.models import Person, PersonKind\n"
        "async def main(url):\n"
        "    await upgrade(url)\n"
        "    db = Database(url)\n"
        "    async with db.writing() as session:\n"
        f"        session.add(Person(id=uuid.UUID('{person}'), name='Kari',"
        " kind=PersonKind.STAFF.value))\n"
        "    await db.dispose()\n"
        "import os; asyncio.run(main(os.environ['KOORDINAT_DATABASE_URL']))\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True)
    return person


async def _normal(client: httpx.AsyncClient, person: str, stop: float) -> list[float]:
    samples = []
    headers = {"x-koordinat-dev-person": person, "x-forwarded-for": "198.51.100.2"}
    while time.monotonic() < stop:
        start = time.perf_counter()
        response = await client.post("/graphql", json={"query": NORMAL}, headers=headers)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200 and response.json()["data"]["me"], response.text
        await asyncio.sleep(0.1)
    return samples


async def _attacker(client: httpx.AsyncClient, document: str, stop: float) -> int:
    sent = 0
    headers = {"x-forwarded-for": "203.0.113.66"}
    while time.monotonic() < stop:
        query = f"# {uuid.uuid4()}\n{document}"
        await client.post("/graphql", json={"query": query}, headers=headers)
        sent += 1
    return sent


async def _scenario(base: str, person: str, document: str | None, seconds: float) -> str:
    limits = httpx.Limits(max_connections=ATTACKERS + 5)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        stop = time.monotonic() + seconds
        attackers = [_attacker(client, document, stop) for _ in range(ATTACKERS if document else 0)]
        samples, *sent = await asyncio.gather(_normal(client, person, stop), *attackers)
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"median {statistics.median(ms):7.1f} ms, p95 {p95:7.1f} ms, max {ms[-1]:7.1f} ms"
        f" ({len(ms)} normal queries, {sum(sent)} hostile documents sent)"
    )


async def _scenarios(base: str, person: str, root: Path, seconds: float) -> None:
    print(f"serving {root}")
    print(f"  quiet: {await _scenario(base, person, None, seconds)}")
    for name, document in HOSTILE.items():
        print(f"  {ATTACKERS} x {name}: {await _scenario(base, person, document, seconds)}")
        await asyncio.sleep(2)


def main(root: Path, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
        env.update(
            KOORDINAT_DATABASE_URL=f"sqlite+aiosqlite:///{folder}/abuse.sqlite3",
            KOORDINAT_DEV_MODE="true",
            KOORDINAT_SECRET_KEY="bench",
            KOORDINAT_JOBS_IN_PROCESS="false",
            PYTHONPATH=str(root),
        )
        person = _seed(root, env)
        command = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)]
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            asyncio.run(_scenarios(base, person, root, seconds))
        finally:
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    main(args.root.resolve(), args.seconds)
