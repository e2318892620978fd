"""Sign-up, sign-in, sign-out and password pages (both databases)."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.models import User
from tests.conftest import TEST_PASSWORD, HTMLForms, make_settings


def sign_in(api: TestClient, username: str, password: str) -> httpx.Response:
    action, fields = HTMLForms(api.get("/accounts/login").text).with_field("password")
    fields.update(username=username, password=password)
    return api.post(action, data=fields, follow_redirects=False)


def test_sign_in_and_out(api: TestClient, user: User) -> None:
    r = sign_in(api, "Alice", TEST_PASSWORD)  # usernames are case-insensitive
    assert r.status_code == 303 and r.headers["location"] == "/accounts"
    page = api.get("/accounts")
    assert page.status_code == 200 and "alice" in page.text
    action, fields = HTMLForms(page.text).with_field("csrf_token")
    r2 = api.post(action, data=fields, follow_redirects=False)
    assert r2.status_code == 303
    assert api.get("/accounts", follow_redirects=False).status_code == 303


def test_same_message_for_unknown_user_and_wrong_password(api: TestClient, user: User) -> None:
    wrong = sign_in(api, "alice", "not the password")
    unknown = sign_in(api, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    for r in (wrong, unknown):
        assert "Incorrect username or password." in r.text


def test_sign_in_is_throttled(api: TestClient, user: User) -> None:
    statuses = [sign_in(api, "alice", f"guess {i}").status_code for i in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    # Even the right password waits now.
    r = sign_in(api, "alice", TEST_PASSWORD)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1


def test_open_redirect_after_sign_in_is_refused(api: TestClient, user: User) -> None:
    page = api.get("/accounts/login?continue=https://evil.example/")
    action, fields = HTMLForms(page.text).with_field("password")
    assert fields["continue"] == "/accounts"
    fields.update(username="alice", password=TEST_PASSWORD, **{"continue": "//evil.example/x"})
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.headers["location"] == "/accounts"


def test_cookie_flags(api: TestClient, user: User) -> None:
    r = api.get("/accounts/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http test server


def test_cookie_is_secure_behind_https(
    tmp_path: Path, catalog_dir: Path, catalog: CatalogStore, database_url: str
) -> None:
    settings = make_settings(
        tmp_path, catalog_dir, database_url=database_url, public_url="https://music.example"
    )
    app = create_app(settings, catalog=catalog)
    with TestClient(app, base_url="https://music.example") as c:
        cookie = c.get("/accounts/login").headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
    app.state.db.dispose()


def test_sign_up_creates_a_listener_and_signs_in(api: TestClient) -> None:
    action, fields = HTMLForms(api.get("/accounts/signup").text).with_field("password")
    fields.update(username="Carol", password="carols password", email="c@example.com")
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 303
    page = api.get("/accounts")
    assert "carol" in page.text and "listener" in page.text
    # The same name again is refused with a message, not a crash.
    api.cookies.clear()
    action, fields = HTMLForms(api.get("/accounts/signup").text).with_field("password")
    fields.update(username="carol", password="other password")
    r = api.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 409 and "taken" in r.text


def test_sign_up_can_be_turned_off(
    tmp_path: Path, catalog_dir: Path, catalog: CatalogStore, database_url: str
) -> None:
    settings = make_settings(tmp_path, catalog_dir, database_url=database_url, signup_enabled=False)
    app = create_app(settings, catalog=catalog)
    with TestClient(app) as c:
        assert c.get("/accounts/signup").status_code == 404
        r = c.post("/accounts/signup", data={"username": "x", "password": "12345678"})
        assert r.status_code == 404
    app.state.db.dispose()


def test_password_change_signs_out_other_browsers(api: TestClient, user: User) -> None:
    other = TestClient(api.app)
    assert sign_in(other, "alice", TEST_PASSWORD).status_code == 303
    assert sign_in(api, "alice", TEST_PASSWORD).status_code == 303
    page = api.get("/accounts/password")
    action, fields = HTMLForms(page.text).with_field("new_password")
    bad = dict(
        fields,
        current_password="wrong",
        new_password="n3w password",
        confirm_password="n3w password",
    )
    r = api.post(action, data=bad, follow_redirects=False)
    assert r.status_code == 400 and "Current password is wrong" in r.text
    good = dict(
        fields,
        current_password=TEST_PASSWORD,
        new_password="n3w password",
        confirm_password="n3w password",
    )
    r = api.post(action, data=good, follow_redirects=False)
    assert r.status_code == 303
    assert api.get("/accounts", follow_redirects=False).status_code == 200
    assert other.get("/accounts", follow_redirects=False).status_code == 303
    assert sign_in(other, "alice", "n3w password").status_code == 303
