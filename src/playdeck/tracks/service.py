"""Custom tracks: create, read, update, delete (owners; admins for support), audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from playdeck.audit import service as audit
from playdeck.kit.auth import Principal
from playdeck.kit.errors import BadRequest, NotFound, Unauthorized
from playdeck.models import CustomTrack, new_id, utcnow
from playdeck.playlists.repository import begin_write
from playdeck.tracks import repository
from playdeck.tracks.schemas import CustomTrackIn, parse_duration, to_json, validate_isrc


class CustomTrackService:
    def __init__(self, session: Session, principal: Principal) -> None:
        if principal.user_id is None:
            raise Unauthorized("This endpoint needs a user token (authorization code flow)")
        self.session = session
        self.user_id = principal.user_id
        self.principal = principal
        self._actor: audit.Actor | None = None

    @property
    def actor(self) -> audit.Actor:
        if self._actor is None:
            self._actor = audit.actor_for(
                self.session, self.principal.user_id, self.principal.client_id
            )
        return self._actor

    def _own(self, track_id: str, write: bool = False) -> CustomTrack:
        if write:
            begin_write(self.session)
        track = repository.get(self.session, track_id)
        # Someone else's track is "not found" rather than forbidden: ids are not shared.
        if track is None or (track.owner_id != self.user_id and not self.actor.is_admin):
            raise NotFound("No such custom track")
        return track

    def _audit(self, operation: str, track: CustomTrack, params: dict[str, Any]) -> None:
        audit.record(
            self.session,
            self.actor,
            f"custom_track.{operation}",
            "custom_track",
            track.id,
            owner_id=track.owner_id,
            params=params,
        )

    def create(self, body: CustomTrackIn) -> dict[str, Any]:
        begin_write(self.session)
        name = (body.song_name or body.name or "").strip()
        artist = (body.artist or "").strip()
        if not name or not artist:
            raise BadRequest("song_name and artist are required")
        duration = body.duration if body.duration is not None else body.duration_ms
        if duration is None:
            raise BadRequest("duration is required")
        track = CustomTrack(
            id=new_id(),
            owner_id=self.user_id,
            name=name,
            artist=artist,
            album=(body.album or "").strip(),
            duration_ms=parse_duration(duration),
            isrc=validate_isrc(body.isrc),
        )
        repository.add(self.session, track)
        out = to_json(track)
        self._audit("create", track, body.model_dump(exclude_none=True))
        return out

    def get(self, track_id: str) -> dict[str, Any]:
        return to_json(self._own(track_id))

    def list(self, limit: int, offset: int) -> dict[str, Any]:
        rows, total = repository.page(self.session, self.user_id, limit, offset)
        return {
            "items": [to_json(t) for t in rows],
            "limit": limit,
            "offset": offset,
            "total": total,
        }

    def update(self, track_id: str, body: CustomTrackIn) -> dict[str, Any]:
        track = self._own(track_id, write=True)
        name = body.song_name if body.song_name is not None else body.name
        if name is not None:
            if not name.strip():
                raise BadRequest("song_name must not be empty")
            track.name = name.strip()
        if body.artist is not None:
            if not body.artist.strip():
                raise BadRequest("artist must not be empty")
            track.artist = body.artist.strip()
        if body.album is not None:
            track.album = body.album.strip()
        duration = body.duration if body.duration is not None else body.duration_ms
        if duration is not None:
            track.duration_ms = parse_duration(duration)
        if body.isrc is not None:
            track.isrc = validate_isrc(body.isrc)
        track.updated_at = utcnow()
        self.session.flush()
        self._audit("update", track, body.model_dump(exclude_none=True))
        return to_json(track)

    def delete(self, track_id: str) -> None:
        track = self._own(track_id, write=True)
        self._audit("delete", track, {"name": track.name, "artist": track.artist})
        repository.remove(self.session, track.id)
