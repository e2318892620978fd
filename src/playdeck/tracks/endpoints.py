"""Custom tracks on playdeck's own API: `/api/tracks` (seed 000's track CRUD)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from playdeck.kit.auth import Principal, authenticate
from playdeck.kit.db import get_session
from playdeck.kit.responses import JSONResponse
from playdeck.tracks.schemas import CustomTrackIn
from playdeck.tracks.service import CustomTrackService

router = APIRouter(prefix="/api/tracks", tags=["custom tracks"])

WriteSession = Annotated[Session, Depends(get_session, scope="function")]
Caller = Annotated[Principal, Depends(authenticate)]


def tracks(session: WriteSession, principal: Caller) -> CustomTrackService:
    return CustomTrackService(session, principal)


Tracks = Annotated[CustomTrackService, Depends(tracks)]


@router.post("", operation_id="create-custom-track", status_code=201)
def create_track(body: CustomTrackIn, svc: Tracks) -> Response:
    """Create a custom track: `{"song_name", "artist", "duration": "4M 11S" | "4:11" | ms}`."""
    return JSONResponse(svc.create(body), status_code=201)


@router.get("", operation_id="list-custom-tracks")
def list_tracks(
    svc: Tracks,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """List your custom tracks, newest first."""
    return JSONResponse(svc.list(limit, offset))


@router.get("/{track_id}", operation_id="get-custom-track")
def get_track(track_id: str, svc: Tracks) -> Response:
    """Get one of your custom tracks (its `uri` adds it to a playlist as a local item)."""
    return JSONResponse(svc.get(track_id))


@router.put("/{track_id}", operation_id="update-custom-track")
def update_track(track_id: str, body: CustomTrackIn, svc: Tracks) -> Response:
    """Update a custom track (only the fields given change)."""
    result: dict[str, Any] = svc.update(track_id, body)
    return JSONResponse(result)


@router.patch("/{track_id}", operation_id="patch-custom-track")
def patch_track(track_id: str, body: CustomTrackIn, svc: Tracks) -> Response:
    """Update a custom track (same as PUT)."""
    return JSONResponse(svc.update(track_id, body))


@router.delete("/{track_id}", operation_id="delete-custom-track", status_code=204)
def delete_track(track_id: str, svc: Tracks) -> Response:
    """Delete a custom track (playlists keep their local items)."""
    svc.delete(track_id)
    return Response(status_code=204)
