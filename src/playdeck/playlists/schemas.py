"""Spotify's playlist objects (both the classic `tracks` and the 2026 `items` shapes),
playlist items, local tracks, and the `fields=` filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote_plus, unquote_plus

import orjson

from playdeck.catalog.schemas import JSON
from playdeck.kit.errors import BadRequest
from playdeck.kit.urls import api_href, external_urls, spotify_uri
from playdeck.models import Playlist, User


def iso(value: datetime) -> str:
    """Spotify's timestamp form: UTC, seconds, a `Z`."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def public_user(base: str, user_id: str, user: User | None = None) -> JSON:
    obj: JSON = {
        "external_urls": external_urls("user", user_id),
        "href": api_href(base, f"users/{user_id}"),
        "id": user_id,
        "type": "user",
        "uri": spotify_uri("user", user_id),
    }
    if user is not None:
        obj["display_name"] = user.display_name or user.username
    return obj


# -- local items -------------------------------------------------------------------


def local_uri(artist: str, album: str, title: str, duration_ms: int) -> str:
    """`spotify:local:artist:album:title:seconds`, parts encoded as Spotify does."""
    parts = [quote_plus(p, safe="") for p in (artist, album, title)]
    return f"spotify:local:{parts[0]}:{parts[1]}:{parts[2]}:{duration_ms // 1000}"


def parse_local_uri(uri: str) -> tuple[str, str, str, int] | None:
    """(artist, album, title, seconds) of a local URI; None when malformed."""
    parts = uri.split(":")
    if len(parts) != 6 or parts[0] != "spotify" or parts[1] != "local":
        return None
    try:
        seconds = int(parts[5]) if parts[5] else 0
    except ValueError:
        return None
    if seconds < 0:
        return None
    artist, album, title = (unquote_plus(p) for p in parts[2:5])
    return artist, album, title, seconds


def local_track(uri: str) -> JSON | None:
    parsed = parse_local_uri(uri)
    if parsed is None:
        return None
    artist, album, title, seconds = parsed
    return {
        "album": {
            "album_type": None,
            "artists": [],
            "available_markets": [],
            "external_urls": {},
            "href": None,
            "id": None,
            "images": [],
            "name": album,
            "release_date": None,
            "release_date_precision": None,
            "type": "album",
            "uri": None,
        },
        "artists": [
            {
                "external_urls": {},
                "href": None,
                "id": None,
                "name": artist,
                "type": "artist",
                "uri": None,
            }
        ],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": seconds * 1000,
        "episode": False,
        "explicit": False,
        "external_ids": {},
        "external_urls": {},
        "href": None,
        "id": None,
        "is_local": True,
        "name": title,
        "popularity": 0,
        "preview_url": None,
        "track": True,
        "track_number": 0,
        "type": "track",
        "uri": uri,
    }


# -- items and playlists -----------------------------------------------------------


# What a playlist's track object has beyond the catalog's (Spotify marks the kind).
TRACK_ITEM_MEMBERS: Final = b',"episode":false,"track":true'


def item_head(base: str, added_at: str, added_by: str | None) -> bytes:
    """The start of a playlist item (`added_at`, `added_by`) as JSON, open for the rest
    (`playlist_items`): items added together share it, so a page builds it once each."""
    head = {"added_at": added_at, "added_by": public_user(base, added_by) if added_by else None}
    return orjson.dumps(head)[:-1]


def playlist_items(items: Iterable[tuple[bytes, str, bytes | None]]) -> orjson.Fragment:
    """Playlist items as one ready JSON array: `track` (classic) and `item` (2026) of
    each hold the same object, members in Spotify's order.

    Each item is `(head, uri, track)`: `head` from `item_head`, `track` the catalog's
    full track object with `TRACK_ITEM_MEMBERS` added (`CatalogService.track_objects`),
    None when the catalog has no such track. The array is written in one pass (a
    page of 100 is about 640 KB): each track goes in twice with no item-sized
    copy in between."""
    parts: list[bytes] = [b"["]
    for head, uri, track in items:
        is_local = uri.startswith("spotify:local:")
        obj = orjson.dumps(local_track(uri)) if is_local else (track or b"null")
        parts += (head, _LOCAL if is_local else _CATALOG, obj, _MIDDLE, obj, _END)
    if len(parts) > 1:
        parts[-1] = _LAST
    parts.append(b"]")
    return orjson.Fragment(b"".join(parts))


def playlist_item_object(head: bytes, uri: str, track: bytes | None) -> JSON:
    """An item of `playlist_items` as an object, for a request with `fields=` to filter
    (`apply_fields`): the track is read once for both members."""
    is_local = uri.startswith("spotify:local:")
    item: dict[str, Any] = orjson.loads(
        b"".join((head, _LOCAL if is_local else _CATALOG, b"null", _MIDDLE, b"null", _LAST))
    )
    item["item"] = item["track"] = (
        local_track(uri) if is_local else orjson.loads(track) if track else None
    )
    return item


_LOCAL = b',"is_local":true,"item":'
_CATALOG = b',"is_local":false,"item":'
_MIDDLE = b',"primary_color":null,"track":'
_LAST = b',"video_thumbnail":{"url":null}}'
_END = _LAST + b","


def images(base: str, playlist_id: str, cover: tuple[str, int | None] | None) -> list[JSON]:
    if cover is None:
        return []
    token, size = cover
    return [
        {
            "height": size,
            "url": f"{base}/api/playlists/{playlist_id}/cover/{token}.jpg",
            "width": size,
        }
    ]


def _common(
    base: str, p: Playlist, owner: User | None, cover: tuple[str, int | None] | None
) -> JSON:
    return {
        "collaborative": p.collaborative,
        "description": p.description,
        "external_urls": external_urls("playlist", p.id),
        "href": api_href(base, f"playlists/{p.id}"),
        "id": p.id,
        "images": images(base, p.id, cover),
        "name": p.name,
        "owner": public_user(base, p.owner_id, owner),
        "primary_color": None,
        "public": p.public,
        "snapshot_id": p.snapshot_id,
        "type": "playlist",
        "uri": spotify_uri("playlist", p.id),
    }


def simplified_playlist(
    base: str, p: Playlist, owner: User | None, cover: tuple[str, int | None] | None
) -> JSON:
    obj = _common(base, p, owner, cover)
    obj["tracks"] = {"href": api_href(base, f"playlists/{p.id}/tracks"), "total": p.length}
    obj["items"] = {"href": api_href(base, f"playlists/{p.id}/items"), "total": p.length}
    return obj


def full_playlist(
    base: str,
    p: Playlist,
    owner: User | None,
    cover: tuple[str, int | None] | None,
    followers: int,
    tracks_page: JSON,
    items_page: JSON,
) -> JSON:
    obj = _common(base, p, owner, cover)
    obj["followers"] = {"href": None, "total": followers}
    obj["tracks"] = tracks_page
    obj["items"] = items_page
    return obj


# -- fields= ---------------------------------------------------------------------

FieldSpec = dict[str, "FieldSpec | None"]


def parse_fields(text: str) -> tuple[FieldSpec, bool]:
    """Parse Spotify's `fields` syntax into a tree; the flag says it is an exclusion.

    `items(added_by.id,track(name,href,album(name)))`, `tracks.items(track(name))`,
    `description,uri`; a leading `!` inside parentheses excludes instead.
    """
    pos = 0

    def parse_list(depth: int) -> tuple[FieldSpec, bool]:
        nonlocal pos
        spec: FieldSpec = {}
        exclude = False
        while pos < len(text):
            if text[pos] == "!":
                exclude = True
                pos += 1
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = text[start:pos].strip()
            sub: FieldSpec | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub, sub_exclude = parse_list(depth + 1)
                if sub_exclude:
                    sub = {"!": None, **sub}
            if path:
                names = path.split(".")
                node = spec
                for name in names[:-1]:
                    child = node.get(name)
                    if not isinstance(child, dict):
                        child = {}
                        node[name] = child
                    node = child
                node[names[-1]] = sub
            elif sub is not None:
                raise BadRequest("Invalid fields parameter")
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == ")":
                if depth == 0:
                    raise BadRequest("Invalid fields parameter")
                pos += 1
                return spec, exclude
        if depth > 0:
            raise BadRequest("Invalid fields parameter")
        return spec, exclude

    spec, exclude = parse_list(0)
    return spec, exclude


# Members of a playlist or a page of its items whose values hold playlist items,
# track objects or albums (where `available_markets` lists are).
_HOLDERS = frozenset({"tracks", "items", "track", "item", "album"})


def fields_keep(fields: str, member: str) -> bool:
    """Whether Spotify's `fields` (as `apply_fields` takes it) may keep a member
    named `member` somewhere in a playlist's items: "items" (any item at all) or
    "available_markets" (market lists). An exclusion keeps whatever it does not
    name, so it keeps everything here; this may say yes when the answer is no,
    never the reverse: the caller only leaves out what `fields` drops anyway."""
    spec, exclude = parse_fields(fields.strip())
    return exclude or _keeps(spec, member)


def _keeps(spec: FieldSpec | None, member: str) -> bool:
    if spec is None or "!" in spec:
        return True
    return any(k == member or (k in _HOLDERS and _keeps(sub, member)) for k, sub in spec.items())


def filter_fields(value: Any, spec: FieldSpec | None) -> Any:
    """Keep only what `spec` names (lists are filtered element by element)."""
    if spec is None:
        return value
    if isinstance(value, list):
        return [filter_fields(v, spec) for v in value]
    if not isinstance(value, dict):
        return value
    if "!" in spec:
        return {
            k: (filter_fields(v, spec[k]) if spec.get(k) is not None else v)
            for k, v in value.items()
            if k not in spec or spec[k] is not None
        }
    return {k: filter_fields(value[k], sub) for k, sub in spec.items() if k in value}


def apply_fields(obj: JSON, fields: str | None) -> JSON:
    """`obj` with only what Spotify's `fields` names. `obj` holds no ready JSON
    (`orjson.Fragment`, which could not be filtered inside): with `fields` its
    callers build items as objects (`playlist_item_object`)."""
    if not fields or not fields.strip():
        return obj
    spec, exclude = parse_fields(fields.strip())
    if exclude:
        spec = {"!": None, **spec}
    out: JSON = filter_fields(obj, spec)
    return out
