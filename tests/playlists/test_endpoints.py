"""Playlist endpoints on both databases: Spotify's semantics, limits, permissions."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from playdeck.catalog.store import CatalogStore
from playdeck.kit.db import Database
from playdeck.playlists import blocks, hints, schemas
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client, break_audit, stored_uris, track_ids, uris
from tests.spotify_spec import assert_matches_spec


@pytest.fixture()
def alice(api: TestClient, make_user: MakeUser, user_token: UserToken) -> Client:
    return Client(api, user_token(make_user("alice", display_name="Alice"), ALL_SCOPES))


@pytest.fixture()
def bob(api: TestClient, make_user: MakeUser, user_token: UserToken) -> Client:
    return Client(api, user_token(make_user("bob"), ALL_SCOPES, client_id="bob-app"))


@pytest.fixture()
def tracks(catalog: CatalogStore) -> list[str]:
    return uris(track_ids(catalog, 300))


def test_lifecycle_and_shapes(alice: Client, tracks: list[str]) -> None:
    p = alice.create("Road trip", description="for the car", public=True)
    assert p["name"] == "Road trip" and p["tracks"]["total"] == 0 and p["items"]["total"] == 0
    assert p["owner"]["display_name"] == "Alice" and p["primary_color"] is None
    pid = p["id"]
    s1 = alice.add(pid, tracks[:5])
    assert s1 != p["snapshot_id"]
    s2 = alice.add(pid, tracks[5:7], position=0)
    assert alice.uris(pid) == [*tracks[5:7], *tracks[:5]]
    got = alice.req("GET", f"/v1/playlists/{pid}", 200)
    assert_matches_spec(got, "GET", "/playlists/{playlist_id}", version="2025")
    assert_matches_spec(got, "GET", "/playlists/{playlist_id}", version="2026")
    body = got.json()
    assert body["snapshot_id"] == s2 and body["tracks"]["total"] == 7
    item = body["items"]["items"][0]
    assert item["track"] == item["item"] and item["is_local"] is False
    assert item["added_by"]["id"] == p["owner"]["id"]
    page = alice.req("GET", f"/v1/playlists/{pid}/tracks?limit=2&offset=1", 200)
    assert_matches_spec(page, "GET", "/playlists/{playlist_id}/tracks", version="2025")
    items = alice.req("GET", f"/v1/playlists/{pid}/items?limit=2", 200)
    assert_matches_spec(items, "GET", "/playlists/{playlist_id}/items", version="2026")
    assert page.json()["next"].endswith(f"/v1/playlists/{pid}/tracks?market=&offset=3&limit=2") or (
        "offset=3" in page.json()["next"]
    )
    mine = alice.req("GET", "/v1/me/playlists", 200)
    assert_matches_spec(mine, "GET", "/me/playlists", version="2026")
    assert [x["id"] for x in mine.json()["items"]] == [pid]


def test_fields_filter(alice: Client, tracks: list[str]) -> None:
    pid = alice.create()["id"]
    alice.add(pid, tracks[:2])
    got = alice.json("GET", f"/v1/playlists/{pid}?fields=name,tracks.items(track(name,uri))")
    assert set(got) == {"name", "tracks"}
    assert set(got["tracks"]["items"][0]["track"]) == {"name", "uri"}
    items = alice.json("GET", f"/v1/playlists/{pid}/items?fields=items(added_by.id),total")
    assert items["total"] == 2 and set(items["items"][0]) == {"added_by"}


def test_fields_filter_the_same_items_as_the_full_answer(
    alice: Client, tracks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `fields=` the items are built as objects to filter (each track read once for
    `track` and `item`, without market lists unless `fields` may keep them, and not
    at all when it keeps no item), not as ready JSON: what is kept is exactly the
    full answer's, for catalog and local items, selections and exclusions, with and
    without a market, on the items paths and on the playlist itself."""
    from playdeck.catalog.service import CatalogService

    pid = alice.create()["id"]
    local = "spotify:local:Artist:Album:A+live+take:251"
    alice.add(pid, [tracks[0], local, tracks[1]])
    items, classic, playlist = (
        f"/v1/playlists/{pid}/items",
        f"/v1/playlists/{pid}/tracks",
        f"/v1/playlists/{pid}",
    )
    calls: list[bool] = []
    original = CatalogService.track_objects

    def recording(
        self: CatalogService, ids: list[str], market: str | None, *members: bytes, **kw: bool
    ) -> object:
        calls.append(kw.get("market_lists", True))
        return original(self, ids, market, *members, **kw)

    monkeypatch.setattr(CatalogService, "track_objects", recording)
    for path, query, lists in (
        (items, "fields=items(added_by.id,track(name,album(name),is_local)),total", False),
        (items, "fields=items(track(album(available_markets)))", True),
        (items, "fields=items(track(album))", True),
        (items, "market=US&fields=items(track(is_playable,name))", False),
        (classic, "fields=items(item(uri,duration_ms),track(!available_markets))", True),
        (playlist, "fields=name,tracks.items(track(uri)),items.items(item(id))", False),
        (items, "fields=total,next", None),
        (playlist, "fields=snapshot_id,tracks.total", None),
    ):
        market = "?market=US" if query.startswith("market") else ""
        full = alice.json("GET", f"{path}{market}")
        calls.clear()
        got = alice.json("GET", f"{path}?{query}")
        spec, exclude = schemas.parse_fields(query.split("fields=")[1])
        assert got == schemas.filter_fields(full, {"!": None, **spec} if exclude else spec)
        assert calls == ([] if lists is None else [lists]), query
    got = alice.json("GET", f"{items}?fields=items(track(uri,is_local))")
    assert got == {
        "items": [
            {"track": {"uri": tracks[0], "is_local": False}},
            {"track": {"uri": local, "is_local": True}},
            {"track": {"uri": tracks[1], "is_local": False}},
        ]
    }


def test_items_for_the_callers_market(alice: Client, tracks: list[str], db: Database) -> None:
    """`market=from_token` is the signed-in user's country (read through a session,
    off the event loop): the page is the one for that market, playability instead
    of market lists."""
    from sqlalchemy import text

    pid = alice.create()["id"]
    alice.add(pid, tracks[:3])
    me = alice.json("GET", "/v1/me")["id"]
    with db.session_scope() as session:
        session.execute(text("UPDATE users SET country = 'SE' WHERE id = :id"), {"id": me})
    for path in (f"/v1/playlists/{pid}/items", f"/v1/playlists/{pid}/tracks"):
        mine = alice.json("GET", f"{path}?market=from_token")
        assert mine == alice.json("GET", f"{path}?market=SE")
        track = mine["items"][0]["track"]
        assert "available_markets" not in track and isinstance(track["is_playable"], bool)


def test_pages_are_read_on_the_loop_only_from_a_database_file() -> None:
    """An in-memory SQLite database is one per connection's thread: its pages are read
    in the thread pool like everything else (`Database.reads_on_loop`)."""
    assert Database("sqlite:///:memory:").reads_on_loop is False
    assert Database("sqlite:///file:pages?mode=memory&uri=true").reads_on_loop is False
    assert Database("sqlite:////tmp/playdeck-pages.sqlite3").reads_on_loop is True


def test_reorder_examples_from_spotify_docs(alice: Client, tracks: list[str]) -> None:
    pid = alice.create()["id"]
    ten = tracks[:10]
    alice.add(pid, ten)
    path = f"/v1/playlists/{pid}/items"
    alice.json("PUT", path, json={"range_start": 0, "insert_before": 10})
    assert alice.uris(pid) == [*ten[1:], ten[0]]
    alice.json("PUT", path, json={"range_start": 9, "insert_before": 0})
    assert alice.uris(pid) == ten
    alice.json("PUT", path, json={"range_start": 2, "range_length": 3, "insert_before": 8})
    assert alice.uris(pid) == [*ten[:2], *ten[5:8], *ten[2:5], *ten[8:]]
    alice.req("PUT", path, 400, json={"range_start": 9, "range_length": 3, "insert_before": 0})


def test_reorder_rebased_on_an_older_snapshot(alice: Client, tracks: list[str]) -> None:
    pid = alice.create()["id"]
    base = alice.add(pid, tracks[:5])
    alice.add(pid, tracks[10:12], position=0)  # someone else inserted at the top
    path = f"/v1/playlists/{pid}/items"
    # "Move the item at 4 (in `base`) to the start": still means tracks[4].
    alice.json("PUT", path, json={"range_start": 4, "insert_before": 0, "snapshot_id": base})
    assert alice.uris(pid) == [tracks[4], *tracks[10:12], *tracks[:4]]
    alice.req("PUT", path, 400, json={"range_start": 0, "insert_before": 1, "snapshot_id": "nope"})


def test_snapshot_relative_delete(alice: Client, tracks: list[str]) -> None:
    pid = alice.create()["id"]
    a, b = tracks[0], tracks[1]
    snap = alice.add(pid, [a, b, a, b, a])
    path = f"/v1/playlists/{pid}/items"
    alice.add(pid, [tracks[2]], position=0)  # positions shift by one after `snap`
    alice.json("DELETE", path, json={"items": [{"uri": a, "positions": [2]}], "snapshot_id": snap})
    assert alice.uris(pid) == [tracks[2], a, b, b, a]
    # A position that does not hold that uri is refused and changes nothing.
    alice.req("DELETE", path, 400, json={"tracks": [{"uri": b, "positions": [0]}]})
    # Without positions: every occurrence.
    alice.json("DELETE", path, json={"tracks": [{"uri": a}]})
    assert alice.uris(pid) == [tracks[2], b, b]


def test_replace_and_limits(alice: Client, tracks: list[str]) -> None:
    pid = alice.create()["id"]
    alice.add(pid, tracks[:3])
    path = f"/v1/playlists/{pid}/items"
    alice.json("PUT", path, json={"uris": [tracks[2], tracks[5]]})
    assert alice.uris(pid) == [tracks[2], tracks[5]]
    alice.req("POST", path, 400, json={"uris": tracks[:101]})
    alice.req("POST", path, 400, json={"uris": ["spotify:track:0000000000000000000000"]})
    alice.req("POST", path, 400, json={"uris": ["spotify:episode:0000000000000000000000"]})
    alice.req("POST", path, 400, json={"uris": tracks[:1], "position": 5})
    # A known track's URI with a trailing newline is not that URI: nothing is stored.
    alice.req("POST", path, 400, json={"uris": [tracks[3] + "\n"]})
    assert alice.uris(pid) == [tracks[2], tracks[5]]
    # Bare JSON array with the position in the query string (spotipy 2.26).
    alice.req("POST", f"{path}?position=1", 201, json=[tracks[7]])
    alice.req("POST", f"{path}?uris={tracks[8]}", 201)
    assert alice.uris(pid) == [tracks[2], tracks[7], tracks[5], tracks[8]]


def test_nul_characters_are_refused_and_change_nothing(alice: Client, tracks: list[str]) -> None:
    """PostgreSQL refuses NUL in text and SQLite would store it: on both databases a
    NUL in a body, a query string or a path is a 400 in Spotify's envelope."""
    pid = alice.create("Clean", description="as made")["id"]
    before = alice.json("GET", f"/v1/playlists/{pid}")
    for body in ({"name": "a\u0000b"}, {"description": "x\u0000"}):
        r = alice.req("PUT", f"/v1/playlists/{pid}", 400, json=body)
        assert r.json()["error"]["status"] == 400
    alice.req("POST", "/v1/me/playlists", 400, json={"name": "\u0000"})
    alice.req("POST", "/api/tracks", 400, json={"song_name": "x\u0000", "artist": "y"})
    alice.req("GET", f"/api/audit?playlist_id={pid}%00", 400)
    alice.req("GET", f"/v1/playlists/{pid}%00", 400)
    after = alice.json("GET", f"/v1/playlists/{pid}")
    assert after["snapshot_id"] == before["snapshot_id"] and after["name"] == "Clean"
    assert alice.json("GET", "/api/tracks")["total"] == 0
    assert alice.json("GET", "/v1/me/playlists")["total"] == 1


def test_size_limit(alice: Client, tracks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from playdeck.playlists import service

    monkeypatch.setattr(service, "MAX_ITEMS", 5)
    pid = alice.create()["id"]
    alice.add(pid, tracks[:4])
    alice.req("POST", f"/v1/playlists/{pid}/items", 400, json={"uris": tracks[4:6]})
    alice.add(pid, tracks[4:5])


def test_permissions_between_two_users(
    alice: Client, bob: Client, tracks: list[str], api: TestClient
) -> None:
    pub = alice.create("Public one")["id"]
    priv = alice.create("Secret", public=False)["id"]
    alice.add(priv, tracks[:1])
    bob.req("POST", f"/v1/playlists/{pub}/items", 403, json={"uris": tracks[:1]})
    bob.req("PUT", f"/v1/playlists/{pub}", 403, json={"name": "mine now"})
    bob.req("DELETE", f"/v1/playlists/{pub}/items", 403, json={"tracks": [{"uri": tracks[0]}]})
    assert api.get(f"/v1/playlists/{pub}").status_code == 401
    bob.req("GET", "/v1/playlists/AAAAAAAAAAAAAAAAAAAAAA", 404)
    bob.req("POST", "/v1/users/someoneelse/playlists", 403, json={"name": "x"})
    # Listings: bob sees alice's public playlist, never her private one.
    alice_id = alice.json("GET", "/v1/me")["id"]
    listed = bob.json("GET", f"/v1/users/{alice_id}/playlists")
    assert [x["id"] for x in listed["items"]] == [pub]
    own = alice.json("GET", f"/v1/users/{alice_id}/playlists")
    assert {x["id"] for x in own["items"]} == {pub, priv}


def test_scopes(
    api: TestClient, make_user: MakeUser, user_token: UserToken, tracks: list[str]
) -> None:
    carol = make_user("carol")
    public_only = Client(api, user_token(carol, "playlist-modify-public"))
    pid = public_only.create("ok")["id"]
    public_only.req("POST", "/v1/me/playlists", 403, json={"name": "x", "public": False})
    read_only = Client(api, user_token(carol, "playlist-read-private", client_id="ro"))
    read_only.req("POST", f"/v1/playlists/{pid}/items", 403, json={"uris": tracks[:1]})
    read_only.req("PUT", f"/v1/playlists/{pid}/images", 403, content=b"/9j/4AAQ")


def test_collaborator_edits(alice: Client, bob: Client, tracks: list[str]) -> None:
    pid = alice.create("Together", public=False, collaborative=True)["id"]
    alice.add(pid, tracks[:2])
    bob.req("POST", f"/v1/playlists/{pid}/items", 403, json={"uris": tracks[2:3]})
    bob.req("PUT", f"/v1/playlists/{pid}/followers", 200, json={"public": False})
    assert bob.json("GET", f"/v1/playlists/{pid}/followers/contains") == [True]
    bob.add(pid, tracks[2:3])
    bob.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 2, "insert_before": 0})
    bob.json("DELETE", f"/v1/playlists/{pid}/items", json={"items": [{"uri": tracks[0]}]})
    assert alice.uris(pid) == [tracks[2], tracks[1]]
    bob.req("PUT", f"/v1/playlists/{pid}", 403, json={"name": "bob's"})  # details: owner only
    items = alice.json("GET", f"/v1/playlists/{pid}/items")["items"]
    assert items[0]["added_by"]["id"] == bob.json("GET", "/v1/me")["id"]
    alice.req("PUT", f"/v1/playlists/{pid}", 400, json={"public": True})  # collaborative


def test_admin_can_act_and_is_audited(
    alice: Client, api: TestClient, make_user: MakeUser, user_token: UserToken, tracks: list[str]
) -> None:
    admin = Client(api, user_token(make_user("root", role="admin"), ALL_SCOPES, client_id="ops"))
    pid = alice.create("Help me", public=False)["id"]
    admin.add(pid, tracks[:1])
    admin.json("PUT", f"/v1/playlists/{pid}", json={"name": "Fixed"})
    entries = alice.json("GET", f"/api/audit?playlist_id={pid}")["items"]
    assert [e["operation"] for e in entries] == [
        "playlist.details",
        "playlist.add",
        "playlist.create",
    ]
    assert entries[0]["as_admin"] is True and entries[0]["client_id"] == "ops"


def test_details_followers_and_cover(alice: Client, bob: Client, api: TestClient) -> None:
    p = alice.create("Old")
    pid = p["id"]
    alice.json("PUT", f"/v1/playlists/{pid}", json={"name": "New", "description": "d"})
    got = alice.json("GET", f"/v1/playlists/{pid}")
    assert got["name"] == "New" and got["description"] == "d"
    assert got["snapshot_id"] != p["snapshot_id"]
    bob.req("PUT", f"/v1/playlists/{pid}/followers", 200)
    assert alice.json("GET", f"/v1/playlists/{pid}")["followers"]["total"] == 1
    bob_id = bob.json("GET", "/v1/me")["id"]
    assert alice.json("GET", f"/v1/playlists/{pid}/followers/contains?ids={bob_id}") == [True]
    bob.req("DELETE", f"/v1/playlists/{pid}/followers", 200)
    assert alice.json("GET", f"/v1/playlists/{pid}/followers/contains?ids={bob_id}") == [False]
    import base64

    jpeg = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00" + b"\x00" * 40
    alice.req("PUT", f"/v1/playlists/{pid}/images", 202, content=base64.b64encode(jpeg))
    images = alice.json("GET", f"/v1/playlists/{pid}/images")
    assert images[0]["width"] == 16
    # The full object shows the same cover, its owner, and no follower but the owner.
    got = alice.json("GET", f"/v1/playlists/{pid}")
    assert got["images"] == images and got["followers"]["total"] == 0
    assert got["owner"]["id"] == alice.json("GET", "/v1/me")["id"]
    cover = api.get(images[0]["url"].replace("http://testserver", ""))
    assert cover.status_code == 200 and cover.content == jpeg
    alice.req("PUT", f"/v1/playlists/{pid}/images", 400, content=b"not base64!")
    big = base64.b64encode(b"\xff\xd8" + b"\x00" * 300_000)
    alice.req("PUT", f"/v1/playlists/{pid}/images", 400, content=big)
    bob.req("PUT", f"/v1/playlists/{pid}/images", 403, content=base64.b64encode(jpeg))


def test_item_reads_cost_a_constant_number_of_queries(
    alice: Client, tracks: list[str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import event

    from playdeck.catalog.service import CatalogService

    pid = alice.create()["id"]
    alice.add(pid, tracks[:100])
    alice.add(pid, tracks[100:200])
    statements: list[str] = []
    catalog_calls: list[int] = []
    original = CatalogService.track_objects

    def counting(
        self: CatalogService, ids: list[str], market: str | None, *members: bytes, **kw: bool
    ) -> object:
        catalog_calls.append(len(ids))
        return original(self, ids, market, *members, **kw)

    monkeypatch.setattr(CatalogService, "track_objects", counting)
    threads: list[str] = []

    def on_engine(*args: Any) -> None:
        statements.append(args[2])
        threads.append(threading.current_thread().name)

    event.listen(db.engine, "before_cursor_execute", on_engine)
    loop = db.loop_connections  # PostgreSQL: a page is read through the loop's connections
    if loop is not None:
        fetch = loop.fetch

        async def recording(statement: str, params: Any) -> list[Any]:
            statements.append(statement)
            threads.append("loop connection")
            return await fetch(statement, params)

        monkeypatch.setattr(loop, "fetch", recording)
    for cold in (False, True):
        costs = []
        for limit in (1, 100):
            if cold:  # as a process that never saw the playlist: no directory to guess by
                hints.directories(db.engine).forget(pid)
            statements.clear()
            threads.clear()
            catalog_calls.clear()
            got = alice.json("GET", f"/v1/playlists/{pid}/items?limit={limit}&offset=90")
            assert [i["track"]["uri"] for i in got["items"]] == tracks[90 : 90 + limit]
            costs.append(len(statements))
            assert catalog_calls == [limit]  # one batched catalog lookup per page
            # The playlist's state and the blocks holding the page, by primary key
            # (never a read of the whole playlist); the blocks guessed from the
            # directory this process saw last, else read after the directory.
            assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
            assert "FROM playlists" in statements[0] and "FROM playlist_blocks" in statements[0]
            assert all(re.search(r"block (IN|= ANY)", s) for s in statements)
            # Read on the event loop, not in the thread pool: through the loop's
            # connections (PostgreSQL) or in the loop's own thread (SQLite).
            assert not any(name.startswith("AnyIO worker") for name in threads), threads
            assert ("loop connection" in threads) == (loop is not None)
        assert costs == ([2, 2] if cold else [1, 1])


def test_listing_scopes(api: TestClient, make_user: MakeUser, user_token: UserToken) -> None:
    frank = make_user("frank")
    full = Client(api, user_token(frank, ALL_SCOPES))
    pub = full.create("pub")["id"]
    full.create("priv", public=False)
    collab = full.create("collab", public=False, collaborative=True)["id"]
    assert full.json("GET", "/v1/me/playlists")["total"] == 3
    # Frank's token without playlist-read-private: public (and collaborative with
    # playlist-read-collaborative) only, and the total agrees.
    narrow = Client(api, user_token(frank, "playlist-read-collaborative", client_id="narrow"))
    got = narrow.json("GET", "/v1/me/playlists")
    assert {p["id"] for p in got["items"]} == {pub, collab} and got["total"] == 2
    other = Client(api, user_token(make_user("erin"), "playlist-read-private"))
    listed = other.json("GET", f"/v1/users/{frank.id}/playlists")
    assert [p["id"] for p in listed["items"]] == [pub] and listed["total"] == 1


def test_tiny_blocks_keep_the_order(
    alice: Client, db: Database, tracks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With blocks of 2–4 items every edit splits, merges or moves blocks: the order
    stays right and the blocks stay within their bounds after each one."""
    monkeypatch.setattr(blocks, "MAX", 4)
    monkeypatch.setattr(blocks, "MIN", 2)
    pid = alice.create()["id"]
    expected: list[str] = []
    snap = ""
    for i in range(12):
        new = tracks[i * 3 : i * 3 + 3]
        snap = alice.add(pid, new, position=1 if expected else 0)
        expected[1 if expected else 0 : 1 if expected else 0] = new
        assert stored_uris(db, pid) == expected
    assert alice.uris(pid) == expected
    path = f"/v1/playlists/{pid}/items"
    alice.json("PUT", path, json={"range_start": 30, "range_length": 3, "insert_before": 1})
    expected = [expected[0], *expected[30:33], *expected[1:30], *expected[33:]]
    assert alice.uris(pid) == expected == stored_uris(db, pid)
    alice.json("PUT", path, json={"range_start": 2, "range_length": 20, "insert_before": 36})
    expected = [*expected[:2], *expected[22:36], *expected[2:22]]
    assert alice.uris(pid) == expected == stored_uris(db, pid)
    drop = [{"uri": expected[i], "positions": [i]} for i in (0, 5, 6, 7, 20)]
    alice.json("DELETE", path, json={"tracks": drop})
    expected = [u for i, u in enumerate(expected) if i not in (0, 5, 6, 7, 20)]
    assert alice.uris(pid) == expected == stored_uris(db, pid)
    alice.json("PUT", path, json={"uris": [expected[0], tracks[100], *expected[1:3]]})
    assert alice.uris(pid) == [expected[0], tracks[100], *expected[1:3]] == stored_uris(db, pid)
    alice.json("POST", f"/api/playlists/{pid}/restore", json={"snapshot_id": snap})
    assert alice.uris(pid) == _first_expected(tracks) == stored_uris(db, pid)


def _first_expected(tracks: list[str]) -> list[str]:
    out: list[str] = []
    for i in range(12):
        new = tracks[i * 3 : i * 3 + 3]
        at = 1 if out else 0
        out[at:at] = new
    return out


def test_stale_reorder_that_cannot_be_rebased_is_a_conflict(
    alice: Client, tracks: list[str]
) -> None:
    pid = alice.create()["id"]
    base = alice.add(pid, tracks[:6])
    alice.add(pid, tracks[10:11], position=2)  # lands inside the range below
    path = f"/v1/playlists/{pid}/items"
    body = {"range_start": 1, "range_length": 3, "insert_before": 6, "snapshot_id": base}
    r = alice.req("PUT", path, 409, json=body)
    assert r.json()["error"]["status"] == 409
    # A delete naming an item that another edit already removed just skips it.
    alice.json("DELETE", path, json={"items": [{"uri": tracks[0], "positions": [0]}]})
    alice.json(
        "DELETE", path, json={"items": [{"uri": tracks[0], "positions": [0]}], "snapshot_id": base}
    )
    assert alice.uris(pid) == [tracks[1], tracks[10], *tracks[2:6]]


def test_edits_write_their_audit_row_with_the_edit(
    alice: Client, tracks: list[str], db_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An add or a reorder writes items, version and audit row together (one
    statement on PostgreSQL): the row names the caller and the snapshots, and when
    any part fails nothing of the edit is kept."""
    from playdeck.audit import service as audit

    pid = alice.create()["id"]
    me = alice.json("GET", "/v1/me")["id"]
    s1 = alice.add(pid, tracks[:3])
    s2 = alice.json(
        "PUT", f"/v1/playlists/{pid}/items", json={"range_start": 0, "insert_before": 3}
    )["snapshot_id"]
    entries = alice.json("GET", f"/api/audit?playlist_id={pid}")["items"]
    assert [(e["operation"], e["snapshot_before"], e["snapshot_after"]) for e in entries[:2]] == [
        ("playlist.reorder", s1, s2),
        ("playlist.add", entries[2]["snapshot_after"], s1),
    ]
    assert {(e["user_id"], e["client_id"]) for e in entries} == {(me, "test-app")}
    assert entries[0]["params"]["range_start"] == 0
    assert entries[1]["params"] == {"uris": tracks[:3], "position": None}

    real = break_audit(monkeypatch)
    raw = TestClient(db_app, raise_server_exceptions=False)
    headers = alice.headers
    failed = [
        raw.post(f"/v1/playlists/{pid}/items", headers=headers, json={"uris": tracks[3:5]}),
        raw.put(
            f"/v1/playlists/{pid}/items",
            headers=headers,
            json={"range_start": 0, "insert_before": 2},
        ),
    ]
    assert [r.status_code for r in failed] == [500, 500]
    assert failed[0].json()["error"]["status"] == 500
    monkeypatch.setattr(audit, "entry", real)
    assert alice.uris(pid) == [tracks[1], tracks[2], tracks[0]]
    assert alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"] == s2
    assert alice.json("GET", f"/api/playlists/{pid}/versions?limit=1")["total"] == 3
    assert alice.json("GET", f"/api/audit?playlist_id={pid}")["total"] == 3


def test_added_uris_are_stored_exactly(
    api: TestClient, db: Database, catalog: CatalogStore, make_user: MakeUser, user_token: UserToken
) -> None:
    """Whatever characters a local URI carries (quotes, backslashes, commas, braces, a
    bare NULL) are stored as sent, by an add at the end and one in the middle; on
    PostgreSQL an add passes its URIs as one array literal."""
    alice = Client(api, user_token(make_user("alice"), ALL_SCOPES))
    pid = alice.create()["id"]
    odd = [
        'spotify:local:a"b:c\\d:{e},f:12',
        'spotify:local:NULL:x y:\\"}:3',
        "spotify:local:::Ünïcødé 曲:0",
    ]
    given = [*uris(track_ids(catalog, 2)), *odd]
    alice.add(pid, given)
    alice.add(pid, odd[1:2], position=1)
    assert stored_uris(db, pid) == [given[0], odd[1], *given[1:]]
    # Every occurrence of such URIs is found (blocks are filtered by their stored text,
    # where quotes and backslashes are escaped), and only them.
    gone = {"tracks": [{"uri": odd[0]}, {"uri": odd[1]}]}
    alice.json("DELETE", f"/v1/playlists/{pid}/items", json=gone)
    assert stored_uris(db, pid) == [given[0], given[1], odd[2]]


def test_item_routes_are_routed_before_every_other_api_route(db_app: FastAPI) -> None:
    """The eight item routes (a page read and the edits) are tried first (after
    FastAPI's own docs pages), so they do not pay for matching the rest of the API;
    other paths still reach their routes (here a track and a playlist)."""
    docs = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}

    def first_match(method: str, path: str) -> int:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        routes = db_app.router.routes
        return next(i for i, r in enumerate(routes) if r.matches(scope)[0] == Match.FULL)

    leading = [getattr(r, "path", None) for r in db_app.router.routes[: len(docs)]]
    assert set(leading) == docs
    for method in ("GET", "POST", "PUT", "DELETE"):
        for kind in ("items", "tracks"):
            assert first_match(method, f"/v1/playlists/p1/{kind}") == len(docs)
    for method, path in (("GET", "/v1/tracks/t1"), ("GET", "/v1/playlists/p1")):
        assert first_match(method, path) > len(docs)
