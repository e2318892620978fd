"""Spotify's catalog object shapes (classic Web API), rendered from catalog rows.

Objects are plain dicts (serialised by orjson) rather than pydantic models: the
catalog path renders thousands of them per second and the shapes are pinned by
the OpenAPI schemas and the real-client tests instead. `uri` and
`external_urls` keep Spotify's canonical forms; `href` points at this server.
"""

from __future__ import annotations

from typing import Any

from playdeck.catalog.repository import (
    AlbumRow,
    ArtistRef,
    ArtistRow,
    AudioFeaturesRow,
    Image,
    TrackRow,
)
from playdeck.kit.urls import external_urls, spotify_uri

JSON = dict[str, Any]


def image_objects(images: list[Image]) -> list[JSON]:
    return [{"url": i.url, "height": i.height, "width": i.width} for i in images]


def simplified_artist(base: str, artist: ArtistRef) -> JSON:
    return {
        "external_urls": external_urls("artist", artist.id),
        "href": f"{base}/v1/artists/{artist.id}",
        "id": artist.id,
        "name": artist.name,
        "type": "artist",
        "uri": spotify_uri("artist", artist.id),
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


def simplified_album(
    base: str,
    album: AlbumRow,
    artists: list[ArtistRef],
    images: list[Image],
    markets: tuple[str, ...],
    market: str | None,
    album_group: str | None = None,
) -> JSON:
    release_date, precision = _release(album)
    obj: JSON = {
        "album_type": album.album_type or "album",
        "artists": [simplified_artist(base, a) for a in artists],
        "external_urls": external_urls("album", album.id),
        "href": f"{base}/v1/albums/{album.id}",
        "id": album.id,
        "images": image_objects(images),
        "name": album.name or "",
        "release_date": release_date,
        "release_date_precision": precision,
        "total_tracks": album.total_tracks or 0,
        "type": "album",
        "uri": spotify_uri("album", album.id),
    }
    if market is None:
        obj["available_markets"] = list(markets)
    if album_group is not None:
        obj["album_group"] = album_group
    return obj


def copyrights(album: AlbumRow) -> list[JSON]:
    out = []
    if album.copyright_c:
        out.append({"text": album.copyright_c, "type": "C"})
    if album.copyright_p:
        out.append({"text": album.copyright_p, "type": "P"})
    return out


def _track_common(
    base: str,
    track: TrackRow,
    artists: list[ArtistRef],
    markets: tuple[str, ...],
    market: str | None,
) -> JSON:
    obj: JSON = {
        "artists": [simplified_artist(base, a) for a in artists],
        "disc_number": max(1, track.disc_number or 1),
        "duration_ms": track.duration_ms or 0,
        "explicit": bool(track.explicit),
        "external_urls": external_urls("track", track.id),
        "href": f"{base}/v1/tracks/{track.id}",
        "id": track.id,
        "is_local": False,
        "name": track.name or "",
        "preview_url": track.preview_url,
        "track_number": track.track_number or 0,
        "type": "track",
        "uri": spotify_uri("track", track.id),
    }
    if market is None:
        obj["available_markets"] = list(markets)
    else:
        playable = market in markets
        obj["is_playable"] = playable
        if not playable:
            obj["restrictions"] = {"reason": "market"}
    return obj


def simplified_track(
    base: str,
    track: TrackRow,
    artists: list[ArtistRef],
    markets: tuple[str, ...],
    market: str | None,
) -> JSON:
    return _track_common(base, track, artists, markets, market)


def full_track(
    base: str,
    track: TrackRow,
    artists: list[ArtistRef],
    album: JSON,
    markets: tuple[str, ...],
    market: str | None,
) -> JSON:
    obj = _track_common(base, track, artists, markets, market)
    obj["album"] = album
    obj["external_ids"] = {"isrc": track.external_id_isrc} if track.external_id_isrc else {}
    obj["popularity"] = track.popularity or 0
    return obj


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
