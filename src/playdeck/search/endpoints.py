"""`GET /v1/search` (Spotify's search) and `POST /api/match` (playdeck's matching API)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from playdeck.catalog.endpoints import parse_market
from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import CatalogReader
from playdeck.kit.errors import BadRequest
from playdeck.kit.responses import JSONResponse
from playdeck.kit.urls import paging
from playdeck.search.grammar import parse_query
from playdeck.search.match import Matcher
from playdeck.search.schemas import MatchRequest, MatchResponse
from playdeck.search.service import KINDS, Kind, SearchService

router = APIRouter(tags=["search"])
api_router = APIRouter(tags=["matching"])

MAX_RESULTS: Final = 1000
_RESULT_KEY: Final[dict[Kind, str]] = {"track": "tracks", "album": "albums", "artist": "artists"}


def parse_types(raw: str | None) -> list[Kind]:
    """Spotify's `type`: a comma list of track, album, artist (in the order given)."""
    if raw is None or not raw.strip():
        raise BadRequest("Missing parameter type")
    out: list[Kind] = []
    for part in raw.split(","):
        name = part.strip().lower()
        kind = next((k for k in KINDS if k == name), None)
        if kind is None:
            raise BadRequest(f"Bad search type field {part.strip()[:40]!r}")
        if kind not in out:
            out.append(kind)
    return out


def parse_window(limit: str | None, offset: str | None) -> tuple[int, int]:
    """`limit` 1..50 (default 20), `offset` 0..999, and offset + limit at most 1000."""
    try:
        lim = 20 if limit is None or limit == "" else int(limit)
        off = 0 if offset is None or offset == "" else int(offset)
    except ValueError:
        raise BadRequest("Invalid limit or offset") from None
    if not 1 <= lim <= 50:
        raise BadRequest("Invalid limit: must be between 1 and 50")
    if not 0 <= off < MAX_RESULTS:
        raise BadRequest("Invalid offset: must be between 0 and 999")
    if off + lim > MAX_RESULTS:
        raise BadRequest("Invalid offset and limit: offset + limit must be at most 1000")
    return lim, off


def run_search(
    store: Any,
    public_url: str,
    q: str | None,
    type_: str | None,
    limit: str | None,
    offset: str | None,
    market: str | None,
) -> dict[str, Any]:
    """The whole `/v1/search` answer (also used by the benchmark in-process)."""
    kinds = parse_types(type_)
    lim, off = parse_window(limit, offset)
    mkt = parse_market(market)
    query = parse_query(q)
    search = SearchService(store)
    catalog = CatalogService(store, public_url)
    out: dict[str, Any] = {}
    for kind in kinds:
        ranked = search.rank(query, kind)
        page = ranked.window(off, lim)
        items: list[Any]
        if kind == "track":
            items = list(catalog.tracks_by_rowids(page, mkt))
        elif kind == "album":
            items = list(catalog.albums_by_rowids(page, mkt))
        else:
            items = list(catalog.artists_by_rowids(page))
        params: dict[str, str | int | None] = {"q": q, "type": kind, "market": market}
        out[_RESULT_KEY[kind]] = paging(
            public_url, "search", items, lim, off, min(ranked.total, MAX_RESULTS), params
        )
    return out


@router.get("/search", operation_id="search")
async def search(
    request: Request,
    principal: CatalogReader,
    q: Annotated[str | None, Query(description="Search query: text and field filters.")] = None,
    type: Annotated[str | None, Query(description="track, album, artist (comma list).")] = None,
    limit: Annotated[str | None, Query(description="1..50, default 20.")] = None,
    offset: Annotated[str | None, Query(description="0..999; offset + limit <= 1000.")] = None,
    market: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 country code.")] = None,
    include_external: Annotated[str | None, Query(description="Accepted, ignored.")] = None,
) -> Response:
    """Search the catalog for tracks, albums and artists (Spotify's query grammar)."""
    # Tens of milliseconds on a large catalog: off the event loop, so other
    # requests are not held up (each worker thread has its own connection).
    body = await run_in_threadpool(
        run_search,
        request.app.state.catalog,
        request.app.state.public_url,
        q,
        type,
        limit,
        offset,
        market,
    )
    return JSONResponse(body)


@api_router.post("/api/match", operation_id="match-tracks", response_model=MatchResponse)
async def match_tracks(request: Request, principal: CatalogReader, body: MatchRequest) -> Response:
    """Match pasted lines (one song each) to catalog tracks, in input order."""
    store = request.app.state.catalog
    lines = body.all_lines()
    # A long paste takes a while: run it off the event loop.
    results = await run_in_threadpool(lambda: Matcher(store).match_lines(lines))
    return JSONResponse({"results": results})
