"""spotipy (from PyPI) drives the whole playlist and library lifecycle against a live server:
2.26's paths (`/items`, `/me/library`, `POST /me/playlists`, bare-array adds) and 2.25's
(`/tracks`, `/me/tracks`, driven through spotipy's raw `_get/_post/_put/_delete`).
"""

from __future__ import annotations

import base64

import httpx
import spotipy

from playdeck.catalog.store import CatalogStore
from tests.conftest import LiveServer, MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, album_ids, artist_ids, track_ids, uris


def local_spotipy(server: LiveServer, token: str) -> spotipy.Spotify:
    sp = spotipy.Spotify(auth=token, retries=0)
    sp.prefix = f"{server.url}/v1/"
    return sp


def test_spotipy_playlist_lifecycle(
    db_live_server: LiveServer,
    make_user: MakeUser,
    user_token: UserToken,
    catalog: CatalogStore,
) -> None:
    alice = make_user("alice", display_name="Alice")
    sp = local_spotipy(db_live_server, user_token(alice, ALL_SCOPES))
    t = uris(track_ids(catalog, 12))
    me = sp.me()
    made = sp.current_user_playlist_create("Road trip", public=False, description="car")
    pid = made["id"]
    assert made["owner"]["id"] == me["id"] and made["public"] is False
    sp.playlist_add_items(pid, t[:5])
    sp.playlist_add_items(pid, t[5:7], position=1)  # bare array, position in the query
    got = [i["item"]["uri"] for i in sp.playlist_items(pid)["items"]]
    assert got == [t[0], t[5], t[6], *t[1:5]]
    snap = sp.playlist(pid, fields="snapshot_id")["snapshot_id"]
    sp.playlist_reorder_items(pid, range_start=0, insert_before=7, snapshot_id=snap)
    sp.playlist_remove_specific_occurrences_of_items(
        pid, [{"uri": t[5], "positions": [0]}], snapshot_id=sp.playlist(pid)["snapshot_id"]
    )
    sp.playlist_remove_all_occurrences_of_items(pid, [t[6]])
    assert [i["track"]["uri"] for i in sp.playlist_items(pid)["items"]] == [*t[1:5], t[0]]
    sp.playlist_change_details(pid, name="Road trip 2", collaborative=True)
    assert sp.playlist(pid)["name"] == "Road trip 2" and sp.playlist(pid)["collaborative"]
    jpeg = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x20\x00\x20\x03\x01\x22\x00" + b"\x00" * 32
    sp.playlist_upload_cover_image(pid, base64.b64encode(jpeg))
    assert sp.playlist_cover_image(pid)[0]["width"] == 32
    # Paging follows the absolute `next` on the server.
    sp.playlist_replace_items(pid, t[:2])
    for chunk in range(0, 12, 4):
        sp.playlist_add_items(pid, t[chunk : chunk + 4])
    page = sp.playlist_items(pid, limit=5)
    seen = [i["item"]["uri"] for i in page["items"]]
    while page["next"]:
        page = sp.next(page)
        seen += [i["item"]["uri"] for i in page["items"]]
    assert seen == t[:2] + t[:12]
    assert [p["id"] for p in sp.current_user_playlists()["items"]] == [pid]
    assert sp.user_playlists(me["id"])["items"][0]["id"] == pid
    other = sp.user_playlist_create(me["id"], "Second")
    sp.current_user_unfollow_playlist(other["id"])
    assert [p["id"] for p in sp.current_user_playlists()["items"]] == [pid]
    sp.current_user_follow_playlist(other["id"])  # PUT /me/library with a playlist URI
    assert len(sp.current_user_playlists()["items"]) == 2
    # Restore (playdeck's API, same token): undo everything after the replace.
    history = httpx.get(
        f"{db_live_server.url}/api/playlists/{pid}/versions?limit=50",
        headers={"Authorization": f"Bearer {sp._auth}"},
    ).json()["items"]
    replaced = next(v for v in history if v["operation"] == "replace")
    r = httpx.post(
        f"{db_live_server.url}/api/playlists/{pid}/restore",
        json={"snapshot_id": replaced["snapshot_id"]},
        headers={"Authorization": f"Bearer {sp._auth}"},
    )
    assert r.status_code == 200
    assert [i["item"]["uri"] for i in sp.playlist_items(pid)["items"]] == t[:2]


def test_spotipy_225_paths(
    db_live_server: LiveServer, make_user: MakeUser, user_token: UserToken, catalog: CatalogStore
) -> None:
    sp = local_spotipy(db_live_server, user_token(make_user("bob"), ALL_SCOPES))
    t = uris(track_ids(catalog, 6))
    me = sp.me()
    pid = sp._post(f"users/{me['id']}/playlists", payload={"name": "Classic"})["id"]
    snap = sp._post(f"playlists/{pid}/tracks", payload={"uris": t[:4]})["snapshot_id"]
    sp._post(f"playlists/{pid}/tracks?position=0", payload={"uris": t[4:5]})
    sp._put(
        f"playlists/{pid}/tracks",
        payload={"range_start": 3, "insert_before": 0, "snapshot_id": snap},
    )
    got = sp._get(f"playlists/{pid}/tracks")
    assert [i["track"]["uri"] for i in got["items"]] == [t[3], t[4], t[0], t[1], t[2]]
    sp._delete(f"playlists/{pid}/tracks", payload={"tracks": [{"uri": t[4]}]})
    assert sp._get(f"playlists/{pid}/tracks")["total"] == 4
    ids = track_ids(catalog, 2)
    sp._put(f"me/tracks?ids={','.join(ids)}")
    assert sp._get(f"me/tracks/contains?ids={','.join(ids)}") == [True, True]
    assert [i["track"]["id"] for i in sp._get("me/tracks")["items"]] == ids[::-1]


def test_spotipy_library(
    db_live_server: LiveServer, make_user: MakeUser, user_token: UserToken, catalog: CatalogStore
) -> None:
    sp = local_spotipy(db_live_server, user_token(make_user("carol"), ALL_SCOPES))
    t, a, ar = track_ids(catalog, 3), album_ids(catalog, 2), artist_ids(catalog, 2)
    sp.current_user_saved_tracks_add(t)
    assert sp.current_user_saved_tracks_contains(t[:1]) == [True]
    assert [i["track"]["id"] for i in sp.current_user_saved_tracks()["items"]] == t[::-1]
    sp.current_user_saved_tracks_delete(t[:1])
    assert sp.current_user_saved_tracks()["total"] == 2
    sp.current_user_saved_albums_add(a)
    assert sp.current_user_saved_albums_contains(a) == [True, True]
    assert sp.current_user_saved_albums()["total"] == 2
    sp.current_user_saved_albums_delete(a[:1])
    sp.user_follow_artists(ar)
    assert sp.current_user_following_artists(ar) == [True, True]
    assert {x["id"] for x in sp.current_user_followed_artists()["artists"]["items"]} == set(ar)
    sp.user_unfollow_artists(ar[:1])
    assert sp.current_user_following_artists(ar) == [False, True]
