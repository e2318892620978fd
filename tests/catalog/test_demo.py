"""`playdeck demo`: determinism, both layouts alike, every quirk of the dump, golden rows."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from playdeck.catalog.demo import genre_names, write_demo
from playdeck.catalog.dump import (
    AUDIO_FEATURES,
    AUDIO_FEATURES_SQLITE_NAME,
    AUDIO_FEATURES_TABLE,
    DUMP_INDEXES,
    MAIN_SQLITE_NAME,
    PARQUET_DIR_NAME,
    TABLES,
    UNAVAILABLE_MARKETS,
)

SMALL = 2000
BASE62 = re.compile(r"^[0-9A-Za-z]{22}$")


@pytest.fixture(scope="module")
def db(demo_dump: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(demo_dump / MAIN_SQLITE_NAME)
    conn.execute("ATTACH DATABASE ? AS af", (str(demo_dump / AUDIO_FEATURES_SQLITE_NAME),))
    yield conn
    conn.close()


def one(db: sqlite3.Connection, query: str, *params: object) -> Any:
    return db.execute(query, params).fetchone()[0]


def all_rows(db: sqlite3.Connection, query: str, *params: object) -> list[tuple[Any, ...]]:
    return db.execute(query, params).fetchall()


def sqlite_table(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


def parquet_rows(path: Path) -> list[tuple[Any, ...]]:
    table = pq.read_table(path)
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


# -- determinism and layouts ---------------------------------------------------------------
def snapshot(out: Path) -> dict[str, object]:
    """Every table's rows in both layouts (content, not file bytes)."""
    found: dict[str, object] = {}
    for path in sorted((out / PARQUET_DIR_NAME).glob("*.parquet")):
        found[path.name] = pq.read_table(path)
    for name in (MAIN_SQLITE_NAME, AUDIO_FEATURES_SQLITE_NAME):
        conn = sqlite3.connect(out / name)
        found[name] = list(conn.iterdump())
        conn.close()
    return found


def test_same_seed_writes_the_same_dump(tmp_path: Path) -> None:
    write_demo(tmp_path / "a", tracks=SMALL, seed=3, progress=False)
    write_demo(tmp_path / "b", tracks=SMALL, seed=3, progress=False)
    write_demo(tmp_path / "c", tracks=SMALL, seed=4, progress=False)
    a, b, c = snapshot(tmp_path / "a"), snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    assert a["tracks.parquet"] != c["tracks.parquet"]


def test_writes_the_requested_track_count(tmp_path: Path) -> None:
    write_demo(tmp_path, tracks=SMALL, seed=5, progress=False)
    assert len(sqlite_table(tmp_path / MAIN_SQLITE_NAME, "tracks", ["id"])) == SMALL
    assert pq.ParquetFile(tmp_path / PARQUET_DIR_NAME / "tracks.parquet").metadata.num_rows == SMALL


def test_tiny_dump_with_a_negative_seed_holds_the_fixed_entries(tmp_path: Path) -> None:
    write_demo(tmp_path, tracks=1, seed=-1, progress=False)
    names = [r[0] for r in sqlite_table(tmp_path / MAIN_SQLITE_NAME, "tracks", ["name"])]
    assert "Pivot - Camo & Krooked Remix" in names and "El Scorcho" in names
    assert len(sqlite_table(tmp_path / MAIN_SQLITE_NAME, "artists", ["id"])) >= 40


def test_layouts_follow_the_dump(demo_dump: Path, db: sqlite3.Connection) -> None:
    parquet = demo_dump / PARQUET_DIR_NAME
    for table, columns in TABLES.items():
        schema = pq.read_schema(parquet / f"{table}.parquet")
        assert schema.names == [c for c, _ in columns]
        declared = [(r[1], r[2]) for r in all_rows(db, f"PRAGMA main.table_info({table})")]
        assert declared == [c for c in columns if c[0] != "rowid"]  # rowid is implicit
    features = pq.read_schema(parquet / f"{AUDIO_FEATURES_TABLE}.parquet")
    assert features.names == [c for c, _ in AUDIO_FEATURES]
    assert all(t == pa.string() for t in features.types)  # as in the Kaggle conversion
    declared = [(r[1], r[2]) for r in all_rows(db, f"PRAGMA af.table_info({AUDIO_FEATURES_TABLE})")]
    assert declared == [c for c in AUDIO_FEATURES if c[0] != "rowid"]
    indexes = {r[0] for r in all_rows(db, "SELECT name FROM sqlite_master WHERE type='index'")}
    assert indexes == {name for name, *_ in DUMP_INDEXES}


def test_both_layouts_hold_the_same_rows(demo_dump: Path) -> None:
    parquet = demo_dump / PARQUET_DIR_NAME
    main = demo_dump / MAIN_SQLITE_NAME
    for table, columns in TABLES.items():
        names = [c for c, _ in columns]
        assert parquet_rows(parquet / f"{table}.parquet") == sqlite_table(main, table, names)
    names = [c for c, _ in AUDIO_FEATURES]
    typed = sqlite_table(demo_dump / AUDIO_FEATURES_SQLITE_NAME, AUDIO_FEATURES_TABLE, names)
    strings = parquet_rows(parquet / f"{AUDIO_FEATURES_TABLE}.parquet")
    assert len(typed) == len(strings) > 0
    kinds = [k for _, k in AUDIO_FEATURES]
    for row_typed, row_text in zip(typed, strings, strict=True):
        parsed = tuple(
            None if text is None else text if kind == "TEXT" else float(text)
            for text, kind in zip(row_text, kinds, strict=True)
        )
        assert parsed == row_typed


# -- the dump's quirks ----------------------------------------------------------------------
def test_markets_sentinel_and_many_sets(db: sqlite3.Connection) -> None:
    assert one(db, "SELECT available_markets FROM available_markets WHERE rowid = 1") == (
        UNAVAILABLE_MARKETS
    )
    tracks = one(db, "SELECT count(*) FROM tracks")
    on_sentinel = one(db, "SELECT count(*) FROM tracks WHERE available_markets_rowid = 1")
    assert 0.05 < on_sentinel / tracks < 0.5
    assert one(db, "SELECT count(DISTINCT available_markets_rowid) FROM tracks") >= 50
    assert one(db, "SELECT count(*) FROM available_markets") >= 300
    for (text,) in all_rows(db, "SELECT available_markets FROM available_markets WHERE rowid > 1"):
        codes = text.split(",")
        assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes), text  # no spaces
        assert len(set(codes)) == len(codes)


def test_credit_order_is_not_artist_rowid_order(db: sqlite3.Connection) -> None:
    out_of_order = one(
        db,
        "SELECT count(*) FROM track_artists a JOIN track_artists b "
        "ON a.track_rowid = b.track_rowid AND b.rowid = a.rowid + 1 "
        "WHERE b.artist_rowid < a.artist_rowid",
    )
    assert out_of_order > 0
    # Link rows are stored track by track, primary artist first.
    rows = all_rows(db, "SELECT track_rowid FROM track_artists ORDER BY rowid")
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_artist_albums_own_and_appears_on(db: sqlite3.Connection) -> None:
    assert (
        one(
            db,
            "SELECT count(*) FROM artist_albums WHERE index_in_album IS NOT NULL "
            "AND (is_appears_on = 1 OR is_implicit_appears_on = 1)",
        )
        == 0
    )
    assert one(db, "SELECT count(*) FROM artist_albums WHERE is_appears_on = 1") > 0
    # Every album has its own first artist.
    assert one(db, "SELECT count(*) FROM albums") == one(
        db, "SELECT count(DISTINCT album_rowid) FROM artist_albums WHERE index_in_album = 0"
    )
    # Every credited artist is linked to the album, as own artist or as appears-on.
    missing = one(
        db,
        "SELECT count(*) FROM (SELECT DISTINCT t.album_rowid, ta.artist_rowid "
        "FROM tracks t JOIN track_artists ta ON ta.track_rowid = t.rowid) c "
        "WHERE NOT EXISTS (SELECT 1 FROM artist_albums aa "
        "WHERE aa.album_rowid = c.album_rowid AND aa.artist_rowid = c.artist_rowid)",
    )
    assert missing == 0


def test_release_dates_precisions_and_bogus_years(db: sqlite3.Connection) -> None:
    patterns = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
    rows = all_rows(db, "SELECT release_date, release_date_precision FROM albums")
    assert {p for _, p in rows} == set(patterns)
    for date, precision in rows:
        assert re.fullmatch(patterns[precision], date), (date, precision)
    assert any(d == "0000" for d, _ in rows)
    assert any("1000" <= d[:4] < "1900" for d, _ in rows)


def test_empty_and_null_values(db: sqlite3.Connection) -> None:
    assert one(db, "SELECT count(*) FROM albums WHERE name = ''") > 0
    assert one(db, "SELECT count(*) FROM albums WHERE label = ''") > 0
    for column in ("copyright_c", "copyright_p", "external_id_upc"):
        assert one(db, f"SELECT count(*) FROM albums WHERE {column} IS NULL") > 0, column
    assert one(db, "SELECT count(*) FROM tracks WHERE external_id_isrc IS NULL") > 0
    share = one(db, "SELECT avg(preview_url IS NULL) FROM tracks")
    assert 0.3 < share < 0.9


SCRIPTS = {
    "accented latin": r"[À-ÿĀ-ž]",
    "cjk": r"[\u4e00-\u9fff]",
    "kana": r"[\u3040-\u30ff]",
    "hangul": r"[\uac00-\ud7af]",
    "cyrillic": r"[\u0400-\u04ff]",
    "arabic": r"[\u0600-\u06ff]",
    "greek": r"[\u0370-\u03ff]",
    "hebrew": r"[\u0590-\u05ff]",
}


def test_names_in_every_script_and_with_suffixes(db: sqlite3.Connection) -> None:
    names = [r[0] for r in all_rows(db, "SELECT name FROM tracks")]
    artists = [r[0] for r in all_rows(db, "SELECT name FROM artists")]
    text = "\n".join(names + artists)
    for script, pattern in SCRIPTS.items():
        assert re.search(pattern, text), script
    for marker in ('"', "'", ": ", " (feat. ", " - Remastered 2011", " - Live", " Remix"):
        assert any(marker in n for n in names), marker


def test_featured_and_remix_artists_are_credited(db: sqlite3.Connection) -> None:
    rows = all_rows(
        db,
        "SELECT t.rowid, t.name, group_concat(a.name, '|') FROM tracks t "
        "JOIN track_artists ta ON ta.track_rowid = t.rowid "
        "JOIN artists a ON a.rowid = ta.artist_rowid "
        "WHERE t.name LIKE '% (feat. %' OR t.name LIKE '% Remix' GROUP BY t.rowid",
    )
    assert len(rows) > 20
    for _, name, credited in rows:
        match = re.search(r" \(feat\. (.+)\)$", name) or re.search(r" - (.+) Remix$", name)
        assert match, name
        assert match.group(1) in credited.split("|"), (name, credited)


def test_one_isrc_on_several_releases(db: sqlite3.Connection) -> None:
    shared = all_rows(
        db,
        "SELECT external_id_isrc, count(DISTINCT album_rowid) n FROM tracks "
        "WHERE external_id_isrc IS NOT NULL GROUP BY 1 HAVING n > 1",
    )
    assert len(shared) > 10
    # The re-release on a compilation keeps the recording's name and duration.
    isrc = shared[0][0]
    versions = all_rows(
        db,
        "SELECT t.name, t.duration_ms, al.album_type FROM tracks t "
        "JOIN albums al ON al.rowid = t.album_rowid WHERE external_id_isrc = ?",
        isrc,
    )
    assert len({(n, d) for n, d, _ in versions}) == 1
    assert "compilation" in {t for _, _, t in versions}


def test_audio_features_null_responses_and_real_tempo(db: sqlite3.Connection) -> None:
    table = f"af.{AUDIO_FEATURES_TABLE}"
    nulls = all_rows(
        db, f"SELECT tempo, danceability, key, valence FROM {table} WHERE null_response = 1"
    )
    assert nulls
    assert all(v is None for row in nulls for v in row)
    assert one(db, f"SELECT count(*) FROM {table} WHERE tempo <> CAST(tempo AS INTEGER)") > 0
    assert one(db, f"SELECT typeof(tempo) FROM {table} WHERE null_response = 0 LIMIT 1") == "real"
    # Features exist for most tracks, not all; each track at most once.
    ids = one(db, f"SELECT count(DISTINCT track_id) FROM {table}")
    assert ids == one(db, f"SELECT count(*) FROM {table}")
    assert 0.8 < ids / one(db, "SELECT count(*) FROM tracks") < 1.0
    assert (
        one(
            db,
            f"SELECT count(*) FROM {table} f LEFT JOIN tracks t ON t.id = f.track_id "
            "WHERE t.rowid IS NULL",
        )
        == 0
    )


def test_fetched_at_is_epoch_milliseconds(db: sqlite3.Connection) -> None:
    for table in ("artists", "albums", "tracks"):
        low, high = db.execute(f"SELECT min(fetched_at), max(fetched_at) FROM {table}").fetchone()
        assert 1_700_000_000_000 < low <= high < 1_800_000_000_000, table


def test_image_sets_not_always_widest_first(db: sqlite3.Connection) -> None:
    sets = all_rows(
        db, "SELECT album_rowid, group_concat(width) FROM album_images GROUP BY 1 ORDER BY 1"
    )
    assert len(sets) > 0.9 * one(db, "SELECT count(*) FROM albums")
    assert {tuple(sorted(map(int, w.split(",")), reverse=True)) for _, w in sets} == {
        (640, 300, 64)
    }
    orders = {w for _, w in sets}
    assert "640,300,64" in orders
    assert len(orders) > 1  # some sets are stored narrowest first: readers must sort
    urls = [
        r[0]
        for r in all_rows(
            db, "SELECT url FROM album_images UNION ALL SELECT url FROM artist_images"
        )
    ]
    assert all(re.fullmatch(r"https://i\.scdn\.co/image/[0-9a-f]{40}", u) for u in urls)
    assert len(set(urls)) == len(urls)


def test_realistic_distributions(db: sqlite3.Connection) -> None:
    tracks = one(db, "SELECT count(*) FROM tracks")
    assert one(db, "SELECT count(*) FROM tracks WHERE popularity >= 50") / tracks < 0.02
    assert one(db, "SELECT avg(popularity < 10) FROM tracks") > 0.6
    assert 0.10 < one(db, "SELECT avg(explicit) FROM tracks") < 0.17
    types = dict(all_rows(db, "SELECT album_type, count(*) FROM albums GROUP BY 1"))
    assert types["single"] > types["album"] + types["compilation"]
    assert set(types) == {"single", "album", "compilation"}
    followers = sorted(r[0] for r in all_rows(db, "SELECT followers_total FROM artists"))
    assert followers[len(followers) // 2] * 5 < sum(followers) / len(followers)
    genres = {r[0] for r in all_rows(db, "SELECT genre FROM artist_genres")}
    assert len(genres) > 40
    assert one(db, "SELECT count(DISTINCT artist_rowid) FROM artist_genres") < one(
        db, "SELECT count(*) FROM artists"
    )
    assert len(genre_names()) > 200
    assert {"pop", "drum and bass", "k-pop", "dutch hip hop"} <= set(genre_names())


def test_ids_are_unique_base62(db: sqlite3.Connection) -> None:
    seen: set[str] = set()
    for table in ("artists", "albums", "tracks"):
        ids = [r[0] for r in all_rows(db, f"SELECT id FROM {table}")]
        assert all(BASE62.match(i) for i in ids), table
        assert len(set(ids)) == len(ids)
        assert not seen & set(ids)
        seen |= set(ids)


# -- fixed entries ----------------------------------------------------------------------------
def test_golden_mefjus_single(db: sqlite3.Connection) -> None:
    artists = {
        r[0]: r[1:]
        for r in all_rows(db, "SELECT id, rowid, name, followers_total, popularity FROM artists")
        if r[0] in {"54qqaSH6byJIb8eFWxe3Pj", "2N8IPNZTiNo3nj4mreOlHU", "28ee6rnxMl8AqwcroPfivP"}
    }
    mefjus, camo, skeptical = (
        artists["54qqaSH6byJIb8eFWxe3Pj"],
        artists["2N8IPNZTiNo3nj4mreOlHU"],
        artists["28ee6rnxMl8AqwcroPfivP"],
    )
    assert mefjus[1:] == ("Mefjus", 72765, 52)
    assert camo[1:] == ("Camo & Krooked", 237761, 54)
    assert skeptical[1:] == ("Skeptical", 26163, 37)
    album = db.execute(
        "SELECT rowid, name, album_type, external_id_upc, label, copyright_c, copyright_p, "
        "popularity, release_date, release_date_precision, total_tracks "
        "FROM albums WHERE id = '3EncU2oR8VzeuWvLKPIEQd'"
    ).fetchone()
    assert album[1:] == (
        "Pivot (Camo & Krooked Remix) / Sinkhole (Skeptical Remix)",
        "single",
        "5057272089689",
        "Vision Recordings",
        "2018 Vision Recordings",
        "2018 Vision Recordings",
        7,
        "2018-11-02",
        "day",
        2,
    )
    own = all_rows(
        db,
        "SELECT artist_rowid FROM artist_albums WHERE album_rowid = ? AND index_in_album "
        "IS NOT NULL ORDER BY index_in_album",
        album[0],
    )
    assert [r[0] for r in own] == [mefjus[0], camo[0], skeptical[0]]
    tracks = all_rows(
        db,
        "SELECT rowid, id, name, external_id_isrc, popularity, duration_ms, track_number, "
        "disc_number, explicit FROM tracks WHERE album_rowid = ? ORDER BY track_number",
        album[0],
    )
    assert [t[1:] for t in tracks] == [
        (
            "5w5Yy1iT2oAHMHi0ecFGRV",
            "Pivot - Camo & Krooked Remix",
            "UKACT1830493",
            11,
            266181,
            1,
            1,
            0,
        ),
        (
            "4pQp4qcip75nJACmwsDstb",
            "Sinkhole - Skeptical Remix",
            "UKACT1830494",
            16,
            277674,
            2,
            1,
            0,
        ),
    ]
    credits = [
        [
            r[0]
            for r in all_rows(
                db,
                "SELECT artist_rowid FROM track_artists WHERE track_rowid = ? ORDER BY rowid",
                t[0],
            )
        ]
        for t in tracks
    ]
    assert credits == [[mefjus[0], camo[0]], [mefjus[0], skeptical[0]]]


def test_weezer_el_scorcho_and_its_karaoke_cover(db: sqlite3.Connection) -> None:
    rows = all_rows(
        db,
        "SELECT t.name, t.external_id_isrc, t.popularity, al.name, al.album_type, al.release_date, "
        "(SELECT group_concat(a.name) FROM track_artists ta JOIN artists a "
        " ON a.rowid = ta.artist_rowid WHERE ta.track_rowid = t.rowid) "
        "FROM tracks t JOIN albums al ON al.rowid = t.album_rowid "
        "WHERE t.name LIKE 'El Scorcho%' ORDER BY t.popularity DESC",
    )
    original, rerelease, karaoke = rows
    assert original[0] == "El Scorcho" and original[3:7] == (
        "Pinkerton",
        "album",
        "1996-09-24",
        "Weezer",
    )
    assert rerelease[1] == original[1] and rerelease[4] == "compilation"  # same recording
    assert "Karaoke" in karaoke[0] and karaoke[2] == 1 and karaoke[4] == "compilation"
    assert karaoke[1] != original[1]
    assert (
        one(
            db,
            "SELECT count(*) FROM tracks "
            "WHERE album_rowid = (SELECT rowid FROM albums WHERE name = 'Pinkerton')",
        )
        == 10
    )
