"""`koordinat token create|revoke`: API tokens for machine clients (e.g. a hospital system)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from backend.core.database import Database, utcnow
from backend.core.settings import get_settings
from backend.core.validation import has_refused_characters
from backend.identity import sessions

# A machine client's token is renewed at least every ten years.
MAX_DAYS = 3650
NAME_MAX = 200


class CommandError(Exception):
    """A clear message for the person at the terminal; the command exits non-zero."""


def _uuid_arg(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}") from error


def _days_arg(value: str) -> int:
    try:
        days = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {value!r}") from error
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"must be between 1 and {MAX_DAYS} days (leave out --days for no expiry)"
        )
    return days


def _name_arg(value: str) -> str:
    name = value.strip()
    if not name:
        raise argparse.ArgumentTypeError("must not be empty")
    if len(name) > NAME_MAX:
        raise argparse.ArgumentTypeError(f"at most {NAME_MAX} characters")
    if has_refused_characters(name, multiline=False):
        raise argparse.ArgumentTypeError("contains control or invisible characters")
    return name


def _require_database(url: str) -> None:
    """Refuse a SQLite file that does not exist: connecting would create an empty one."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise CommandError(f"KOORDINAT_DATABASE_URL is not a database URL: {url!r}") from error
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.is_file():
            raise CommandError(
                f"no database at {path}: run `koordinat migrate` first (or set "
                "KOORDINAT_DATABASE_URL)"
            )


async def _with_db(work: Any) -> Any:
    from backend import domains

    domains.install()  # every table mapped, so the ORM can write audit rows
    url = get_settings().database_url
    _require_database(url)
    db = Database(url)
    try:
        return await work(db)
    except (DBAPIError, OSError) as error:
        raise CommandError(
            "cannot use the database (is it running and migrated with `koordinat migrate`?): "
            f"{type(error).__name__}"
        ) from error
    finally:
        await db.dispose()


def cmd_token_create(args: argparse.Namespace) -> None:
    expires_at = utcnow() + dt.timedelta(days=args.days) if args.days else None

    async def work(db: Database) -> tuple[Any, str]:
        return await sessions.issue_api_token(db, args.person, args.name, expires_at=expires_at)

    try:
        row, secret = asyncio.run(_with_db(work))
    except LookupError as error:
        raise CommandError(str(error)) from error
    expiry = row.expires_at.isoformat() if row.expires_at else "never"
    print(f"token id: {row.id}\nexpires: {expiry}", file=sys.stderr)
    print("The token is shown only now; store it in the client's secret store:", file=sys.stderr)
    print(secret)


def cmd_token_revoke(args: argparse.Namespace) -> None:
    async def work(db: Database) -> bool:
        return await sessions.revoke_api_token(db, args.token_id)

    if not asyncio.run(_with_db(work)):
        raise CommandError(f"no active token with id {args.token_id}")
    print(f"token {args.token_id} revoked", file=sys.stderr)


def add_token_commands(sub: Any) -> None:
    token = sub.add_parser("token", help="issue or revoke API tokens for machine clients")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser("create", help="issue a token acting as a person; prints it once")
    create.add_argument("--person", type=_uuid_arg, required=True, help="owner's person id")
    create.add_argument(
        "--name", type=_name_arg, required=True, help="what the token is for (shown in audits)"
    )
    create.add_argument(
        "--days",
        type=_days_arg,
        default=None,
        help=f"expire after N days, 1 to {MAX_DAYS} (default: never)",
    )
    create.set_defaults(func=cmd_token_create)
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id", type=_uuid_arg, help="the token id printed by create")
    revoke.set_defaults(func=cmd_token_revoke)
