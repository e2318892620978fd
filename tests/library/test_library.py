"""Library and follow endpoints (classic and 2026 `/me/library`) on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from playdeck.catalog.store import CatalogStore
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client, album_ids, artist_ids, track_ids
from tests.spotify_spec import assert_matches_spec


@pytest.fixture()
def alice(api: TestClient, make_user: MakeUser, user_token: UserToken) -> Client:
    return Client(api, user_token(make_user("alice"), ALL_SCOPES))


def test_saved_tracks_newest_first(alice: Client, catalog: CatalogStore) -> None:
    t = track_ids(catalog, 5)
    alice.req("PUT", f"/v1/me/tracks?ids={t[0]},{t[1]}", 200)
    alice.req("PUT", "/v1/me/tracks", 200, json={"ids": [t[2]]})
    page = alice.req("GET", "/v1/me/tracks?limit=2", 200)
    assert_matches_spec(page, "GET", "/me/tracks", version="2025")
    body = page.json()
    assert body["total"] == 3 and [i["track"]["id"] for i in body["items"]] == [t[2], t[1]]
    assert "offset=2" in body["next"]
    assert alice.json("GET", f"/v1/me/tracks/contains?ids={t[0]},{t[3]}") == [True, False]
    alice.req("DELETE", f"/v1/me/tracks?ids={t[0]}", 200)
    assert alice.json("GET", f"/v1/me/tracks/contains?ids={t[0]}") == [False]
    alice.req("PUT", "/v1/me/tracks?ids=0000000000000000000000", 400)
    alice.req("PUT", "/v1/me/tracks?ids=" + ",".join(t[:1] * 51), 400)


def test_saved_albums(alice: Client, catalog: CatalogStore) -> None:
    a = album_ids(catalog, 2)
    alice.req("PUT", f"/v1/me/albums?ids={a[0]},{a[1]}", 200)
    page = alice.req("GET", "/v1/me/albums", 200)
    assert_matches_spec(page, "GET", "/me/albums", version="2025")
    assert [i["album"]["id"] for i in page.json()["items"]] == [a[1], a[0]]
    assert alice.json("GET", f"/v1/me/albums/contains?ids={a[0]}") == [True]
    alice.req("DELETE", f"/v1/me/albums?ids={a[0]}", 200)
    assert alice.json("GET", "/v1/me/albums")["total"] == 1


def test_following_artists_and_users(
    alice: Client, catalog: CatalogStore, make_user: MakeUser
) -> None:
    ar = artist_ids(catalog, 3)
    alice.req("PUT", f"/v1/me/following?type=artist&ids={','.join(ar)}", 204)
    first = alice.req("GET", "/v1/me/following?type=artist&limit=2", 200)
    assert_matches_spec(first, "GET", "/me/following", version="2025")
    body = first.json()["artists"]
    assert body["total"] == 3 and [x["id"] for x in body["items"]] == [ar[2], ar[1]]
    rest = alice.json(
        "GET", f"/v1/me/following?type=artist&limit=2&after={body['cursors']['after']}"
    )
    assert [x["id"] for x in rest["artists"]["items"]] == [ar[0]]
    assert rest["artists"]["next"] is None
    bob = make_user("bob")
    alice.req("PUT", f"/v1/me/following?type=user&ids={bob.id}", 204)
    assert alice.json("GET", f"/v1/me/following/contains?type=user&ids={bob.id}") == [True]
    alice.req("DELETE", f"/v1/me/following?type=artist&ids={ar[0]}", 204)
    assert alice.json("GET", f"/v1/me/following/contains?type=artist&ids={ar[0]}") == [False]
    alice.req("GET", "/v1/me/following?type=show", 400)


def test_me_library_2026(alice: Client, catalog: CatalogStore) -> None:
    t, a, ar = track_ids(catalog, 1)[0], album_ids(catalog, 1)[0], artist_ids(catalog, 1)[0]
    pid = alice.create("Mine")["id"]
    other = alice.create("Other")["id"]
    alice.req("DELETE", f"/v1/me/library?uris=spotify:playlist:{other}", 200)
    uris = f"spotify:track:{t},spotify:album:{a},spotify:artist:{ar}"
    alice.req("PUT", f"/v1/me/library?uris={uris}", 200)
    check = f"{uris},spotify:playlist:{pid},spotify:playlist:{other}"
    got = alice.req("GET", f"/v1/me/library/contains?uris={check}", 200)
    assert_matches_spec(got, "GET", "/me/library/contains", version="2026")
    assert got.json() == [True, True, True, True, False]
    alice.req("DELETE", f"/v1/me/library?uris=spotify:track:{t}", 200)
    assert alice.json("GET", f"/v1/me/library/contains?uris=spotify:track:{t}") == [False]
    alice.req("PUT", "/v1/me/library?uris=spotify:show:" + "0" * 22, 400)


def test_scopes_and_audit(
    api: TestClient, make_user: MakeUser, user_token: UserToken, catalog: CatalogStore
) -> None:
    dora = make_user("dora")
    reader = Client(api, user_token(dora, "user-library-read"))
    t = track_ids(catalog, 1)[0]
    reader.req("PUT", f"/v1/me/tracks?ids={t}", 403)
    reader.req("GET", "/v1/me/following?type=artist", 403)
    assert api.get("/v1/me/tracks").status_code == 401
    writer = Client(api, user_token(dora, "user-library-modify", client_id="w"))
    writer.req("PUT", f"/v1/me/tracks?ids={t}", 200)
    log = writer.json("GET", "/api/audit")["items"]
    assert log[0]["operation"] == "library.save" and log[0]["params"]["ids"] == [t]
    assert log[0]["client_id"] == "w"
