"""Wire shapes of custom tracks and the duration forms seed 000 accepts."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from playdeck.kit.errors import BadRequest
from playdeck.models import CustomTrack
from playdeck.playlists.schemas import iso, local_uri

MAX_DURATION_MS = 24 * 3600 * 1000
_MS = re.compile(r"^\s*(?:(\d+)\s*[hH]\s*)?(?:(\d+)\s*[mM]\s*)?(?:(\d+)\s*[sS]\s*)?\Z")
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2})\s*\Z")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}\Z")


def parse_duration(value: Any) -> int:
    """Milliseconds from `"4M 11S"`, `"4:11"` (or `"1:02:03"`), or a number of ms."""
    if isinstance(value, bool):
        raise BadRequest("Invalid duration")
    if isinstance(value, int):
        ms = value
    elif isinstance(value, float) and value.is_integer():
        ms = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        ms = int(value.strip())
    elif isinstance(value, str) and (m := _CLOCK.match(value)):
        hours, minutes, seconds = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
        if seconds >= 60:
            raise BadRequest("Invalid duration")
        ms = ((hours * 60 + minutes) * 60 + seconds) * 1000
    elif isinstance(value, str) and value.strip() and (m := _MS.match(value)):
        hours, minutes, seconds = (int(g or 0) for g in m.groups())
        ms = ((hours * 60 + minutes) * 60 + seconds) * 1000
    else:
        raise BadRequest('Invalid duration: use "4M 11S", "4:11" or milliseconds')
    if not 0 < ms <= MAX_DURATION_MS:
        raise BadRequest("Invalid duration: must be positive and under a day")
    return ms


def clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class CustomTrackIn(BaseModel):
    """Create or update a custom track (seed 000's `song_name`, or `name`)."""

    model_config = ConfigDict(extra="forbid")

    song_name: str | None = Field(default=None, max_length=300)
    name: str | None = Field(default=None, max_length=300)
    artist: str | None = Field(default=None, max_length=300)
    album: str | None = Field(default=None, max_length=300)
    duration: int | str | None = None
    duration_ms: int | None = None
    isrc: str | None = None


def validate_isrc(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    clean = value.replace("-", "").upper()
    if not _ISRC.match(clean):
        raise BadRequest("Invalid ISRC")
    return clean


def to_json(t: CustomTrack) -> dict[str, Any]:
    return {
        "id": t.id,
        "song_name": t.name,
        "name": t.name,
        "artist": t.artist,
        "album": t.album,
        "duration_ms": t.duration_ms,
        "duration": clock(t.duration_ms),
        "isrc": t.isrc,
        "uri": local_uri(t.artist, t.album, t.name, t.duration_ms),
        "owner_id": t.owner_id,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
    }
