"""Wire models of users: Spotify's public and private user objects."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from playdeck.kit.urls import api_href, external_urls, spotify_uri
from playdeck.models import User


class Followers(BaseModel):
    href: str | None = None
    total: int = 0


class ExplicitContent(BaseModel):
    filter_enabled: bool = False
    filter_locked: bool = False


class PublicUser(BaseModel):
    """Spotify's PublicUserObject."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None
    external_urls: dict[str, str]
    followers: Followers
    href: str
    id: str
    images: list[dict[str, object]]
    type: str = "user"
    uri: str


class PrivateUser(PublicUser):
    """Spotify's PrivateUserObject; the scope-gated fields are left out when not granted."""

    account_id: str
    country: str | None = None
    email: str | None = None
    explicit_content: ExplicitContent | None = None
    product: str | None = None


def _common(user: User, base_url: str) -> dict[str, object]:
    return {
        "display_name": user.display_name,
        "external_urls": external_urls("user", user.id),
        "followers": Followers(href=None, total=0),
        "href": api_href(base_url, f"users/{user.id}"),
        "id": user.id,
        "images": [],
        "type": "user",
        "uri": spotify_uri("user", user.id),
    }


def public_user(user: User, base_url: str) -> dict[str, object]:
    return PublicUser.model_validate(_common(user, base_url)).model_dump()


def private_user(user: User, base_url: str, scopes: frozenset[str]) -> dict[str, object]:
    """`/v1/me`: `email` with user-read-email; country, product and explicit content
    with user-read-private (as Spotify does); everything else always."""
    values = _common(user, base_url)
    values["account_id"] = user.id
    if "user-read-private" in scopes:
        values["country"] = user.country
        values["product"] = "premium"
        values["explicit_content"] = ExplicitContent(filter_enabled=False, filter_locked=False)
    if "user-read-email" in scopes:
        values["email"] = user.email
    return PrivateUser.model_validate(values).model_dump(exclude_unset=True)
