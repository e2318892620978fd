"""The web app's public OAuth client is registered when the server starts."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from playdeck.kit.db import Database
from playdeck.models import User
from playdeck.oauth import repository
from playdeck.web.client import WEB_CLIENT_ID, ensure_web_client
from tests.conftest import TEST_PASSWORD


def test_registered_at_start_as_a_public_client(db_app: FastAPI, db: Database) -> None:
    with TestClient(db_app):
        pass
    with db.session_scope() as session:
        app = repository.get_app(session, WEB_CLIENT_ID)
        assert app is not None
        assert app.is_public
        assert app.redirect_uris == ["http://testserver/callback"]


def test_idempotent_and_learns_new_public_urls(db: Database) -> None:
    assert ensure_web_client(db, "http://127.0.0.1:8000")
    assert ensure_web_client(db, "http://127.0.0.1:8000")
    assert ensure_web_client(db, "https://music.example.org/")
    with db.session_scope() as session:
        app = repository.get_app(session, WEB_CLIENT_ID)
        assert app is not None
        assert app.redirect_uris == [
            "http://127.0.0.1:8000/callback",
            "https://music.example.org/callback",
        ]


def test_vite_dev_server_allowed_in_development_only(db: Database) -> None:
    assert ensure_web_client(db, "http://127.0.0.1:8000", development=True)
    with db.session_scope() as session:
        app = repository.get_app(session, WEB_CLIENT_ID)
        assert app is not None
        assert "http://localhost:5173/callback" in app.redirect_uris


def test_pkce_sign_in_as_the_web_app(api: TestClient, user: User) -> None:
    """The web app's flow: /authorize with S256, sign in, consent, code → tokens → refresh."""
    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    redirect = "http://testserver/callback"
    params = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": redirect,
        "scope": "playlist-read-private playlist-modify-private",
        "state": "xyz",
        "code_challenge_method": "S256",
        "code_challenge": challenge,
    }
    code = _authorize(api, params, user)
    r = api.post(
        "/api/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": WEB_CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["refresh_token"]
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    r = api.post(
        "/api/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": WEB_CLIENT_ID,
        },
    )
    assert r.status_code == 200, r.text


def _hidden(html: str) -> dict[str, str]:
    return {
        k: v.replace("&amp;", "&").replace("&#34;", '"')
        for k, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def _authorize(api: TestClient, params: dict[str, str], user: User) -> str:
    """Drive the sign-in and consent forms like a browser; returns the code."""
    r = api.get("/authorize", params=params, follow_redirects=True)
    assert "/accounts/login" in str(r.url), r.url
    r = api.post(
        "/accounts/login",
        data={**_hidden(r.text), "username": user.username, "password": TEST_PASSWORD},
        follow_redirects=True,
    )
    assert 'value="allow"' in r.text, r.text[:800]
    r = api.post(
        "/authorize", data={**_hidden(r.text), "decision": "allow"}, follow_redirects=False
    )
    assert r.status_code in (302, 303), r.text[:500]
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query.get("state") == ["xyz"], r.headers["location"]
    return query["code"][0]
