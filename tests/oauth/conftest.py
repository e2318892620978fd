"""Apps registered for the OAuth tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from playdeck.kit.db import Database
from playdeck.oauth import service as oauth

REDIRECT_URI = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class RegisteredApp:
    client_id: str
    client_secret: str | None
    redirect_uri: str = REDIRECT_URI


@pytest.fixture()
def confidential_app(db: Database) -> RegisteredApp:
    with db.session_scope() as session:
        new = oauth.register_app(session, name="Test app", redirect_uris=[REDIRECT_URI])
    return RegisteredApp(new.app.client_id, new.client_secret)


@pytest.fixture()
def public_app(db: Database) -> RegisteredApp:
    with db.session_scope() as session:
        new = oauth.register_app(
            session, name="Public app", redirect_uris=[REDIRECT_URI], public=True
        )
    return RegisteredApp(new.app.client_id, None)
