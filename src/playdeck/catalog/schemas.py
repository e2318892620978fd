"""Spotify's catalog object shapes (classic Web API), rendered from catalog rows.

Objects are plain dicts (serialised by orjson) rather than pydantic models: the
catalog path renders thousands of them per second and the shapes are pinned by
the OpenAPI schemas and the real-client tests instead. `uri` and
`external_urls` keep Spotify's canonical forms; `href` points at this server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import orjson

from playdeck.catalog.repository import (
    AlbumRow,
    ArtistRef,
    ArtistRow,
    AudioFeaturesRow,
    Image,
    Markets,
    TrackRow,
)
from playdeck.kit.urls import external_urls, spotify_uri

JSON = dict[str, Any]


def image_object(url: str, width: int | None, height: int | None) -> JSON:
    return {"url": url, "height": height, "width": width}


def image_objects(images: list[Image]) -> list[JSON]:
    return [image_object(i.url, i.width, i.height) for i in images]


def artist_object(base: str, ident: str, name: str) -> JSON:
    """The simplified artist object (as credited on tracks and albums)."""
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{ident}"},
        "href": f"{base}/v1/artists/{ident}",
        "id": ident,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{ident}",
    }


def full_artist(base: str, artist: ArtistRow, genres: list[str], images: list[Image]) -> JSON:
    return {
        "external_urls": external_urls("artist", artist.id),
        "followers": {"href": None, "total": artist.followers_total or 0},
        "genres": genres,
        "href": f"{base}/v1/artists/{artist.id}",
        "id": artist.id,
        "images": image_objects(images),
        "name": artist.name,
        "popularity": artist.popularity or 0,
        "type": "artist",
        "uri": spotify_uri("artist", artist.id),
    }


def _release(album: AlbumRow) -> tuple[str, str]:
    precision = album.release_date_precision
    if precision not in ("day", "month", "year"):
        precision = "year"
    return album.release_date or "0000", precision


def album_fields(base: str, album: AlbumRow, artists: object, images: object) -> JSON:
    """The simplified album object less its market fields (`album_market_fields`):
    what the serving store keeps. `artists` and `images` are ready JSON lists."""
    release_date, precision = _release(album)
    ident = album.id
    return {
        "album_type": album.album_type or "album",
        "artists": artists,
        "external_urls": {"spotify": f"https://open.spotify.com/album/{ident}"},
        "href": f"{base}/v1/albums/{ident}",
        "id": ident,
        "images": images,
        "name": album.name or "",
        "release_date": release_date,
        "release_date_precision": precision,
        "total_tracks": album.total_tracks or 0,
        "type": "album",
        "uri": f"spotify:album:{ident}",
    }


def copyrights(album: AlbumRow) -> list[JSON]:
    out = []
    if album.copyright_c:
        out.append({"text": album.copyright_c, "type": "C"})
    if album.copyright_p:
        out.append({"text": album.copyright_p, "type": "P"})
    return out


def _track_fields(base: str, track: TrackRow, artists: object) -> JSON:
    ident = track.id
    return {
        "artists": artists,
        "disc_number": max(1, track.disc_number or 1),
        "duration_ms": track.duration_ms or 0,
        "explicit": bool(track.explicit),
        "external_urls": {"spotify": f"https://open.spotify.com/track/{ident}"},
        "href": f"{base}/v1/tracks/{ident}",
        "id": ident,
        "is_local": False,
        "name": track.name or "",
        "preview_url": track.preview_url,
        "track_number": track.track_number or 0,
        "type": "track",
        "uri": f"spotify:track:{ident}",
    }


def simplified_track(
    base: str,
    track: TrackRow,
    artists: list[ArtistRef],
    markets: Markets,
    market: str | None,
) -> JSON:
    rendered = [artist_object(base, a.id, a.name) for a in artists]
    obj = _track_fields(base, track, rendered)
    if market is None:
        obj["available_markets"] = markets.json
    else:
        playable = market in markets
        obj["is_playable"] = playable
        if not playable:
            obj["restrictions"] = {"reason": "market"}
    return obj


def full_track_fields(base: str, track: TrackRow, artists: object) -> JSON:
    """The full track object less `album` and its market fields (`track_market_fields`):
    what the serving store keeps. `artists` is a ready JSON list."""
    obj = _track_fields(base, track, artists)
    obj["external_ids"] = {"isrc": track.external_id_isrc} if track.external_id_isrc else {}
    obj["popularity"] = track.popularity or 0
    return obj


# Market fields as JSON members, spliced in before an object's closing brace:
# with no `market`, the list of codes; with one, playability (Spotify then
# leaves `available_markets` out of tracks and albums alike).
_PLAYABLE: Final = b',"is_playable":true'
_NOT_PLAYABLE: Final = b',"is_playable":false,"restrictions":{"reason":"market"}'


def track_market_fields(markets: Markets, market: str | None) -> bytes:
    """A track's market fields for a request with (or without) `market`."""
    if market is None:
        return b',"available_markets":' + markets.raw
    return _PLAYABLE if market in markets else _NOT_PLAYABLE


def album_market_fields(markets: Markets, market: str | None) -> bytes:
    """An album's market fields: its list of codes, or nothing with a `market`."""
    return b',"available_markets":' + markets.raw if market is None else b""


def with_members(obj: bytes, *members: bytes) -> bytes:
    """A JSON object (`{…}`) with members (each `,"key":value`) added at its end."""
    return b"".join((obj[:-1], *members, b"}"))


def base_url_splicer(base: str) -> Callable[[bytes], bytes]:
    """Rewrites a stored object's relative `href`s (`"href":"/v1/…`) onto `base`.

    The pattern can only match a real `href` key: inside a JSON string every
    quote is escaped, so `"href":"` never occurs within a value."""
    stored = b'"href":"/v1/'
    served = b'"href":"' + orjson.dumps(base)[1:-1] + b"/v1/"
    return lambda obj: obj.replace(stored, served)


def audio_features(base: str, row: AudioFeaturesRow) -> JSON | None:
    """The audio-features object; None where Spotify had no analysis (null_response)."""
    if row.null_response:
        return None
    ident = row.track_id
    return {
        "acousticness": row.acousticness,
        "analysis_url": f"https://api.spotify.com/v1/audio-analysis/{ident}",
        "danceability": row.danceability,
        "duration_ms": row.duration_ms,
        "energy": row.energy,
        "id": ident,
        "instrumentalness": row.instrumentalness,
        "key": row.key,
        "liveness": row.liveness,
        "loudness": row.loudness,
        "mode": row.mode,
        "speechiness": row.speechiness,
        "tempo": row.tempo,
        "time_signature": row.time_signature,
        "track_href": f"{base}/v1/tracks/{ident}",
        "type": "audio_features",
        "uri": spotify_uri("track", ident),
        "valence": row.valence,
    }
