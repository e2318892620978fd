"""The Spotify Web API's catalog endpoints (`/v1`): an adapter over `CatalogService`.

Handlers are `async` and read the catalog inline: every query is an index read
of a few rows, cheaper than a hop to the thread pool.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from playdeck.catalog.repository import GROUP_ORDER
from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import CatalogReader
from playdeck.kit.errors import BadRequest, NotFound
from playdeck.kit.ids import parse_ids, require_id
from playdeck.kit.responses import JSONResponse

router = APIRouter(tags=["catalog"])

_MARKET = re.compile(r"^[A-Z]{2}\Z")


async def catalog_service(request: Request) -> CatalogService:
    # async so that the service (and its thread-local connection) lives on the
    # event loop's thread, where the handlers run, with no thread-pool hop.
    return CatalogService(request.app.state.catalog, request.app.state.public_url)


Catalog = Annotated[CatalogService, Depends(catalog_service)]
MarketParam = Annotated[
    str | None,
    Query(description="An ISO 3166-1 alpha-2 country code, or `from_token`."),
]
Limit50 = Annotated[int, Query(ge=1, le=50)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
IdPath = Annotated[str, Path(description="The Spotify ID.")]
IdsQuery = Annotated[str | None, Query(description="A comma-separated list of Spotify IDs.")]


def parse_market(market: str | None) -> str | None:
    """Validate `market`; `from_token` has no country to apply for catalog reads."""
    if market is None or market == "from_token":
        return None
    if not _MARKET.match(market):
        raise BadRequest("Invalid market code")
    return market


@router.get("/tracks/{id}", operation_id="get-track")
async def get_track(
    id: IdPath, principal: CatalogReader, catalog: Catalog, market: MarketParam = None
) -> Response:
    """Get a track: Spotify's full track object."""
    return JSONResponse(catalog.track(require_id(id), parse_market(market)))


@router.get("/tracks", operation_id="get-several-tracks")
async def get_several_tracks(
    principal: CatalogReader, catalog: Catalog, ids: IdsQuery = None, market: MarketParam = None
) -> Response:
    """Get up to 50 tracks in request order (`null` for unknown ids)."""
    return JSONResponse({"tracks": catalog.tracks(parse_ids(ids, 50), parse_market(market))})


@router.get("/albums/{id}", operation_id="get-an-album")
async def get_album(
    id: IdPath, principal: CatalogReader, catalog: Catalog, market: MarketParam = None
) -> Response:
    """Get an album with its first 50 tracks embedded as a paging object."""
    return JSONResponse(catalog.album(require_id(id), parse_market(market)))


@router.get("/albums", operation_id="get-multiple-albums")
async def get_several_albums(
    principal: CatalogReader, catalog: Catalog, ids: IdsQuery = None, market: MarketParam = None
) -> Response:
    """Get up to 20 albums in request order (`null` for unknown ids)."""
    return JSONResponse({"albums": catalog.albums(parse_ids(ids, 20), parse_market(market))})


@router.get("/albums/{id}/tracks", operation_id="get-an-albums-tracks")
async def get_album_tracks(
    id: IdPath,
    principal: CatalogReader,
    catalog: Catalog,
    market: MarketParam = None,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """Get a page of an album's tracks, in disc and track order."""
    return JSONResponse(catalog.album_tracks(require_id(id), limit, offset, parse_market(market)))


@router.get("/artists/{id}", operation_id="get-an-artist")
async def get_artist(id: IdPath, principal: CatalogReader, catalog: Catalog) -> Response:
    """Get an artist: followers, genres, images and popularity."""
    return JSONResponse(catalog.artist(require_id(id)))


@router.get("/artists", operation_id="get-multiple-artists")
async def get_several_artists(
    principal: CatalogReader, catalog: Catalog, ids: IdsQuery = None
) -> Response:
    """Get up to 50 artists in request order (`null` for unknown ids)."""
    return JSONResponse({"artists": catalog.artists(parse_ids(ids, 50))})


def parse_groups(include_groups: str | None) -> list[str]:
    if include_groups is None or include_groups.strip() == "":
        return list(GROUP_ORDER)
    groups = [g.strip() for g in include_groups.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUP_ORDER]
    if unknown:
        raise BadRequest(f"Invalid include_groups value: {unknown[0][:40]!r}")
    return groups


@router.get("/artists/{id}/albums", operation_id="get-an-artists-albums")
async def get_artist_albums(
    id: IdPath,
    principal: CatalogReader,
    catalog: Catalog,
    include_groups: Annotated[
        str | None, Query(description="album, single, compilation, appears_on (comma list)")
    ] = None,
    market: MarketParam = None,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """Get an artist's discography: albums, singles, compilations, appearances."""
    groups = parse_groups(include_groups)
    return JSONResponse(
        catalog.artist_albums(require_id(id), groups, limit, offset, parse_market(market))
    )


@router.get("/artists/{id}/top-tracks", operation_id="get-an-artists-top-tracks")
async def get_artist_top_tracks(
    id: IdPath, principal: CatalogReader, catalog: Catalog, market: MarketParam = None
) -> Response:
    """Get an artist's ten most popular tracks."""
    return JSONResponse(catalog.top_tracks(require_id(id), parse_market(market)))


@router.get("/audio-features/{id}", operation_id="get-audio-features")
async def get_audio_features(id: IdPath, principal: CatalogReader, catalog: Catalog) -> Response:
    """Get a track's audio features (404 when the dump has no analysis for it)."""
    found = catalog.audio_features([require_id(id)])[0]
    if found is None:
        raise NotFound("analysis not found")
    return JSONResponse(found)


@router.get("/audio-features", operation_id="get-several-audio-features")
async def get_several_audio_features(
    principal: CatalogReader, catalog: Catalog, ids: IdsQuery = None
) -> Response:
    """Get audio features for up to 100 tracks in request order (`null` where none)."""
    return JSONResponse({"audio_features": catalog.audio_features(parse_ids(ids, 100))})


@router.get("/markets", operation_id="get-available-markets")
async def get_markets(principal: CatalogReader, catalog: Catalog) -> Response:
    """Get every market code that appears in the catalog."""
    return JSONResponse({"markets": catalog.markets()})


@router.get("/recommendations/available-genre-seeds", operation_id="get-recommendation-genres")
async def get_genre_seeds(principal: CatalogReader, catalog: Catalog) -> Response:
    """Get every artist genre in the catalog."""
    return JSONResponse({"genres": catalog.genre_seeds()})


@router.get("/browse/new-releases", operation_id="get-new-releases")
async def get_new_releases(
    principal: CatalogReader,
    catalog: Catalog,
    country: MarketParam = None,
    limit: Limit50 = 20,
    offset: Offset = 0,
) -> Response:
    """Get the catalog's newest album releases."""
    parse_market(country)
    return JSONResponse(catalog.new_releases(limit, offset))
