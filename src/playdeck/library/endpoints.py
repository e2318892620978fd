"""Spotify's library and follow endpoints (`/v1/me/tracks`, `/me/albums`,
`/me/following`, and the 2026 `/me/library`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import Principal, authenticate
from playdeck.kit.errors import BadRequest
from playdeck.kit.responses import JSONResponse
from playdeck.library.service import MAX_IDS, LibraryService, parse_id_list
from playdeck.models import LibraryKind
from playdeck.playlists.endpoints import Body, WriteSession, json_body, market_for
from playdeck.playlists.service import PlaylistService

router = APIRouter(tags=["library"])

Caller = Annotated[Principal, Depends(authenticate)]
Limit50 = Annotated[int, Query(ge=1, le=50)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


def library(request: Request, session: Session, principal: Principal) -> LibraryService:
    catalog = CatalogService(request.app.state.catalog, request.app.state.public_url)
    return LibraryService(session, catalog, request.app.state.public_url, principal)


def playlists(request: Request, session: Session, principal: Principal) -> PlaylistService:
    catalog = CatalogService(request.app.state.catalog, request.app.state.public_url)
    return PlaylistService(session, catalog, request.app.state.public_url, principal)


def follow_kind(type: str | None) -> LibraryKind:
    if type == "artist":
        return LibraryKind.artist
    if type == "user":
        return LibraryKind.user
    raise BadRequest("type must be artist or user")


# -- saved tracks and albums -------------------------------------------------------


@router.get("/me/tracks", operation_id="get-users-saved-tracks")
def saved_tracks(
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit50 = 20,
    offset: Offset = 0,
    market: str | None = None,
) -> Response:
    """Get the current user's saved tracks, newest first."""
    svc = library(request, session, principal)
    return JSONResponse(svc.saved_tracks(limit, offset, market_for(session, principal, market)))


@router.put("/me/tracks", operation_id="save-tracks-user")
def save_tracks(
    request: Request, session: WriteSession, principal: Caller, body: Body, ids: str | None = None
) -> Response:
    """Save tracks to the current user's library."""
    library(request, session, principal).save(
        LibraryKind.track, parse_id_list(ids, json_body(body), MAX_IDS)
    )
    return Response(status_code=200)


@router.delete("/me/tracks", operation_id="remove-tracks-user")
def remove_tracks(
    request: Request, session: WriteSession, principal: Caller, body: Body, ids: str | None = None
) -> Response:
    """Remove tracks from the current user's library."""
    library(request, session, principal).remove(
        LibraryKind.track, parse_id_list(ids, json_body(body), MAX_IDS)
    )
    return Response(status_code=200)


@router.get("/me/tracks/contains", operation_id="check-users-saved-tracks")
def tracks_contains(
    request: Request, session: WriteSession, principal: Caller, ids: str | None = None
) -> Response:
    """Check whether tracks are in the current user's library."""
    svc = library(request, session, principal)
    return JSONResponse(svc.contains(LibraryKind.track, parse_id_list(ids, None, MAX_IDS)))


@router.get("/me/albums", operation_id="get-users-saved-albums")
def saved_albums(
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit50 = 20,
    offset: Offset = 0,
    market: str | None = None,
) -> Response:
    """Get the current user's saved albums, newest first."""
    svc = library(request, session, principal)
    return JSONResponse(svc.saved_albums(limit, offset, market_for(session, principal, market)))


@router.put("/me/albums", operation_id="save-albums-user")
def save_albums(
    request: Request, session: WriteSession, principal: Caller, body: Body, ids: str | None = None
) -> Response:
    """Save albums to the current user's library."""
    library(request, session, principal).save(
        LibraryKind.album, parse_id_list(ids, json_body(body), 20)
    )
    return Response(status_code=200)


@router.delete("/me/albums", operation_id="remove-albums-user")
def remove_albums(
    request: Request, session: WriteSession, principal: Caller, body: Body, ids: str | None = None
) -> Response:
    """Remove albums from the current user's library."""
    library(request, session, principal).remove(
        LibraryKind.album, parse_id_list(ids, json_body(body), 20)
    )
    return Response(status_code=200)


@router.get("/me/albums/contains", operation_id="check-users-saved-albums")
def albums_contains(
    request: Request, session: WriteSession, principal: Caller, ids: str | None = None
) -> Response:
    """Check whether albums are in the current user's library."""
    svc = library(request, session, principal)
    return JSONResponse(svc.contains(LibraryKind.album, parse_id_list(ids, None, 20)))


# -- following -------------------------------------------------------------------------


@router.get("/me/following", operation_id="get-followed")
def followed(
    request: Request,
    session: WriteSession,
    principal: Caller,
    type: str | None = None,
    after: str | None = None,
    limit: Limit50 = 20,
) -> Response:
    """Get the artists the current user follows (cursor paging)."""
    if type != "artist":
        raise BadRequest("type must be artist")
    return JSONResponse(library(request, session, principal).followed_artists(after, limit))


@router.put("/me/following", operation_id="follow-artists-users", status_code=204)
def follow(
    request: Request,
    session: WriteSession,
    principal: Caller,
    body: Body,
    type: str | None = None,
    ids: str | None = None,
) -> Response:
    """Follow artists or users."""
    library(request, session, principal).save(
        follow_kind(type), parse_id_list(ids, json_body(body), MAX_IDS)
    )
    return Response(status_code=204)


@router.delete("/me/following", operation_id="unfollow-artists-users", status_code=204)
def unfollow(
    request: Request,
    session: WriteSession,
    principal: Caller,
    body: Body,
    type: str | None = None,
    ids: str | None = None,
) -> Response:
    """Unfollow artists or users."""
    library(request, session, principal).remove(
        follow_kind(type), parse_id_list(ids, json_body(body), MAX_IDS)
    )
    return Response(status_code=204)


@router.get("/me/following/contains", operation_id="check-current-user-follows")
def following_contains(
    request: Request,
    session: WriteSession,
    principal: Caller,
    type: str | None = None,
    ids: str | None = None,
) -> Response:
    """Check whether the current user follows artists or users."""
    svc = library(request, session, principal)
    return JSONResponse(svc.contains(follow_kind(type), parse_id_list(ids, None, MAX_IDS)))


# -- /me/library (2026) --------------------------------------------------------------


@router.put("/me/library", operation_id="save-library-items")
def save_library(
    request: Request, session: WriteSession, principal: Caller, uris: str | None = None
) -> Response:
    """Save tracks or albums, follow artists, users or playlists, by URI (at most 40)."""
    library(request, session, principal).library_change(
        uris, True, playlists(request, session, principal)
    )
    return Response(status_code=200)


@router.delete("/me/library", operation_id="remove-library-items")
def remove_library(
    request: Request, session: WriteSession, principal: Caller, uris: str | None = None
) -> Response:
    """Remove tracks or albums, unfollow artists, users or playlists, by URI."""
    library(request, session, principal).library_change(
        uris, False, playlists(request, session, principal)
    )
    return Response(status_code=200)


@router.get("/me/library/contains", operation_id="check-library-contains")
def library_contains(
    request: Request, session: WriteSession, principal: Caller, uris: str | None = None
) -> Response:
    """Check whether URIs are saved or followed by the current user."""
    return JSONResponse(library(request, session, principal).library_contains(uris))
