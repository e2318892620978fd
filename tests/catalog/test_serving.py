"""The pre-joined serving rows: packed artists and images, their order, empty cases,
and the catalog's refusal of an older schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

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


def test_track_artists_are_packed_in_credit_order(store: CatalogStore) -> None:
    conn = store.connection()
    (packed,) = conn.execute(
        "SELECT artists FROM track_serving WHERE id = ?", (_id("tr", 1),)
    ).fetchone()
    assert orjson.loads(packed) == [
        [_id("ar", 3), "Cleo"],
        [_id("ar", 1), "Ann"],
        [_id("ar", 2), "Bob"],
    ]
    (empty,) = conn.execute(
        "SELECT artists FROM track_serving WHERE id = ?", (_id("tr", 2),)
    ).fetchone()
    assert empty is None


def test_album_rows_pack_own_artists_and_images_widest_first(store: CatalogStore) -> None:
    conn = store.connection()
    artists, images = conn.execute(
        "SELECT artists, images FROM album_serving WHERE rowid = 1"
    ).fetchone()
    assert orjson.loads(artists) == [[_id("ar", 4), "Dee"], [_id("ar", 1), "Ann"]]
    assert orjson.loads(images) == [  # the response's image objects, ready
        {"url": "https://i/640", "height": 640, "width": 640},
        {"url": "https://i/300", "height": 300, "width": 300},
        {"url": "https://i/none", "height": None, "width": None},
    ]
    assert conn.execute("SELECT artists, images FROM album_serving WHERE rowid = 2").fetchone() == (
        None,
        None,
    )


def test_tracks_render_from_serving_rows(store: CatalogStore) -> None:
    service = CatalogService(store, "http://x")
    first, second, unknown = service.tracks([_id("tr", 1), _id("tr", 2), _id("tr", 9)], None)
    assert unknown is None
    assert first is not None and second is not None
    assert [a["name"] for a in first["artists"]] == ["Cleo", "Ann", "Bob"]
    assert first["artists"][0] == {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{_id('ar', 3)}"},
        "href": f"http://x/v1/artists/{_id('ar', 3)}",
        "id": _id("ar", 3),
        "name": "Cleo",
        "type": "artist",
        "uri": f"spotify:artist:{_id('ar', 3)}",
    }
    album = first["album"]
    assert [a["name"] for a in album["artists"]] == ["Dee", "Ann"]
    album = orjson.loads(orjson.dumps(album))  # images and markets are ready JSON
    assert album["images"] == [
        {"url": "https://i/640", "height": 640, "width": 640},
        {"url": "https://i/300", "height": 300, "width": 300},
        {"url": "https://i/none", "height": None, "width": None},
    ]
    assert second["artists"] == [] and second["album"]["artists"] == []
    assert orjson.loads(orjson.dumps(second["album"]))["images"] == []
    body = orjson.loads(orjson.dumps(first))
    assert body["available_markets"] == ["DE", "SE", "US"]
    assert body["album"]["available_markets"] == ["DE", "SE", "US"]
    # With a market, playability instead of the list (and by row id, as search reads them).
    (by_rowid,) = service.tracks_by_rowids([1], "SE")
    assert by_rowid["is_playable"] is True and "available_markets" not in by_rowid
    assert "available_markets" not in by_rowid["album"]
    (outside,) = service.tracks_by_rowids([2], "FR")
    assert outside["is_playable"] is False and outside["restrictions"] == {"reason": "market"}


def test_market_rows_are_ready_json_lists(store: CatalogStore) -> None:
    served = store.connection().execute("SELECT rowid, markets FROM market_serving ORDER BY 1")
    assert list(served) == [(1, b"[]"), (2, b'["DE","SE","US"]')]  # the sentinel lists none


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


def test_demo_serving_rows_agree_with_the_dump_tables(catalog: CatalogStore) -> None:
    conn = catalog.connection()
    credits: dict[str, list[list[str]]] = {}
    for track_id, ident, name in conn.execute(
        "SELECT t.id, a.id, a.name FROM track_artists ta JOIN tracks t ON t.rowid = ta.track_rowid "
        "JOIN artists a ON a.rowid = ta.artist_rowid ORDER BY ta.rowid"
    ):
        credits.setdefault(track_id, []).append([ident, name])
    served = {
        ident: orjson.loads(packed) if packed else []
        for ident, packed in conn.execute("SELECT id, artists FROM track_serving")
    }
    (count,) = conn.execute("SELECT count(*) FROM tracks").fetchone()
    assert len(served) == count
    assert {i: a for i, a in served.items() if a} == credits
    assert any(len(a) > 1 for a in credits.values())
    images: dict[int, list[tuple[int, str, int | None]]] = {}
    for album, width, url in conn.execute("SELECT album_rowid, width, url FROM album_images"):
        images.setdefault(album, []).append((-(width or 0), url, width))
    packed_images = {
        rowid: [[i["url"], i["width"]] for i in orjson.loads(packed)]
        for rowid, packed in conn.execute(
            "SELECT rowid, images FROM album_serving WHERE images IS NOT NULL"
        )
    }
    assert packed_images == {
        album: [[url, width] for _, url, width in sorted(found, key=lambda f: f[:2])]
        for album, found in images.items()
    }
    assert any(len(v) > 1 for v in packed_images.values())
