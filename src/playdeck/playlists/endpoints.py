"""Spotify's playlist endpoints (`/v1`, classic `/tracks` and 2026 `/items` paths) and
playdeck's history API (`/api/playlists/{id}/…`).

Routes are sync (run in the thread pool, one session each), except the item
routes, whose edge is `in_session` (the thread pool, or the event loop for an edit
from a known state on PostgreSQL). A session is committed before the response is
sent (`WriteSession`), so a client that gets a `snapshot_id` back can use it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from playdeck.catalog.endpoints import parse_market
from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import CatalogReader, Principal, authenticate
from playdeck.kit.db import (
    ON_LOOP,
    RETRYABLE,
    UNLOCKED,
    Database,
    NeedsDatabase,
    StaleWrite,
    get_session,
)
from playdeck.kit.errors import BadRequest
from playdeck.kit.ids import require_id
from playdeck.kit.responses import JSONResponse
from playdeck.models import User
from playdeck.playlists.history import HistoryService
from playdeck.playlists.service import PlaylistService

router = APIRouter(tags=["playlists"])
# The item routes (a page read, add, reorder or replace, remove), included ahead of
# every other router (`app.create_app`): routing tries an app's routes in order,
# and an item route behind the other routers' ~50 routes spent more on finding its
# route (about 0.1 ms) than on its own Python. A request for another path tries
# these eight first, a failed regex match each (a few µs in all).
items_router = APIRouter(tags=["playlists"])
api_router = APIRouter(prefix="/api/playlists", tags=["playlist history"])

WriteSession = Annotated[Session, Depends(get_session, scope="function")]
Caller = Annotated[Principal, Depends(authenticate)]
PlaylistId = Annotated[str, Path(description="The Spotify ID of the playlist.")]
MarketParam = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code or from_token")]
FieldsParam = Annotated[str | None, Query(description="Filters for the query (Spotify syntax)")]
Limit50 = Annotated[int, Query(ge=1, le=50)]
Limit100 = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


async def raw_body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(raw_body)]


def json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Error parsing JSON.") from None


def json_object(raw: bytes) -> dict[str, Any]:
    value = json_body(raw)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object")
    return value


async def caller(request: Request) -> Principal:
    """`kit.auth.authenticate` without a thread hop: for `/v1` the rate limiter has
    already resolved the token, so this is a cache read."""
    return authenticate(request)


AsyncCaller = Annotated[Principal, Depends(caller)]


async def in_session(request: Request, work: Callable[[Session], Response]) -> Response:
    """Run `work` with its own session, committed before the response is sent and
    rolled back when `work` raises: the request edge for the hot item routes.

    On PostgreSQL an edit first runs on the event loop (`kit.db.ON_LOOP`): there it
    either starts from a state this process knows (`RETRYABLE`, `UNLOCKED`), needs
    no lock and no read, and leaves one conditional write, sent from the loop
    (`Database.loop_connections`); or it raises `NeedsDatabase` before reaching the
    database. Otherwise `work` runs in the thread pool (one thread hop instead of
    three), where it may again start from a known state, reading what it needs.

    When a conditional write finds the playlist changed (`StaleWrite`, nothing
    written), or `work` itself raised anything after starting from a known state (a
    refusal the locked row may not give), `work` runs once more in a new session,
    under the lock, and its answer is the request's. Nothing else at the commit is
    retried: the write may have landed."""
    db: Database = request.app.state.db
    writes = db.loop_connections
    retryable = True
    if writes is not None and request.method != "GET":
        session = db.session_factory()
        session.info[RETRYABLE] = session.info[ON_LOOP] = True
        try:
            try:
                response = work(session)
            except NeedsDatabase:
                pass  # in the thread pool, it may still start from the known state
            except Exception:
                if not session.info.get(UNLOCKED):
                    raise  # the request's own input, refused before any state
                retryable = False
            else:
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("work on the event loop changed objects it cannot write")
                try:
                    await writes.send(session)
                    return response
                except StaleWrite:
                    retryable = False
        finally:
            session.close()

    def run() -> Response:
        if retryable:
            try:
                with db.session_scope() as session:
                    session.info[RETRYABLE] = True
                    try:
                        response = work(session)
                    except Exception as error:
                        if session.info.get(UNLOCKED) and not isinstance(error, StaleWrite):
                            raise StaleWrite("refused from a known state") from error
                        raise
                return response
            except StaleWrite:
                pass
        with db.session_scope() as session:
            return work(session)

    return await run_in_threadpool(run)


def service(
    request: Request,
    session: Session,
    principal: Principal | None,
    cls: type[PlaylistService],
    *,
    statement_reads: bool = False,
) -> PlaylistService:
    """The service for one request. On PostgreSQL a read is one snapshot: REPEATABLE
    READ for reads of several statements (playlist row, items, users), so a
    `snapshot_id` always matches the items sent with it; with `statement_reads` (a
    page of items, where each statement reads the state with the items,
    `repository.page_reads`) no transaction at all, which saves its BEGIN and
    COMMIT round trips. (SQLite's read transaction is a single snapshot already.)"""
    if request.method == "GET" and session.get_bind().dialect.name == "postgresql":
        level = "AUTOCOMMIT" if statement_reads else "REPEATABLE READ"
        session.connection(execution_options={"isolation_level": level})
    catalog = CatalogService(request.app.state.catalog, request.app.state.public_url)
    return cls(session, catalog, request.app.state.public_url, principal)


def market_for(session: Session, principal: Principal, market: str | None) -> str | None:
    """`from_token` means the signed-in user's country, as on Spotify."""
    if market == "from_token" and principal.user_id:
        user = session.get(User, principal.user_id)
        return user.country if user else None
    return parse_market(market)


def snapshot(value: str, status: int = 200) -> Response:
    return JSONResponse({"snapshot_id": value}, status_code=status)


# -- playlists ---------------------------------------------------------------------


@router.post("/users/{user_id}/playlists", operation_id="create-playlist", status_code=201)
def create_playlist(
    user_id: str, request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Create a playlist for a user (yourself; admins for anyone)."""
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.create(user_id, json_object(body)), status_code=201)


@router.post("/me/playlists", operation_id="create-playlist-for-me", status_code=201)
def create_my_playlist(
    request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Create a playlist for the current user."""
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.create(None, json_object(body)), status_code=201)


@router.get("/playlists/{playlist_id}", operation_id="get-playlist")
def get_playlist(
    playlist_id: PlaylistId,
    request: Request,
    session: WriteSession,
    principal: CatalogReader,
    market: MarketParam = None,
    fields: FieldsParam = None,
    additional_types: str | None = None,
) -> Response:
    """Get a playlist with its first 100 items (`fields=` filters the object)."""
    svc = service(request, session, principal, PlaylistService)
    found = svc.playlist(require_id(playlist_id), market_for(session, principal, market), fields)
    return JSONResponse(found)


@router.put("/playlists/{playlist_id}", operation_id="change-playlist-details")
def change_playlist_details(
    playlist_id: PlaylistId, request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Change a playlist's name, description, public or collaborative state (owner only)."""
    svc = service(request, session, principal, PlaylistService)
    svc.change_details(require_id(playlist_id), json_object(body))
    return Response(status_code=200)


@router.get("/me/playlists", operation_id="get-a-list-of-current-users-playlists")
def get_my_playlists(
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """Get the playlists the current user owns or follows."""
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.my_playlists(limit, offset))


@router.get("/users/{user_id}/playlists", operation_id="get-list-users-playlists")
def get_user_playlists(
    user_id: str,
    request: Request,
    session: WriteSession,
    principal: CatalogReader,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """Get a user's public playlists (their private ones too, for themselves)."""
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.user_playlists(user_id, limit, offset))


# -- items (classic /tracks and 2026 /items) ------------------------------------------


async def _get_items(
    kind: str,
    playlist_id: str,
    request: Request,
    principal: Principal,
    market: str | None,
    fields: str | None,
    limit: int,
    offset: int,
) -> Response:
    """A page of items, read on the event loop (`Database.run_reads_on_loop`): its one
    statement costs less than the thread pool's hop. A `market` of `from_token`
    reads the user's country through a session, in the thread pool."""
    db: Database = request.app.state.db
    if market == "from_token" or not db.reads_on_loop:

        def work(session: Session) -> Response:
            svc = service(request, session, principal, PlaylistService, statement_reads=True)
            found = svc.run(
                svc.items_reads(
                    require_id(playlist_id),
                    kind,
                    limit,
                    offset,
                    market_for(session, principal, market),
                    fields,
                )
            )
            return JSONResponse(found)

        return await in_session(request, work)
    # The session never reaches the database (`ON_LOOP` refuses it): the service takes
    # its engine from it, and the statements go through `run_reads_on_loop`.
    with db.session_factory() as session:
        session.info[ON_LOOP] = True
        catalog = CatalogService(request.app.state.catalog, request.app.state.public_url)
        svc = PlaylistService(session, catalog, request.app.state.public_url, principal)
        found = await db.run_reads_on_loop(
            svc.items_reads(
                require_id(playlist_id), kind, limit, offset, parse_market(market), fields
            )
        )
    return JSONResponse(found)


@items_router.get("/playlists/{playlist_id}/items", operation_id="get-playlists-items")
async def get_playlist_items(
    playlist_id: PlaylistId,
    request: Request,
    principal: AsyncCaller,
    market: MarketParam = None,
    fields: FieldsParam = None,
    limit: Limit100 = 20,
    offset: Offset = 0,
    additional_types: str | None = None,
) -> Response:
    """Get a page of a playlist's items (2026 path)."""
    return await _get_items("items", playlist_id, request, principal, market, fields, limit, offset)


@items_router.get("/playlists/{playlist_id}/tracks", operation_id="get-playlists-tracks")
async def get_playlist_tracks(
    playlist_id: PlaylistId,
    request: Request,
    principal: AsyncCaller,
    market: MarketParam = None,
    fields: FieldsParam = None,
    limit: Limit100 = 20,
    offset: Offset = 0,
    additional_types: str | None = None,
) -> Response:
    """Get a page of a playlist's items (classic path)."""
    return await _get_items(
        "tracks", playlist_id, request, principal, market, fields, limit, offset
    )


def _add(
    playlist_id: str,
    request: Request,
    session: Session,
    principal: Principal,
    body: bytes,
    uris: str | None,
    position: int | None,
) -> Response:
    payload = json_body(body)
    given: list[Any]
    if isinstance(payload, list):
        given = payload  # spotipy 2.26 sends a bare array, position in the query
    elif isinstance(payload, dict) and payload.get("uris") is not None:
        if not isinstance(payload["uris"], list):
            raise BadRequest("uris must be a list")
        given = payload["uris"]
        if payload.get("position") is not None:
            if not isinstance(payload["position"], int):
                raise BadRequest("position must be an integer")
            position = payload["position"]
    elif uris:
        given = [u.strip() for u in uris.split(",") if u.strip()]
    else:
        raise BadRequest("No uris provided")
    svc = service(request, session, principal, PlaylistService)
    return snapshot(svc.add(require_id(playlist_id), given, position), 201)


@items_router.post("/playlists/{playlist_id}/items", operation_id="add-items-to-playlist")
async def add_items(
    playlist_id: PlaylistId,
    request: Request,
    principal: AsyncCaller,
    uris: str | None = None,
    position: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Add up to 100 items at a position (default: the end); 201 with the new snapshot_id."""
    body = await request.body()
    return await in_session(
        request,
        lambda session: _add(playlist_id, request, session, principal, body, uris, position),
    )


@items_router.post("/playlists/{playlist_id}/tracks", operation_id="add-tracks-to-playlist")
async def add_tracks(
    playlist_id: PlaylistId,
    request: Request,
    principal: AsyncCaller,
    uris: str | None = None,
    position: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Add up to 100 items (classic path)."""
    body = await request.body()
    return await in_session(
        request,
        lambda session: _add(playlist_id, request, session, principal, body, uris, position),
    )


def _int(body: dict[str, Any], key: str, default: int | None = None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{key} must be an integer")
    return value


def _put(
    playlist_id: str,
    request: Request,
    session: Session,
    principal: Principal,
    body: bytes,
    uris: str | None,
) -> Response:
    payload = json_object(body)
    svc = service(request, session, principal, PlaylistService)
    pid = require_id(playlist_id)
    if "range_start" in payload or "insert_before" in payload:
        snap = payload.get("snapshot_id")
        if snap is not None and not isinstance(snap, str):
            raise BadRequest("snapshot_id must be a string")
        return snapshot(
            svc.reorder(
                pid,
                _int(payload, "range_start"),
                _int(payload, "insert_before"),
                _int(payload, "range_length", 1),
                snap,
            )
        )
    if isinstance(payload.get("uris"), list):
        return snapshot(svc.replace(pid, payload["uris"]))
    if uris is not None:
        return snapshot(svc.replace(pid, [u.strip() for u in uris.split(",") if u.strip()]))
    raise BadRequest("Give uris to replace, or range_start and insert_before to reorder")


@items_router.put(
    "/playlists/{playlist_id}/items", operation_id="reorder-or-replace-playlists-items"
)
async def put_items(
    playlist_id: PlaylistId, request: Request, principal: AsyncCaller, uris: str | None = None
) -> Response:
    """Reorder a range of items (relative to `snapshot_id`) or replace all items."""
    body = await request.body()
    return await in_session(
        request, lambda session: _put(playlist_id, request, session, principal, body, uris)
    )


@items_router.put(
    "/playlists/{playlist_id}/tracks", operation_id="reorder-or-replace-playlists-tracks"
)
async def put_tracks(
    playlist_id: PlaylistId, request: Request, principal: AsyncCaller, uris: str | None = None
) -> Response:
    """Reorder or replace items (classic path)."""
    body = await request.body()
    return await in_session(
        request, lambda session: _put(playlist_id, request, session, principal, body, uris)
    )


def _delete(
    playlist_id: str, request: Request, session: Session, principal: Principal, body: bytes
) -> Response:
    payload = json_object(body)
    targets = payload.get("items", payload.get("tracks"))
    snap = payload.get("snapshot_id")
    if snap is not None and not isinstance(snap, str):
        raise BadRequest("snapshot_id must be a string")
    svc = service(request, session, principal, PlaylistService)
    return snapshot(svc.remove(require_id(playlist_id), targets, snap))


@items_router.delete("/playlists/{playlist_id}/items", operation_id="remove-items-playlist")
async def delete_items(
    playlist_id: PlaylistId, request: Request, principal: AsyncCaller
) -> Response:
    """Remove items: every occurrence, or the given positions of `snapshot_id`."""
    body = await request.body()
    return await in_session(
        request, lambda session: _delete(playlist_id, request, session, principal, body)
    )


@items_router.delete("/playlists/{playlist_id}/tracks", operation_id="remove-tracks-playlist")
async def delete_tracks(
    playlist_id: PlaylistId, request: Request, principal: AsyncCaller
) -> Response:
    """Remove items (classic path)."""
    body = await request.body()
    return await in_session(
        request, lambda session: _delete(playlist_id, request, session, principal, body)
    )


# -- followers and cover -----------------------------------------------------------


@router.put("/playlists/{playlist_id}/followers", operation_id="follow-playlist")
def follow_playlist(
    playlist_id: PlaylistId, request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Follow a playlist (collaborators of a collaborative playlist are its followers)."""
    public = json_object(body).get("public", True)
    if not isinstance(public, bool):
        raise BadRequest("public must be a boolean")
    service(request, session, principal, PlaylistService).follow(require_id(playlist_id), public)
    return Response(status_code=200)


@router.delete("/playlists/{playlist_id}/followers", operation_id="unfollow-playlist")
def unfollow_playlist(
    playlist_id: PlaylistId, request: Request, session: WriteSession, principal: Caller
) -> Response:
    """Unfollow a playlist (for its owner: remove it from their library)."""
    service(request, session, principal, PlaylistService).unfollow(require_id(playlist_id))
    return Response(status_code=200)


@router.get(
    "/playlists/{playlist_id}/followers/contains", operation_id="check-if-user-follows-playlist"
)
def followers_contains(
    playlist_id: PlaylistId,
    request: Request,
    session: WriteSession,
    principal: CatalogReader,
    ids: str | None = None,
) -> Response:
    """Check whether users (default: you) follow a playlist."""
    wanted = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.followers_contain(require_id(playlist_id), wanted))


@router.get("/playlists/{playlist_id}/images", operation_id="get-playlist-cover")
def get_images(
    playlist_id: PlaylistId, request: Request, session: WriteSession, principal: CatalogReader
) -> Response:
    """Get a playlist's cover images."""
    svc = service(request, session, principal, PlaylistService)
    return JSONResponse(svc.images(require_id(playlist_id)))


@router.put("/playlists/{playlist_id}/images", operation_id="upload-custom-playlist-cover")
def put_images(
    playlist_id: PlaylistId, request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Upload a cover: Base64-encoded JPEG, at most 256 KB (`ugc-image-upload`)."""
    service(request, session, principal, PlaylistService).upload_image(
        require_id(playlist_id), body
    )
    return Response(status_code=202)


@api_router.get("/{playlist_id}/cover/{token}.jpg", operation_id="playlist-cover-image")
def cover_image(playlist_id: str, token: str, request: Request, session: WriteSession) -> Response:
    """The bytes of a playlist's uploaded cover (the `images[].url` of a playlist)."""
    data = service(request, session, None, PlaylistService).cover(playlist_id, token)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


# -- history (playdeck's API) -------------------------------------------------------


@api_router.get("/{playlist_id}/versions", operation_id="list-playlist-versions")
def list_versions(
    playlist_id: str,
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """List a playlist's versions, newest first: who, which app, which operation."""
    svc = service(request, session, principal, HistoryService)
    assert isinstance(svc, HistoryService)
    return JSONResponse(svc.versions(playlist_id, limit, offset))


@api_router.get("/{playlist_id}/versions/{snapshot_id}", operation_id="get-playlist-version")
def get_version(
    playlist_id: str,
    snapshot_id: str,
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit100 = 100,
    offset: Offset = 0,
    market: MarketParam = None,
) -> Response:
    """Get a playlist as it was at a snapshot."""
    svc = service(request, session, principal, HistoryService)
    assert isinstance(svc, HistoryService)
    return JSONResponse(
        svc.as_of(playlist_id, snapshot_id, None, limit, offset, parse_market(market))
    )


@api_router.get("/{playlist_id}/as-of", operation_id="get-playlist-at-time")
def get_at_time(
    playlist_id: str,
    time: datetime,
    request: Request,
    session: WriteSession,
    principal: Caller,
    limit: Limit100 = 100,
    offset: Offset = 0,
    market: MarketParam = None,
) -> Response:
    """Get a playlist as it was at a point in time (ISO 8601, UTC if no offset)."""
    if time.tzinfo is None:
        from datetime import UTC

        time = time.replace(tzinfo=UTC)
    svc = service(request, session, principal, HistoryService)
    assert isinstance(svc, HistoryService)
    return JSONResponse(svc.as_of(playlist_id, None, time, limit, offset, parse_market(market)))


@api_router.get("/{playlist_id}/diff", operation_id="diff-playlist-versions")
def diff_versions(
    playlist_id: str,
    request: Request,
    session: WriteSession,
    principal: Caller,
    from_snapshot: Annotated[str, Query(alias="from")],
    to_snapshot: Annotated[str, Query(alias="to")],
) -> Response:
    """The changes between two snapshots: added and removed items, changed details."""
    svc = service(request, session, principal, HistoryService)
    assert isinstance(svc, HistoryService)
    return JSONResponse(svc.diff(playlist_id, from_snapshot, to_snapshot))


@api_router.post("/{playlist_id}/restore", operation_id="restore-playlist-version")
def restore_version(
    playlist_id: str, request: Request, session: WriteSession, principal: Caller, body: Body
) -> Response:
    """Restore an earlier snapshot as a new change (undo); returns the new snapshot_id."""
    snap = json_object(body).get("snapshot_id")
    if not isinstance(snap, str):
        raise BadRequest("snapshot_id is required")
    svc = service(request, session, principal, HistoryService)
    assert isinstance(svc, HistoryService)
    return snapshot(svc.restore(playlist_id, snap))
