"""POST /api/token: client credentials, refresh, error answers, revocation, storage."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.config import DEFAULT_SECRET_KEY, Settings
from playdeck.kit.db import Database
from playdeck.models import App, Grant, User
from playdeck.oauth import service as oauth
from playdeck.oauth.tokens import AccessTokens
from tests.conftest import AuthorizeFlow, make_settings
from tests.oauth.conftest import RegisteredApp
from tests.oauth.test_authorize import authorize_url, exchange

BASIC = {"Authorization": "Basic eDp5"}  # x:y
BAD_BASIC = {"Authorization": "Basic !!!"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def code_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


def test_open_catalog_gives_any_client_a_catalog_token(api: TestClient) -> None:
    r = api.post(
        "/api/token", data={"grant_type": "client_credentials"}, auth=("beets-id", "beets-secret")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert "refresh_token" not in body
    r = api.get("/v1/markets", headers=bearer(body["access_token"]))
    assert r.status_code == 200
    # A client token is not a user token.
    assert api.get("/v1/me", headers=bearer(body["access_token"])).status_code == 401


def test_closed_catalog_accepts_registered_apps_only(
    tmp_path: Path,
    catalog_dir: Path,
    catalog: CatalogStore,
    database_url: str,
) -> None:
    settings = make_settings(tmp_path, catalog_dir, database_url=database_url, open_catalog=False)
    app = create_app(settings, catalog=catalog)
    with app.state.db.session_scope() as session:
        new = oauth.register_app(session, name="closed", redirect_uris=[])
    # A token an unregistered client got while the catalog was open stops working.
    open_token = AccessTokens(settings.secret_key).issue("x", registered=False)
    with TestClient(app) as c:
        assert c.get("/v1/markets", headers=bearer(open_token)).status_code == 401
        r = c.post("/api/token", data={"grant_type": "client_credentials"}, auth=("x", "y"))
        assert r.status_code == 401
        assert r.json() == {"error": "invalid_client", "error_description": "Invalid client"}
        r = c.post(
            "/api/token",
            data={"grant_type": "client_credentials"},
            auth=(new.app.client_id, new.client_secret or ""),
        )
        assert r.status_code == 200
    app.state.db.dispose()


def test_registered_client_must_present_its_secret(
    api: TestClient, confidential_app: RegisteredApp, public_app: RegisteredApp
) -> None:
    form = {"grant_type": "client_credentials"}
    r = api.post("/api/token", data=form, auth=(confidential_app.client_id, "wrong"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert "www-authenticate" in r.headers
    r = api.post("/api/token", data=form, auth=(public_app.client_id, "anything"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = api.post(
        "/api/token",
        data={
            **form,
            "client_id": confidential_app.client_id,
            "client_secret": confidential_app.client_secret or "",
        },
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({}, BASIC, 400, "invalid_request"),
        ({"grant_type": "password"}, BASIC, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, BAD_BASIC, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "only-id"}, {}, 401, "invalid_client"),
        ({"grant_type": "refresh_token"}, BASIC, 400, "invalid_request"),
    ],
)
def test_token_errors_use_oauth_json(
    api: TestClient, form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    r = api.post("/api/token", data=form, headers=headers)
    assert r.status_code == status
    body = r.json()
    assert body["error"] == error and isinstance(body["error_description"], str)
    assert set(body) == {"error", "error_description"}


def test_refresh_keeps_working_and_can_narrow_scope(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    code = code_of(authorize_flow(api, authorize_url(confidential_app)))
    tokens = exchange(api, confidential_app, code).json()
    auth = (confidential_app.client_id, confidential_app.client_secret or "")
    for _ in range(2):
        r = api.post(
            "/api/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=auth,
        )
        assert r.status_code == 200
        assert r.json()["refresh_token"] == tokens["refresh_token"]
        assert api.get("/v1/me", headers=bearer(r.json()["access_token"])).status_code == 200
    r = api.post(
        "/api/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "user-read-email",
        },
        auth=auth,
    )
    assert r.json()["scope"] == "user-read-email"
    r = api.post(
        "/api/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "user-library-modify",
        },
        auth=auth,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    # A confidential client's refresh token is no use without its secret.
    r = api.post(
        "/api/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": confidential_app.client_id,
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = api.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": "made-up"},
        auth=auth,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_password_change_revokes_every_token(
    api: TestClient,
    db: Database,
    user: User,
    confidential_app: RegisteredApp,
    authorize_flow: AuthorizeFlow,
) -> None:
    from playdeck.accounts import service as accounts

    tokens = exchange(
        api, confidential_app, code_of(authorize_flow(api, authorize_url(confidential_app)))
    ).json()
    assert api.get("/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    with db.session_scope() as session:
        row = session.get(User, user.id)
        assert row is not None
        assert accounts.set_password(session, row, "a brand new password") == 1
    api.app.state.token_verifier.forget()  # type: ignore[attr-defined]
    assert api.get("/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    r = api.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(confidential_app.client_id, confidential_app.client_secret or ""),
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_revocation_reaches_other_processes_within_the_cache_ttl(
    db_settings: Settings, catalog: CatalogStore, user: User, user_token: object
) -> None:
    # Two app instances = two server processes sharing one database.
    from playdeck.accounts import service as accounts

    first = create_app(db_settings, catalog=catalog)
    second = create_app(db_settings, catalog=catalog)
    second.state.token_verifier.cache_ttl = 0.0
    with first.state.db.session_scope() as session:
        token = oauth.issue_user_token(
            session, first.state.token_verifier, user, [], client_id="x", create_app=True
        )
    with TestClient(first) as a, TestClient(second) as b:
        assert b.get("/v1/me", headers=bearer(token)).status_code == 200
        r = a.get("/v1/me", headers=bearer(token))
        assert r.status_code == 200
        with first.state.db.session_scope() as session:
            row = session.get(User, user.id)
            assert row is not None
            accounts.set_password(session, row, "another new password")
        assert b.get("/v1/me", headers=bearer(token)).status_code == 401
    first.state.db.dispose()
    second.state.db.dispose()


def test_app_deletion_revokes_its_tokens(
    api: TestClient,
    db: Database,
    user: User,
    confidential_app: RegisteredApp,
    authorize_flow: AuthorizeFlow,
) -> None:
    tokens = exchange(
        api, confidential_app, code_of(authorize_flow(api, authorize_url(confidential_app)))
    ).json()
    client = api.post(
        "/api/token",
        data={"grant_type": "client_credentials"},
        auth=(confidential_app.client_id, confidential_app.client_secret or ""),
    ).json()
    with db.session_scope() as session:
        oauth.delete_app(session, confidential_app.client_id)
    api.app.state.token_verifier.forget()  # type: ignore[attr-defined]
    assert api.get("/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert api.get("/v1/markets", headers=bearer(client["access_token"])).status_code == 401
    r = api.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(confidential_app.client_id, confidential_app.client_secret or ""),
    )
    assert r.status_code == 401


def test_secrets_and_refresh_tokens_are_stored_hashed(
    api: TestClient,
    db: Database,
    user: User,
    confidential_app: RegisteredApp,
    authorize_flow: AuthorizeFlow,
) -> None:
    location = authorize_flow(api, authorize_url(confidential_app))
    code = code_of(location)
    tokens = exchange(api, confidential_app, code).json()
    with db.engine.connect() as conn:
        dump = "\n".join(
            str(row)
            for table in ("apps", "oauth_grants", "oauth_codes", "users")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert confidential_app.client_secret and confidential_app.client_secret not in dump
    assert tokens["refresh_token"] not in dump
    assert code not in dump
    assert "correct horse" not in dump
    with db.session_scope() as session:
        app_row = session.get(App, confidential_app.client_id)
        assert app_row is not None and app_row.client_secret_hash is not None
        assert len(session.scalars(select(Grant)).all()) == 1


def test_forged_tampered_and_expired_tokens_are_401(
    api: TestClient, user: User, user_token: object
) -> None:
    from playdeck.oauth.tokens import AccessTokens

    assert callable(user_token)
    good = user_token(user, "user-read-private")
    body, sig = good.split(".")
    for token in (good[:-2] + "xx", body + "." + sig[::-1], "garbage", "a.b", ""):
        r = api.get("/v1/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["error"]["status"] == 401
    other_key = AccessTokens("another key").issue("x", user_id=user.id, grant_id="g")
    assert api.get("/v1/me", headers=bearer(other_key)).status_code == 401
    expired = AccessTokens(DEFAULT_SECRET_KEY, lifetime=-1).issue("x", registered=False)
    r = api.get("/v1/markets", headers=bearer(expired))
    assert r.status_code == 401
    assert api.get("/v1/markets").status_code == 401
    r = api.get("/v1/markets", headers=BASIC)
    assert r.status_code == 401


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PLAYDECK_SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path)
    Settings(env="production", data_dir=tmp_path, secret_key="s3cret-for-real")
