"""Pre-joined serving rows, built at ingest: one B-tree descent per track and per album.

A full track object needs the track, its artists in credit order, its album,
the album's own artists and its images. Read from the dump's tables that is
about nine index and table descents per track, to random pages. The catalog
therefore also holds two serving tables, derived from the dump's tables (which
stay as they are: other endpoints and the search index read them):

- `track_serving`, keyed by the track's Spotify id (WITHOUT ROWID, so the id
  lookup lands on the row itself): the track's columns plus `artists`, its
  credited artists packed as a JSON array of `[id, name]` in credit order.
- `album_serving`, keyed by the album's row id: the album's columns plus
  `artists` (`[id, name]` in `index_in_album` order, packed JSON) and `images`
  (the response's image objects, widest first, as ready JSON), NULL when none.
- `market_serving`, keyed by the `available_markets` row id: its codes as the
  ready JSON list that responses carry (`[]` for the "unavailable" sentinel).

Packing is done here in Python over ordered scans (SQLite 3.40 has no ordered
aggregates and its GROUP BY sort is not stable), into temporary tables keyed by
row id, then merged with the entity tables in row-id order; the track table is
written in id order from one sort. Every step is a scan or a sort.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

import orjson

from playdeck.catalog.dump import UNAVAILABLE_MARKETS

TRACK_COLUMNS: Final = (
    "track_rowid, id, name, preview_url, album_rowid, track_number, external_id_isrc, "
    "popularity, available_markets_rowid, disc_number, duration_ms, explicit"
)
ALBUM_COLUMNS: Final = (
    "rowid, id, name, album_type, available_markets_rowid, external_id_upc, copyright_c, "
    "copyright_p, label, popularity, release_date, release_date_precision, total_tracks"
)

SERVING_DDL: Final = [
    "CREATE TABLE track_serving (id TEXT PRIMARY KEY, track_rowid INTEGER NOT NULL, "
    "name TEXT, preview_url TEXT, album_rowid INTEGER, track_number INTEGER, "
    "external_id_isrc TEXT, popularity INTEGER, available_markets_rowid INTEGER, "
    "disc_number INTEGER, duration_ms INTEGER, explicit INTEGER, artists BLOB) WITHOUT ROWID",
    "CREATE TABLE album_serving (rowid INTEGER PRIMARY KEY, id TEXT, name TEXT, "
    "album_type TEXT, available_markets_rowid INTEGER, external_id_upc TEXT, "
    "copyright_c TEXT, copyright_p TEXT, label TEXT, popularity INTEGER, release_date TEXT, "
    "release_date_precision TEXT, total_tracks INTEGER, artists BLOB, images BLOB)",
    "CREATE TABLE market_serving (rowid INTEGER PRIMARY KEY, markets BLOB NOT NULL)",
]


def split_markets(value: str | None) -> list[str]:
    """The market codes of an `available_markets` value (the sentinel means none)."""
    if not value or value == UNAVAILABLE_MARKETS:
        return []
    return [code for code in value.split(",") if code]


def _pair(row: tuple[Any, ...]) -> list[Any]:
    return [row[1], row[2]]


def _image(row: tuple[Any, ...]) -> dict[str, Any]:
    # The image object exactly as responses render it (key order included).
    return {"url": row[1], "height": row[3], "width": row[2]}


def _packed(
    rows: Iterable[tuple[Any, ...]], item: Callable[[tuple[Any, ...]], object]
) -> Iterator[tuple[int, bytes]]:
    """(owner, JSON list of `item(row)`) for rows ordered by owner (their first column)."""
    for owner, group in groupby(rows, key=itemgetter(0)):
        yield owner, orjson.dumps([item(r) for r in group])


def _fill(conn: sqlite3.Connection, table: str, rows: Iterator[tuple[int, bytes]]) -> None:
    conn.execute(f"CREATE TEMP TABLE {table} (owner INTEGER PRIMARY KEY, packed BLOB)")
    # executemany streams the generator: memory stays one owner's rows.
    conn.executemany(f"INSERT INTO temp.{table} VALUES (?, ?)", rows)


def build_serving_tables(conn: sqlite3.Connection, advance: Callable[[str], None]) -> None:
    """Create and fill the serving tables from the loaded dump tables.

    `advance(table)` is called with the dump table ("tracks", "albums",
    "available_markets") whose serving table was just written (for progress).
    """
    for statement in SERVING_DDL:
        conn.execute(statement)
    # Credit order is the link table's row order.
    credits = conn.execute(
        "SELECT ta.track_rowid, a.id, a.name FROM track_artists ta "
        "JOIN artists a ON a.rowid = ta.artist_rowid ORDER BY ta.track_rowid, ta.rowid"
    )
    _fill(conn, "sv_track_artists", _packed(credits, _pair))
    conn.execute(
        f"INSERT INTO track_serving ({TRACK_COLUMNS}, artists) "
        "SELECT t.rowid, t.id, t.name, t.preview_url, t.album_rowid, t.track_number, "
        "t.external_id_isrc, t.popularity, t.available_markets_rowid, t.disc_number, "
        "t.duration_ms, t.explicit, c.packed "
        "FROM tracks AS t NOT INDEXED LEFT JOIN temp.sv_track_artists c ON c.owner = t.rowid "
        "ORDER BY t.id"
    )
    conn.execute("DROP TABLE temp.sv_track_artists")
    advance("tracks")
    own = conn.execute(
        "SELECT aa.album_rowid, a.id, a.name FROM artist_albums aa "
        "JOIN artists a ON a.rowid = aa.artist_rowid WHERE aa.index_in_album IS NOT NULL "
        "ORDER BY aa.album_rowid, aa.index_in_album"
    )
    _fill(conn, "sv_album_artists", _packed(own, _pair))
    # Widest first, then by url; ties in the order the covering index lists them.
    images = conn.execute(
        "SELECT album_rowid, url, width, height FROM album_images "
        "ORDER BY album_rowid, coalesce(width, 0) DESC, url, width, height"
    )
    _fill(conn, "sv_album_images", _packed(images, _image))
    conn.execute(
        f"INSERT INTO album_serving ({ALBUM_COLUMNS}, artists, images) "
        f"SELECT {', '.join('al.' + c.strip() for c in ALBUM_COLUMNS.split(','))}, "
        "ar.packed, im.packed FROM albums AS al NOT INDEXED "
        "LEFT JOIN temp.sv_album_artists ar ON ar.owner = al.rowid "
        "LEFT JOIN temp.sv_album_images im ON im.owner = al.rowid ORDER BY al.rowid"
    )
    conn.execute("DROP TABLE temp.sv_album_artists")
    conn.execute("DROP TABLE temp.sv_album_images")
    advance("albums")
    markets = conn.execute("SELECT rowid, available_markets FROM available_markets ORDER BY rowid")
    conn.executemany(
        "INSERT INTO market_serving VALUES (?, ?)",
        ((rowid, orjson.dumps(split_markets(value))) for rowid, value in markets),
    )
    advance("available_markets")
