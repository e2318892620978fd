"""Spotify's catalog object shapes (classic Web API), rendered from catalog rows.

Objects are plain dicts (serialised by orjson) rather than pydantic models: the
catalog path renders thousands of them per second and the shapes are pinned by
the OpenAPI schemas and the real-client tests instead. `uri` and
`external_urls` keep Spotify's canonical forms; `href` points at this server.
"""

from __future__ import annotations

from typing import Any

import orjson

from playdeck.catalog.repository import (
    AlbumRow,
    ArtistRef,
    ArtistRow,
    AudioFeaturesRow,
    Image,
    Markets,
    PackedArtists,
    TrackRow,
)
from playdeck.kit.urls import external_urls, spotify_uri

JSON = dict[str, Any]


def image_objects(images: list[Image]) -> list[JSON]:
    return [{"url": i.url, "height": i.height, "width": i.width} for i in images]


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


def simplified_artists(base: str, artists: PackedArtists) -> list[JSON]:
    """Simplified artist objects from a serving row's `[id, name]` lists."""
    # artist_object inlined: this runs for every credit of every track served.
    return [
        {
            "external_urls": {"spotify": f"https://open.spotify.com/artist/{ident}"},
            "href": f"{base}/v1/artists/{ident}",
            "id": ident,
            "name": name,
            "type": "artist",
            "uri": f"spotify:artist:{ident}",
        }
        for ident, name in artists
    ]


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
    artists: PackedArtists,
    images: orjson.Fragment,
    markets: Markets,
    market: str | None,
    album_group: str | None = None,
) -> JSON:
    release_date, precision = _release(album)
    ident = album.id
    obj: JSON = {
        "album_type": album.album_type or "album",
        "artists": simplified_artists(base, artists),
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
    if market is None:
        obj["available_markets"] = markets.json
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
    artists: list[JSON],
    markets: Markets,
    market: str | None,
) -> JSON:
    ident = track.id
    obj: JSON = {
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
    if market is None:
        obj["available_markets"] = markets.json
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
    markets: Markets,
    market: str | None,
) -> JSON:
    rendered = [artist_object(base, a.id, a.name) for a in artists]
    return _track_common(base, track, rendered, markets, market)


def full_track(
    base: str,
    track: TrackRow,
    artists: PackedArtists,
    album: JSON,
    markets: Markets,
    market: str | None,
) -> JSON:
    obj = _track_common(base, track, simplified_artists(base, artists), markets, market)
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
