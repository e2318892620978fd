"""Version history: every snapshot rebuilt, point in time, diff, restore, storage, audit."""

from __future__ import annotations

import random
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from playdeck.catalog.store import CatalogStore
from playdeck.kit.db import Database
from playdeck.playlists import service as playlist_service
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client, track_ids, uris


@pytest.fixture()
def alice(api: TestClient, make_user: MakeUser, user_token: UserToken) -> Client:
    return Client(api, user_token(make_user("alice"), ALL_SCOPES))


def _version_uris(c: Client, pid: str, snap: str) -> list[str]:
    got = c.json("GET", f"/api/playlists/{pid}/versions/{snap}?limit=100")
    return [i["item"]["uri"] for i in got["items"]["items"]]


def test_every_snapshot_is_rebuilt(
    alice: Client, catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checkpoints every few changes, so rebuilding crosses checkpoints too.
    monkeypatch.setattr(playlist_service, "CHECKPOINT_MIN", 6)
    pool = uris(track_ids(catalog, 60))
    rng = random.Random(2)
    pid = alice.create()["id"]
    path = f"/v1/playlists/{pid}/items"
    expected: dict[str, list[str]] = {}
    current: list[str] = []
    for step in range(30):
        kind = rng.choice(["add", "move", "remove", "replace"] if current else ["add"])
        if kind == "add":
            new = rng.sample(pool, rng.randint(1, 4))
            at = rng.randint(0, len(current))
            snap = alice.add(pid, new, position=at)
            current[at:at] = new
        elif kind == "move":
            start = rng.randrange(len(current))
            length = rng.randint(1, len(current) - start)
            before = rng.choice(
                [b for b in range(len(current) + 1) if not start <= b <= start + length] or [0]
            )
            if start <= before <= start + length:
                continue
            body = {"range_start": start, "range_length": length, "insert_before": before}
            snap = alice.json("PUT", path, json=body)["snapshot_id"]
            chunk = current[start : start + length]
            rest = current[:start] + current[start + length :]
            dest = before - length if before > start else before
            current = rest[:dest] + chunk + rest[dest:]
        elif kind == "remove":
            pos = rng.randrange(len(current))
            body = {"items": [{"uri": current[pos], "positions": [pos]}]}
            snap = alice.json("DELETE", path, json=body)["snapshot_id"]
            del current[pos]
        else:
            new = rng.sample(current, min(3, len(current))) + rng.sample(pool, 2)
            snap = alice.json("PUT", path, json={"uris": new})["snapshot_id"]
            current = list(new)
        assert alice.uris(pid) == current, step
        expected[snap] = list(current)
    for snap, want in expected.items():
        assert _version_uris(alice, pid, snap) == want
    versions = alice.json("GET", f"/api/playlists/{pid}/versions?limit=50")
    assert versions["total"] == len(expected) + 1
    assert versions["items"][-1]["operation"] == "create"


def test_point_in_time_diff_and_restore(alice: Client, catalog: CatalogStore) -> None:
    pool = uris(track_ids(catalog, 10))
    pid = alice.create("Before")["id"]
    first = alice.add(pid, pool[:4])
    time.sleep(0.05)
    from datetime import UTC, datetime

    moment = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    time.sleep(0.05)
    alice.json("PUT", f"/v1/playlists/{pid}", json={"name": "After"})
    alice.json("DELETE", f"/v1/playlists/{pid}/items", json={"items": [{"uri": pool[1]}]})
    last = alice.add(pid, pool[8:9], position=0)
    then = alice.json("GET", f"/api/playlists/{pid}/as-of", params={"time": moment})
    assert then["snapshot_id"] == first and then["name"] == "Before"
    assert [i["item"]["uri"] for i in then["items"]["items"]] == pool[:4]
    diff = alice.json("GET", f"/api/playlists/{pid}/diff?from={first}&to={last}")
    assert [a["uri"] for a in diff["added"]] == [pool[8]]
    assert diff["removed"] == [{"position": 1, "uri": pool[1]}]
    assert diff["details"] == {"name": {"from": "Before", "to": "After"}}
    restored = alice.json("POST", f"/api/playlists/{pid}/restore", json={"snapshot_id": first})
    now = alice.json("GET", f"/v1/playlists/{pid}")
    assert now["snapshot_id"] == restored["snapshot_id"] not in (first, last)
    assert [i["item"]["uri"] for i in now["items"]["items"]] == pool[:4]
    assert now["name"] == "Before"
    # Restored items keep their original added_at.
    assert _version_uris(alice, pid, restored["snapshot_id"]) == pool[:4]
    versions = alice.json("GET", f"/api/playlists/{pid}/versions")["items"]
    assert versions[0]["operation"] == "restore"
    # ... and the restore itself can be undone.
    alice.json("POST", f"/api/playlists/{pid}/restore", json={"snapshot_id": last})
    assert alice.uris(pid) == [pool[8], pool[0], pool[2], pool[3]]
    alice.req("POST", f"/api/playlists/{pid}/restore", 404, json={"snapshot_id": "nope"})


def test_history_is_for_editors(
    alice: Client, api: TestClient, make_user: MakeUser, user_token: UserToken
) -> None:
    pid = alice.create()["id"]
    bob = Client(api, user_token(make_user("bob"), ALL_SCOPES))
    bob.req("GET", f"/api/playlists/{pid}/versions", 403)
    bob.req("POST", f"/api/playlists/{pid}/restore", 403, json={"snapshot_id": "x"})


def test_storage_grows_with_changes_not_length(
    alice: Client, catalog: CatalogStore, db: Database
) -> None:
    pool = uris(track_ids(catalog, 1000))
    pid = alice.create()["id"]
    for start in range(0, 1000, 100):
        alice.add(pid, pool[start : start + 100])
    for i in range(40):  # 40 one-item reorders of a 1,000-item playlist
        alice.json(
            "PUT", f"/v1/playlists/{pid}/items", json={"range_start": i, "insert_before": 1000 - i}
        )
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT ops FROM playlist_versions WHERE playlist_id = :p"), {"p": pid}
        ).all()
        checkpoints = conn.execute(
            sa.text("SELECT count(*) FROM playlist_checkpoints WHERE playlist_id = :p"),
            {"p": pid},
        ).scalar_one()
    stored = sum(len(str(r[0])) for r in rows)
    # The adds stored 1,000 entries; 40 reorders add a few bytes each, not 40 x 1,000.
    one_entry = len(str(["spotify:track:" + "x" * 22, "2026-01-01T00:00:00Z", "x" * 22]))
    assert stored < 1000 * one_entry * 1.5
    assert checkpoints <= 3  # creation, and when deltas outgrew the list


def test_audit_is_append_only_and_filtered(
    alice: Client, api: TestClient, make_user: MakeUser, user_token: UserToken, db: Database
) -> None:
    pid = alice.create()["id"]
    alice.json("PUT", f"/v1/playlists/{pid}", json={"name": "x"})
    bob = Client(api, user_token(make_user("bob"), ALL_SCOPES))
    bob_pid = bob.create()["id"]
    everything_mine = alice.json("GET", "/api/audit")["items"]
    assert {e["object_type"] for e in everything_mine} == {"playlist", "user"}  # her account
    mine = [e for e in everything_mine if e["object_type"] == "playlist"]
    assert {e["object_id"] for e in mine} == {pid}
    entry = mine[0]
    assert entry["operation"] == "playlist.details" and entry["params"] == {"name": "x"}
    assert entry["snapshot_before"] and entry["snapshot_after"]
    assert (
        entry["client_id"] == "test-app" and entry["user_id"] == alice.json("GET", "/v1/me")["id"]
    )
    assert alice.json("GET", f"/api/audit?playlist_id={bob_pid}")["items"] == []
    admin = Client(api, user_token(make_user("root", role="admin"), ALL_SCOPES))
    everything = admin.json("GET", "/api/audit")
    assert {e["object_id"] for e in everything["items"]} >= {pid, bob_pid}
    by_user = admin.json("GET", "/api/audit", params={"user_id": entry["user_id"]})
    assert {e["object_id"] for e in by_user["items"]} == {pid}
    later = admin.json("GET", "/api/audit", params={"since": "2999-01-01T00:00:00Z"})
    assert later["total"] == 0
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_entries SET operation = 'forged'"))
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entries"))
    assert admin.json("GET", "/api/audit")["total"] == everything["total"]


def test_account_changes_are_audited(
    make_user: MakeUser, db: Database, user_token: UserToken, api: TestClient
) -> None:
    from playdeck.accounts import service as accounts

    dora = make_user("dora")
    with db.session_scope() as session:
        session.info["audit_actor"] = ("someone", "cli")
        accounts.set_password(session, accounts.get_user(session, dora.id), "another long password")
    admin = Client(api, user_token(make_user("root", role="admin"), ALL_SCOPES))
    log = admin.json("GET", "/api/audit", params={"limit": 200})["items"]
    mine = [e for e in log if e["object_id"] == dora.id]
    assert [e["operation"] for e in mine] == ["user.update", "user.create"]
    assert "password_hash" in mine[0]["params"]["fields"] and mine[0]["user_id"] == "someone"
    assert "correct horse" not in str(log)  # names of fields only, never values
    assert any(e["operation"] == "app.create" for e in log)


def test_account_changes_over_http_name_the_token_holder(
    make_user: MakeUser, user_token: UserToken, api: TestClient
) -> None:
    root = make_user("root", role="admin")
    admin = Client(api, user_token(root, ALL_SCOPES))
    created = admin.json(
        "POST",
        "/api/apps",
        expect=201,
        json={"name": "Audited", "redirect_uris": ["http://127.0.0.1:9/cb"]},
    )
    log = admin.json("GET", "/api/audit", params={"limit": 200})["items"]
    entry = next(
        e for e in log if e["operation"] == "app.create" and e["object_id"] == created["client_id"]
    )
    assert entry["user_id"] == root.id and entry["client_id"]
