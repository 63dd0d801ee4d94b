"""OpenID providers Koordinat accepts logins from, as configured in `KOORDINAT_OIDC_PROVIDERS`.

Three kinds of login map to an existing person in three ways:
- ID-porten (citizens): the `pid` claim is the fødselsnummer, matched on `Person.national_id`;
- HelseID (health personnel): the HPR number claim, matched on `Person.hpr_number`;
- Ansattporten or the kommune's own IdP (other staff): a configured claim, usually `email`,
  matched on `Person.email` (case-insensitive).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

MatchBy = Literal["national_id", "hpr_number", "email"]
# Pushed Authorization Requests (RFC 9126): "auto" pushes when the provider offers it,
# "always" refuses to start a login without it (HelseID requires it), "never" does not push.
ParMode = Literal["auto", "always", "never"]

# The claim each kind of match reads unless `match_claim` says otherwise.
DEFAULT_MATCH_CLAIMS: dict[str, str] = {
    "national_id": "pid",
    "hpr_number": "helseid://claims/hpr/hpr_number",
    "email": "email",
}

IDPORTEN_LEVELS = ["idporten-loa-substantial", "idporten-loa-high"]


class OidcProvider(BaseModel):
    """One OpenID provider and Koordinat's client registration there."""

    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="used in URLs")
    title: str = Field(default="", description="shown on the login page")
    issuer: str = Field(description="issuer URL; metadata comes from its discovery document")
    client_id: str
    client_secret: str | None = Field(default=None, description="for client_secret_basic")
    private_key_jwk: dict[str, Any] | None = Field(
        default=None, description="private JWK (RSA or EC) for private_key_jwt"
    )
    scope: str = "openid"
    match_by: MatchBy
    match_claim: str | None = None
    # Authentication levels, lowest first; a login below `min_acr` is refused.
    acr_levels: list[str] = Field(default_factory=lambda: list(IDPORTEN_LEVELS))
    min_acr: str | None = None
    par: ParMode = Field(default="auto", description="Pushed Authorization Requests")

    @field_validator("private_key_jwk", mode="before")
    @classmethod
    def _jwk_from_json_text(cls, value: object) -> object:
        # A JWK often arrives as JSON text inside the JSON list (e.g. from a secret store).
        if isinstance(value, str):
            return json.loads(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> OidcProvider:
        if (self.client_secret is None) == (self.private_key_jwk is None):
            raise ValueError(f"{self.name}: set exactly one of client_secret and private_key_jwk")
        if self.private_key_jwk is not None and "d" not in self.private_key_jwk:
            raise ValueError(f"{self.name}: private_key_jwk is not a private key")
        if self.min_acr is not None and self.min_acr not in self.acr_levels:
            raise ValueError(f"{self.name}: min_acr {self.min_acr!r} is not in acr_levels")
        if "openid" not in self.scope.split():
            raise ValueError(f"{self.name}: scope must include openid")
        return self

    @property
    def claim(self) -> str:
        return self.match_claim or DEFAULT_MATCH_CLAIMS[self.match_by]

    @property
    def auth_method(self) -> str:
        return "private_key_jwt" if self.private_key_jwk is not None else "client_secret_basic"

    def acr_sufficient(self, acr: object) -> bool:
        """Whether the login's `acr` reaches the configured minimum."""
        if self.min_acr is None:
            return True
        if not isinstance(acr, str) or acr not in self.acr_levels:
            return False
        return self.acr_levels.index(acr) >= self.acr_levels.index(self.min_acr)
