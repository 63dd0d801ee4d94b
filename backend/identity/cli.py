"""`koordinat token create|revoke`: API tokens for machine clients (e.g. a hospital system)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import uuid
from typing import Any

import backend.core.tables  # noqa: F401  (every table mapped, so the ORM can write audit rows)
from backend.core.database import Database, utcnow
from backend.core.settings import get_settings
from backend.identity import sessions


def _uuid_arg(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}") from error


async def _with_db(work: Any) -> Any:
    db = Database(get_settings().database_url)
    try:
        return await work(db)
    finally:
        await db.dispose()


def cmd_token_create(args: argparse.Namespace) -> None:
    expires_at = utcnow() + dt.timedelta(days=args.days) if args.days else None

    async def work(db: Database) -> tuple[Any, str]:
        return await sessions.issue_api_token(db, args.person, args.name, expires_at=expires_at)

    try:
        row, secret = asyncio.run(_with_db(work))
    except LookupError as error:
        sys.exit(f"error: {error}")
    expiry = row.expires_at.isoformat() if row.expires_at else "never"
    print(f"token id: {row.id}\nexpires: {expiry}", file=sys.stderr)
    print("The token is shown only now; store it in the client's secret store:", file=sys.stderr)
    print(secret)


def cmd_token_revoke(args: argparse.Namespace) -> None:
    async def work(db: Database) -> bool:
        return await sessions.revoke_api_token(db, args.token_id)

    if not asyncio.run(_with_db(work)):
        sys.exit(f"error: no active token with id {args.token_id}")
    print(f"token {args.token_id} revoked", file=sys.stderr)


def add_token_commands(sub: Any) -> None:
    token = sub.add_parser("token", help="issue or revoke API tokens for machine clients")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser("create", help="issue a token acting as a person; prints it once")
    create.add_argument("--person", type=_uuid_arg, required=True, help="owner's person id")
    create.add_argument("--name", required=True, help="what the token is for")
    create.add_argument("--days", type=int, default=None, help="expire after N days")
    create.set_defaults(func=cmd_token_create)
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id", type=_uuid_arg, help="the token id printed by create")
    revoke.set_defaults(func=cmd_token_revoke)
