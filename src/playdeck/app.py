"""The ASGI application: one FastAPI app serving `/v1` (the Spotify Web API),
`/api` (the accounts service's token endpoint and playdeck's own API),
`/authorize` and, when built, the web app at `/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playdeck import __version__
from playdeck.accounts import endpoints as accounts_endpoints
from playdeck.audit import endpoints as audit_endpoints
from playdeck.catalog import endpoints as catalog_endpoints
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings, get_settings
from playdeck.kit.errors import BadRequest, error_response, install_error_handlers
from playdeck.kit.ratelimit import RateLimitMiddleware
from playdeck.library import endpoints as library_endpoints
from playdeck.oauth import endpoints as oauth_endpoints
from playdeck.oauth.service import install_accounts
from playdeck.playlists import endpoints as playlists_endpoints
from playdeck.search import endpoints as search_endpoints
from playdeck.tracks import endpoints as tracks_endpoints
from playdeck.web import endpoints as web_endpoints


class StripTrailingSlash:
    """Route `/v1/tracks/` like `/v1/tracks` (spotipy sends both), without a redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/") and path.startswith(("/v1/", "/api/")):
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


class RejectNul:
    """A NUL character in the path, the query string or the body (JSON's `\\u0000`,
    a form's `%00`) is a 400.

    No text playdeck stores or looks up may hold one, and PostgreSQL refuses it in
    text columns: without this check such a value reached the database and
    answered 500 there while SQLite stored it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope["query_string"] or "\x00" in scope["path"]:
            await error_response(400, "Invalid request: NUL character")(scope, receive, send)
            return
        form = any(
            k == b"content-type" and v.startswith(b"application/x-www-form-urlencoded")
            for k, v in scope["headers"]
        )
        marker = b"%00" if form else b"\\u0000"
        tail = b""

        async def checked() -> Message:
            # Raised inside the app's own body read, so the app's handler renders it.
            nonlocal tail
            message = await receive()
            chunk = message.get("body", b"")
            if chunk:
                seen = tail + chunk
                if marker in seen:
                    raise BadRequest("Invalid request: NUL character in the body")
                tail = seen[-5:]
            return message

        await self.app(scope, checked, send)


def create_app(settings: Settings | None = None, catalog: CatalogStore | None = None) -> FastAPI:
    """Build the application; the catalog is opened at start-up unless given."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = catalog is None
        app.state.catalog = catalog or CatalogStore(settings.resolved_catalog_dir)
        try:
            async with app.state.db.connections_on_loop():
                yield
        finally:
            if owned:
                app.state.catalog.close()

    app = FastAPI(
        title="playdeck",
        version=__version__,
        summary="A self-hosted Spotify: the Spotify Web API over the whole catalog.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.public_url = settings.resolved_public_url
    install_accounts(app, settings)
    if catalog is not None:
        app.state.catalog = catalog
    install_error_handlers(app)
    app.include_router(playlists_endpoints.items_router, prefix="/v1")  # first: see there
    app.include_router(oauth_endpoints.router)
    app.include_router(oauth_endpoints.apps_router)
    app.include_router(accounts_endpoints.api_router, prefix="/v1")
    app.include_router(accounts_endpoints.pages_router)
    app.include_router(catalog_endpoints.router, prefix="/v1")
    app.include_router(playlists_endpoints.router, prefix="/v1")
    app.include_router(playlists_endpoints.api_router)
    app.include_router(library_endpoints.router, prefix="/v1")
    app.include_router(tracks_endpoints.router)
    app.include_router(audit_endpoints.router)
    app.include_router(search_endpoints.router, prefix="/v1")
    app.include_router(search_endpoints.api_router)
    web_endpoints.install(app)  # the web app at `/`: paths no API route matches
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["Retry-After"],
    )
    app.add_middleware(StripTrailingSlash)
    app.add_middleware(RejectNul)
    return app
