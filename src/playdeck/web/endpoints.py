"""Serving the web app (the SvelteKit build in `static/`) at `/`.

The front-end is a single-page app: files that exist in the build are served as
they are (`/_app/immutable/…` with a year-long cache, since their names carry a
content hash), and every other page path gets `index.html` so that the app's
client-side router can render it. The API prefixes never fall back: an unknown
`/v1/…` or `/api/…` path stays a 404 in Spotify's envelope, and a known path
called with the wrong method stays a 405.

When the build is absent (Node not installed, or the package used API-only),
`/` answers a short note instead and the APIs work as usual.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from playdeck.web.client import ensure_web_client

STATIC_DIR = Path(__file__).parent / "static"
INDEX_FILE = "index.html"
# Paths the server owns: they are never answered with the web app.
API_PREFIXES = ("/v1", "/api", "/authorize", "/accounts", "/docs", "/redoc", "/openapi.json")
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>playdeck</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;
padding: 0 1rem; line-height: 1.5">
<h1>playdeck</h1>
<p>The API is running: the Spotify Web API under <code>/v1</code>, the accounts
service at <code>/authorize</code> and <code>/api/token</code>, and the API reference
at <a href="/docs">/docs</a>.</p>
<p>The web app is not built. Install Node.js 20.19 or newer and run
<code>scripts/serve</code> (it builds the web app), or build it by hand with
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
</body></html>
"""


def _is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def _static_file(static_dir: Path, path: str) -> Path | None:
    """The build's file for `path`, or None (never a path outside the build)."""
    relative = path.lstrip("/")
    if not relative:
        return None
    candidate = (static_dir / relative).resolve()
    root = static_dir.resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


class WebApp:
    """The ASGI app answering every path no API route matches (the router's default)."""

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        self.static_dir = static_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
            return
        if scope["type"] != "http":
            return
        response = self.respond(scope["method"], scope["path"])
        await response(scope, receive, send)

    def respond(self, method: str, path: str) -> Response:
        if method not in ("GET", "HEAD") or _is_api_path(path):
            raise HTTPException(404)
        file = _static_file(self.static_dir, path)
        if file is not None:
            cache = IMMUTABLE_CACHE if path.startswith("/_app/immutable/") else "no-cache"
            return FileResponse(file, headers={"Cache-Control": cache})
        index = self.static_dir / INDEX_FILE
        if not index.is_file():
            if path == "/":
                return HTMLResponse(NOT_BUILT_PAGE)
            raise HTTPException(404)
        if path.startswith("/_app/"):
            raise HTTPException(404)  # a missing asset is not a page
        # A page route of the single-page app: its client-side router renders it.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def install(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Serve the web app for every path no route matches, wherever this is called,
    and register the web app's OAuth client when the server starts.

    It is the router's default handler rather than a catch-all route, so API
    routes added later still win, a known path called with the wrong method
    stays a 405, and unknown API paths stay a 404 in Spotify's envelope.
    """
    app.router.default = WebApp(static_dir)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(instance: Any) -> AsyncIterator[Any]:
        async with inner(instance) as state:
            db = getattr(app.state, "db", None)
            if db is not None:
                development = app.state.settings.env == "development"
                await run_in_threadpool(
                    partial(ensure_web_client, development=development),
                    db,
                    app.state.public_url,
                )
            yield state

    app.router.lifespan_context = lifespan
