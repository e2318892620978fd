"""The layout of the Anna's Archive Spotify metadata dump (`../shared/reference/dump.md`).

Both circulating forms share these table and column names: the torrent's SQLite
files (`spotify_clean.sqlite3` and `spotify_clean_audio_features.sqlite3`, where
`rowid` is SQLite's implicit row id) and the Kaggle parquet folder (one
`<table>.parquet` file per table with an explicit `rowid` column; every column
of `track_audio_features` is a string there). `playdeck demo` writes these
layouts and `playdeck ingest` checks a source against them before reading it.
"""

from __future__ import annotations

from typing import Final

# table -> [(column, SQLite declared type)], in the dump's column order.
# `rowid` is listed first: explicit in parquet, implicit in SQLite.
TABLES: Final[dict[str, list[tuple[str, str]]]] = {
    "artists": [
        ("rowid", "INTEGER"),
        ("id", "TEXT"),
        ("fetched_at", "INTEGER"),
        ("name", "TEXT"),
        ("followers_total", "INTEGER"),
        ("popularity", "INTEGER"),
    ],
    "artist_genres": [("artist_rowid", "INTEGER"), ("genre", "TEXT")],
    "artist_images": [
        ("artist_rowid", "INTEGER"),
        ("width", "INTEGER"),
        ("height", "INTEGER"),
        ("url", "TEXT"),
    ],
    "albums": [
        ("rowid", "INTEGER"),
        ("id", "TEXT"),
        ("fetched_at", "INTEGER"),
        ("name", "TEXT"),
        ("album_type", "TEXT"),
        ("available_markets_rowid", "INTEGER"),
        ("external_id_upc", "TEXT"),
        ("copyright_c", "TEXT"),
        ("copyright_p", "TEXT"),
        ("label", "TEXT"),
        ("popularity", "INTEGER"),
        ("release_date", "TEXT"),
        ("release_date_precision", "TEXT"),
        ("total_tracks", "INTEGER"),
        ("external_id_amgid", "TEXT"),
    ],
    "album_images": [
        ("album_rowid", "INTEGER"),
        ("width", "INTEGER"),
        ("height", "INTEGER"),
        ("url", "TEXT"),
    ],
    "artist_albums": [
        ("artist_rowid", "INTEGER"),
        ("album_rowid", "INTEGER"),
        ("is_appears_on", "INTEGER"),
        ("is_implicit_appears_on", "INTEGER"),
        ("index_in_album", "INTEGER"),
    ],
    "tracks": [
        ("rowid", "INTEGER"),
        ("id", "TEXT"),
        ("fetched_at", "INTEGER"),
        ("name", "TEXT"),
        ("preview_url", "TEXT"),
        ("album_rowid", "INTEGER"),
        ("track_number", "INTEGER"),
        ("external_id_isrc", "TEXT"),
        ("popularity", "INTEGER"),
        ("available_markets_rowid", "INTEGER"),
        ("disc_number", "INTEGER"),
        ("duration_ms", "INTEGER"),
        ("explicit", "INTEGER"),
    ],
    "track_artists": [("track_rowid", "INTEGER"), ("artist_rowid", "INTEGER")],
    "available_markets": [("rowid", "INTEGER"), ("available_markets", "TEXT")],
}

AUDIO_FEATURES_TABLE: Final = "track_audio_features"
AUDIO_FEATURES: Final[list[tuple[str, str]]] = [
    ("rowid", "INTEGER"),
    ("track_id", "TEXT"),
    ("fetched_at", "INTEGER"),
    ("null_response", "INTEGER"),
    ("duration_ms", "INTEGER"),
    ("time_signature", "INTEGER"),
    ("tempo", "INTEGER"),  # declared integer in the dump, holds reals (127.969)
    ("key", "INTEGER"),
    ("mode", "INTEGER"),
    ("danceability", "REAL"),
    ("energy", "REAL"),
    ("loudness", "REAL"),
    ("speechiness", "REAL"),
    ("acousticness", "REAL"),
    ("instrumentalness", "REAL"),
    ("liveness", "REAL"),
    ("valence", "REAL"),
]

# Indexes the torrent's spotify_clean.sqlite3 ships (dump.md, "Tables").
DUMP_INDEXES: Final[list[tuple[str, str, str, bool]]] = [
    # (index name, table, columns, unique)
    ("artists_id_unique", "artists", "id", True),
    ("albums_id_unique", "albums", "id", True),
    ("tracks_id_unique", "tracks", "id", True),
    ("artists_name", "artists", "name", False),
    ("albums_name", "albums", "name", False),
    ("tracks_name", "tracks", "name", False),
    ("artists_popularity", "artists", "popularity", False),
    ("albums_popularity", "albums", "popularity", False),
    ("tracks_popularity", "tracks", "popularity", False),
    ("tracks_album", "tracks", "album_rowid", False),
    ("tracks_isrc", "tracks", "external_id_isrc", False),
    ("track_artists_track", "track_artists", "track_rowid", False),
    ("track_artists_artist", "track_artists", "artist_rowid", False),
    ("artist_albums_artist", "artist_albums", "artist_rowid", False),
    ("artist_albums_album", "artist_albums", "album_rowid", False),
    ("artist_genres_artist", "artist_genres", "artist_rowid", False),
    ("artist_genres_genre", "artist_genres", "genre", False),
]

MAIN_SQLITE_NAME: Final = "spotify_clean.sqlite3"
AUDIO_FEATURES_SQLITE_NAME: Final = "spotify_clean_audio_features.sqlite3"
PARQUET_DIR_NAME: Final = "spotify_clean_parquet"
# Sentinel row of `available_markets`: the literal string means "no market at all".
UNAVAILABLE_MARKETS: Final = "unavailable"
