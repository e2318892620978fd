"""Real client libraries (spotipy, tekore) signing in against a running server, both databases.

The HTML sign-in and consent forms are driven with httpx as a browser would;
the code is then handed to the client library, which does everything else.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import spotipy
import tekore as tk
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOAuth, SpotifyPKCE
from tekore._model.serialise import UnknownModelAttributeWarning

from playdeck.accounts import service as accounts
from playdeck.kit.db import Database
from playdeck.oauth import service as oauth
from tests.conftest import TEST_PASSWORD, AuthorizeFlow, LiveServer

REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPES = "user-read-private user-read-email playlist-read-private"


@dataclass(frozen=True)
class Setup:
    url: str
    client_id: str
    client_secret: str
    public_client_id: str


@pytest.fixture()
def setup(db_live_server: LiveServer, database_url: str) -> Iterator[Setup]:
    db = Database(database_url)
    with db.session_scope() as session:
        accounts.create_user(
            session, username="alice", password=TEST_PASSWORD, email="alice@example.com"
        )
        confidential = oauth.register_app(session, name="Script", redirect_uris=[REDIRECT_URI])
        public = oauth.register_app(session, name="SPA", redirect_uris=[REDIRECT_URI], public=True)
    db.dispose()
    assert confidential.client_secret is not None
    yield Setup(
        db_live_server.url,
        confidential.app.client_id,
        confidential.client_secret,
        public.app.client_id,
    )


def local(cls: type[Any], url: str) -> type[Any]:
    """A subclass of a spotipy auth manager whose accounts URLs point at `url`."""
    return type(
        f"Local{cls.__name__}",
        (cls,),
        {"OAUTH_AUTHORIZE_URL": f"{url}/authorize", "OAUTH_TOKEN_URL": f"{url}/api/token"},
    )


def local_spotify(auth: Any, url: str) -> spotipy.Spotify:
    sp = spotipy.Spotify(auth_manager=auth, retries=0)
    sp.prefix = f"{url}/v1/"
    return sp


def test_spotipy_authorization_code_and_refresh(
    setup: Setup, authorize_flow: AuthorizeFlow
) -> None:
    auth = local(SpotifyOAuth, setup.url)(
        client_id=setup.client_id,
        client_secret=setup.client_secret,
        redirect_uri=REDIRECT_URI,
        scope=SCOPES,
        state="spotipy-state",
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    with httpx.Client() as browser:
        location = authorize_flow(browser, auth.get_authorize_url())
    assert auth.parse_auth_response_url(location) == (
        "spotipy-state",
        auth.parse_response_code(location),
    )
    auth.get_access_token(auth.parse_response_code(location), as_dict=False, check_cache=False)
    token = auth.cache_handler.get_cached_token()
    assert set(token["scope"].split()) == set(SCOPES.split())
    sp = local_spotify(auth, setup.url)
    me = sp.me()
    assert me["email"] == "alice@example.com" and me["display_name"] == "alice"
    refreshed = auth.refresh_access_token(token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"] or refreshed["expires_in"] == 3600
    assert refreshed["refresh_token"] == token["refresh_token"]
    assert sp.current_user()["id"] == me["id"]


def test_spotipy_pkce(setup: Setup, authorize_flow: AuthorizeFlow) -> None:
    auth = local(SpotifyPKCE, setup.url)(
        client_id=setup.public_client_id,
        redirect_uri=REDIRECT_URI,
        scope=SCOPES,
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    with httpx.Client() as browser:
        location = authorize_flow(browser, auth.get_authorize_url())
    code = auth.parse_response_code(location)
    access = auth.get_access_token(code, check_cache=False)
    assert isinstance(access, str)
    sp = local_spotify(auth, setup.url)
    assert sp.me()["email"] == "alice@example.com"
    info = auth.cache_handler.get_cached_token()
    assert info is not None
    refreshed = auth.refresh_access_token(info["refresh_token"])
    assert refreshed["access_token"]


def test_spotipy_client_credentials(setup: Setup) -> None:
    for client_id, secret in ((setup.client_id, setup.client_secret), ("any", "thing")):
        auth = local(SpotifyClientCredentials, setup.url)(
            client_id=client_id, client_secret=secret, cache_handler=MemoryCacheHandler()
        )
        sp = local_spotify(auth, setup.url)
        assert "markets" in sp.available_markets()
    bad = local(SpotifyClientCredentials, setup.url)(
        client_id=setup.client_id, client_secret="wrong", cache_handler=MemoryCacheHandler()
    )
    with pytest.raises(spotipy.SpotifyOauthError) as caught:
        bad.get_access_token(as_dict=False)
    assert caught.value.error == "invalid_client"


class LocalSender(tk.ExtendingSender):
    """Sends tekore's requests to the local server instead of Spotify."""

    def __init__(self, url: str) -> None:
        super().__init__(tk.SyncSender())
        self.url = url

    def local(self, url: str) -> str:
        return url.replace("https://accounts.spotify.com", self.url).replace(
            "https://api.spotify.com", self.url
        )

    def send(self, request: tk.Request) -> tk.Response:
        request.url = self.local(request.url)
        response: tk.Response = self.sender.send(request)
        return response


def test_tekore_credentials(setup: Setup, authorize_flow: AuthorizeFlow) -> None:
    sender = LocalSender(setup.url)
    cred = tk.Credentials(setup.client_id, setup.client_secret, REDIRECT_URI, sender=sender)
    app_token = cred.request_client_token()
    assert app_token.access_token and not app_token.is_expiring
    url = cred.user_authorisation_url(scope=SCOPES.split(), state="tk-state")
    with httpx.Client() as browser:
        location = authorize_flow(browser, sender.local(url))
    code = tk.parse_code_from_url(location)
    user_token = cred.request_user_token(code)
    assert user_token.refresh_token
    spotify = tk.Spotify(user_token, sender=sender)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownModelAttributeWarning)
        me = spotify.current_user()
    assert me.email == "alice@example.com" and me.account_id == me.id
    refreshed = cred.refresh(user_token)
    assert refreshed.refresh_token == user_token.refresh_token
    # PKCE through tekore with the public client.
    public = tk.Credentials(setup.public_client_id, redirect_uri=REDIRECT_URI, sender=sender)
    url, verifier = public.pkce_user_authorisation(scope=SCOPES.split())
    with httpx.Client() as browser:
        location = authorize_flow(browser, sender.local(url))
    pkce_token = public.request_pkce_token(tk.parse_code_from_url(location), verifier)
    assert tk.Spotify(pkce_token, sender=sender).current_user().id == me.id
    assert public.refresh_pkce_token(pkce_token.refresh_token).access_token
