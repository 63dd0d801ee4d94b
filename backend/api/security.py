"""Query limits, caches and error masking as schema extensions.

Rule classes are built once per schema and extensions are passed as classes, so every
request adds the *same* rule classes: strawberry's validation cache is keyed by them and
keeps hitting (a per-request factory would create new classes and miss every time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from backend.api import limits
from backend.api.access_log import FlushAccessLog
from backend.api.common import QueryError
from backend.api.input_caps import InputCaps
from backend.api.result_cache import build_extension as read_cache
from backend.core.errors import MESSAGES, ErrorCode
from backend.core.i18n import pick
from backend.core.settings import Settings
from graphql import GraphQLError


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, QueryError)


_HINT = re.compile(r"\s*Did you mean .*\?$")


class HideSchemaHints(MaskErrors):
    """In production, validation errors do not suggest field names ("Did you mean ...?"):
    with introspection off, suggestions would hand out the schema piece by piece."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._has_hint)

    @staticmethod
    def _has_hint(error: GraphQLError) -> bool:
        return bool(_HINT.search(error.message))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=_HINT.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
        )


def build_extensions(settings: Settings) -> list[type[SchemaExtension]]:
    rules = [depth_rule(settings.max_query_depth, None), alias_rule(settings.max_aliases)]
    if not settings.dev_mode:
        rules.append(NoSchemaIntrospectionCustomRule)
    static_rules = tuple(rules)
    max_tokens = settings.max_tokens
    max_aliases = settings.max_aliases
    cache_size = settings.validation_cache_size

    class SecurityLimits(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            # Before graphql-core parses: over HTTP the request middleware already refused,
            # this covers documents sent over a websocket.
            if context.query is not None and context.graphql_document is None:
                cost = limits.measure(context.query, max_tokens, max_aliases)
                if cost.over is not None:
                    limits.stats.refuse(ErrorCode.QUERY_TOO_COMPLEX)
                    language = getattr(context.context, "language", None)
                    raise QueryError(
                        pick(MESSAGES[ErrorCode.QUERY_TOO_COMPLEX], language),
                        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value},
                    )
            context.parse_options["max_tokens"] = max_tokens
            context.validation_rules = context.validation_rules + static_rules
            yield

        def on_parse(self) -> Iterator[None]:
            limits.stats.documents_parsed += 1
            yield

    class CachedParser(ParserCache):
        def __init__(self) -> None:
            super().__init__(maxsize=cache_size)

    class CachedValidation(ValidationCache):
        def __init__(self) -> None:
            super().__init__(maxsize=cache_size)

    extensions: list[type[SchemaExtension]] = [
        SecurityLimits,
        CachedParser,
        CachedValidation,
        InputCaps,  # before any resolver, and before the access log opens
        FlushAccessLog,
        # Inside the access log's read transaction, which writes a hit's rows as a render's.
        *([read_cache(settings.read_cache_size)] if settings.read_cache_size > 0 else []),
    ]
    if not settings.dev_mode:

        class MaskInternalErrors(MaskErrors):
            def __init__(self) -> None:
                super().__init__(should_mask_error=_should_mask, error_message="Internal error.")

        extensions.append(MaskInternalErrors)
        extensions.append(HideSchemaHints)
    return extensions


__all__ = ["build_extensions"]
