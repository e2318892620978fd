"""Two clients editing one playlist at the same moment, over HTTP against a live server
(many server threads, one connection each): no edit is lost, positions stay sound."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from playdeck.catalog.store import CatalogStore
from playdeck.kit.db import Database
from playdeck.playlists import blocks
from tests.conftest import LiveServer, MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, stored_entries, track_ids, uris


@pytest.mark.parametrize("second", ["collaborator", "owner"])
def test_concurrent_adds_reorders_and_deletes(
    db_live_server: LiveServer,
    make_user: MakeUser,
    user_token: UserToken,
    catalog: CatalogStore,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    second: str,
) -> None:
    """Two clients edit one playlist at once: its owner and a collaborator, or the
    owner twice (on PostgreSQL both then start from the state the server knows, and
    the one whose conditional write comes second runs again under the lock). Edits
    that need the database go from the event loop to the thread pool before reaching
    it (no warning that one did)."""
    caplog.set_level(logging.WARNING, "playdeck.kit.db")
    # Blocks of 4–8 items (the server runs in this process): the edits split, merge
    # and move blocks all the time, from both clients at once.
    monkeypatch.setattr(blocks, "MAX", 8)
    monkeypatch.setattr(blocks, "MIN", 4)
    owner = make_user("alice")
    helper = make_user("bob") if second == "collaborator" else owner
    tokens = [user_token(owner, ALL_SCOPES), user_token(helper, ALL_SCOPES, client_id="other")]
    base = db_live_server.url
    pool = uris(track_ids(catalog, 200))
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"}) as c:
        pid = c.post(
            "/v1/me/playlists", json={"name": "Busy", "public": False, "collaborative": True}
        ).json()["id"]
        c.post(f"/v1/playlists/{pid}/items", json={"uris": pool[:20]})
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[1]}"}) as c:
        assert c.put(f"/v1/playlists/{pid}/followers", json={"public": False}).status_code == 200

    errors: list[str] = []
    snapshots: list[str] = []
    lock = threading.Lock()

    def editor(n: int) -> None:
        mine = pool[20 + n * 40 : 20 + (n + 1) * 40]
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {tokens[n]}"}, timeout=30
        ) as c:
            for i, uri in enumerate(mine):
                r = c.post(f"/v1/playlists/{pid}/items?position={i % 5}", json=[uri])
                moved = c.put(
                    f"/v1/playlists/{pid}/items",
                    json={"range_start": i % 7, "range_length": 2, "insert_before": 15},
                )
                with lock:
                    for resp in (r, moved):
                        if resp.status_code not in (200, 201):
                            errors.append(resp.text)
                        else:
                            snapshots.append(resp.json()["snapshot_id"])
                if i == 20:
                    # Every occurrence of an item it added, named without positions,
                    # while the other editor goes on adding and moving.
                    gone = c.request(
                        "DELETE", f"/v1/playlists/{pid}/items", json={"tracks": [{"uri": mine[1]}]}
                    )
                    with lock:
                        if gone.status_code != 200:
                            errors.append(gone.text)
            # Each removes one of its own items by position, against a snapshot that
            # the other editor keeps moving on from.
            seen = c.get(f"/v1/playlists/{pid}").json()  # snapshot and items agree
            snap, items = seen["snapshot_id"], seen["items"]["items"]
            at = [i["item"]["uri"] for i in items].index(mine[0])
            r = c.request(
                "DELETE",
                f"/v1/playlists/{pid}/items",
                json={"items": [{"uri": mine[0], "positions": [at]}], "snapshot_id": snap},
            )
            with lock:
                if r.status_code != 200:
                    errors.append(r.text)

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(set(snapshots)) == len(snapshots) == 160
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"}) as c:
        got = c.get(f"/v1/playlists/{pid}/items?limit=100").json()
        assert got["total"] == 20 + 80 - 4
        final = [i["item"]["uri"] for i in got["items"]]
        assert sorted(final) == sorted([*pool[:20], *pool[22:60], *pool[62:100]])
        versions = c.get(f"/api/playlists/{pid}/versions?limit=1").json()
        assert versions["total"] == 1 + 1 + 160 + 4  # create, first add, edits, deletes
        latest = c.get(f"/api/playlists/{pid}/versions/{versions['items'][0]['snapshot_id']}")
        assert [i["item"]["uri"] for i in latest.json()["items"]["items"]] == final
    database = Database(database_url)
    try:
        # The blocks agree with the directory and hold exactly the items read above.
        stored = stored_entries(database, pid)
        assert [e.uri for e in stored] == final and len(stored) == 96
    finally:
        database.dispose()
    assert "reached for the database" not in caplog.text


def test_concurrent_writers_of_every_kind(
    db_live_server: LiveServer, make_user: MakeUser, user_token: UserToken, catalog: CatalogStore
) -> None:
    """Creates, follows, library saves and custom tracks from many clients at once:
    none fails with a lock error (SQLite writers take the write lock first)."""
    users = [make_user(f"user{i}") for i in range(4)]
    tokens = [user_token(u, ALL_SCOPES, client_id=f"app{i}") for i, u in enumerate(users)]
    ids = track_ids(catalog, 40)
    with httpx.Client(
        base_url=db_live_server.url, headers={"Authorization": f"Bearer {tokens[0]}"}
    ) as c:
        shared = c.post("/v1/me/playlists", json={"name": "shared"}).json()["id"]
    failures: list[str] = []

    def work(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        with httpx.Client(base_url=db_live_server.url, headers=headers, timeout=30) as c:
            for i in range(10):
                for r in (
                    c.post("/v1/me/playlists", json={"name": f"p{n}-{i}"}),
                    c.put(f"/v1/me/tracks?ids={ids[n * 10 + i]}"),
                    c.put(f"/v1/playlists/{shared}/followers"),
                    c.post(
                        "/api/tracks",
                        json={"song_name": f"s{i}", "artist": f"a{n}", "duration": "3:00"},
                    ),
                    c.delete(f"/v1/playlists/{shared}/followers"),
                ):
                    if r.status_code >= 300:
                        failures.append(f"{r.request.method} {r.request.url}: {r.text}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
