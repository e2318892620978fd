"""GET /v1/me and /v1/users/{id}; scopes and tokens on user routes (both databases)."""

from __future__ import annotations

import warnings
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from playdeck.kit.auth import Principal, require_scopes
from playdeck.models import User
from tests.conftest import UserToken
from tests.spotify_spec import assert_matches_spec

LibraryReader = Annotated[Principal, Depends(require_scopes("user-library-read"))]

PRIVATE_FIELDS = {
    "account_id",
    "display_name",
    "external_urls",
    "followers",
    "href",
    "id",
    "images",
    "type",
    "uri",
}


def me(api: TestClient, token: str) -> dict[str, object]:
    r = api.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_me_without_scopes_has_no_private_fields(
    api: TestClient, user: User, user_token: UserToken
) -> None:
    body = me(api, user_token(user))
    assert set(body) == PRIVATE_FIELDS
    assert body["id"] == user.id and body["account_id"] == user.id
    assert body["uri"] == f"spotify:user:{user.id}"
    assert body["href"] == f"http://testserver/v1/users/{user.id}"
    assert body["followers"] == {"href": None, "total": 0}
    assert body["display_name"] == "Alice"


def test_me_email_only_with_user_read_email(
    api: TestClient, user: User, user_token: UserToken
) -> None:
    assert "email" not in me(api, user_token(user, "user-read-private"))
    body = me(api, user_token(user, "user-read-email user-read-private"))
    assert body["email"] == "alice@example.com"
    assert body["country"] == "US" and body["product"] == "premium"
    assert body["explicit_content"] == {"filter_enabled": False, "filter_locked": False}


def test_me_matches_the_spec_and_tekore(api: TestClient, user: User, user_token: UserToken) -> None:
    import tekore as tk
    from tekore._model.serialise import UnknownModelAttributeWarning

    token = user_token(user, "user-read-email user-read-private")
    r = api.get("/v1/me/", headers={"Authorization": f"Bearer {token}"})
    body = assert_matches_spec(r, "GET", "/me")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownModelAttributeWarning)
        parsed = tk.model.PrivateUser(**body)
    assert parsed.account_id == user.id and parsed.email == "alice@example.com"


def test_public_profile(api: TestClient, client_token: str, user: User) -> None:
    headers = {"Authorization": f"Bearer {client_token}"}
    r = api.get(f"/v1/users/{user.id}", headers=headers)
    body = assert_matches_spec(r, "GET", "/users/{user_id}")
    assert "email" not in body and "account_id" not in body
    assert body["display_name"] == "Alice"
    assert api.get("/v1/users/alice", headers=headers).json()["id"] == user.id
    r = api.get("/v1/users/nobody", headers=headers)
    assert r.status_code == 404 and r.json()["error"]["status"] == 404


@pytest.fixture()
def client_token(api: TestClient) -> str:
    r = api.post("/api/token", data={"grant_type": "client_credentials"}, auth=("a", "b"))
    token: str = r.json()["access_token"]
    return token


def test_user_routes_need_a_user_token(api: TestClient, client_token: str) -> None:
    r = api.get("/v1/me", headers={"Authorization": f"Bearer {client_token}"})
    assert r.status_code == 401
    assert r.json()["error"]["status"] == 401
    r = api.get("/v1/me")
    assert r.status_code == 401 and r.json()["error"]["message"] == "No token provided"


def test_missing_scope_is_403(
    api: TestClient, db_app: FastAPI, user: User, user_token: UserToken
) -> None:
    @db_app.get("/v1/_test/needs-library")
    def needs(principal: LibraryReader) -> dict[str, str]:
        return {"user": principal.user_id or ""}

    def call(scopes: str) -> httpx.Response:
        token = user_token(user, scopes)
        return api.get("/v1/_test/needs-library", headers={"Authorization": f"Bearer {token}"})

    assert call("user-library-read").status_code == 200
    r = call("user-read-email")
    assert r.status_code == 403
    assert r.json() == {"error": {"status": 403, "message": "Insufficient client scope"}}
