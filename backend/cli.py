"""The `koordinat` command: serve, migrate, demo, worker-free embedded default, schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import uvicorn

from backend.core.migrate import upgrade_sync
from backend.core.settings import Settings, get_settings


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
    settings = get_settings()
    _serve(settings, args.host or settings.host, args.port or settings.port, args.workers)


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = get_settings()
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
    settings = get_settings()
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
        f"  Open http://{host}:{port}/dev/sign-in to pick a demo user,\n"
        f"  then http://{host}:{port}/graphql for GraphiQL.\n",
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
    asyncio.run(run_worker(get_settings()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="koordinat", description="Koordinat")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (settings from KOORDINAT_* variables)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="embedded demo: SQLite file, demo data, dev sign-in")
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    demo.add_argument("--database", default="koordinat-demo.sqlite3", help="SQLite file")
    demo.set_defaults(func=cmd_demo)

    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(func=cmd_schema)

    worker = sub.add_parser("worker", help="run the job worker (needs KOORDINAT_REDIS_URL)")
    worker.set_defaults(func=cmd_worker)

    from backend.identity.cli import add_token_commands

    add_token_commands(sub)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
