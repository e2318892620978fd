"""Every query against the read-only catalog.

Batch methods take a list of ids or row ids and answer in a constant number of
queries (one `IN (…)` per table), so a 50-track request costs the same number
of round trips as one track. Values are always bound parameters; only the
number of `?` placeholders is formatted into the SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from playdeck.catalog.dump import UNAVAILABLE_MARKETS
from playdeck.kit.sqlite import chunks as _chunks
from playdeck.kit.sqlite import placeholders as _marks


@dataclass(frozen=True, slots=True)
class ArtistRef:
    rowid: int
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class AlbumRow:
    rowid: int
    id: str
    name: str
    album_type: str
    available_markets_rowid: int | None
    external_id_upc: str | None
    copyright_c: str | None
    copyright_p: str | None
    label: str | None
    popularity: int | None
    release_date: str | None
    release_date_precision: str | None
    total_tracks: int | None


@dataclass(frozen=True, slots=True)
class TrackRow:
    rowid: int
    id: str
    name: str
    preview_url: str | None
    album_rowid: int
    track_number: int | None
    external_id_isrc: str | None
    popularity: int | None
    available_markets_rowid: int | None
    disc_number: int | None
    duration_ms: int | None
    explicit: int | None


@dataclass(frozen=True, slots=True)
class ArtistRow:
    rowid: int
    id: str
    name: str
    followers_total: int | None
    popularity: int | None


@dataclass(frozen=True, slots=True)
class AudioFeaturesRow:
    track_id: str
    null_response: int | None
    duration_ms: int | None
    time_signature: int | None
    tempo: float | None
    key: int | None
    mode: int | None
    danceability: float | None
    energy: float | None
    loudness: float | None
    speechiness: float | None
    acousticness: float | None
    instrumentalness: float | None
    liveness: float | None
    valence: float | None


_TRACK_COLS = (
    "rowid, id, name, preview_url, album_rowid, track_number, external_id_isrc, popularity, "
    "available_markets_rowid, disc_number, duration_ms, explicit"
)
_ALBUM_COLS = (
    "rowid, id, name, album_type, available_markets_rowid, external_id_upc, copyright_c, "
    "copyright_p, label, popularity, release_date, release_date_precision, total_tracks"
)
_ARTIST_COLS = "rowid, id, name, followers_total, popularity"
_FEATURE_COLS = (
    "track_id, null_response, duration_ms, time_signature, tempo, key, mode, danceability, "
    "energy, loudness, speechiness, acousticness, instrumentalness, liveness, valence"
)

# album_group order on an artist's discography page, as Spotify lists it.
GROUP_ORDER = ("album", "single", "compilation", "appears_on")


MarketCache = dict[int, tuple[str, ...]]
# Distinct market sets are few (89 thousand in the whole dump) and shared by many
# tracks, so their parsed form is kept in memory, bounded.
MARKET_CACHE_SIZE = 16_384


class CatalogRepository:
    """Queries over one catalog connection (the caller's thread's)."""

    def __init__(self, conn: sqlite3.Connection, market_cache: MarketCache | None = None) -> None:
        self.conn = conn
        self.market_cache: MarketCache = market_cache if market_cache is not None else {}

    def _rows_where_in(self, select: str, column: str, keys: Sequence[object]) -> Iterator[Any]:
        """Rows of `select … WHERE column IN (keys)`, one query per chunk of distinct keys."""
        for chunk in _chunks(list(dict.fromkeys(keys))):
            yield from self.conn.execute(
                f"{select} WHERE {column} IN ({_marks(len(chunk))})", tuple(chunk)
            )

    # -- tracks ---------------------------------------------------------------
    def tracks_by_ids(self, ids: Sequence[str]) -> dict[str, TrackRow]:
        select = f"SELECT {_TRACK_COLS} FROM tracks"
        return {row[1]: TrackRow(*row) for row in self._rows_where_in(select, "id", ids)}

    def tracks_by_rowids(self, rowids: Sequence[int]) -> dict[int, TrackRow]:
        select = f"SELECT {_TRACK_COLS} FROM tracks"
        return {row[0]: TrackRow(*row) for row in self._rows_where_in(select, "rowid", rowids)}

    def album_track_count(self, album_rowid: int) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM tracks WHERE album_rowid = ?", (album_rowid,)
        ).fetchone()
        return int(row[0])

    def album_tracks(self, album_rowid: int, limit: int, offset: int) -> list[TrackRow]:
        sql = (
            f"SELECT {_TRACK_COLS} FROM tracks WHERE album_rowid = ? "
            "ORDER BY disc_number, track_number, rowid LIMIT ? OFFSET ?"
        )
        return [TrackRow(*r) for r in self.conn.execute(sql, (album_rowid, limit, offset))]

    def track_artists(self, track_rowids: Sequence[int]) -> dict[int, list[ArtistRef]]:
        """Each track's artists in credit order (the link table's row order)."""
        out: dict[int, list[ArtistRef]] = {}
        for chunk in _chunks(list(dict.fromkeys(track_rowids))):
            sql = (
                "SELECT ta.track_rowid, a.rowid, a.id, a.name FROM track_artists ta "
                "JOIN artists a ON a.rowid = ta.artist_rowid "
                f"WHERE ta.track_rowid IN ({_marks(len(chunk))}) ORDER BY ta.rowid"
            )
            for track_rowid, rowid, ident, name in self.conn.execute(sql, tuple(chunk)):
                out.setdefault(track_rowid, []).append(ArtistRef(rowid, ident, name))
        return out

    def top_track_rowids(self, artist_rowid: int, limit: int) -> list[int]:
        sql = (
            "SELECT t.rowid FROM track_artists ta JOIN tracks t ON t.rowid = ta.track_rowid "
            "WHERE ta.artist_rowid = ? ORDER BY t.popularity DESC, t.rowid LIMIT ?"
        )
        return [r[0] for r in self.conn.execute(sql, (artist_rowid, limit))]

    def first_album_tracks(
        self, album_rowids: Sequence[int], limit: int
    ) -> tuple[dict[int, list[TrackRow]], dict[int, int]]:
        """The first `limit` tracks of each album and each album's track count, in one query."""
        tracks: dict[int, list[TrackRow]] = {}
        counts: dict[int, int] = {}
        for chunk in _chunks(list(dict.fromkeys(album_rowids))):
            sql = (
                f"SELECT {_TRACK_COLS}, total FROM ("
                f"SELECT {_TRACK_COLS}, row_number() OVER w AS position, "
                "count(*) OVER (PARTITION BY album_rowid) AS total FROM tracks "
                f"WHERE album_rowid IN ({_marks(len(chunk))}) "
                "WINDOW w AS (PARTITION BY album_rowid ORDER BY disc_number, track_number, rowid)"
                ") WHERE position <= ? ORDER BY album_rowid, position"
            )
            for row in self.conn.execute(sql, (*chunk, limit)):
                track = TrackRow(*row[:-1])
                tracks.setdefault(track.album_rowid, []).append(track)
                counts[track.album_rowid] = row[-1]
        return tracks, counts

    # -- albums ---------------------------------------------------------------
    def albums_by_ids(self, ids: Sequence[str]) -> dict[str, AlbumRow]:
        select = f"SELECT {_ALBUM_COLS} FROM albums"
        return {row[1]: AlbumRow(*row) for row in self._rows_where_in(select, "id", ids)}

    def albums_by_rowids(self, rowids: Sequence[int]) -> dict[int, AlbumRow]:
        select = f"SELECT {_ALBUM_COLS} FROM albums"
        return {row[0]: AlbumRow(*row) for row in self._rows_where_in(select, "rowid", rowids)}

    def album_artists(self, album_rowids: Sequence[int]) -> dict[int, list[ArtistRef]]:
        """Each album's own artists (not appears-on), in `index_in_album` order."""
        out: dict[int, list[ArtistRef]] = {}
        for chunk in _chunks(list(dict.fromkeys(album_rowids))):
            sql = (
                "SELECT aa.album_rowid, a.rowid, a.id, a.name FROM artist_albums aa "
                "JOIN artists a ON a.rowid = aa.artist_rowid "
                f"WHERE aa.album_rowid IN ({_marks(len(chunk))}) "
                "AND aa.index_in_album IS NOT NULL ORDER BY aa.album_rowid, aa.index_in_album"
            )
            for album_rowid, rowid, ident, name in self.conn.execute(sql, tuple(chunk)):
                out.setdefault(album_rowid, []).append(ArtistRef(rowid, ident, name))
        return out

    def album_images(self, album_rowids: Sequence[int]) -> dict[int, list[Image]]:
        """Each album's images, widest first (the dump does not store them sorted)."""
        return self._images("album_images", "album_rowid", album_rowids)

    def artist_images(self, artist_rowids: Sequence[int]) -> dict[int, list[Image]]:
        return self._images("artist_images", "artist_rowid", artist_rowids)

    def _images(self, table: str, key: str, rowids: Sequence[int]) -> dict[int, list[Image]]:
        out: dict[int, list[Image]] = {}
        for chunk in _chunks(list(dict.fromkeys(rowids))):
            sql = (
                f"SELECT {key}, url, width, height FROM {table} "
                f"WHERE {key} IN ({_marks(len(chunk))})"
            )
            for owner, url, width, height in self.conn.execute(sql, tuple(chunk)):
                out.setdefault(owner, []).append(Image(url, width, height))
        for images in out.values():
            images.sort(key=lambda i: (-(i.width or 0), i.url))
        return out

    def artist_album_count(self, artist_rowid: int, groups: Sequence[str]) -> int:
        where, params = self._group_filter(groups)
        sql = (
            "SELECT count(*) FROM artist_albums aa JOIN albums al ON al.rowid = aa.album_rowid "
            f"WHERE aa.artist_rowid = ? AND ({where})"
        )
        return int(self.conn.execute(sql, (artist_rowid, *params)).fetchone()[0])

    def artist_albums(
        self, artist_rowid: int, groups: Sequence[str], limit: int, offset: int
    ) -> list[tuple[int, str]]:
        """(album rowid, album_group) of an artist's discography page, Spotify's order."""
        where, params = self._group_filter(groups)
        sql = (
            "SELECT al.rowid, CASE WHEN aa.index_in_album IS NULL THEN 'appears_on' "
            "ELSE al.album_type END AS grp FROM artist_albums aa "
            "JOIN albums al ON al.rowid = aa.album_rowid "
            f"WHERE aa.artist_rowid = ? AND ({where}) "
            "ORDER BY CASE grp WHEN 'album' THEN 0 WHEN 'single' THEN 1 "
            "WHEN 'compilation' THEN 2 ELSE 3 END, al.release_date DESC, al.rowid "
            "LIMIT ? OFFSET ?"
        )
        return [
            (r[0], r[1]) for r in self.conn.execute(sql, (artist_rowid, *params, limit, offset))
        ]

    @staticmethod
    def _group_filter(groups: Sequence[str]) -> tuple[str, list[str]]:
        own = [g for g in groups if g != "appears_on"]
        clauses: list[str] = []
        params: list[str] = []
        if own:
            clauses.append(
                f"(aa.index_in_album IS NOT NULL AND al.album_type IN ({_marks(len(own))}))"
            )
            params.extend(own)
        if "appears_on" in groups:
            clauses.append("aa.index_in_album IS NULL")
        return " OR ".join(clauses) or "0", params

    def new_release_rowids(self, limit: int, offset: int) -> list[int]:
        sql = (
            "SELECT rowid FROM albums WHERE release_date IS NOT NULL "
            "ORDER BY release_date DESC, rowid LIMIT ? OFFSET ?"
        )
        return [r[0] for r in self.conn.execute(sql, (limit, offset))]

    # -- artists --------------------------------------------------------------
    def artists_by_ids(self, ids: Sequence[str]) -> dict[str, ArtistRow]:
        select = f"SELECT {_ARTIST_COLS} FROM artists"
        return {row[1]: ArtistRow(*row) for row in self._rows_where_in(select, "id", ids)}

    def artists_by_rowids(self, rowids: Sequence[int]) -> dict[int, ArtistRow]:
        select = f"SELECT {_ARTIST_COLS} FROM artists"
        return {row[0]: ArtistRow(*row) for row in self._rows_where_in(select, "rowid", rowids)}

    def artist_genres(self, artist_rowids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(artist_rowids))):
            sql = (
                "SELECT artist_rowid, genre FROM artist_genres "
                f"WHERE artist_rowid IN ({_marks(len(chunk))}) ORDER BY rowid"
            )
            for owner, genre in self.conn.execute(sql, tuple(chunk)):
                out.setdefault(owner, []).append(genre)
        return out

    # -- markets and audio features --------------------------------------------
    def market_sets(self, market_rowids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """The market codes of each `available_markets` row (cached; misses in one query)."""
        cache = self.market_cache
        out: dict[int, tuple[str, ...]] = {}
        missing: list[int] = []
        for rowid in dict.fromkeys(market_rowids):
            codes = cache.get(rowid)
            if codes is None:
                missing.append(rowid)
            else:
                out[rowid] = codes
        for chunk in _chunks(missing):
            sql = (
                "SELECT rowid, available_markets FROM available_markets "
                f"WHERE rowid IN ({_marks(len(chunk))})"
            )
            for rowid, value in self.conn.execute(sql, tuple(chunk)):
                out[rowid] = split_markets(value)
        if missing:
            if len(cache) + len(missing) > MARKET_CACHE_SIZE:
                cache.clear()
            cache.update((r, out[r]) for r in missing if r in out)
        return out

    def audio_features(self, track_ids: Sequence[str]) -> dict[str, AudioFeaturesRow]:
        select = f"SELECT {_FEATURE_COLS} FROM track_audio_features"
        rows = self._rows_where_in(select, "track_id", track_ids)
        return {row[0]: AudioFeaturesRow(*row) for row in rows}


def split_markets(value: str | None) -> tuple[str, ...]:
    """The market codes of an `available_markets` value (the sentinel means none)."""
    if not value or value == UNAVAILABLE_MARKETS:
        return ()
    return tuple(code for code in value.split(",") if code)
