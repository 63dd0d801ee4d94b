"""The person's language choice is stored on the person and used for their messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, World

SET = """mutation SetMyLanguage($input: SetMyLanguageInput!) {
  setMyLanguage(input: $input) { me { id preferredLanguage } errors { code field message } }
}"""
ME = "query { me { preferredLanguage } }"


async def body_of(api: Api, language: str, as_: Any) -> dict[str, Any]:
    response = await api.raw(SET, {"input": {"language": language}}, as_=as_)
    assert response.status_code == 200
    return dict(response.json())


async def test_the_choice_is_kept_and_speaks_to_the_person(api: Api, world: World) -> None:
    body = await api.gql(SET, {"input": {"language": "nn"}}, as_=world.parent)
    assert body["setMyLanguage"] == {
        "me": {"id": str(world.parent.id), "preferredLanguage": "nn"},
        "errors": [],
    }
    assert (await api.gql(ME, as_=world.parent))["me"]["preferredLanguage"] == "nn"
    await api.gql(SET, {"input": {"language": "en"}}, as_=world.parent)
    # Without Accept-Language, the person's own choice is the language of their messages.
    again = await body_of(api, "xx", world.parent)
    assert again["data"]["setMyLanguage"]["errors"] == [
        {"code": "INVALID", "field": "language", "message": "Invalid value."}
    ]


@pytest.mark.parametrize("language", ["", "de", "nb-NO", "x" * 300])
async def test_only_the_three_languages(api: Api, world: World, language: str) -> None:
    body = await body_of(api, language, world.parent)
    if body.get("data"):
        payload = body["data"]["setMyLanguage"]
        assert payload["me"] is None and payload["errors"][0]["field"] == "language"
    else:  # over the input cap: refused before any work
        assert body["errors"][0]["extensions"]["code"] == "TOO_LONG"
    assert (await api.gql(ME, as_=world.parent))["me"]["preferredLanguage"] == "nb"


async def test_signed_out_callers_are_refused(api: Api, world: World) -> None:
    body = await body_of(api, "en", None)
    assert body["data"]["setMyLanguage"]["errors"][0]["code"] == "UNAUTHENTICATED"
