"""The accounts pages' plumbing: the signed session cookie, CSRF, templates, throttling.

The browser session is a cookie signed with `settings.secret_key` (itsdangerous)
holding the user id, the user's `session_version` (bumped on a password change,
which signs out every other browser) and a CSRF token. Anonymous visitors get a
cookie too, so the sign-in form is CSRF-protected before anyone is signed in.
Every form carries the token in a hidden `csrf_token` field, compared in
constant time with the cookie's.

Cookies are `HttpOnly`, `SameSite=Lax`, and `Secure` whenever the public URL is
https or the server runs in production.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.responses import Response

from playdeck.accounts import repository
from playdeck.config import Settings
from playdeck.kit.ratelimit import Limit, RateLimiter
from playdeck.models import User

COOKIE_NAME = "playdeck_session"
SESSION_MAX_AGE = 30 * 24 * 3600
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"

# Sign-in throttling: attempts per username and per client address.
SIGNIN_WINDOW_SECONDS = 300.0
SIGNIN_ATTEMPTS_PER_USERNAME = 10
SIGNIN_ATTEMPTS_PER_ADDRESS = 50

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

# Pages must not be framed (clickjacking the consent button) nor cached.
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; default-src 'self'; "
    "style-src 'self' 'unsafe-inline'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class WebSession:
    """What the session cookie holds."""

    csrf: str
    user_id: str | None = None
    version: int = 0


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="playdeck-web-session")


def load_session(request: Request) -> WebSession | None:
    """The request's session cookie, if present and correctly signed."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer(request.app.state.settings).loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    user_id = data.get("uid")
    return WebSession(
        csrf=data["csrf"],
        user_id=user_id if isinstance(user_id, str) else None,
        version=int(data.get("v", 0)),
    )


def session_or_new(request: Request) -> WebSession:
    return load_session(request) or WebSession(csrf=secrets.token_urlsafe(24))


def signed_in(user: User) -> WebSession:
    # A fresh CSRF token at sign-in (no token fixation across the privilege change).
    return WebSession(csrf=secrets.token_urlsafe(24), user_id=user.id, version=user.session_version)


def signed_out() -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(24))


def refreshed(session: WebSession, user: User) -> WebSession:
    return replace(session, version=user.session_version)


def cookie_secure(settings: Settings) -> bool:
    return settings.env == "production" or settings.resolved_public_url.startswith("https://")


def save_session(response: Response, request: Request, session: WebSession) -> None:
    settings: Settings = request.app.state.settings
    value = _serializer(settings).dumps(
        {"csrf": session.csrf, "uid": session.user_id, "v": session.version}
    )
    response.set_cookie(
        COOKIE_NAME,
        str(value),
        max_age=SESSION_MAX_AGE,
        path="/",
        httponly=True,
        secure=cookie_secure(settings),
        samesite="lax",
    )


def current_user(request: Request, db: Session) -> User | None:
    """The signed-in user, if the cookie names one whose password has not changed since."""
    session = load_session(request)
    if session is None or session.user_id is None:
        return None
    user = repository.get(db, session.user_id)
    if user is None or user.session_version != session.version:
        return None
    db.info["audit_actor"] = (user.id, None)  # what this user changes is audited as theirs
    return user


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """The form's CSRF token matches the cookie's (constant-time)."""
    session = load_session(request)
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


def safe_continue(target: str | None, default: str = "/accounts") -> str:
    """A local path to go on to after a form (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def signin_throttle(limiter: RateLimiter, username: str, address: str) -> int | None:
    """Count a sign-in attempt; seconds to wait when too many were made recently."""
    return limiter.hit(
        [
            Limit(
                f"signin:user:{username.strip().lower()}",
                SIGNIN_ATTEMPTS_PER_USERNAME,
                SIGNIN_WINDOW_SECONDS,
            ),
            Limit(f"signin:addr:{address}", SIGNIN_ATTEMPTS_PER_ADDRESS, SIGNIN_WINDOW_SECONDS),
        ]
    )


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    session: WebSession | None = None,
) -> Response:
    """Render a page with the CSRF token, the security headers and the session cookie."""
    session = session or session_or_new(request)
    values: dict[str, Any] = {
        "csrf_token": session.csrf,
        "signup_enabled": request.app.state.settings.signup_enabled,
    }
    values.update(context or {})
    response = templates.TemplateResponse(
        request, template, values, status_code=status, headers=PAGE_HEADERS
    )
    save_session(response, request, session)
    return response


def redirect(location: str, request: Request, session: WebSession | None = None) -> Response:
    """A 303 (so the browser follows a POST with a GET), optionally updating the cookie."""
    response = Response(status_code=303, headers={"Location": location, **PAGE_HEADERS})
    if session is not None:
        save_session(response, request, session)
    return response
