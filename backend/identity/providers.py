"""OpenID providers (defined in backend.core.oidc_providers, since the settings hold them)."""

from backend.core.oidc_providers import DEFAULT_MATCH_CLAIMS, IDPORTEN_LEVELS, OidcProvider

__all__ = ["DEFAULT_MATCH_CLAIMS", "IDPORTEN_LEVELS", "OidcProvider"]
