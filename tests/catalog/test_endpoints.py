"""The /v1 catalog endpoints: Spotify's shapes, seed 001's golden values, errors, markets."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient

from playdeck.catalog.service import CatalogService
from playdeck.catalog.store import CatalogStore
from tests.spotify_spec import assert_matches_spec

MEFJUS = "54qqaSH6byJIb8eFWxe3Pj"
CAMO = "2N8IPNZTiNo3nj4mreOlHU"
SKEPTICAL = "28ee6rnxMl8AqwcroPfivP"
PIVOT_ALBUM = "3EncU2oR8VzeuWvLKPIEQd"
PIVOT = "5w5Yy1iT2oAHMHi0ecFGRV"
SINKHOLE = "4pQp4qcip75nJACmwsDstb"
UNKNOWN = "0000000000000000000000"


def sql(catalog: CatalogStore, query: str, *params: object) -> list[tuple[object, ...]]:
    return list(catalog.connection().execute(query, params))


def test_golden_track_from_seed_001(client: TestClient) -> None:
    r = client.get(f"/v1/tracks/{SINKHOLE}")
    assert r.status_code == 200
    track = assert_matches_spec(r, "GET", "/tracks/{id}")
    assert track["name"] == "Sinkhole - Skeptical Remix"
    assert track["external_ids"] == {"isrc": "UKACT1830494"}
    assert (track["popularity"], track["duration_ms"]) == (16, 277674)
    assert (track["disc_number"], track["track_number"]) == (1, 2)
    assert track["explicit"] is False and track["is_local"] is False
    assert [a["name"] for a in track["artists"]] == ["Mefjus", "Skeptical"]
    assert [a["id"] for a in track["artists"]] == [MEFJUS, SKEPTICAL]
    assert track["uri"] == f"spotify:track:{SINKHOLE}"
    assert track["external_urls"] == {"spotify": f"https://open.spotify.com/track/{SINKHOLE}"}
    assert track["href"] == f"http://testserver/v1/tracks/{SINKHOLE}"
    album = track["album"]
    assert album["id"] == PIVOT_ALBUM and album["album_type"] == "single"
    assert album["name"] == "Pivot (Camo & Krooked Remix) / Sinkhole (Skeptical Remix)"
    assert (album["release_date"], album["release_date_precision"]) == ("2018-11-02", "day")
    assert album["total_tracks"] == 2
    assert [a["name"] for a in album["artists"]] == ["Mefjus", "Camo & Krooked", "Skeptical"]


def test_golden_album_and_artist(client: TestClient) -> None:
    album = assert_matches_spec(client.get(f"/v1/albums/{PIVOT_ALBUM}"), "GET", "/albums/{id}")
    assert album["label"] == "Vision Recordings"
    assert album["external_ids"] == {"upc": "5057272089689"}
    assert album["copyrights"] == [
        {"text": "2018 Vision Recordings", "type": "C"},
        {"text": "2018 Vision Recordings", "type": "P"},
    ]
    assert album["popularity"] == 7 and album["genres"] == []
    tracks = album["tracks"]
    assert [t["id"] for t in tracks["items"]] == [PIVOT, SINKHOLE]
    assert tracks["total"] == 2 and tracks["next"] is None and tracks["limit"] == 50
    assert tracks["href"].startswith(f"http://testserver/v1/albums/{PIVOT_ALBUM}/tracks")
    assert [a["name"] for a in tracks["items"][0]["artists"]] == ["Mefjus", "Camo & Krooked"]

    artist = assert_matches_spec(client.get(f"/v1/artists/{MEFJUS}"), "GET", "/artists/{id}")
    assert artist["followers"] == {"href": None, "total": 72765}
    assert artist["popularity"] == 52 and artist["name"] == "Mefjus"
    assert artist["type"] == "artist" and isinstance(artist["genres"], list)


def test_batch_answers_in_request_order_with_null_for_unknown(client: TestClient) -> None:
    known = client.get(f"/v1/tracks?ids={SINKHOLE},{PIVOT}")
    assert_matches_spec(known, "GET", "/tracks")
    # Spotify answers null for an unknown id (its schema leaves that out).
    body = client.get(f"/v1/tracks?ids={SINKHOLE},{UNKNOWN},{PIVOT},{SINKHOLE}").json()
    ids = [t["id"] if t else None for t in body["tracks"]]
    assert ids == [SINKHOLE, None, PIVOT, SINKHOLE]
    artists = client.get(f"/v1/artists?ids={SKEPTICAL},{UNKNOWN},{CAMO}").json()["artists"]
    assert [a["id"] if a else None for a in artists] == [SKEPTICAL, None, CAMO]
    albums = client.get(f"/v1/albums?ids={UNKNOWN},{PIVOT_ALBUM}").json()["albums"]
    assert albums[0] is None and albums[1]["id"] == PIVOT_ALBUM


@pytest.mark.parametrize(
    ("path", "maximum"),
    [("/v1/tracks", 50), ("/v1/artists", 50), ("/v1/albums", 20), ("/v1/audio-features", 100)],
)
def test_batch_limits(client: TestClient, path: str, maximum: int) -> None:
    ok = client.get(f"{path}?ids={','.join([SINKHOLE] * maximum)}")
    assert ok.status_code == 200
    too_many = client.get(f"{path}?ids={','.join([SINKHOLE] * (maximum + 1))}")
    assert too_many.status_code == 400
    assert too_many.json()["error"]["status"] == 400
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/v1/tracks/not-an-id",
        "/v1/tracks/' OR 1=1 --xxxxxxxxxxx",
        f"/v1/tracks/{SINKHOLE}%0A",  # a trailing newline is not part of an id
        "/v1/tracks?ids=abc",
        f"/v1/tracks/{SINKHOLE}?market=usa",
        f"/v1/albums/{PIVOT_ALBUM}/tracks?limit=0",
        f"/v1/albums/{PIVOT_ALBUM}/tracks?limit=51",
        f"/v1/albums/{PIVOT_ALBUM}/tracks?offset=-1",
        f"/v1/albums/{PIVOT_ALBUM}/tracks?offset=99999999999999999999",
        f"/v1/artists/{MEFJUS}/albums?offset=99999999999999999999",
        f"/v1/albums/{PIVOT_ALBUM}/tracks?limit=abc",
        f"/v1/artists/{MEFJUS}/albums?include_groups=album,bogus",
        "/v1/browse/new-releases?limit=100",
    ],
)
def test_bad_input_is_a_400_in_spotifys_envelope(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["status"] == 400 and error["message"]


def test_unknown_ids_are_404(client: TestClient) -> None:
    for path in ("tracks", "albums", "artists", "audio-features"):
        r = client.get(f"/v1/{path}/{UNKNOWN}")
        assert r.status_code == 404
        assert r.json()["error"]["status"] == 404
    assert client.get(f"/v1/albums/{UNKNOWN}/tracks").status_code == 404
    assert client.get(f"/v1/artists/{UNKNOWN}/albums").status_code == 404
    assert client.get(f"/v1/artists/{UNKNOWN}/top-tracks").status_code == 404
    r = client.get("/v1/no-such-endpoint")
    assert r.status_code == 404 and r.json()["error"]["status"] == 404


def test_token_required(client: TestClient) -> None:
    anonymous = client.get(f"/v1/tracks/{SINKHOLE}", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == {"status": 401, "message": "No token provided"}
    forged = client.get(f"/v1/tracks/{SINKHOLE}", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and forged.json()["error"]["status"] == 401


def test_trailing_slash_is_accepted(client: TestClient) -> None:
    assert client.get(f"/v1/tracks/?ids={SINKHOLE}").json()["tracks"][0]["id"] == SINKHOLE
    assert client.get(f"/v1/albums/{PIVOT_ALBUM}/tracks/").status_code == 200
    assert client.get(f"/v1/audio-features/?ids={SINKHOLE}").status_code == 200


def test_market_semantics(client: TestClient, catalog: CatalogStore) -> None:
    # A track with a real market set, and one pointing at the `unavailable` sentinel row.
    rows = sql(
        catalog,
        "SELECT t.id, m.available_markets FROM tracks t JOIN available_markets m "
        "ON m.rowid = t.available_markets_rowid WHERE t.available_markets_rowid > 1 LIMIT 1",
    )
    track_id, markets = rows[0]
    codes = str(markets).split(",")
    plain = client.get(f"/v1/tracks/{track_id}").json()
    assert plain["available_markets"] == codes
    assert "is_playable" not in plain and "restrictions" not in plain

    inside = client.get(f"/v1/tracks/{track_id}?market={codes[0]}").json()
    assert inside["is_playable"] is True and "restrictions" not in inside
    assert "available_markets" not in inside and "available_markets" not in inside["album"]

    outside_code = next(c for c in ("ZW", "XK", "AQ", "VA", "KP") if c not in codes)
    outside = client.get(f"/v1/tracks/{track_id}?market={outside_code}").json()
    assert outside["is_playable"] is False and outside["restrictions"] == {"reason": "market"}

    (unavailable,) = sql(catalog, "SELECT id FROM tracks WHERE available_markets_rowid = 1 LIMIT 1")
    assert client.get(f"/v1/tracks/{unavailable[0]}").json()["available_markets"] == []
    assert client.get(f"/v1/tracks/{unavailable[0]}?market=US").json()["is_playable"] is False


def test_images_are_widest_first(client: TestClient, catalog: CatalogStore) -> None:
    (album_rowid,) = sql(
        catalog,
        "SELECT album_rowid FROM album_images GROUP BY album_rowid HAVING count(*) >= 3 LIMIT 1",
    )[0]
    (album_id,) = sql(catalog, "SELECT id FROM albums WHERE rowid = ?", album_rowid)[0]
    images = client.get(f"/v1/albums/{album_id}").json()["images"]
    widths = [i["width"] for i in images]
    assert len(widths) >= 3 and widths == sorted(widths, reverse=True)


def test_album_tracks_paging_links_stay_on_this_server(
    client: TestClient, catalog: CatalogStore
) -> None:
    album_id, count = sql(
        catalog,
        "SELECT a.id, count(*) AS n FROM tracks t JOIN albums a ON a.rowid = t.album_rowid "
        "GROUP BY t.album_rowid ORDER BY n DESC LIMIT 1",
    )[0]
    assert int(str(count)) >= 3
    seen: list[str] = []
    url: str | None = f"/v1/albums/{album_id}/tracks?limit=2"
    while url:
        page = assert_matches_spec(client.get(url), "GET", "/albums/{id}/tracks")
        assert page["total"] == count
        seen.extend(t["id"] for t in page["items"])
        url = page["next"]
        if url:
            assert url.startswith("http://testserver/v1/albums/")
    expected = sql(
        catalog,
        "SELECT t.id FROM tracks t JOIN albums a ON a.rowid = t.album_rowid WHERE a.id = ? "
        "ORDER BY t.disc_number, t.track_number, t.rowid",
        album_id,
    )
    assert seen == [e[0] for e in expected]


def test_track_artists_keep_credit_order(client: TestClient, catalog: CatalogStore) -> None:
    # Credit order is the link table's row order, which the dump does not keep in
    # artist row id order: find a track where the two differ.
    rows = sql(
        catalog,
        "SELECT t.id, group_concat(a.id) FROM (SELECT * FROM track_artists ORDER BY rowid) ta "
        "JOIN tracks t ON t.rowid = ta.track_rowid JOIN artists a ON a.rowid = ta.artist_rowid "
        "GROUP BY ta.track_rowid HAVING count(*) > 1 AND min(ta.artist_rowid) <> "
        "(SELECT artist_rowid FROM track_artists x WHERE x.track_rowid = ta.track_rowid "
        "ORDER BY x.rowid LIMIT 1) LIMIT 1",
    )
    assert rows, "the demo catalog must hold a credit order that is not row id order"
    track_id, artist_ids = rows[0]
    got = [a["id"] for a in client.get(f"/v1/tracks/{track_id}").json()["artists"]]
    assert got == str(artist_ids).split(",")


def test_artist_albums_groups_and_top_tracks(client: TestClient, catalog: CatalogStore) -> None:
    (artist_rowid, artist_id) = sql(
        catalog,
        "SELECT aa.artist_rowid, ar.id FROM artist_albums aa "
        "JOIN artists ar ON ar.rowid = aa.artist_rowid "
        "GROUP BY aa.artist_rowid ORDER BY count(*) DESC LIMIT 1",
    )[0]
    everything = client.get(f"/v1/artists/{artist_id}/albums?limit=50")
    body = assert_matches_spec(everything, "GET", "/artists/{id}/albums")
    groups = [a["album_group"] for a in body["items"]]
    order = ["album", "single", "compilation", "appears_on"]
    assert groups == sorted(groups, key=order.index)
    singles = client.get(f"/v1/artists/{artist_id}/albums?include_groups=single").json()
    assert all(a["album_group"] == "single" for a in singles["items"])
    assert all(a["album_type"] == "single" for a in singles["items"])
    own = sql(
        catalog,
        "SELECT count(*) FROM artist_albums aa JOIN albums al ON al.rowid = aa.album_rowid "
        "WHERE aa.artist_rowid = ? AND aa.index_in_album IS NOT NULL AND al.album_type='single'",
        artist_rowid,
    )[0][0]
    assert singles["total"] == own

    top = client.get(f"/v1/artists/{artist_id}/top-tracks").json()["tracks"]
    pops = [t["popularity"] for t in top]
    assert 0 < len(top) <= 10 and pops == sorted(pops, reverse=True)
    assert all(artist_id in [a["id"] for a in t["artists"]] for t in top)


def test_audio_features(client: TestClient, catalog: CatalogStore) -> None:
    (with_features,) = sql(
        catalog, "SELECT track_id FROM track_audio_features WHERE null_response = 0 LIMIT 1"
    )[0]
    (without,) = sql(
        catalog, "SELECT track_id FROM track_audio_features WHERE null_response = 1 LIMIT 1"
    )[0]
    one = assert_matches_spec(
        client.get(f"/v1/audio-features/{with_features}"), "GET", "/audio-features/{id}"
    )
    assert isinstance(one["tempo"], float) and isinstance(one["key"], int)
    assert one["type"] == "audio_features" and one["id"] == with_features
    assert client.get(f"/v1/audio-features/{without}").status_code == 404
    batch = client.get(f"/v1/audio-features?ids={with_features},{without},{UNKNOWN}").json()
    assert batch["audio_features"][0]["id"] == with_features
    assert batch["audio_features"][1:] == [None, None]


def test_markets_genres_and_new_releases(client: TestClient, catalog: CatalogStore) -> None:
    markets = assert_matches_spec(client.get("/v1/markets"), "GET", "/markets")["markets"]
    assert "US" in markets and markets == sorted(markets)
    genres = client.get("/v1/recommendations/available-genre-seeds").json()["genres"]
    assert genres and genres == sorted(set(genres))
    page = assert_matches_spec(
        client.get("/v1/browse/new-releases?limit=10"), "GET", "/browse/new-releases"
    )["albums"]
    dates = [a["release_date"] for a in page["items"]]
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)
    newest = sql(catalog, "SELECT max(release_date) FROM albums")[0][0]
    assert dates[0] == newest
    assert page["next"].startswith("http://testserver/v1/browse/new-releases")


def test_a_batch_costs_the_same_number_of_queries_as_one(
    catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = catalog.connection()
    ids = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY rowid LIMIT 50")]
    album_ids = [r[0] for r in conn.execute("SELECT id FROM albums ORDER BY rowid LIMIT 20")]
    rowids = [r[0] for r in conn.execute("SELECT rowid FROM tracks ORDER BY rowid LIMIT 50")]
    service = CatalogService(catalog, "http://x")
    reads: list[str] = []
    for method in ("tracks", "albums", "markets"):
        real = getattr(catalog.serving, method)

        def counted(keys: object, real: Any = real, method: str = method) -> object:
            reads.append(method)
            return real(keys)

        monkeypatch.setattr(catalog.serving, method, counted)

    def count(call: object) -> tuple[int, int]:
        statements: list[str] = []
        reads.clear()
        catalog.market_cache.clear()  # count the worst case: no market set cached
        conn.set_trace_callback(statements.append)
        try:
            assert callable(call)
            call()
        finally:
            conn.set_trace_callback(None)
        return len(statements), len(reads)

    # A constant number of queries and serving-store reads whatever the batch
    # size. Tracks: no SQL, one store read for the tracks (each with its album)
    # and one for market lists (by row id: one query for the ids first). Albums: albums, their
    # ready objects, market sets, their first tracks, those tracks' artists and
    # markets.
    for size in (1, 10, 50):
        assert count(lambda n=size: service.tracks(ids[:n], None)) == (0, 2)
        assert count(lambda n=size: service.tracks(ids[:n], "SE")) == (0, 2)
        assert count(lambda n=size: service.tracks_by_rowids(rowids[:n], None)) == (1, 2)
    for size in (1, 5, 20):
        queries, store_reads = count(lambda n=size: service.albums(album_ids[:n], None))
        assert queries <= 4 and store_reads <= 3


def test_catalog_is_opened_read_only(catalog: CatalogStore) -> None:
    with pytest.raises(sqlite3.OperationalError):
        catalog.connection().execute("DELETE FROM tracks")
