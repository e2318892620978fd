"""The serving store of ready objects: artists and images in order, empty cases, market
fields, the public URL spliced in, and the catalog's refusal of an older schema or of
a missing store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from playdeck.catalog.dump import MAIN_SQLITE_NAME, TABLES
from playdeck.catalog.ingest import ingest
from playdeck.catalog.repository import Markets
from playdeck.catalog.schema import CATALOG_FILE, SCHEMA_VERSION
from playdeck.catalog.service import CatalogService
from playdeck.catalog.store import CatalogMissing, CatalogStore


def _id(prefix: str, n: int) -> str:
    return f"{prefix}{n:0>{22 - len(prefix)}}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogStore]:
    """A hand-made dump: credit orders that differ from row id order, unsorted images,
    a track without artists, an album without images or own artists."""
    folder = tmp_path_factory.mktemp("serving")
    dump = sqlite3.connect(folder / MAIN_SQLITE_NAME)
    for table, columns in TABLES.items():
        cols = ", ".join(f"{name} {kind}" for name, kind in columns if name != "rowid")
        dump.execute(f"CREATE TABLE {table} ({cols})")
    dump.execute(
        "INSERT INTO available_markets (rowid, available_markets) VALUES (1, 'unavailable')"
    )
    dump.execute("INSERT INTO available_markets (rowid, available_markets) VALUES (2, 'DE,SE,US')")
    for n, name in enumerate(["Ann", "Bob", "Cleo", "Dee"], start=1):
        dump.execute(
            "INSERT INTO artists (rowid, id, fetched_at, name, followers_total, popularity) "
            "VALUES (?, ?, 0, ?, 10, 5)",
            (n, _id("ar", n), name),
        )
    for n in (1, 2):
        dump.execute(
            "INSERT INTO albums (rowid, id, fetched_at, name, album_type, "
            "available_markets_rowid, release_date, release_date_precision, total_tracks) "
            "VALUES (?, ?, 0, ?, 'album', 2, '2020-01-02', 'day', 1)",
            (n, _id("al", n), f"Album {n}"),
        )
    # Album 1: own artists Dee then Ann (index_in_album), Bob appears on it.
    dump.executemany(
        "INSERT INTO artist_albums VALUES (?, ?, ?, 0, ?)",
        [(4, 1, 0, 0), (2, 1, 1, None), (1, 1, 0, 1)],
    )
    # Album 1's images out of order, one without a width; album 2 has none.
    dump.executemany(
        "INSERT INTO album_images VALUES (1, ?, ?, ?)",
        [(300, 300, "https://i/300"), (None, None, "https://i/none"), (640, 640, "https://i/640")],
    )
    for n, album in ((1, 1), (2, 2)):
        dump.execute(
            "INSERT INTO tracks (rowid, id, fetched_at, name, album_rowid, track_number, "
            "popularity, available_markets_rowid, disc_number, duration_ms, explicit) "
            "VALUES (?, ?, 0, ?, ?, 1, 3, 2, 1, 1000, 0)",
            (n, _id("tr", n), f"Track {n}", album),
        )
    # Track 1 credits Cleo, Ann, Bob in that order; track 2 credits nobody.
    dump.executemany("INSERT INTO track_artists VALUES (1, ?)", [(3,), (1,), (2,)])
    dump.commit()
    dump.close()
    ingest(folder / MAIN_SQLITE_NAME, folder / "catalog", progress=False)
    opened = CatalogStore(folder / "catalog")
    yield opened
    opened.close()


def _loads(obj: object) -> Any:
    return orjson.loads(orjson.dumps(obj))  # a served object is ready JSON (a Fragment)


def test_track_artists_are_stored_in_credit_order(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    first, second = (_loads(t) for t in service.tracks([_id("tr", 1), _id("tr", 2)], None))
    assert [(a["id"], a["name"]) for a in first["artists"]] == [
        (_id("ar", 3), "Cleo"),
        (_id("ar", 1), "Ann"),
        (_id("ar", 2), "Bob"),
    ]
    assert second["artists"] == []


def test_albums_store_own_artists_and_images_widest_first(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    one, two = (_loads(a) for a in service.albums_by_rowids([1, 2], None))
    assert [(a["id"], a["name"]) for a in one["artists"]] == [
        (_id("ar", 4), "Dee"),
        (_id("ar", 1), "Ann"),
    ]
    assert one["images"] == [
        {"url": "https://i/640", "height": 640, "width": 640},
        {"url": "https://i/300", "height": 300, "width": 300},
        {"url": "https://i/none", "height": None, "width": None},
    ]
    assert two["artists"] == [] and two["images"] == []


def test_tracks_render_from_the_serving_store(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    served = service.tracks([_id("tr", 1), _id("tr", 2), _id("tr", 9), "ünïcode"], None)
    assert served[2] is None and served[3] is None
    first, second = (_loads(t) for t in served[:2])
    assert first["artists"][0] == {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{_id('ar', 3)}"},
        "href": f"http://x/v1/artists/{_id('ar', 3)}",
        "id": _id("ar", 3),
        "name": "Cleo",
        "type": "artist",
        "uri": f"spotify:artist:{_id('ar', 3)}",
    }
    assert first["href"] == f"http://x/v1/tracks/{_id('tr', 1)}"
    assert first["album"]["href"] == f"http://x/v1/albums/{_id('al', 1)}"
    assert [a["name"] for a in first["album"]["artists"]] == ["Dee", "Ann"]
    assert second["artists"] == [] and second["album"]["artists"] == []
    assert second["album"]["images"] == []
    assert first["available_markets"] == ["DE", "SE", "US"]
    assert first["album"]["available_markets"] == ["DE", "SE", "US"]
    assert first["external_ids"] == {} and first["popularity"] == 3
    # With a market, playability instead of the list (and by row id, as search reads them).
    (by_rowid,) = (_loads(t) for t in service.tracks_by_rowids([1], "SE"))
    assert by_rowid["is_playable"] is True and "available_markets" not in by_rowid
    assert "restrictions" not in by_rowid and "available_markets" not in by_rowid["album"]
    (outside,) = (_loads(t) for t in service.tracks_by_rowids([2], "FR"))
    assert outside["is_playable"] is False and outside["restrictions"] == {"reason": "market"}


def test_the_public_url_is_spliced_into_every_href_as_json(store: CatalogStore) -> None:
    # A URL is inserted into stored JSON: it must stay valid JSON whatever it holds.
    base = 'http://h:1/a"b\\c'
    (track,) = CatalogService(store, base).tracks([_id("tr", 1)], None)
    raw = orjson.dumps(track)
    assert b'"href":"/v1/' not in raw
    body = orjson.loads(raw)
    hrefs = [body["href"], body["album"]["href"], *(a["href"] for a in body["artists"])]
    assert all(h.startswith(f"{base}/v1/") for h in hrefs) and len(hrefs) == 5


def test_a_catalog_without_its_serving_store_is_refused(
    store: CatalogStore, tmp_path: Path
) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / CATALOG_FILE).write_bytes(store.path.read_bytes())
    with pytest.raises(CatalogMissing, match=r"no serving store.*ingest"):
        CatalogStore(lonely)


def test_market_lists_are_ready_json(store: CatalogStore) -> None:
    assert store.serving.markets([1, 2, 3]) == {1: b"[]", 2: b'["DE","SE","US"]'}  # sentinel: none


def test_markets_render_as_their_json_list() -> None:
    markets = Markets.of(("AD", "SE"))
    assert orjson.dumps({"m": markets.json}) == b'{"m":["AD","SE"]}'
    assert "SE" in markets and "S" not in markets and "E" not in markets and "FR" not in markets
    assert orjson.dumps(Markets.of(()).json) == b"[]"


def test_a_catalog_of_another_schema_is_refused(store: CatalogStore, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / CATALOG_FILE).write_bytes(store.path.read_bytes())
    conn = sqlite3.connect(old / CATALOG_FILE)
    conn.execute("UPDATE catalog_meta SET value = '2' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(CatalogMissing, match=rf"schema '2', expected '{SCHEMA_VERSION}'.*ingest"):
        CatalogStore(old)


def test_demo_serving_store_agrees_with_the_dump_tables(catalog: CatalogStore) -> None:
    conn = catalog.connection()
    service = CatalogService(catalog, "http://x")
    credits: dict[str, list[list[str]]] = {}
    for track_id, ident, name in conn.execute(
        "SELECT t.id, a.id, a.name FROM track_artists ta JOIN tracks t ON t.rowid = ta.track_rowid "
        "JOIN artists a ON a.rowid = ta.artist_rowid ORDER BY ta.rowid"
    ):
        credits.setdefault(track_id, []).append([ident, name])
    ids = [r[0] for r in conn.execute("SELECT id FROM tracks")]
    served = {
        ident: [[a["id"], a["name"]] for a in orjson.loads(obj)["artists"]]
        for ident, obj in service.track_objects(ids, None).items()
    }
    assert len(served) == len(ids)
    assert {i: a for i, a in served.items() if a} == credits
    assert any(len(a) > 1 for a in credits.values())
    images: dict[int, list[tuple[int, str, int | None]]] = {}
    for album, width, url in conn.execute("SELECT album_rowid, width, url FROM album_images"):
        images.setdefault(album, []).append((-(width or 0), url, width))
    rowids = [r[0] for r in conn.execute("SELECT rowid FROM albums")]
    stored_images = {
        rowid: [[i["url"], i["width"]] for i in orjson.loads(obj)["images"]]
        for rowid, (_, obj) in service.repo.serving_albums(rowids).items()
    }
    assert {r: i for r, i in stored_images.items() if i} == {
        album: [[url, width] for _, url, width in sorted(found, key=lambda f: f[:2])]
        for album, found in images.items()
    }
    assert any(len(v) > 1 for v in stored_images.values())


def test_trimming_the_mapped_store_keeps_serving_the_same_objects(store: CatalogStore) -> None:
    # The server unmaps the store's pages now and then to bound its resident set;
    # the pages stay in the OS page cache and the next read maps them again.
    service = CatalogService(store, "http://x")
    before = service.track_objects([_id("tr", 1), _id("tr", 2)], None)
    mapped = store.serving._mapped
    assert mapped.region is not None  # found in /proc/self/maps (Linux)
    start, end = mapped.region
    assert end - start >= store.serving.path.stat().st_size
    for _ in range(3):
        mapped.trim()
        assert service.track_objects([_id("tr", 1), _id("tr", 2)], None) == before


def test_known_track_ids_are_read_from_the_store(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    asked = [_id("tr", 1), _id("tr", 9), "ünïcode", _id("al", 1), _id("tr", 2)]
    assert service.known_track_ids(asked) == {_id("tr", 1), _id("tr", 2)}


def test_all_tracks_known_stops_at_the_first_unknown(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    assert service.all_tracks_known([_id("tr", 1), _id("tr", 2)])
    assert not service.all_tracks_known([_id("tr", 1), _id("tr", 9), _id("tr", 2)])
    assert not service.all_tracks_known([_id("al", 1)])  # an album's id is no track's
    assert service.all_tracks_known([])
