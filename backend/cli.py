"""The `koordinat` command: serve, migrate, demo, worker-free embedded default, schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from backend.core.migrate import upgrade_sync
from backend.core.settings import Settings, get_settings
from backend.identity.cli import CommandError


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from error
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return port


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from error
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return workers


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        problems = "; ".join(
            f"KOORDINAT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise CommandError(f"invalid settings: {problems}") from error


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    if workers > 1:
        # Each worker process builds its own app from the same environment.
        uvicorn.run(
            "backend.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
        )
        return
    from backend.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True)


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _settings()
    try:
        settings.effective_secret_key()
    except RuntimeError as error:
        raise CommandError(
            "KOORDINAT_SECRET_KEY must be set (a long random value) unless KOORDINAT_DEV_MODE=true"
        ) from error
    _serve(settings, args.host or settings.host, args.port or settings.port, args.workers)


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = _settings()
    upgrade_sync(settings.database_url)
    print("database is up to date", file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> None:
    from backend.core.database import Database
    from backend.demo.seed import seed_demo

    database = Path(args.database).resolve()
    url = os.environ.get("KOORDINAT_DATABASE_URL") or f"sqlite+aiosqlite:///{database}"
    os.environ["KOORDINAT_DATABASE_URL"] = url
    os.environ["KOORDINAT_DEV_MODE"] = "true"
    get_settings.cache_clear()
    settings = _settings()
    upgrade_sync(url)

    async def seed() -> bool:
        db = Database(url)
        try:
            return await seed_demo(db, settings)
        finally:
            await db.dispose()

    fresh = asyncio.run(seed())
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"\nKoordinat demo ({'fresh demo data' if fresh else 'existing data'} in {url})\n"
        f"  Open http://{host}:{port}/ and pick a demo user.\n",
        flush=True,
    )
    _serve(settings, host, port, 1)


def cmd_schema(args: argparse.Namespace) -> None:
    from backend.api.schema import print_sdl

    sys.stdout.write(print_sdl())


def cmd_worker(args: argparse.Namespace) -> None:
    import logging

    from backend.jobs.runner import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run_worker(_settings()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="koordinat", description="Koordinat")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (settings from KOORDINAT_* variables)")
    serve.add_argument("--host", help="address to listen on (default: KOORDINAT_HOST)")
    serve.add_argument("--port", type=_port, help="port to listen on (default: KOORDINAT_PORT)")
    serve.add_argument(
        "--workers", type=_workers, default=1, help="app processes, 1 to 64 (default: 1)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="embedded demo: SQLite file, demo data, dev sign-in")
    demo.add_argument("--host", help="address to listen on (default: KOORDINAT_HOST)")
    demo.add_argument("--port", type=_port, help="port to listen on (default: KOORDINAT_PORT)")
    demo.add_argument("--database", default="koordinat-demo.sqlite3", help="SQLite file")
    demo.set_defaults(func=cmd_demo)

    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(func=cmd_schema)

    worker = sub.add_parser("worker", help="run the job worker (needs KOORDINAT_REDIS_URL)")
    worker.set_defaults(func=cmd_worker)

    from backend.identity.cli import add_token_commands

    add_token_commands(sub)

    _remember_parsers(parser)
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Reported by the command that was given, with its own usage (not the top-level one).
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        from backend import domains

        domains.install()  # tables, schema and change listeners, for every command
        args.func(args)
    except CommandError as error:
        sys.exit(f"koordinat: error: {error}")
    except Exception as error:  # a message, never a traceback, at the terminal
        sys.exit(f"koordinat: error: {type(error).__name__}: {error}")


def _remember_parsers(parser: argparse.ArgumentParser) -> None:
    """Each (sub)command parser records itself, so errors name the command that was given."""
    parser.set_defaults(command_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _remember_parsers(child)


if __name__ == "__main__":
    main()
