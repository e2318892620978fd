"""Every query against the read-only catalog.

Batch methods take a list of ids or row ids and answer in a constant number of
queries (one `IN (…)` per table), so a 50-track request costs the same number
of round trips as one track. Values are always bound parameters; only the
number of `?` placeholders is formatted into the SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import orjson

from playdeck.kit.sqlite import chunks as _chunks
from playdeck.kit.sqlite import placeholders as _marks

if TYPE_CHECKING:  # serving renders objects from these rows: import it lazily
    from playdeck.catalog.serving import ServingStore

# Rows are NamedTuples, not frozen dataclasses: a 50-track batch builds a few
# hundred of them, and a frozen dataclass costs about six times as much to
# construct (each field set through object.__setattr__).


class ArtistRef(NamedTuple):
    rowid: int
    id: str
    name: str


class Image(NamedTuple):
    url: str
    width: int | None
    height: int | None


class AlbumRow(NamedTuple):
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


class TrackRow(NamedTuple):
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


class ArtistRow(NamedTuple):
    rowid: int
    id: str
    name: str
    followers_total: int | None
    popularity: int | None


class Markets:
    """One `available_markets` row: its codes as ready JSON, and membership tests.

    The serialised list (the serving store's `markets`, built at ingest) is kept
    as bytes and as an `orjson.Fragment`, written out verbatim, rather than a
    tuple of ~180 strings: it is what every response needs, it costs a tenth of
    the memory, and it is copied instead of encoded.
    """

    __slots__ = ("json", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = bytes(raw)
        self.json = orjson.Fragment(self.raw)

    @classmethod
    def of(cls, codes: Sequence[str]) -> Markets:
        return cls(orjson.dumps(list(codes)))

    def __contains__(self, market: object) -> bool:
        return isinstance(market, str) and f'"{market}"'.encode() in self.raw

    def codes(self) -> list[str]:
        codes: list[str] = orjson.loads(self.raw)
        return codes


NO_MARKETS: Final = Markets(b"[]")


class AudioFeaturesRow(NamedTuple):
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


MarketCache = dict[int, Markets]
# Distinct market sets are few (89 thousand in the whole dump) and shared by many
# tracks, so their rendered form (about 1 KiB each) is kept in memory, bounded.
MARKET_CACHE_SIZE = 65_536


class CatalogRepository:
    """Queries over one catalog connection (the caller's thread's)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        serving: ServingStore,
        market_cache: MarketCache | None = None,
    ) -> None:
        self.conn = conn
        self.serving = serving
        self.market_cache: MarketCache = market_cache if market_cache is not None else {}

    def _rows_where_in(self, select: str, column: str, keys: Sequence[object]) -> Iterator[Any]:
        """Rows of `select … WHERE column IN (keys)`, one query per chunk of distinct keys."""
        for chunk in _chunks(list(dict.fromkeys(keys))):
            yield from self.conn.execute(
                f"{select} WHERE {column} IN ({_marks(len(chunk))})", tuple(chunk)
            )

    # -- the serving store (ready objects) -------------------------------------
    def serving_tracks(self, ids: Iterable[str]) -> dict[str, tuple[int, int, bytes]]:
        """(market row id, album's market row id, track JSON + newline + album JSON)
        by Spotify id, from the serving store: one read transaction, one descent
        per track."""
        return self.serving.tracks(dict.fromkeys(ids))

    def known_track_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are catalog tracks: one serving-store read."""
        return self.serving.known_tracks(dict.fromkeys(ids))

    def all_tracks_known(self, ids: Sequence[str]) -> bool:
        """Whether all of `ids` (ASCII) are catalog tracks: one serving-store read."""
        return self.serving.all_tracks_known(ids)

    def serving_albums(self, rowids: Iterable[int]) -> dict[int, tuple[int, bytes]]:
        """(market row id, simplified album JSON) by album row id, one descent each."""
        return self.serving.albums(dict.fromkeys(rowids))

    def track_ids(self, rowids: Sequence[int]) -> dict[int, str]:
        """Spotify ids by track row id (search ranks and top tracks give row ids)."""
        select = "SELECT rowid, id FROM tracks"
        return {r: i for r, i in self._rows_where_in(select, "rowid", rowids)}

    # -- tracks ---------------------------------------------------------------
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
    def market_sets(self, market_rowids: Sequence[int]) -> dict[int, Markets]:
        """Each `available_markets` row's markets (cached; misses in one store read)."""
        cache = self.market_cache
        out: dict[int, Markets] = {}
        missing: list[int] = []
        for rowid in dict.fromkeys(market_rowids):
            codes = cache.get(rowid)
            if codes is None:
                missing.append(rowid)
            else:
                out[rowid] = codes
        for rowid, raw in self.serving.markets(missing).items():
            out[rowid] = Markets(raw)
        if missing:
            if len(cache) + len(missing) > MARKET_CACHE_SIZE:
                cache.clear()
            cache.update((r, out[r]) for r in missing if r in out)
        return out

    def audio_features(self, track_ids: Sequence[str]) -> dict[str, AudioFeaturesRow]:
        select = f"SELECT {_FEATURE_COLS} FROM track_audio_features"
        rows = self._rows_where_in(select, "track_id", track_ids)
        return {row[0]: AudioFeaturesRow(*row) for row in rows}
