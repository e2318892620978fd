"""The accounts service's OAuth routes (`/authorize`, `/api/token`) and the admin
app management API (`/api/apps`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from playdeck.accounts import repository as accounts_repository
from playdeck.accounts import web
from playdeck.kit.auth import Principal, authenticate
from playdeck.kit.db import SessionDep
from playdeck.kit.errors import Forbidden, Unauthorized
from playdeck.kit.responses import JSONResponse
from playdeck.models import Role
from playdeck.oauth import service as oauth
from playdeck.oauth.schemas import AppCreate, AppList, AppOut, AppUpdate
from playdeck.oauth.service import (
    AuthorizePageError,
    AuthorizeRedirectError,
    AuthorizeRequest,
    OAuthError,
)
from playdeck.oauth.tokens import AccessTokens

router = APIRouter(include_in_schema=False)
apps_router = APIRouter(prefix="/api/apps", tags=["apps"])

OptionalForm = Annotated[str | None, Form()]


def _oauth_error(exc: OAuthError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="playdeck"'} if exc.status == 401 else None
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )


def _error_page(request: Request, message: str, status: int = 400) -> Response:
    return web.page(
        request, "error.html", {"heading": "Cannot sign in", "message": message}, status=status
    )


def _consent_page(request: Request, req: AuthorizeRequest, username: str) -> Response:
    context = {
        "app_name": req.app.name,
        "username": username,
        "scopes": oauth.describe_scopes(req.scopes),
        "fields": req.hidden_fields(),
        "redirect_host": urlsplit(req.redirect_uri).netloc or req.redirect_uri,
    }
    return web.page(request, "consent.html", context)


@router.get("/authorize")
def authorize(request: Request, db: SessionDep) -> Response:
    """Start the authorization code flow: sign in, then consent, then redirect with a code."""
    params = dict(request.query_params)
    try:
        req = oauth.check_authorize(db, params)
    except AuthorizePageError as exc:
        return _error_page(request, exc.message)
    except AuthorizeRedirectError as exc:
        return web.redirect(exc.location, request)
    user = web.current_user(request, db)
    if user is None:
        here = f"/authorize?{urlencode(params)}"
        return web.redirect(f"/accounts/login?{urlencode({'continue': here})}", request)
    if not req.show_dialog and oauth.consent_covers(db, user, req):
        return web.redirect(oauth.issue_code(db, user, req), request)
    return _consent_page(request, req, user.username)


@router.post("/authorize")
def authorize_decision(
    request: Request,
    db: SessionDep,
    decision: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    client_id: OptionalForm = None,
    redirect_uri: OptionalForm = None,
    response_type: OptionalForm = None,
    scope: OptionalForm = None,
    state: OptionalForm = None,
    code_challenge: OptionalForm = None,
    code_challenge_method: OptionalForm = None,
) -> Response:
    """The consent form's answer: agree (redirect with a code) or cancel (access_denied)."""
    fields = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": response_type,
        "scope": scope,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": code_challenge_method,
    }
    params = {k: v for k, v in fields.items() if v is not None}
    try:
        req = oauth.check_authorize(db, params)
    except AuthorizePageError as exc:
        return _error_page(request, exc.message)
    except AuthorizeRedirectError as exc:
        return web.redirect(exc.location, request)
    if not web.csrf_ok(request, csrf_token):
        return _error_page(
            request, "This form has expired or did not come from this site. Please try again."
        )
    user = web.current_user(request, db)
    if user is None:
        here = f"/authorize?{urlencode(params)}"
        return web.redirect(f"/accounts/login?{urlencode({'continue': here})}", request)
    if decision != "allow":
        location = oauth.with_query(req.redirect_uri, error="access_denied", state=req.state)
        return web.redirect(location, request)
    oauth.remember_consent(db, user, req)
    return web.redirect(oauth.issue_code(db, user, req), request)


@router.post("/api/token")
def token(
    request: Request,
    db: SessionDep,
    grant_type: OptionalForm = None,
    code: OptionalForm = None,
    redirect_uri: OptionalForm = None,
    code_verifier: OptionalForm = None,
    refresh_token: OptionalForm = None,
    scope: OptionalForm = None,
    client_id: OptionalForm = None,
    client_secret: OptionalForm = None,
) -> Response:
    """Issue tokens: authorization_code (+PKCE), refresh_token, client_credentials."""
    tokens: AccessTokens = request.app.state.token_verifier
    try:
        creds = oauth.client_credentials_from(
            request.headers.get("authorization"), client_id, client_secret
        )
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type parameter is missing")
        if grant_type == "authorization_code":
            body = oauth.exchange_code(
                db, tokens, creds, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
            )
        elif grant_type == "refresh_token":
            body = oauth.refresh(db, tokens, creds, refresh_token=refresh_token, scope=scope)
        elif grant_type == "client_credentials":
            body = oauth.client_credentials(
                db, tokens, creds, open_catalog=request.app.state.settings.open_catalog
            )
        else:
            raise OAuthError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
    except OAuthError as exc:
        # Returned, not raised: what the failed attempt changed (a replayed code
        # revoking its grant) must be committed.
        return _oauth_error(exc)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# --- /api/apps (admins) -------------------------------------------------------------


def require_admin(request: Request, db: SessionDep) -> Principal:
    """A user token whose user is an admin."""
    principal = authenticate(request)
    if principal.user_id is None:
        raise Unauthorized("This endpoint needs a user token (authorization code flow)")
    user = accounts_repository.get(db, principal.user_id)
    if user is None or user.role != Role.admin:
        raise Forbidden("Only admins manage apps")
    return principal


Admin = Annotated[Principal, Depends(require_admin)]


@apps_router.get("")
def list_apps(admin: Admin, db: SessionDep) -> AppList:
    """List registered apps."""
    return AppList(items=[AppOut.of(a) for a in oauth.list_apps(db)])


@apps_router.post("", status_code=201)
def create_app(body: AppCreate, admin: Admin, db: SessionDep) -> AppOut:
    """Register an app; the answer carries the client secret (shown only this once)."""
    new = oauth.register_app(
        db,
        name=body.name,
        redirect_uris=body.redirect_uris,
        client_id=body.client_id,
        client_secret=body.client_secret,
        public=body.public,
        owner_id=admin.user_id,
    )
    return AppOut.of(new.app, new.client_secret)


@apps_router.get("/{client_id}")
def get_app(client_id: str, admin: Admin, db: SessionDep) -> AppOut:
    """Get one app."""
    return AppOut.of(oauth.get_app(db, client_id))


@apps_router.patch("/{client_id}")
def update_app(client_id: str, body: AppUpdate, admin: Admin, db: SessionDep) -> AppOut:
    """Rename an app or replace its redirect URIs."""
    return AppOut.of(
        oauth.update_app(db, client_id, name=body.name, redirect_uris=body.redirect_uris)
    )


@apps_router.post("/{client_id}/secret")
def rotate_app_secret(client_id: str, admin: Admin, db: SessionDep) -> AppOut:
    """Replace the app's client secret (the old one stops working at once)."""
    secret = oauth.rotate_secret(db, client_id)
    return AppOut.of(oauth.get_app(db, client_id), secret)


@apps_router.delete("/{client_id}", status_code=204)
def delete_app(request: Request, client_id: str, admin: Admin, db: SessionDep) -> Response:
    """Delete an app and revoke every token it holds."""
    oauth.delete_app(db, client_id)
    request.app.state.token_verifier.forget()
    return Response(status_code=204)
