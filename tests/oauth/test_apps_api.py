"""Admin app management over HTTP (/api/apps), both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeUser, UserToken


def test_admin_manages_apps(api: TestClient, make_user: MakeUser, user_token: UserToken) -> None:
    admin = make_user("root", role="admin")
    headers = {"Authorization": f"Bearer {user_token(admin)}"}
    r = api.post(
        "/api/apps",
        json={"name": "Sync tool", "redirect_uris": ["http://127.0.0.1:9000/cb"]},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    client_id, secret = created["client_id"], created["client_secret"]
    assert len(client_id) == 32 and len(secret) == 32 and created["public"] is False
    r = api.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert r.status_code == 200
    listed = api.get("/api/apps", headers=headers).json()["items"]
    assert client_id in {a["client_id"] for a in listed}
    assert all(a["client_secret"] is None for a in listed)
    r = api.patch(
        f"/api/apps/{client_id}",
        json={"redirect_uris": ["http://127.0.0.1:9000/new"]},
        headers=headers,
    )
    assert r.json()["redirect_uris"] == ["http://127.0.0.1:9000/new"]
    rotated = api.post(f"/api/apps/{client_id}/secret", headers=headers).json()["client_secret"]
    assert rotated != secret
    old = api.post(
        "/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert old.status_code == 401
    r = api.post(
        "/api/apps", json={"name": "pkce", "public": True, "redirect_uris": []}, headers=headers
    )
    assert r.json()["public"] is True and r.json()["client_secret"] is None
    assert api.delete(f"/api/apps/{client_id}", headers=headers).status_code == 204
    assert api.get(f"/api/apps/{client_id}", headers=headers).status_code == 404
    r = api.post("/api/apps", json={"name": "bad", "redirect_uris": ["no-scheme"]}, headers=headers)
    assert r.status_code == 400


def test_only_admins_manage_apps(
    api: TestClient, make_user: MakeUser, user_token: UserToken
) -> None:
    listener = make_user("bob")
    headers = {"Authorization": f"Bearer {user_token(listener)}"}
    assert api.get("/api/apps", headers=headers).status_code == 403
    r = api.post("/api/apps", json={"name": "x"}, headers=headers)
    assert r.status_code == 403
    assert api.get("/api/apps").status_code == 401
    client = api.post(
        "/api/token", data={"grant_type": "client_credentials"}, auth=("a", "b")
    ).json()["access_token"]
    assert api.get("/api/apps", headers={"Authorization": f"Bearer {client}"}).status_code == 401
