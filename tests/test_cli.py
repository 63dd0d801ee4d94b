"""The `koordinat` command as a user runs it: the demo starts, serves demo data, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.api.operations import document

KOORDINAT = Path(sys.executable).parent / "koordinat"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(process: subprocess.Popen[str], url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited early: {process.communicate()[0]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("did not start")


@pytest.mark.slow
def test_demo_runs_from_an_empty_folder(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    process = subprocess.Popen(
        [str(KOORDINAT), "demo", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/healthz")
        with httpx.Client(base_url=base) as client:
            page = client.get("/dev/sign-in")
            assert page.status_code == 200
            person_id = re.search(
                r'name="person_id" value="([0-9a-f-]+)"><button type="submit">Kari Nordmann',
                page.text,
            )
            assert person_id, page.text
            signed_in = client.post("/dev/sign-in", data={"person_id": person_id.group(1)})
            assert signed_in.status_code == 303
            caseload = client.post(
                "/graphql",
                json={"query": document("MyCaseload"), "variables": {"role": "COORDINATOR"}},
            ).json()
            names = {e["node"]["familyName"] for e in caseload["data"]["myChildren"]["edges"]}
            assert {"Johansen", "Ali", "Larsen", "Kristiansen"} <= names
            assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Open http://127.0.0.1" in output
    assert (tmp_path / "koordinat-demo.sqlite3").exists()


@pytest.mark.slow
def test_migrate_and_schema_commands(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")},
        "KOORDINAT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}",
    }
    migrated = subprocess.run(
        [str(KOORDINAT), "migrate"], env=env, capture_output=True, text=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    schema = subprocess.run(
        [str(KOORDINAT), "schema"], env=env, capture_output=True, text=True, check=True
    )
    assert "type Query" in schema.stdout
