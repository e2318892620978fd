"""The web app's own OAuth client: a public (PKCE) app registered at start-up.

The web app signs users in like any third-party client, through `/authorize`
and `/api/token`, as the public client `playdeck-web` whose redirect URI is
`<public_url>/callback`. The server makes sure that app exists (and knows the
current public URL) every time it starts, so no operator step is needed.
"""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from playdeck.kit.db import Database
from playdeck.kit.errors import Conflict
from playdeck.oauth import repository
from playdeck.oauth.service import register_app, update_app

log = logging.getLogger(__name__)

WEB_CLIENT_ID = "playdeck-web"
WEB_CLIENT_NAME = "playdeck web app"
# `npm run dev` (Vite) serves the app on its own port: allowed in development only.
DEV_SERVER_CALLBACKS = ("http://127.0.0.1:5173/callback", "http://localhost:5173/callback")


def callback_uri(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/callback"


def ensure_web_client(db: Database, public_url: str, *, development: bool = False) -> bool:
    """Register `playdeck-web` (or add this public URL's callback); False if no app table yet.

    In development the Vite dev server's callbacks are allowed too.
    """
    try:
        if not inspect(db.engine).has_table("apps"):
            log.warning("app database not migrated: the web app cannot sign users in yet")
            return False
    except (OperationalError, ProgrammingError):
        return False
    wanted = [callback_uri(public_url), *(DEV_SERVER_CALLBACKS if development else ())]
    try:
        with db.session_scope() as session:
            app = repository.get_app(session, WEB_CLIENT_ID)
            if app is None:
                register_app(
                    session,
                    name=WEB_CLIENT_NAME,
                    redirect_uris=wanted,
                    client_id=WEB_CLIENT_ID,
                    public=True,
                )
            elif missing := [u for u in wanted if u not in app.redirect_uris]:
                update_app(session, WEB_CLIENT_ID, redirect_uris=[*app.redirect_uris, *missing])
    except (Conflict, IntegrityError):
        pass  # another server process registered it at the same moment
    return True
