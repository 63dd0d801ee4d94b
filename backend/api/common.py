"""GraphQL building blocks shared by the domains: user errors, ids, cursors, pages.

`parse_id` lives in core (services use it too) and is re-exported here for resolvers.
"""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from backend.core.errors import ErrorCode as ErrorCodeEnum
from backend.core.errors import UserError as DomainUserError
from backend.core.errors import UserErrors
from backend.core.ids import parse_id as parse_id  # re-exported for resolvers
from graphql import GraphQLError

ErrorCode = strawberry.enum(ErrorCodeEnum, name="ErrorCode", description="Stable error codes.")


@strawberry.type(description="A problem with the input; nothing was changed.")
class UserError:
    code: ErrorCodeEnum
    message: str
    field: str | None = strawberry.field(description="The input field, in camelCase, if any.")


def user_errors(errors: UserErrors | list[DomainUserError], language: str) -> list[UserError]:
    items = errors.errors if isinstance(errors, UserErrors) else errors
    return [UserError(code=e.code, message=e.message(language), field=e.field) for e in items]


def encode_cursor(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise UserErrors([DomainUserError(ErrorCodeEnum.INVALID, "after")]) from None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


MAX_PAGE_SIZE = 100


def page_size(first: int | None) -> int:
    if first is None:
        return 20
    if first < 1 or first > MAX_PAGE_SIZE:
        raise UserErrors([DomainUserError(ErrorCodeEnum.INVALID, "first")])
    return first


class QueryError(GraphQLError):
    """A user-facing error in a query (bad argument); never masked."""


def query_error(errors: UserErrors, language: str) -> QueryError:
    first = errors.errors[0]
    return QueryError(
        first.message(language),
        extensions={"code": first.code.value, "field": first.field},
    )


def page_args(first: int | None, after: str | None, language: str) -> tuple[int, uuid.UUID | None]:
    """`first` and `after` of a cursor-paginated field; bad values are a clear query error."""
    try:
        return page_size(first), decode_cursor(after)
    except UserErrors as exc:
        raise query_error(exc, language) from None
