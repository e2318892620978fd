"""A tiny hand-written catalog for search tests: every row chosen to test one
behaviour (the El Scorcho original and its karaoke cover, accents, CJK,
Cyrillic, suffixes, versions, compilations, years, genres, ISRCs, UPCs)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from playdeck.catalog.schema import CATALOG_FILE, SCHEMA_VERSION, index_ddl, table_ddl
from playdeck.catalog.serving import build_serving_store, store_name
from playdeck.search.index import build_search_index

# artist key -> (name, popularity, followers, genres)
ARTISTS: dict[str, tuple[str, int, int, list[str]]] = {
    "weezer": ("Weezer", 75, 5_000_000, ["alternative rock", "rock"]),
    "karaoke": ("Karaoke Stars", 1, 10, ["karaoke"]),
    "beyonce": ("Beyoncé", 90, 30_000_000, ["pop", "r&b"]),
    "jayz": ("JAY-Z", 85, 20_000_000, ["hip hop"]),
    "motley": ("Mötley Crüe", 70, 4_000_000, ["glam metal"]),
    "utada": ("宇多田ヒカル", 65, 2_000_000, ["j-pop"]),
    "kino": ("Кино", 60, 1_000_000, ["russian rock"]),
    "queen": ("Queen", 88, 40_000_000, ["classic rock", "rock"]),
    "weezy": ("Weezy Tribute Band", 5, 100, []),
    "sigur": ("Sigur Rós", 55, 900_000, ["post-rock"]),
    "various": ("Various Artists", 0, 0, []),
}

# album key -> (name, type, release_date, precision, popularity, upc, artist keys)
ALBUMS: dict[str, tuple[str, str, str, str, int, str | None, list[str]]] = {
    "pinkerton": ("Pinkerton", "album", "1996-09-24", "day", 70, "00720642500723", ["weezer"]),
    "pinkerton_dlx": (
        "Pinkerton (Deluxe Edition)",
        "album",
        "2010-11-02",
        "day",
        40,
        None,
        ["weezer"],
    ),
    "karaoke": ("Sing Weezer Karaoke", "compilation", "2015", "year", 1, None, ["karaoke"]),
    "hits90s": ("90s Rock Hits", "compilation", "2001-05-01", "day", 30, None, ["various"]),
    "lemonade": ("Lemonade", "album", "2016-04-23", "day", 80, "00886445901155", ["beyonce"]),
    "crazy": ("Dangerously in Love", "album", "2003-06-20", "day", 78, None, ["beyonce"]),
    "dr": ("Dr. Feelgood", "album", "1989-09-01", "day", 60, None, ["motley"]),
    "utada": ("初恋", "album", "2018-06-27", "day", 50, None, ["utada"]),
    "kino": ("Группа крови", "album", "1988", "year", 55, None, ["kino"]),
    "queen": ("A Night at the Opera", "album", "1975-11-21", "day", 85, None, ["queen"]),
    "queen_live": ("Live Killers", "album", "1979-06-22", "day", 50, None, ["queen"]),
    "weezy": ("Tribute to Weezer", "album", "2020-01-01", "day", 2, None, ["weezy"]),
    "sigur": ("Ágætis byrjun", "album", "1999-06-12", "day", 50, None, ["sigur"]),
    "newest": ("Brand New Day", "single", "2026-11-01", "day", 10, None, ["queen"]),
}

# (title, album key, artist keys, popularity, isrc, duration_ms)
TRACKS: list[tuple[str, str, list[str], int, str, int]] = [
    ("El Scorcho", "pinkerton", ["weezer"], 62, "USGF19600402", 243_000),
    ("El Scorcho - Remastered 2010", "pinkerton_dlx", ["weezer"], 30, "USGF19600402", 243_500),
    ("El Scorcho - Live", "pinkerton_dlx", ["weezer"], 20, "USGF11000001", 260_000),
    ("El Scorcho (Karaoke Version)", "karaoke", ["karaoke"], 1, "GBKAR1500001", 243_100),
    ("The Good Life", "pinkerton", ["weezer"], 55, "USGF19600403", 258_000),
    ("Pink Triangle", "pinkerton", ["weezer"], 50, "USGF19600407", 238_000),
    ("El Scorcho", "hits90s", ["weezer"], 15, "USGF19600402", 243_000),
    ("Crazy in Love (feat. JAY-Z)", "crazy", ["beyonce", "jayz"], 80, "USSM10301886", 236_000),
    ("Formation", "lemonade", ["beyonce"], 75, "USSM11600371", 206_000),
    ("Hold Up", "lemonade", ["beyonce"], 60, "USSM11600372", 221_000),
    ("Kickstart My Heart", "dr", ["motley"], 72, "USEL18900001", 282_000),
    ("Dr. Feelgood", "dr", ["motley"], 65, "USEL18900002", 290_000),
    ("First Love", "utada", ["utada"], 58, "JPTO09900001", 260_000),
    ("初恋", "utada", ["utada"], 57, "JPTO01800001", 285_000),
    ("Группа крови", "kino", ["kino"], 61, "RUA108800001", 286_000),
    ("Звезда по имени Солнце", "kino", ["kino"], 59, "RUA108800002", 225_000),
    ("Bohemian Rhapsody - Remastered 2011", "queen", ["queen"], 86, "GBUM71029604", 354_000),
    ("Love of My Life - Remastered 2011", "queen", ["queen"], 70, "GBUM71029605", 219_000),
    ("Bohemian Rhapsody - Live", "queen_live", ["queen"], 40, "GBUM71029700", 360_000),
    ("El Scorcho", "weezy", ["weezy"], 3, "USXX12000001", 240_000),
    ("Svefn-g-englar", "sigur", ["sigur"], 52, "ISXX19900001", 604_000),
    ("Brand New Day", "newest", ["queen"], 10, "GBUM72600001", 200_000),
    ("Hold On", "crazy", ["beyonce"], 20, "USSM10301899", 200_000),
    ("Crazy", "crazy", ["beyonce"], 30, "USSM10301898", 200_000),
    # credit order is not artist row id order: the primary artist comes first
    ("Tribute Medley", "weezy", ["weezy", "weezer"], 4, "USXX12000002", 300_000),
]


def _id(prefix: str, n: int) -> str:
    return f"{prefix}{n:0>{22 - len(prefix)}}"


def build_mini_catalog(directory: Path, **index_options: Any) -> Path:
    """Write `catalog.sqlite3` with the rows above and its search index
    (`index_options` go to `build_search_index`)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CATALOG_FILE
    conn = sqlite3.connect(path)
    for statement in table_ddl():
        conn.execute(statement)
    conn.execute(
        "INSERT INTO available_markets (rowid, available_markets) VALUES (1, 'unavailable')"
    )
    conn.execute("INSERT INTO available_markets (rowid, available_markets) VALUES (2, 'US,GB,DE')")
    artist_rowid: dict[str, int] = {}
    for n, (key, (name, pop, followers, genres)) in enumerate(ARTISTS.items(), start=1):
        artist_rowid[key] = n
        conn.execute(
            "INSERT INTO artists (rowid, id, fetched_at, name, followers_total, popularity)"
            " VALUES (?, ?, 0, ?, ?, ?)",
            (n, _id("ar", n), name, followers, pop),
        )
        for genre in genres:
            conn.execute("INSERT INTO artist_genres VALUES (?, ?)", (n, genre))
    album_rowid: dict[str, int] = {}
    for n, (key, (name, kind, rd, prec, pop, upc, artists)) in enumerate(ALBUMS.items(), start=1):
        album_rowid[key] = n
        total = sum(1 for t in TRACKS if t[1] == key)
        conn.execute(
            "INSERT INTO albums (rowid, id, fetched_at, name, album_type, available_markets_rowid,"
            " external_id_upc, label, popularity, release_date, release_date_precision,"
            " total_tracks) VALUES (?, ?, 0, ?, ?, 2, ?, 'Label', ?, ?, ?, ?)",
            (n, _id("al", n), name, kind, upc, pop, rd, prec, total),
        )
        for i, a in enumerate(artists):
            conn.execute(
                "INSERT INTO artist_albums VALUES (?, ?, 0, 0, ?)", (artist_rowid[a], n, i)
            )
    numbers: dict[str, int] = {}
    for n, (title, album, artists, pop, isrc, duration) in enumerate(TRACKS, start=1):
        numbers[album] = numbers.get(album, 0) + 1
        conn.execute(
            "INSERT INTO tracks (rowid, id, fetched_at, name, album_rowid, track_number,"
            " external_id_isrc, popularity, available_markets_rowid, disc_number, duration_ms,"
            " explicit) VALUES (?, ?, 0, ?, ?, ?, ?, ?, 2, 1, ?, 0)",
            (n, _id("tr", n), title, album_rowid[album], numbers[album], isrc, pop, duration),
        )
        for a in artists:
            conn.execute("INSERT INTO track_artists VALUES (?, ?)", (n, artist_rowid[a]))
    for statement in index_ddl():
        conn.execute(statement)
    serving = store_name("mini")
    build_serving_store(conn, directory / serving, lambda table, rows: None)
    conn.commit()
    build_search_index(conn, **index_options)
    meta = {
        "schema_version": SCHEMA_VERSION,
        "serving_store": serving,
        "count_tracks": str(len(TRACKS)),
        "count_albums": str(len(ALBUMS)),
        "count_artists": str(len(ARTISTS)),
        "newest_release_date": "2026-11-01",
        "hipster_popularity": "2",
        "genres": "[]",
        "markets": '["DE", "GB", "US"]',
    }
    conn.executemany("INSERT INTO catalog_meta VALUES (?, ?)", list(meta.items()))
    conn.commit()
    conn.close()
    return directory


def track_id(title: str, album: str | None = None) -> str:
    """The id of the first track with this title (and album key)."""
    for n, t in enumerate(TRACKS, start=1):
        if t[0] == title and (album is None or t[1] == album):
            return _id("tr", n)
    raise KeyError(title)


def album_id(key: str) -> str:
    return _id("al", list(ALBUMS).index(key) + 1)


def artist_id(key: str) -> str:
    return _id("ar", list(ARTISTS).index(key) + 1)
