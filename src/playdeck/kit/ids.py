"""Spotify ids and URIs: validation and parsing.

A Spotify id is 22 characters of base62. URIs look like `spotify:track:<id>`;
open.spotify.com URLs like `https://open.spotify.com/track/<id>?si=…`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playdeck.kit.errors import BadRequest

_ID = re.compile(r"^[0-9A-Za-z]{22}\Z")
_URI = re.compile(r"^spotify:(track|album|artist|playlist|user|episode|show):([^:\s]+)\Z")
_URL = re.compile(
    r"^https?://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[A-Za-z]{2})?/)?"
    r"(track|album|artist|playlist|user|episode|show)/([0-9A-Za-z]{22})(?:[/?#].*)?\Z"
)

SPOTIFY_OBJECT_TYPES = ("track", "album", "artist", "playlist", "user", "episode", "show")


def is_spotify_id(value: str) -> bool:
    return bool(_ID.match(value))


def require_id(value: str, kind: str = "id") -> str:
    """Return `value` if it is a well-formed base62 id, else raise a 400."""
    if not _ID.match(value):
        raise BadRequest(
            f"Invalid base62 id: {value[:64]!r}" if kind == "id" else f"Invalid {kind}"
        )
    return value


def parse_ids(raw: str | None, maximum: int) -> list[str]:
    """Parse the `ids` query parameter of a batch endpoint (comma separated)."""
    if raw is None or raw.strip() == "":
        raise BadRequest("invalid request: missing ids")
    ids = [part.strip() for part in raw.split(",")]
    if len(ids) > maximum:
        raise BadRequest(f"Too many ids requested (at most {maximum})")
    for one in ids:
        require_id(one)
    return ids


@dataclass(frozen=True, slots=True)
class SpotifyRef:
    """A parsed reference to a Spotify object: its type and id."""

    type: str
    id: str

    @property
    def uri(self) -> str:
        return f"spotify:{self.type}:{self.id}"


def parse_ref(text: str) -> SpotifyRef | None:
    """Parse a Spotify URI or open.spotify.com URL; None when it is neither."""
    text = text.strip()
    m = _URI.match(text) or _URL.match(text)
    if m is None:
        return None
    kind, ident = m.group(1), m.group(2)
    if kind != "user" and not _ID.match(ident):
        return None
    return SpotifyRef(kind, ident)
