"""Processes of a benchmark: the product and baseline B served by uvicorn, and the load.

Every process listens on loopback only and is stopped (SIGTERM, then SIGKILL) by the bench
that started it, by its own process id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def product_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    env.update(
        KOORDINAT_DATABASE_URL=url,
        KOORDINAT_DEV_MODE="true",
        KOORDINAT_SECRET_KEY="bench",
        KOORDINAT_JOBS_IN_PROCESS="false",
        # The benchmark is one person sending many requests: the per-person budget would
        # measure the rate limiter, not the read.
        KOORDINAT_RATE_LIMIT_ENABLED="false",
        KOORDINAT_SOCKETS_PER_IP="5000",
        KOORDINAT_SOCKETS_PER_PERSON="100",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    # The server's own log goes to a file (a pipe nobody reads would stall it when full).
    log = tempfile.NamedTemporaryFile(prefix="koordinat-bench-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, *args],
        env=env or dict(os.environ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    proc.log_path = log.name  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        log.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def serve_product(url: str, port: int, **extra: str) -> contextlib.AbstractContextManager[Any]:
    """`koordinat serve` of this tree, as production runs it (one process)."""
    return process(
        ["-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        product_env(url, **extra),
    )


def run_worker(url: str, redis_url: str) -> contextlib.AbstractContextManager[Any]:
    return process(["-m", "backend.cli", "worker"], product_env(url, KOORDINAT_REDIS_URL=redis_url))


def _tail(path: str) -> str:
    return Path(path).read_text()[-2000:]


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=1) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = _tail(proc.log_path)
                raise RuntimeError(f"server exited ({proc.returncode}): {err}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} did not become healthy in {seconds:.0f} s")


async def load(
    base: str,
    bodies: list[dict[str, Any]],
    headers: dict[str, str],
    *,
    concurrency: int,
    requests: int,
    seconds: float,
) -> dict[str, Any]:
    """Runs bench.load in its own process: its CPU is not the server's."""
    spec = json.dumps(
        {
            "base": base,
            "bodies": bodies,
            "headers": headers,
            "concurrency": concurrency,
            "requests": requests,
            "seconds": seconds,
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.load",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(spec.encode()), timeout=seconds + 120)
    return dict(json.loads(out))
