"""The catalog service: Spotify catalog objects assembled from the read-only store.

Every method resolves its whole batch in a constant number of queries: the
rows asked for, then one query per related table for all of them at once
(albums, artists, images, markets), never one query per item. Full track and
simplified album objects come ready from the serving store (`catalog.serving`)
as JSON bytes: the service only splices in the server's URL, the market fields
and the album, and hands them on as `orjson.Fragment`s, which are written out
verbatim inside any response.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from playdeck.catalog import schemas
from playdeck.catalog.repository import GROUP_ORDER, NO_MARKETS, CatalogRepository
from playdeck.catalog.schemas import JSON
from playdeck.catalog.store import CatalogStore
from playdeck.kit.errors import NotFound
from playdeck.kit.urls import paging

NEW_RELEASES_TOTAL = 100  # Spotify's browse/new-releases pages over at most 100 albums
ALBUM_EMBEDDED_TRACKS = 50


class CatalogService:
    """Spotify-shaped reads of the catalog for one request (its thread's connection)."""

    def __init__(self, store: CatalogStore, base_url: str) -> None:
        self.store = store
        self.base = base_url
        self.repo = CatalogRepository(store.connection(), store.serving, store.market_cache)
        self._based = schemas.base_url_splicer(base_url)

    # -- tracks ---------------------------------------------------------------
    def tracks(self, ids: Sequence[str], market: str | None) -> list[orjson.Fragment | None]:
        """Full track objects in request order, None for unknown ids."""
        found = self.track_objects(ids, market)
        return [orjson.Fragment(found[i]) if i in found else None for i in ids]

    def track(self, ident: str, market: str | None) -> orjson.Fragment:
        found = self.tracks([ident], market)[0]
        if found is None:
            raise NotFound("Resource not found")
        return found

    def known_track_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are catalog tracks (to validate edits; no object is read)."""
        return self.repo.known_track_ids(ids)

    def all_tracks_known(self, ids: Sequence[str]) -> bool:
        """Whether all of `ids` (ASCII) are catalog tracks (no object is read)."""
        return self.repo.all_tracks_known(ids)

    def tracks_by_rowids(self, rowids: Sequence[int], market: str | None) -> list[orjson.Fragment]:
        """Full track objects for row ids in the given order (unknown ones dropped)."""
        ids = self.repo.track_ids(rowids)
        found = self.track_objects(list(ids.values()), market)
        return [orjson.Fragment(found[ids[r]]) for r in rowids if ids.get(r) in found]

    def track_objects(
        self, ids: Sequence[str], market: str | None, *members: bytes, market_lists: bool = True
    ) -> dict[str, bytes]:
        """Full track objects as JSON by id (unknown ids absent), each with `members`
        (`,"key":value` JSON) added: one store read for the tracks (each carries
        its album), and market lists from the cache or one more read. Without
        `market_lists` (and without a market) the track's and album's
        `available_markets` are left out, for a caller that filters them away
        (`fields=`): they are most of an object's bytes."""
        tracks = self.repo.serving_tracks(ids)
        if not tracks:
            return {}
        # A market needs the tracks' sets (`is_playable`); none, both lists.
        with_markets = market is not None or market_lists
        wanted = [m for m, _, _ in tracks.values()] if with_markets else []
        if market is None and market_lists:
            wanted += [m for _, m, _ in tracks.values()]
        markets = self.repo.market_sets(wanted) if wanted else {}
        based = self._based
        out: dict[str, bytes] = {}
        extra = b"".join(members)
        for ident, (track_markets, album_markets, stored) in tracks.items():
            # The URL goes in before the market lists: less to search.
            track, _, album = based(stored).partition(b"\n")
            # Both objects close with `}`: the track's members go before its
            # brace, the album (with its own members) before the track's.
            out[ident] = b"".join(
                (
                    track[:-1],
                    schemas.track_market_fields(markets.get(track_markets, NO_MARKETS), market)
                    if with_markets
                    else b"",
                    extra,
                    b',"album":',
                    album[:-1],
                    schemas.album_market_fields(markets.get(album_markets, NO_MARKETS), market)
                    if with_markets
                    else b"",
                    b"}}",
                )
            )
        return out

    # -- albums ---------------------------------------------------------------
    def _simplified_albums(
        self, rowids: Sequence[int], market: str | None, groups: dict[int, str] | None = None
    ) -> dict[int, bytes]:
        """Simplified albums as JSON by row id (with `album_group` where given)."""
        found = self.repo.serving_albums(rowids)
        markets = self.repo.market_sets([m for m, _ in found.values()]) if market is None else {}
        out: dict[int, bytes] = {}
        for rowid, (m, album) in found.items():
            group = (groups or {}).get(rowid)
            out[rowid] = schemas.with_members(
                self._based(album),
                schemas.album_market_fields(markets.get(m, NO_MARKETS), market),
                b',"album_group":' + orjson.dumps(group) if group is not None else b"",
            )
        return out

    def albums_by_rowids(self, rowids: Sequence[int], market: str | None) -> list[orjson.Fragment]:
        """Simplified album objects for row ids in the given order."""
        rendered = self._simplified_albums(rowids, market)
        return [orjson.Fragment(rendered[r]) for r in rowids if r in rendered]

    def albums(self, ids: Sequence[str], market: str | None) -> list[JSON | None]:
        """Full album objects (first 50 tracks embedded) in request order."""
        rows = self.repo.albums_by_ids(ids)
        by_rowid = {a.rowid: a for a in rows.values()}
        simplified = self._simplified_albums(list(by_rowid), market)
        first_tracks, counts = self.repo.first_album_tracks(list(by_rowid), ALBUM_EMBEDDED_TRACKS)
        all_tracks = [t for ts in first_tracks.values() for t in ts]
        track_artists = self.repo.track_artists([t.rowid for t in all_tracks])
        track_markets = self.repo.market_sets([t.available_markets_rowid or 1 for t in all_tracks])
        out: list[JSON | None] = []
        for ident in ids:
            album = rows.get(ident)
            if album is None:
                out.append(None)
                continue
            obj: JSON = orjson.loads(simplified[album.rowid])
            items = [
                schemas.simplified_track(
                    self.base,
                    t,
                    track_artists.get(t.rowid, []),
                    track_markets.get(t.available_markets_rowid or 1, NO_MARKETS),
                    market,
                )
                for t in first_tracks.get(album.rowid, [])
            ]
            obj["copyrights"] = schemas.copyrights(album)
            obj["external_ids"] = {"upc": album.external_id_upc} if album.external_id_upc else {}
            obj["genres"] = []
            obj["label"] = album.label or ""
            obj["popularity"] = album.popularity or 0
            obj["tracks"] = paging(
                self.base,
                f"albums/{album.id}/tracks",
                list(items),
                ALBUM_EMBEDDED_TRACKS,
                0,
                counts.get(album.rowid, 0),
                {"market": market},
            )
            out.append(obj)
        return out

    def album(self, ident: str, market: str | None) -> JSON:
        found = self.albums([ident], market)[0]
        if found is None:
            raise NotFound("Resource not found")
        return found

    def album_tracks(self, ident: str, limit: int, offset: int, market: str | None) -> JSON:
        album = self.repo.albums_by_ids([ident]).get(ident)
        if album is None:
            raise NotFound("Resource not found")
        total = self.repo.album_track_count(album.rowid)
        rows = self.repo.album_tracks(album.rowid, limit, offset)
        artists = self.repo.track_artists([t.rowid for t in rows])
        markets = self.repo.market_sets([t.available_markets_rowid or 1 for t in rows])
        items: list[object] = [
            schemas.simplified_track(
                self.base,
                t,
                artists.get(t.rowid, []),
                markets.get(t.available_markets_rowid or 1, NO_MARKETS),
                market,
            )
            for t in rows
        ]
        return paging(
            self.base, f"albums/{ident}/tracks", items, limit, offset, total, {"market": market}
        )

    def new_releases(self, limit: int, offset: int) -> JSON:
        total = min(NEW_RELEASES_TOTAL, self.store.meta_int("count_albums"))
        rowids = self.repo.new_release_rowids(limit, offset) if offset < total else []
        rowids = rowids[: max(0, total - offset)]
        items: list[object] = list(self.albums_by_rowids(rowids, None))
        return {"albums": paging(self.base, "browse/new-releases", items, limit, offset, total)}

    # -- artists --------------------------------------------------------------
    def artists_by_rowids(self, rowids: Sequence[int]) -> list[JSON]:
        """Full artist objects for row ids in the given order."""
        rows = self.repo.artists_by_rowids(rowids)
        keys = list(rows)
        genres = self.repo.artist_genres(keys)
        images = self.repo.artist_images(keys)
        return [
            schemas.full_artist(self.base, rows[r], genres.get(r, []), images.get(r, []))
            for r in rowids
            if r in rows
        ]

    def artists(self, ids: Sequence[str]) -> list[JSON | None]:
        """Full artist objects in request order, None for unknown ids."""
        rows = self.repo.artists_by_ids(ids)
        rendered = {
            obj["id"]: obj for obj in self.artists_by_rowids([a.rowid for a in rows.values()])
        }
        return [rendered.get(i) for i in ids]

    def artist(self, ident: str) -> JSON:
        found = self.artists([ident])[0]
        if found is None:
            raise NotFound("Resource not found")
        return found

    def _artist_rowid(self, ident: str) -> int:
        row = self.repo.artists_by_ids([ident]).get(ident)
        if row is None:
            raise NotFound("Resource not found")
        return row.rowid

    def artist_albums(
        self, ident: str, groups: Sequence[str], limit: int, offset: int, market: str | None
    ) -> JSON:
        artist_rowid = self._artist_rowid(ident)
        ordered = [g for g in GROUP_ORDER if g in groups]
        total = self.repo.artist_album_count(artist_rowid, ordered)
        page = self.repo.artist_albums(artist_rowid, ordered, limit, offset)
        group_of = {rowid: grp for rowid, grp in page}
        rendered = self._simplified_albums([r for r, _ in page], market, group_of)
        items: list[object] = [orjson.Fragment(rendered[r]) for r, _ in page if r in rendered]
        return paging(
            self.base,
            f"artists/{ident}/albums",
            items,
            limit,
            offset,
            total,
            {"include_groups": ",".join(ordered), "market": market},
        )

    def top_tracks(self, ident: str, market: str | None) -> JSON:
        rowids = self.repo.top_track_rowids(self._artist_rowid(ident), 10)
        return {"tracks": self.tracks_by_rowids(rowids, market)}

    # -- audio features, markets, genres ---------------------------------------
    def audio_features(self, ids: Sequence[str]) -> list[JSON | None]:
        rows = self.repo.audio_features(ids)
        return [schemas.audio_features(self.base, rows[i]) if i in rows else None for i in ids]

    def markets(self) -> list[str]:
        return list(self.store.meta_json("markets", []))

    def genre_seeds(self) -> list[str]:
        return list(self.store.meta_json("genres", []))
