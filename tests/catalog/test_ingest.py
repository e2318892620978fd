"""`playdeck ingest`: same catalog from both layouts, checks, atomicity, catalog_meta."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from playdeck.catalog import ingest as ingest_module
from playdeck.catalog.dump import (
    AUDIO_FEATURES,
    AUDIO_FEATURES_SQLITE_NAME,
    AUDIO_FEATURES_TABLE,
    MAIN_SQLITE_NAME,
    PARQUET_DIR_NAME,
    TABLES,
)
from playdeck.catalog.ingest import IngestError, ingest
from playdeck.catalog.schema import (
    ALL_INDEXES,
    CATALOG_FILE,
    META_KEYS,
    SCHEMA_VERSION,
    table_ddl,
)
from playdeck.catalog.service import CatalogService
from playdeck.catalog.store import CatalogStore
from tests.conftest import DEMO_TRACKS

DATA_TABLES = [*TABLES, AUDIO_FEATURES_TABLE]


def rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


def meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM catalog_meta").fetchall())
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sqlite_catalog(demo_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("catalog_from_sqlite")
    ingest(demo_dump / MAIN_SQLITE_NAME, target, progress=False)
    return target / CATALOG_FILE


def test_parquet_and_sqlite_give_the_same_catalog(catalog_dir: Path, sqlite_catalog: Path) -> None:
    from_parquet = catalog_dir / CATALOG_FILE
    for table in DATA_TABLES:
        assert rows(from_parquet, table) == rows(sqlite_catalog, table), table
    # The serving stores hold the same objects, byte for byte.
    stores = [CatalogStore(from_parquet.parent), CatalogStore(sqlite_catalog.parent)]
    try:
        conn = stores[0].connection()
        ids = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY id")]
        rowids = [r[0] for r in conn.execute("SELECT rowid FROM albums ORDER BY rowid")]
        a_service, b_service = (CatalogService(s, "http://x") for s in stores)
        assert a_service.track_objects(ids, None) == b_service.track_objects(ids, None)
        assert len(a_service.track_objects(ids, None)) == len(ids)
        a_albums = a_service.repo.serving_albums(rowids)
        assert len(a_albums) == len(rowids) and a_albums == b_service.repo.serving_albums(rowids)
    finally:
        for store in stores:
            store.close()
    a, b = meta(from_parquet), meta(sqlite_catalog)
    for key in ("source", "built_at", "serving_store"):  # the store's name is unique
        a.pop(key), b.pop(key)
    assert a == b


def test_catalog_matches_the_dump(demo_dump: Path, sqlite_catalog: Path) -> None:
    dump = demo_dump / MAIN_SQLITE_NAME
    for table in TABLES:
        assert rows(dump, table) == rows(sqlite_catalog, table), table
    features = rows(demo_dump / AUDIO_FEATURES_SQLITE_NAME, AUDIO_FEATURES_TABLE)
    assert features == rows(sqlite_catalog, AUDIO_FEATURES_TABLE)
    conn = sqlite3.connect(sqlite_catalog)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    conn.close()
    assert {name for name, *_ in ALL_INDEXES} <= indexes


def test_audio_features_are_numbers(catalog_dir: Path) -> None:
    conn = sqlite3.connect(catalog_dir / CATALOG_FILE)
    types = {
        column: conn.execute(
            f"SELECT typeof({column}) FROM {AUDIO_FEATURES_TABLE} WHERE null_response = 0 LIMIT 1"
        ).fetchone()[0]
        for column in ("tempo", "key", "danceability", "duration_ms")
    }
    nulls = conn.execute(
        f"SELECT count(*), count(tempo), count(danceability) FROM {AUDIO_FEATURES_TABLE} "
        "WHERE null_response = 1"
    ).fetchone()
    conn.close()
    assert types == {
        "tempo": "real",
        "key": "integer",
        "danceability": "real",
        "duration_ms": "integer",
    }
    assert nulls[0] > 0 and nulls[1:] == (0, 0)


def test_meta_values(catalog_dir: Path) -> None:
    path = catalog_dir / CATALOG_FILE
    values = meta(path)
    assert set(values) == set(META_KEYS)
    conn = sqlite3.connect(path)

    def one(query: str) -> Any:
        return conn.execute(query).fetchone()[0]

    assert values["schema_version"] == SCHEMA_VERSION
    assert values["source"].startswith("parquet:") and values["source"].endswith(PARQUET_DIR_NAME)
    assert datetime.fromisoformat(values["built_at"]).tzinfo is not None
    assert int(values["count_tracks"]) == one("SELECT count(*) FROM tracks") > 0
    assert int(values["count_albums"]) == one("SELECT count(*) FROM albums")
    assert int(values["count_artists"]) == one("SELECT count(*) FROM artists")
    assert int(values["count_audio_features"]) == one(
        f"SELECT count(*) FROM {AUDIO_FEATURES_TABLE}"
    )
    days = [
        r[0]
        for r in conn.execute(
            "SELECT release_date FROM albums WHERE release_date_precision = 'day'"
        )
    ]
    assert values["newest_release_date"] == max(days)
    popularity = sorted(r[0] for r in conn.execute("SELECT popularity FROM albums"))
    hipster = int(values["hipster_popularity"])
    at_or_below = sum(p <= hipster for p in popularity) / len(popularity)
    below = sum(p < hipster for p in popularity) / len(popularity)
    assert below < 0.10 <= at_or_below  # the 10th percentile
    genres = sorted({r[0] for r in conn.execute("SELECT genre FROM artist_genres")})
    assert json.loads(values["genres"]) == genres
    markets = set()
    for (text,) in conn.execute("SELECT available_markets FROM available_markets WHERE rowid > 1"):
        markets.update(text.split(","))
    assert json.loads(values["markets"]) == sorted(markets)
    assert "unavailable" not in values["markets"]
    conn.close()


def test_meta_percentile_on_known_values(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    for statement in table_ddl():
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO albums (popularity, release_date, release_date_precision) VALUES (?, ?, ?)",
        [(p, f"2020-01-{p + 1:02d}", "day") for p in range(20)] + [(50, "2024", "year")],
    )
    conn.execute("INSERT INTO available_markets VALUES ('unavailable')")
    conn.execute("INSERT INTO available_markets VALUES ('SE,DE')")
    conn.execute("INSERT INTO artist_genres VALUES (1, 'rock'), (2, 'k-pop'), (3, 'rock')")
    source = ingest_module.Source("sqlite", tmp_path / "dump.sqlite3", {})
    values = ingest_module.compute_meta(conn, source, {"albums": 21, "tracks": 7})
    conn.close()
    assert values["hipster_popularity"] == "2"  # 3 of 21 albums (14%) at or below 2, 2 (9.5%) below
    assert values["newest_release_date"] == "2020-01-20"  # year-precision dates do not count
    assert json.loads(values["genres"]) == ["k-pop", "rock"]
    assert json.loads(values["markets"]) == ["DE", "SE"]
    assert values["count_tracks"] == "7" and values["count_audio_features"] == "0"


def test_serves_golden_rows(catalog_dir: Path) -> None:
    store = CatalogStore(catalog_dir)
    try:
        row = (
            store.connection()
            .execute(
                "SELECT t.name, t.external_id_isrc, al.name FROM tracks t "
                "JOIN albums al ON al.rowid = t.album_rowid WHERE t.id = '4pQp4qcip75nJACmwsDstb'"
            )
            .fetchone()
        )
    finally:
        store.close()
    assert row == (
        "Sinkhole - Skeptical Remix",
        "UKACT1830494",
        "Pivot (Camo & Krooked Remix) / Sinkhole (Skeptical Remix)",
    )


# -- audio features are optional, and parsed from strings -----------------------------------
def test_audio_features_are_optional(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    (folder / f"{AUDIO_FEATURES_TABLE}.parquet").unlink()
    ingest(folder, tmp_path / "from_parquet", progress=False)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(demo_dump / MAIN_SQLITE_NAME, alone / MAIN_SQLITE_NAME)
    ingest(alone / MAIN_SQLITE_NAME, tmp_path / "from_sqlite", progress=False)
    for target in ("from_parquet", "from_sqlite"):
        path = tmp_path / target / CATALOG_FILE
        assert meta(path)["count_audio_features"] == "0"
        assert rows(path, AUDIO_FEATURES_TABLE) == []
        assert len(rows(path, "tracks")) > 0


def test_feature_strings_become_numbers_or_null(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    names = [n for n, _ in AUDIO_FEATURES]
    values = {n: ["", "None", " "] for n in names}
    values.update(
        rowid=["1", "2", "3"],
        track_id=["a" * 22, "b" * 22, "c" * 22],
        null_response=["False", "true", "1.0"],
        tempo=["127.969", "None", ""],
        key=["11", "", "None"],
        loudness=["-5.5", "null", "NaN"],
    )
    table = pa.table({n: pa.array(values[n], pa.string()) for n in names})
    pq.write_table(table, folder / f"{AUDIO_FEATURES_TABLE}.parquet")
    ingest(folder, tmp_path / "catalog", progress=False)
    got = rows(tmp_path / "catalog" / CATALOG_FILE, AUDIO_FEATURES_TABLE)
    by_name = [dict(zip(["rowid", *names[1:]], r, strict=True)) for r in got]
    assert by_name[0]["tempo"] == 127.969 and by_name[0]["key"] == 11
    assert by_name[0]["loudness"] == -5.5
    assert all(r[n] is None for r in by_name[1:] for n in ("tempo", "key", "loudness", "energy"))
    assert [r["null_response"] for r in by_name] == [0, 1, 1]


def test_non_numeric_feature_is_named(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    names = [n for n, _ in AUDIO_FEATURES]
    table = pa.table({n: pa.array(["1"], pa.string()) for n in names})
    table = table.set_column(names.index("tempo"), "tempo", pa.array(["fast"]))
    path = folder / f"{AUDIO_FEATURES_TABLE}.parquet"
    pq.write_table(table, path)
    with pytest.raises(IngestError, match=r"track_audio_features\.parquet: column 'tempo'"):
        ingest(folder, tmp_path / "catalog", progress=False)
    assert not (tmp_path / "catalog" / CATALOG_FILE).exists()


# -- source checks --------------------------------------------------------------------------
def test_missing_parquet_column_names_file_and_column(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    tracks = folder / "tracks.parquet"
    pq.write_table(pq.read_table(tracks).drop_columns(["album_rowid"]), tracks)
    with pytest.raises(IngestError) as raised:
        ingest(folder, tmp_path / "catalog", progress=False)
    assert str(raised.value) == f"{tracks}: missing column 'album_rowid'"
    assert not (tmp_path / "catalog" / CATALOG_FILE).exists()


def test_wrongly_typed_parquet_column_names_the_file(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    albums = folder / "albums.parquet"
    table = pq.read_table(albums)
    table = table.set_column(0, "rowid", pa.array(["x"] * table.num_rows))
    pq.write_table(table, albums)
    with pytest.raises(IngestError, match=r"albums\.parquet: cannot load row 1 onward"):
        ingest(folder, tmp_path / "catalog", progress=False)
    assert list((tmp_path / "catalog").iterdir()) == []


def test_missing_parquet_table_is_named(demo_dump: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARQUET_DIR_NAME
    shutil.copytree(demo_dump / PARQUET_DIR_NAME, folder)
    (folder / "track_artists.parquet").unlink()
    with pytest.raises(IngestError, match=r"track_artists\.parquet: missing table file"):
        ingest(folder, tmp_path / "catalog", progress=False)


def test_missing_sqlite_column_names_file_and_column(demo_dump: Path, tmp_path: Path) -> None:
    path = tmp_path / MAIN_SQLITE_NAME
    shutil.copyfile(demo_dump / MAIN_SQLITE_NAME, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX artist_genres_genre")
    conn.execute("ALTER TABLE artist_genres DROP COLUMN genre")
    conn.commit()
    conn.close()
    with pytest.raises(IngestError) as raised:
        ingest(path, tmp_path / "catalog", progress=False)
    assert str(raised.value) == f"{path}: table 'artist_genres' missing column 'genre'"


def test_missing_sqlite_table_and_bad_sources(demo_dump: Path, tmp_path: Path) -> None:
    path = tmp_path / MAIN_SQLITE_NAME
    shutil.copyfile(demo_dump / MAIN_SQLITE_NAME, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE available_markets")
    conn.commit()
    conn.close()
    with pytest.raises(IngestError, match=r"missing table 'available_markets'"):
        ingest(path, tmp_path / "catalog", progress=False)
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    with pytest.raises(IngestError, match=r"junk\.sqlite3"):
        ingest(junk, tmp_path / "catalog", progress=False)
    with pytest.raises(IngestError, match=r"nowhere"):
        ingest(tmp_path / "nowhere", tmp_path / "catalog", progress=False)


def test_duplicate_ids_are_an_error(demo_dump: Path, tmp_path: Path) -> None:
    path = tmp_path / MAIN_SQLITE_NAME
    shutil.copyfile(demo_dump / MAIN_SQLITE_NAME, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX tracks_id_unique")
    conn.execute("UPDATE tracks SET id = (SELECT id FROM tracks WHERE rowid = 1) WHERE rowid = 2")
    conn.commit()
    conn.close()
    with pytest.raises(IngestError, match=r"duplicate values in 'tracks'"):
        ingest(path, tmp_path / "catalog", progress=False)
    assert list((tmp_path / "catalog").iterdir()) == []


# -- atomicity -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("phase", "error"),
    [
        ("build_search_index", RuntimeError),
        ("_create_indexes", KeyboardInterrupt),
        ("compute_meta", RuntimeError),
    ],
)
def test_interrupted_ingest_keeps_the_existing_catalog(
    demo_dump: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    phase: str,
    error: type[BaseException],
) -> None:
    target = tmp_path / "catalog"
    ingest(demo_dump / MAIN_SQLITE_NAME, target, progress=False)
    before = digest(target / CATALOG_FILE)
    files = sorted(p.name for p in target.iterdir())  # the catalog and its serving store
    store = CatalogStore(target)  # a server reading the catalog while it is rebuilt
    try:

        def interrupted(*args: object, **kwargs: object) -> None:
            raise error("interrupted")

        monkeypatch.setattr(ingest_module, phase, interrupted)
        with pytest.raises(error):
            ingest(demo_dump / PARQUET_DIR_NAME, target, progress=False)
        assert sorted(p.name for p in target.iterdir()) == files  # no half catalog left
        assert digest(target / CATALOG_FILE) == before
        (track,) = CatalogService(store, "http://x").tracks(["5w5Yy1iT2oAHMHi0ecFGRV"], None)
        assert orjson.loads(orjson.dumps(track))["name"] == "Pivot - Camo & Krooked Remix"
        assert store.meta["source"].startswith("sqlite:")
        found = store.connection().execute(
            "SELECT name FROM tracks WHERE id = '5w5Yy1iT2oAHMHi0ecFGRV'"
        )
        assert found.fetchone() == ("Pivot - Camo & Krooked Remix",)
        assert CatalogStore(target).meta["source"].startswith("sqlite:")
    finally:
        store.close()


def test_interrupted_load_leaves_no_catalog(
    demo_dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = ingest_module.Progress.advance

    def advance(self: ingest_module.Progress, rows: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 5:  # in the middle of loading tables
            raise RuntimeError("disk full")
        real(self, rows)

    monkeypatch.setattr(ingest_module.Progress, "advance", advance)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(demo_dump / PARQUET_DIR_NAME, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_rebuild_replaces_the_catalog_while_a_reader_keeps_the_old_one(
    demo_dump: Path, tmp_path: Path
) -> None:
    ingest(demo_dump / MAIN_SQLITE_NAME, tmp_path, progress=False)
    old = CatalogStore(tmp_path)
    try:
        ingest(demo_dump / PARQUET_DIR_NAME, tmp_path, progress=False)
        # The open reader still sees the complete old file (renamed over, not rewritten).
        assert old.connection().execute("SELECT count(*) FROM tracks").fetchone()[0] > 0
        assert old.meta["source"].startswith("sqlite:")
        # ... and its serving store, deleted from the directory but still mapped.
        (track,) = CatalogService(old, "http://x").tracks(["5w5Yy1iT2oAHMHi0ecFGRV"], None)
        assert orjson.loads(orjson.dumps(track))["id"] == "5w5Yy1iT2oAHMHi0ecFGRV"
        new = CatalogStore(tmp_path)
        assert new.meta["source"].startswith("parquet:")
        assert new.meta["serving_store"] != old.meta["serving_store"]
        assert not (tmp_path / old.meta["serving_store"]).exists()
        new.close()
    finally:
        old.close()


def test_stale_temporary_files_are_removed(demo_dump: Path, tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    stale = tmp_path / f"{CATALOG_FILE}.building-{dead_pid}"
    stale.write_bytes(b"half a catalog")
    half_store = tmp_path / f"serving-{dead_pid}-0123456789ab.lmdb"
    half_store.write_bytes(b"half a serving store")
    ingest(demo_dump / MAIN_SQLITE_NAME, tmp_path, progress=False)
    named = CatalogStore(tmp_path)
    try:
        # Only the catalog and the serving store it names are left.
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            CATALOG_FILE,
            named.meta["serving_store"],
        ]
    finally:
        named.close()


def test_serve_rebuilds_a_stale_demo_catalog(demo_dump: Path, tmp_path: Path) -> None:
    """`serve` with no catalog configured rebuilds its own demo catalog when a newer
    playdeck changed the schema (the store refuses other versions), reusing the
    demo dump already in the data directory; a configured catalog is never touched."""
    from playdeck.catalog.store import read_meta
    from playdeck.cli import catalog_schema_version, ensure_demo_catalog
    from playdeck.config import Settings
    from playdeck.search.index import SEARCH_VERSION

    shutil.copytree(demo_dump, tmp_path / "demo-dump")
    settings = Settings(env="test", data_dir=tmp_path, demo_tracks=DEMO_TRACKS)
    target = tmp_path / "catalog"
    ensure_demo_catalog(settings)  # first run: builds it from the dump present
    path = target / CATALOG_FILE
    assert catalog_schema_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE catalog_meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    assert catalog_schema_version(path) == "1"

    configured = Settings(env="test", data_dir=tmp_path, catalog_dir=target)
    ensure_demo_catalog(configured)
    assert catalog_schema_version(path) == "1"  # someone's own catalog: left as it is

    ensure_demo_catalog(settings)
    assert catalog_schema_version(path) == SCHEMA_VERSION
    store = CatalogStore(target)  # serves again
    assert store.meta_int("count_tracks") == DEMO_TRACKS
    store.close()

    # A search index built by an older playdeck (searches would answer 503): rebuilt too.
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE search_meta SET value = '1' WHERE key = 'version'")
    conn.close()
    ensure_demo_catalog(settings)
    assert read_meta(path, "version", "search_meta") == SEARCH_VERSION
