"""The OAuth 2.0 server's logic: apps, consent, codes, the three grants, revocation.

It behaves like accounts.spotify.com: authorization code (with PKCE S256 for
public clients), refresh token and client credentials grants; errors are
`OAuthError(error, description, status)` which the endpoints render as
`{"error", "error_description"}`. Services flush; the request edge commits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from playdeck.config import Settings
from playdeck.kit.db import Database
from playdeck.kit.errors import BadRequest, Conflict, NotFound
from playdeck.kit.ratelimit import create_rate_limiter
from playdeck.models import App, AuthorizationCode, Consent, Grant, User, utcnow
from playdeck.oauth import repository
from playdeck.oauth.tokens import AccessTokens, RevocationCheck, TokenClaims, digest, digests_equal

CODE_LIFETIME_SECONDS = 120

# Spotify's scopes, with the words the consent page shows for each.
SCOPES: dict[str, str] = {
    "user-read-private": "Access your subscription details and country",
    "user-read-email": "Get your email address",
    "playlist-read-private": "Access your private playlists",
    "playlist-read-collaborative": "Access your collaborative playlists",
    "playlist-modify-public": "Manage your public playlists",
    "playlist-modify-private": "Manage your private playlists",
    "user-library-read": "Access your saved content",
    "user-library-modify": "Manage your saved content",
    "user-follow-read": "Access your followers and who you are following",
    "user-follow-modify": "Manage who you are following",
    "ugc-image-upload": "Upload images to personalize your profile or playlist cover",
    "user-top-read": "Read your top artists and content",
    "user-read-recently-played": "Access your recently played items",
    "user-read-playback-position": "Read your position in content you have played",
    "user-read-playback-state": "Read your currently playing content and devices",
    "user-modify-playback-state": "Control playback on your clients and devices",
    "user-read-currently-playing": "Read your currently playing content",
    "app-remote-control": "Communicate with the Spotify app on your device",
    "streaming": "Play content and control playback",
    "user-personalized": "Get personalized content for you",
}

_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}\Z")


class OAuthError(Exception):
    """An OAuth error answer: `{"error": error, "error_description": description}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class AuthorizePageError(Exception):
    """An /authorize problem that must not redirect (bad client or redirect URI)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthorizeRedirectError(Exception):
    """An /authorize problem reported to the (registered) redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None):
        super().__init__(f"{error}: {description}")
        self.location = with_query(
            redirect_uri, error=error, error_description=description, state=state
        )


def with_query(uri: str, **params: str | None) -> str:
    """`uri` with `params` added to its query string (keeping what it already has)."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def parse_scopes(scope: str | None) -> list[str]:
    """The requested scopes, deduplicated in order; unknown ones raise `invalid_scope`."""
    wanted: list[str] = []
    for name in (scope or "").split():
        if name not in SCOPES:
            raise OAuthError("invalid_scope", f"Illegal scope: {name}")
        if name not in wanted:
            wanted.append(name)
    return wanted


def describe_scopes(scopes: Iterable[str]) -> list[tuple[str, str]]:
    return [(s, SCOPES.get(s, s)) for s in scopes]


# --- apps --------------------------------------------------------------------


def validate_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if (
        not parts.scheme
        or parts.fragment
        or (parts.scheme in ("http", "https") and not parts.netloc)
    ):
        raise BadRequest(f"Redirect URI {uri!r} must be an absolute URI without a fragment")
    return uri


@dataclass(frozen=True)
class NewApp:
    """A registered app and its client secret (shown once; `None` for public apps)."""

    app: App
    client_secret: str | None


def register_app(
    session: Session,
    *,
    name: str,
    redirect_uris: Sequence[str],
    client_id: str | None = None,
    client_secret: str | None = None,
    public: bool = False,
    owner_id: str | None = None,
) -> NewApp:
    """Register an OAuth client; the id and secret are generated when not given."""
    if not name.strip():
        raise BadRequest("An app needs a name")
    if public and client_secret:
        raise BadRequest("A public (PKCE) app has no client secret")
    client_id = client_id or secrets.token_hex(16)
    if not re.match(r"^[A-Za-z0-9._~-]{1,128}$", client_id):
        raise BadRequest(
            "Client id must be 1-128 characters of letters, digits, '.', '_', '~', '-'"
        )
    if repository.get_app(session, client_id) is not None:
        raise Conflict(f"An app with client id {client_id!r} exists")
    uris = [validate_redirect_uri(u) for u in dict.fromkeys(redirect_uris)]
    secret = None if public else (client_secret or secrets.token_hex(16))
    app = App(
        client_id=client_id,
        name=name.strip(),
        client_secret_hash=digest(secret) if secret else None,
        is_public=public,
        redirect_uris=uris,
        owner_id=owner_id,
    )
    repository.add(session, app)
    return NewApp(app, secret)


def get_app(session: Session, client_id: str) -> App:
    app = repository.get_app(session, client_id)
    if app is None:
        raise NotFound(f"No app {client_id!r}")
    return app


def list_apps(session: Session) -> Sequence[App]:
    return repository.list_apps(session)


def update_app(
    session: Session,
    client_id: str,
    *,
    name: str | None = None,
    redirect_uris: Sequence[str] | None = None,
) -> App:
    app = get_app(session, client_id)
    if name is not None:
        if not name.strip():
            raise BadRequest("An app needs a name")
        app.name = name.strip()
    if redirect_uris is not None:
        app.redirect_uris = [validate_redirect_uri(u) for u in dict.fromkeys(redirect_uris)]
    session.flush()
    return app


def rotate_secret(session: Session, client_id: str) -> str:
    """A new client secret; the old one stops working at once (user grants are kept)."""
    app = get_app(session, client_id)
    if app.is_public:
        raise BadRequest("A public (PKCE) app has no client secret")
    secret = secrets.token_hex(16)
    app.client_secret_hash = digest(secret)
    session.flush()
    return secret


def delete_app(session: Session, client_id: str) -> None:
    """Delete an app with its grants: every token it holds stops working."""
    repository.delete_app(session, get_app(session, client_id))


# --- client authentication ---------------------------------------------------


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str | None


def client_credentials_from(
    authorization: str | None, form_client_id: str | None, form_client_secret: str | None
) -> ClientCredentials | None:
    """The client's id (and secret) from HTTP Basic or the form; `None` when absent."""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Invalid client", 401) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep or not client_id:
            raise OAuthError("invalid_client", "Invalid client", 401)
        return ClientCredentials(client_id, secret or None)
    if form_client_id:
        return ClientCredentials(form_client_id, form_client_secret or None)
    return None


def authenticate_client(session: Session, creds: ClientCredentials) -> App:
    """The app if its secret matches (constant-time); `invalid_client` (401) otherwise."""
    app = repository.get_app(session, creds.client_id)
    if app is None:
        raise OAuthError("invalid_client", "Invalid client", 401)
    if creds.client_secret is None or app.client_secret_hash is None:
        raise OAuthError("invalid_client", "Invalid client secret", 401)
    if not digests_equal(digest(creds.client_secret), app.client_secret_hash):
        raise OAuthError("invalid_client", "Invalid client secret", 401)
    return app


# --- /authorize ----------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated /authorize request."""

    app: App
    redirect_uri: str
    scopes: list[str]
    state: str | None
    show_dialog: bool
    code_challenge: str | None

    def hidden_fields(self) -> dict[str, str]:
        """The parameters the consent form posts back."""
        fields = {
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": " ".join(self.scopes),
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.code_challenge is not None:
            fields["code_challenge"] = self.code_challenge
            fields["code_challenge_method"] = "S256"
        return fields


def check_authorize(session: Session, params: Mapping[str, str]) -> AuthorizeRequest:
    """Validate /authorize parameters.

    A bad client id or a redirect URI that is not registered exactly raises
    `AuthorizePageError` (shown as a page: never redirect to an unknown URI);
    everything else raises `AuthorizeRedirectError` for the registered URI.
    """
    client_id = params.get("client_id") or ""
    app = repository.get_app(session, client_id) if client_id else None
    if app is None:
        raise AuthorizePageError("INVALID_CLIENT: Invalid client")
    redirect_uri = params.get("redirect_uri") or ""
    if redirect_uri not in app.redirect_uris:
        raise AuthorizePageError("INVALID_CLIENT: Invalid redirect URI")
    state = params.get("state")

    def fail(error: str, description: str) -> AuthorizeRedirectError:
        return AuthorizeRedirectError(redirect_uri, error, description, state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    try:
        scopes = parse_scopes(params.get("scope"))
    except OAuthError as exc:
        raise fail(exc.error, exc.description) from None
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge is not None:
        if method != "S256":
            raise fail("invalid_request", "code_challenge_method must be S256")
        if not _CHALLENGE_RE.match(challenge):
            raise fail("invalid_request", "code_challenge is malformed")
    elif method is not None:
        raise fail("invalid_request", "code_challenge missing")
    elif app.is_public:
        raise fail("invalid_request", "code_challenge required for a public client (PKCE)")
    show_dialog = (params.get("show_dialog") or "").lower() in ("true", "1")
    return AuthorizeRequest(app, redirect_uri, scopes, state, show_dialog, challenge)


def consent_covers(session: Session, user: User, request: AuthorizeRequest) -> bool:
    """True when the user already agreed to every requested scope for this app."""
    consent = repository.get_consent(session, user.id, request.app.client_id)
    return consent is not None and set(request.scopes) <= set(consent.scopes.split())


def remember_consent(session: Session, user: User, request: AuthorizeRequest) -> None:
    consent = repository.get_consent(session, user.id, request.app.client_id)
    if consent is None:
        repository.add(
            session,
            Consent(
                user_id=user.id, client_id=request.app.client_id, scopes=" ".join(request.scopes)
            ),
        )
        return
    merged = list(dict.fromkeys(consent.scopes.split() + request.scopes))
    consent.scopes = " ".join(merged)
    session.flush()


def issue_code(session: Session, user: User, request: AuthorizeRequest) -> str:
    """A single-use authorization code; returns the redirect location carrying it."""
    now = utcnow()
    repository.delete_expired_codes(session, now - timedelta(hours=1))
    code = secrets.token_urlsafe(32)
    repository.add(
        session,
        AuthorizationCode(
            code_hash=digest(code),
            client_id=request.app.client_id,
            user_id=user.id,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            code_challenge=request.code_challenge,
            expires_at=now + timedelta(seconds=CODE_LIFETIME_SECONDS),
        ),
    )
    return with_query(request.redirect_uri, code=code, state=request.state)


# --- /api/token ----------------------------------------------------------------


def _token_response(
    tokens: AccessTokens, grant: Grant, refresh_token: str, scopes: Sequence[str]
) -> dict[str, Any]:
    return {
        "access_token": tokens.issue(
            grant.client_id, user_id=grant.user_id, scopes=scopes, grant_id=grant.id
        ),
        "token_type": "Bearer",
        "expires_in": tokens.lifetime,
        "refresh_token": refresh_token,
        "scope": " ".join(scopes),
    }


def _new_grant(
    session: Session, client_id: str, user_id: str, scopes: Sequence[str], *, pkce: bool
) -> tuple[Grant, str]:
    refresh_token = secrets.token_urlsafe(48)
    grant = Grant(
        refresh_token_hash=digest(refresh_token),
        client_id=client_id,
        user_id=user_id,
        scopes=" ".join(scopes),
        uses_pkce=pkce,
    )
    repository.add(session, grant)
    return grant, refresh_token


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier."""
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
        .rstrip(b"=")
        .decode("ascii")
    )


def exchange_code(
    session: Session,
    tokens: AccessTokens,
    creds: ClientCredentials | None,
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> dict[str, Any]:
    """The authorization_code grant (confidential clients by secret, public by PKCE)."""
    if creds is None:
        raise OAuthError("invalid_client", "Invalid client", 401)
    if not code:
        raise OAuthError("invalid_request", "code parameter is missing")
    if not redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri parameter is missing")
    if creds.client_secret is not None:
        app = authenticate_client(session, creds)
    else:
        found = repository.get_app(session, creds.client_id)
        if found is None:
            raise OAuthError("invalid_client", "Invalid client", 401)
        app = found
    code_hash = digest(code)
    row = repository.get_code(session, code_hash)
    if row is None or row.client_id != app.client_id:
        raise OAuthError("invalid_grant", "Invalid authorization code")
    now = utcnow()
    if row.used_at is not None or not repository.mark_code_used(session, code_hash, now):
        # A replayed code: whatever it was exchanged for is revoked (RFC 6749 4.1.2).
        if row.grant_id is not None:
            repository.revoke_grants(session, grant_id=row.grant_id)
            tokens.forget()
        raise OAuthError("invalid_grant", "Invalid authorization code")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "Authorization code expired")
    if redirect_uri != row.redirect_uri:
        raise OAuthError("invalid_grant", "Invalid redirect URI")
    if row.code_challenge is not None:
        if not code_verifier:
            raise OAuthError("invalid_request", "code_verifier required")
        if not digests_equal(pkce_challenge(code_verifier), row.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier was incorrect")
    elif creds.client_secret is None:
        # Without PKCE the client must prove who it is with its secret.
        raise OAuthError("invalid_client", "Invalid client secret", 401)
    scopes = row.scopes.split()
    grant, refresh_token = _new_grant(
        session, app.client_id, row.user_id, scopes, pkce=row.code_challenge is not None
    )
    row.grant_id = grant.id
    session.flush()
    return _token_response(tokens, grant, refresh_token, scopes)


def refresh(
    session: Session,
    tokens: AccessTokens,
    creds: ClientCredentials | None,
    *,
    refresh_token: str | None,
    scope: str | None,
) -> dict[str, Any]:
    """The refresh_token grant: a new access token; the refresh token stays valid."""
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token must be supplied")
    if creds is None:
        raise OAuthError("invalid_client", "Invalid client", 401)
    if creds.client_secret is not None:
        app = authenticate_client(session, creds)
    else:
        found = repository.get_app(session, creds.client_id)
        if found is None:
            raise OAuthError("invalid_client", "Invalid client", 401)
        app = found
    grant = repository.get_grant_by_refresh_hash(session, digest(refresh_token))
    if grant is None or grant.client_id != app.client_id:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    if grant.revoked_at is not None:
        raise OAuthError("invalid_grant", "Refresh token revoked")
    if creds.client_secret is None and not (grant.uses_pkce or app.is_public):
        raise OAuthError("invalid_client", "Invalid client secret", 401)
    granted = grant.scopes.split()
    scopes = granted
    if scope:
        wanted = parse_scopes(scope)
        if not set(wanted) <= set(granted):
            raise OAuthError("invalid_scope", "Scope exceeds what was granted")
        scopes = wanted
    grant.last_used_at = utcnow()
    session.flush()
    return _token_response(tokens, grant, refresh_token, scopes)


def client_credentials(
    session: Session, tokens: AccessTokens, creds: ClientCredentials | None, *, open_catalog: bool
) -> dict[str, Any]:
    """The client_credentials grant: a token for catalog reads (no user).

    A registered app must present its secret. With the open catalog, an id that
    is not registered gets a token too (tools with built-in credentials).
    """
    if creds is None or creds.client_secret is None:
        raise OAuthError("invalid_client", "Invalid client", 401)
    registered = repository.get_app(session, creds.client_id) is not None
    if registered:
        authenticate_client(session, creds)
    elif not open_catalog:
        raise OAuthError("invalid_client", "Invalid client", 401)
    return {
        "access_token": tokens.issue(creds.client_id, registered=registered),
        "token_type": "Bearer",
        "expires_in": tokens.lifetime,
        "scope": "",
    }


@dataclass(frozen=True)
class ConnectedApp:
    """An app holding live tokens for a user (the account page lists them)."""

    client_id: str
    name: str
    scopes: list[str]
    last_used_at: datetime


def connected_apps(session: Session, user_id: str) -> list[ConnectedApp]:
    """The apps a user has authorized and not revoked, most recently used first."""
    grants = repository.grants_for_user(session, user_id)
    apps = repository.apps_by_id(session, sorted({g.client_id for g in grants}))
    merged: dict[str, ConnectedApp] = {}
    for grant in grants:
        app = apps.get(grant.client_id)
        if app is None:
            continue
        seen = merged.get(app.client_id)
        scopes = grant.scopes.split()
        if seen is not None:
            scopes = list(dict.fromkeys(seen.scopes + scopes))
        last = max(grant.last_used_at, seen.last_used_at) if seen else grant.last_used_at
        merged[app.client_id] = ConnectedApp(app.client_id, app.name, scopes, last)
    return sorted(merged.values(), key=lambda c: c.last_used_at, reverse=True)


def disconnect_app(session: Session, user_id: str, client_id: str) -> int:
    """Revoke every grant the user gave the app and forget the consent."""
    revoked = repository.revoke_app_grants_of_user(session, user_id, client_id)
    repository.delete_consent(session, user_id, client_id)
    session.flush()
    return revoked


def make_revocation_check(db: Database) -> RevocationCheck:
    """The database check behind `AccessTokens`: grant not revoked, or app still registered."""

    def still_valid(claims: TokenClaims) -> bool:
        with db.session_factory() as session:
            if claims.grant_id is not None:
                return repository.grant_is_active(session, claims.grant_id)
            return repository.app_exists(session, claims.client_id)

    return still_valid


def issue_user_token(
    session: Session,
    tokens: AccessTokens,
    user: User,
    scopes: Sequence[str],
    *,
    client_id: str,
    create_app: bool = False,
) -> str:
    """Mint an access token for `user` through a new grant, without the HTTP flow.

    For trusted callers (tests, the web app's own session); `create_app` registers
    a confidential app with that id when it does not exist.
    """
    scopes = parse_scopes(" ".join(scopes))
    if repository.get_app(session, client_id) is None:
        if not create_app:
            raise NotFound(f"No app {client_id!r}")
        register_app(
            session,
            name=client_id,
            redirect_uris=["http://127.0.0.1/callback"],
            client_id=client_id,
        )
    grant, _ = _new_grant(session, client_id, user.id, scopes, pkce=False)
    return str(_token_response(tokens, grant, "", scopes)["access_token"])


def install_accounts(app: Any, settings: Settings) -> None:
    """Put the app database, the token verifier and the rate limiter on `app.state`."""
    db = Database(settings.resolved_database_url)
    app.state.db = db
    app.state.token_verifier = AccessTokens(
        settings.secret_key,
        make_revocation_check(db),
        accept_unregistered=settings.open_catalog,
    )
    app.state.rate_limiter = create_rate_limiter(settings.redis_url)
