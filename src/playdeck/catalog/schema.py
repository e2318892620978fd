"""The serving catalog's layout: one SQLite file, `<catalog dir>/catalog.sqlite3`,
and beside it the serving store it names.

The SQLite file keeps the dump's tables, names and row ids (so the same queries
would run on the torrent's own file), with typed audio features, the indexes
every request path needs, the search index (built by `playdeck.search.index`)
and `catalog_meta`, where counts and other facts are computed once at ingest.
The serving store (`serving-<token>.lmdb`, built by `playdeck.catalog.serving`)
holds every track and album object ready to send. `playdeck ingest` writes the
store under a new name, then the SQLite file under a temporary name, and
renames the SQLite file into place: that rename switches both at once, so a
reader only ever sees a complete catalog.
"""

from __future__ import annotations

from typing import Final

from playdeck.catalog.dump import AUDIO_FEATURES, AUDIO_FEATURES_TABLE, DUMP_INDEXES, TABLES

CATALOG_FILE: Final = "catalog.sqlite3"
# 3: pre-joined `track_serving` and `album_serving` tables.
# 4: those replaced by the serving store of ready objects (`catalog.serving`),
#    named by `catalog_meta.serving_store`.
SCHEMA_VERSION: Final = "4"

# The catalog widens some of the dump's link-table indexes so they cover the
# columns a request reads: a track's artists, an album's own artists and its
# images then cost one index page each instead of one random table page per
# row (the largest share of a cold 50-track batch).
_COVERING: Final[dict[str, str]] = {
    "track_artists_track": "track_rowid, artist_rowid",
    "artist_albums_album": "album_rowid, index_in_album, artist_rowid",
    "artist_genres_artist": "artist_rowid, genre",
}

# Indexes beyond the dump's own that request paths rely on.
SERVING_INDEXES: Final[list[tuple[str, str, str, bool]]] = [
    ("album_images_album", "album_images", "album_rowid, width, height, url", False),
    ("artist_images_artist", "artist_images", "artist_rowid, width, height, url", False),
    ("albums_upc", "albums", "external_id_upc", False),
    ("albums_release_date", "albums", "release_date", False),
    ("track_audio_features_track_id", AUDIO_FEATURES_TABLE, "track_id", True),
]

ALL_INDEXES: Final = [
    (name, table, _COVERING.get(name, cols), unique) for name, table, cols, unique in DUMP_INDEXES
] + SERVING_INDEXES

# Keys of `catalog_meta` (values are text; JSON where noted).
META_KEYS: Final = (
    "schema_version",
    "serving_store",  # the serving store's file name, in the catalog directory
    "source",  # what was ingested (path) and its layout: parquet | sqlite
    "built_at",  # ISO 8601 UTC
    "count_tracks",
    "count_albums",
    "count_artists",
    "count_audio_features",
    "newest_release_date",  # the catalog's newest album release date (day precision)
    "hipster_popularity",  # albums at or below this popularity are the lowest 10%
    "genres",  # JSON list of every distinct artist genre, sorted
    "markets",  # JSON list of every market code in the catalog, sorted
)

_FEATURE_TYPES = {"INTEGER": "INTEGER", "REAL": "REAL", "TEXT": "TEXT"}


def table_ddl() -> list[str]:
    """CREATE TABLE statements for the catalog (dump tables + features + meta)."""
    statements = []
    for table, columns in TABLES.items():
        cols = ", ".join(f"{name} {kind}" for name, kind in columns if name != "rowid")
        statements.append(f"CREATE TABLE {table} ({cols})")
    feature_cols = []
    for name, kind in AUDIO_FEATURES:
        if name == "rowid":
            continue
        # tempo is declared INTEGER in the dump but holds reals: store REAL.
        feature_cols.append(f"{name} {'REAL' if name == 'tempo' else _FEATURE_TYPES[kind]}")
    statements.append(f"CREATE TABLE {AUDIO_FEATURES_TABLE} ({', '.join(feature_cols)})")
    statements.append("CREATE TABLE catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    return statements


def index_ddl() -> list[str]:
    """CREATE INDEX statements for every index the catalog serves from."""
    return [
        f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {name} ON {table} ({cols})"
        for name, table, cols, unique in ALL_INDEXES
    ]
