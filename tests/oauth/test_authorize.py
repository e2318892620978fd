"""The authorization code flow through /authorize and /api/token (both databases)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import update

from playdeck.kit.db import Database
from playdeck.models import AuthorizationCode, User, utcnow
from tests.conftest import TEST_PASSWORD, AuthorizeFlow, HTMLForms
from tests.oauth.conftest import REDIRECT_URI, RegisteredApp


def authorize_url(app: RegisteredApp, **extra: str) -> str:
    params = {
        "client_id": app.client_id,
        "response_type": "code",
        "redirect_uri": app.redirect_uri,
        "scope": "user-read-email playlist-read-private",
        "state": "s-123",
    }
    params.update(extra)
    return "/authorize?" + urlencode(params)


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(api: TestClient, app: RegisteredApp, code: str, **extra: str) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    data.update(extra)
    auth = (app.client_id, app.client_secret) if app.client_secret else None
    return api.post("/api/token", data=data, auth=auth)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def test_code_flow_signs_in_asks_consent_and_issues_tokens(
    api: TestClient, user: User, confidential_app: RegisteredApp
) -> None:
    r = api.get(authorize_url(confidential_app), follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/accounts/login?continue=")
    login = api.get(r.headers["location"])
    action, fields = HTMLForms(login.text).with_field("password")
    assert set(fields) >= {"username", "password", "csrf_token"}
    fields.update(username="alice", password=TEST_PASSWORD)
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/authorize?")
    consent = api.get(r.headers["location"])
    assert consent.status_code == 200
    assert "Get your email address" in consent.text
    assert "Access your private playlists" in consent.text
    assert consent.headers["x-frame-options"] == "DENY"
    action, fields = HTMLForms(consent.text).with_field("client_id")
    r = api.post(action, data={**fields, "decision": "allow"}, follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    q = query(location)
    assert q["state"] == "s-123"
    r = exchange(api, confidential_app, q["code"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "playlist-read-private user-read-email" or set(
        body["scope"].split()
    ) == {"user-read-email", "playlist-read-private"}
    assert body["refresh_token"]
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"


def test_consent_is_remembered_unless_show_dialog(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    first = authorize_flow(api, authorize_url(confidential_app))
    assert "code" in query(first)
    r = api.get(authorize_url(confidential_app), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(REDIRECT_URI)
    assert "code" in query(r.headers["location"])
    # show_dialog=true asks again; so does a scope not agreed to yet.
    again = api.get(authorize_url(confidential_app, show_dialog="true"))
    assert again.status_code == 200 and "Agree" in again.text
    more = api.get(authorize_url(confidential_app, scope="user-library-modify"))
    assert more.status_code == 200 and "Manage your saved content" in more.text


def test_cancel_redirects_with_access_denied(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    location = authorize_flow(api, authorize_url(confidential_app), decision="deny")
    assert query(location) == {"error": "access_denied", "state": "s-123"}


def test_unregistered_redirect_uri_is_an_error_page_never_a_redirect(
    api: TestClient, user: User, confidential_app: RegisteredApp
) -> None:
    for uri in ("http://evil.example/callback", REDIRECT_URI + "/x", REDIRECT_URI + "?a=1", ""):
        r = api.get(authorize_url(confidential_app, redirect_uri=uri), follow_redirects=False)
        assert r.status_code == 400
        assert "location" not in r.headers
        assert "Invalid redirect URI" in r.text
    r = api.get(authorize_url(confidential_app, client_id="nope"), follow_redirects=False)
    assert r.status_code == 400 and "location" not in r.headers
    assert "Invalid client" in r.text


def test_consent_post_cannot_redirect_to_unregistered_uri(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    authorize_flow(api, authorize_url(confidential_app))
    consent = api.get(authorize_url(confidential_app, show_dialog="true"))
    action, fields = HTMLForms(consent.text).with_field("client_id")
    fields.update(decision="allow", redirect_uri="http://evil.example/cb")
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 400 and "location" not in r.headers


def test_authorize_errors_go_to_the_registered_redirect_uri(
    api: TestClient, user: User, confidential_app: RegisteredApp, public_app: RegisteredApp
) -> None:
    def error_of(url: str) -> dict[str, str]:
        r = api.get(url, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith(REDIRECT_URI)
        return query(r.headers["location"])

    q = error_of(authorize_url(confidential_app, scope="user-read-email not-a-scope"))
    assert q["error"] == "invalid_scope" and q["state"] == "s-123"
    assert error_of(authorize_url(confidential_app, response_type="token"))["error"] == (
        "unsupported_response_type"
    )
    _, challenge = pkce_pair()
    plain = authorize_url(confidential_app, code_challenge=challenge, code_challenge_method="plain")
    assert error_of(plain)["error"] == "invalid_request"
    # A public client must use PKCE.
    assert error_of(authorize_url(public_app))["error"] == "invalid_request"


def test_consent_and_sign_in_forms_need_the_csrf_token(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    # Sign-in without the token (a cross-site post) is refused.
    r = api.post(
        "/accounts/login",
        data={"username": "alice", "password": TEST_PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 400 and "location" not in r.headers
    authorize_flow(api, authorize_url(confidential_app))
    consent = api.get(authorize_url(confidential_app, show_dialog="true"))
    action, fields = HTMLForms(consent.text).with_field("client_id")
    for token in ("", "forged"):
        forged = {**fields, "csrf_token": token, "decision": "allow"}
        r = api.post(action, data=forged, follow_redirects=False)
        assert r.status_code == 400 and "location" not in r.headers


def test_code_is_single_use_and_replay_revokes_its_tokens(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    first = exchange(api, confidential_app, code)
    assert first.status_code == 200
    access = first.json()["access_token"]
    again = exchange(api, confidential_app, code)
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid authorization code",
    }
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 401
    refreshed = api.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        auth=(confidential_app.client_id, confidential_app.client_secret or ""),
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_expired_code_is_refused(
    api: TestClient,
    db: Database,
    user: User,
    confidential_app: RegisteredApp,
    authorize_flow: AuthorizeFlow,
) -> None:
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    with db.session_scope() as session:
        session.execute(
            update(AuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    r = exchange(api, confidential_app, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_token_request_checks_redirect_uri_client_and_secret(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    wrong_secret = RegisteredApp(confidential_app.client_id, "wrong")
    r = exchange(api, wrong_secret, code)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    # No secret and no PKCE: a confidential client must authenticate.
    r = api.post(
        "/api/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": confidential_app.client_id,
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    r = exchange(api, confidential_app, code, redirect_uri="http://127.0.0.1:8765/other")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = exchange(api, confidential_app, "not-a-code")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = api.post(
        "/api/token",
        data={"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI},
        auth=(confidential_app.client_id, confidential_app.client_secret or ""),
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_form_credentials_work_like_basic_auth(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    r = api.post(
        "/api/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": confidential_app.client_id,
            "client_secret": confidential_app.client_secret or "",
        },
    )
    assert r.status_code == 200, r.text


def test_pkce_public_client(
    api: TestClient, user: User, public_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    verifier, challenge = pkce_pair()
    url = authorize_url(public_app, code_challenge=challenge, code_challenge_method="S256")
    code = query(authorize_flow(api, url))["code"]
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": public_app.client_id,
    }
    r = api.post("/api/token", data=base)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # The code was spent by that attempt: PKCE failures do not leave it usable.
    code = query(authorize_flow(api, url))["code"]
    r = api.post("/api/token", data={**base, "code": code, "code_verifier": "x" * 50})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    code = query(authorize_flow(api, url))["code"]
    r = api.post("/api/token", data={**base, "code": code, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    tokens = r.json()
    # A PKCE grant refreshes with the client id alone.
    r = api.post(
        "/api/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": public_app.client_id,
        },
    )
    assert r.status_code == 200, r.text
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200


def test_account_page_lists_connected_apps_and_removes_access(
    api: TestClient, user: User, confidential_app: RegisteredApp, authorize_flow: AuthorizeFlow
) -> None:
    code = query(authorize_flow(api, authorize_url(confidential_app)))["code"]
    tokens = exchange(api, confidential_app, code).json()
    page = api.get("/accounts")
    assert "Test app" in page.text and "Get your email address" in page.text
    action, fields = HTMLForms(page.text).with_field("csrf_token")
    assert action == f"/accounts/apps/{confidential_app.client_id}/revoke"
    r = api.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 400
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 303
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.get("/v1/me", headers=headers).status_code == 401
    assert "No app has access" in api.get("/accounts").text
    # Consent was forgotten too: the next authorization asks again.
    again = api.get(authorize_url(confidential_app))
    assert again.status_code == 200 and "Agree" in again.text


def test_pages_escape_what_apps_and_users_supply(
    api: TestClient, db: Database, user: User, authorize_flow: AuthorizeFlow
) -> None:
    from playdeck.oauth import service as oauth

    with db.session_scope() as session:
        new = oauth.register_app(
            session, name='<script>alert("x")</script>', redirect_uris=[REDIRECT_URI]
        )
    app = RegisteredApp(new.app.client_id, new.client_secret)
    authorize_flow(api, authorize_url(app), decision="deny")
    page = api.get(authorize_url(app, state='"><img src=x onerror=alert(1)>'))
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "<img src=x" not in page.text
