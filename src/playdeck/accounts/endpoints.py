"""Accounts routes: Spotify's user endpoints (`api_router`, under /v1) and the
sign-up, sign-in, sign-out and password pages (`pages_router`, under /accounts).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from playdeck.accounts import repository, web
from playdeck.accounts import service as accounts
from playdeck.accounts.schemas import private_user, public_user
from playdeck.kit.auth import CatalogReader, Principal, require_scopes
from playdeck.kit.db import SessionDep
from playdeck.kit.errors import NotFound, PlaydeckError
from playdeck.kit.responses import JSONResponse
from playdeck.oauth import service as oauth

api_router = APIRouter(tags=["users"])
pages_router = APIRouter(include_in_schema=False)

UserToken = Annotated[Principal, Depends(require_scopes())]
FormStr = Annotated[str, Form()]


@api_router.get("/me")
def get_current_user(request: Request, principal: UserToken, db: SessionDep) -> Response:
    """Get the current user's profile (the private user object)."""
    assert principal.user_id is not None
    user = repository.get(db, principal.user_id)
    if user is None:
        raise NotFound("No such user")
    base = request.app.state.public_url
    return JSONResponse(private_user(user, base, principal.scopes))


@api_router.get("/users/{user_id}")
def get_user_profile(
    request: Request, user_id: str, principal: CatalogReader, db: SessionDep
) -> Response:
    """Get a user's public profile."""
    user = repository.get(db, user_id) or repository.get_by_username(
        db, accounts.normalize_username(user_id)
    )
    if user is None:
        raise NotFound("No such user")
    return JSONResponse(public_user(user, request.app.state.public_url))


def _form_error(request: Request) -> Response:
    return web.page(
        request,
        "error.html",
        {
            "heading": "Please try again",
            "message": "This form has expired or did not come from this site. "
            "Go back, reload the page and try again.",
        },
        status=400,
    )


@pages_router.get("/accounts")
def account_page(request: Request, db: SessionDep) -> Response:
    """Your account (sign in first)."""
    user = web.current_user(request, db)
    if user is None:
        return web.redirect("/accounts/login?continue=/accounts", request)
    notice = request.query_params.get("notice")
    apps = [(app, oauth.describe_scopes(app.scopes)) for app in oauth.connected_apps(db, user.id)]
    return web.page(request, "account.html", {"user": user, "notice": notice, "apps": apps})


@pages_router.post("/accounts/apps/{client_id}/revoke")
def revoke_app_access(
    request: Request, client_id: str, db: SessionDep, csrf_token: FormStr = ""
) -> Response:
    """Take an app's access away (its tokens stop working)."""
    if not web.csrf_ok(request, csrf_token):
        return _form_error(request)
    user = web.current_user(request, db)
    if user is None:
        return web.redirect("/accounts/login?continue=/accounts", request)
    oauth.disconnect_app(db, user.id, client_id)
    request.app.state.token_verifier.forget()
    return web.redirect("/accounts?notice=Access+removed", request)


@pages_router.get("/accounts/login")
def login_page(request: Request, db: SessionDep) -> Response:
    """The sign-in form."""
    target = web.safe_continue(request.query_params.get("continue"))
    return web.page(request, "login.html", {"continue_to": target})


@pages_router.post("/accounts/login")
def login_submit(
    request: Request,
    db: SessionDep,
    username: FormStr = "",
    password: FormStr = "",
    csrf_token: FormStr = "",
    continue_to: Annotated[str, Form(alias="continue")] = "",
) -> Response:
    """Sign in."""
    if not web.csrf_ok(request, csrf_token):
        return _form_error(request)
    target = web.safe_continue(continue_to)
    context = {"continue_to": target, "username": username}
    wait = web.signin_throttle(
        request.app.state.rate_limiter, username, web.client_address(request)
    )
    if wait is not None:
        context["error"] = f"Too many sign-in attempts. Try again in {wait} seconds."
        response = web.page(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = accounts.authenticate(db, username, password)
    if user is None:
        # One message for an unknown user and a wrong password alike.
        context["error"] = "Incorrect username or password."
        return web.page(request, "login.html", context, status=400)
    return web.redirect(target, request, web.signed_in(user))


@pages_router.get("/accounts/signup")
def signup_page(request: Request) -> Response:
    """The sign-up form (when the operator allows sign-up)."""
    if not request.app.state.settings.signup_enabled:
        return web.page(
            request, "error.html", {"message": "Sign-up is turned off on this server."}, status=404
        )
    target = web.safe_continue(request.query_params.get("continue"))
    return web.page(request, "signup.html", {"continue_to": target})


@pages_router.post("/accounts/signup")
def signup_submit(
    request: Request,
    db: SessionDep,
    username: FormStr = "",
    password: FormStr = "",
    email: FormStr = "",
    display_name: FormStr = "",
    csrf_token: FormStr = "",
    continue_to: Annotated[str, Form(alias="continue")] = "",
) -> Response:
    """Create an account and sign in."""
    if not request.app.state.settings.signup_enabled:
        return web.page(
            request, "error.html", {"message": "Sign-up is turned off on this server."}, status=404
        )
    if not web.csrf_ok(request, csrf_token):
        return _form_error(request)
    target = web.safe_continue(continue_to)
    try:
        user = accounts.create_user(
            db,
            username=username,
            password=password,
            email=email or None,
            display_name=display_name or None,
        )
    except PlaydeckError as exc:
        context = {
            "continue_to": target,
            "username": username,
            "email": email,
            "display_name": display_name,
            "error": exc.message,
        }
        return web.page(request, "signup.html", context, status=exc.status)
    return web.redirect(target, request, web.signed_in(user))


@pages_router.get("/accounts/logout")
def logout_page(request: Request) -> Response:
    """Ask before signing out (a GET must not change state)."""
    return web.page(request, "logout.html")


@pages_router.post("/accounts/logout")
def logout_submit(request: Request, csrf_token: FormStr = "") -> Response:
    """Sign out."""
    if not web.csrf_ok(request, csrf_token):
        return _form_error(request)
    return web.redirect("/accounts/login", request, web.signed_out())


@pages_router.get("/accounts/password")
def password_page(request: Request, db: SessionDep) -> Response:
    """The password change form."""
    if web.current_user(request, db) is None:
        return web.redirect("/accounts/login?continue=/accounts/password", request)
    return web.page(request, "password.html")


@pages_router.post("/accounts/password")
def password_submit(
    request: Request,
    db: SessionDep,
    current_password: FormStr = "",
    new_password: FormStr = "",
    confirm_password: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    """Change the password: revokes every app's tokens and signs out other browsers."""
    if not web.csrf_ok(request, csrf_token):
        return _form_error(request)
    user = web.current_user(request, db)
    if user is None:
        return web.redirect("/accounts/login?continue=/accounts/password", request)
    if new_password != confirm_password:
        return web.page(
            request, "password.html", {"error": "The new passwords do not match."}, status=400
        )
    wait = web.signin_throttle(
        request.app.state.rate_limiter, user.username, web.client_address(request)
    )
    if wait is not None:
        error = f"Too many attempts. Try again in {wait} seconds."
        return web.page(request, "password.html", {"error": error}, status=429)
    try:
        accounts.change_password(db, user, current_password, new_password)
    except PlaydeckError as exc:
        return web.page(request, "password.html", {"error": exc.message}, status=exc.status)
    request.app.state.token_verifier.forget()
    session = web.refreshed(web.session_or_new(request), user)
    return web.redirect("/accounts?notice=Password+changed", request, session)
