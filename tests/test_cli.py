"""The `koordinat` command as a user runs it: the demo starts, serves demo data, stops cleanly."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.api.operations import document
from tests.conftest import World

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
            # The web app is what the demo opens; no IDE that would load scripts from a CDN.
            assert client.get("/", headers={"accept": "text/html"}).status_code == 200
            ide = client.get("/graphql", headers={"accept": "text/html"})
            assert "cdn" not in ide.text.lower()
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


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KOORDINAT_")}
    return subprocess.run(
        [str(KOORDINAT), *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_clear_failure(result: Any, *words: str) -> None:
    """A non-zero exit with a message naming the problem, and no Python traceback."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_serve_without_a_secret_says_so(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}"
    result = run("serve", "--port", str(free_port()), env={"KOORDINAT_DATABASE_URL": url})
    assert_clear_failure(result, "KOORDINAT_SECRET_KEY")


def test_token_create_on_a_missing_database_leaves_no_file(tmp_path: Path) -> None:
    database = tmp_path / "missing.sqlite3"
    person = "01a2334f-7117-72bf-a228-e9818fc2ea1d"
    result = run(
        "token",
        "create",
        "--person",
        person,
        "--name",
        "EPJ",
        env={"KOORDINAT_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
    )
    assert_clear_failure(result, "no database", "koordinat migrate")
    assert not database.exists()
    revoke = run(
        "token", "revoke", person, env={"KOORDINAT_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    )
    assert_clear_failure(revoke, "no database")
    assert not database.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--days", "100000000"], ["--days", "3650"]),
        (["--days", "-5"], ["--days"]),  # used to issue a token that had already expired
        (["--days", "0"], ["--days"]),  # used to issue one that never expired
        (["--days", "many"], ["--days"]),
        (["--name", ""], ["--name", "empty"]),
        (["--name", "   "], ["--name", "empty"]),
        (["--name", "EPJ\u202e"], ["--name"]),
    ],
)
def test_token_create_refuses_bad_arguments(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    database = tmp_path / "k.sqlite3"
    options = {"--name": "EPJ", "--days": None}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    argv = ["token", "create", "--person", "01a2334f-7117-72bf-a228-e9818fc2ea1d"]
    for flag, value in options.items():
        if value is not None:
            argv += [flag, value]
    result = run(*argv, env={"KOORDINAT_DATABASE_URL": f"sqlite+aiosqlite:///{database}"})
    assert_clear_failure(result, "koordinat token create", *words)
    assert result.returncode == 2
    assert not database.exists()


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["demo", "--bogus"], "usage: koordinat demo"),
        (["serve", "--bogus"], "usage: koordinat serve"),
        (["serve", "--port", "70000"], "usage: koordinat serve"),
        (["serve", "--workers", "0"], "usage: koordinat serve"),
        (["token", "revoke", "not-an-id"], "usage: koordinat token revoke"),
    ],
)
def test_bad_flags_get_the_commands_own_usage(tmp_path: Path, args: list[str], usage: str) -> None:
    result = run(*args, cwd=tmp_path)
    assert_clear_failure(result, usage)
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []  # the demo did not start and wrote nothing


@pytest.mark.parametrize("command", [["serve"], ["demo"], ["token", "create"], ["token", "revoke"]])
def test_every_flag_has_help_text(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    options = result.stdout.split("options:", 1)[1]
    flags = re.findall(r"^  (-{1,2}\S+(?: [A-Z_]+)?)(.*)$", options, flags=re.MULTILINE)
    assert flags
    for flag, help_text in flags:
        assert help_text.strip(), f"{command} {flag} has no help text"


def test_invalid_settings_are_named(tmp_path: Path) -> None:
    result = run("migrate", env={"KOORDINAT_PORT": "abc"})
    assert_clear_failure(result, "KOORDINAT_PORT")


async def test_token_with_days_expires_after_that_many_days(
    world: World, database_url: str
) -> None:
    before = dt.datetime.now(dt.UTC)
    result = run(
        *("token", "create", "--person", str(world.doctor.id), "--name", " EPJ ", "--days", "30"),
        env={"KOORDINAT_DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    found = re.search(r"^expires: (\S+)$", result.stderr, flags=re.MULTILINE)
    assert found, result.stderr
    expires = dt.datetime.fromisoformat(found.group(1))
    assert dt.timedelta(days=30) <= expires - before <= dt.timedelta(days=30, hours=1)
