"""Who is calling: bearer-token verification shared by every API route.

`Principal` is what a valid access token stands for: the app (client id), the
user when the token came from a user grant, and its scopes. How a token is
verified is pluggable (`app.state.token_verifier`) so the OAuth server
(`playdeck.oauth`) owns token storage; routes only declare what they need:
`CatalogReader` (any valid token) or `require_scopes(...)` (a user token with
those scopes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from playdeck.kit.errors import Forbidden, Unauthorized


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a valid access token."""

    client_id: str
    user_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)


TokenVerifier = Callable[[str], Principal | None]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("No token provided")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Only valid bearer authentication supported")
    return token.strip()


def authenticate(request: Request) -> Principal:
    """Resolve the request's bearer token to a Principal, or raise 401."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = _bearer(request)
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier(token)
    if principal is None:
        raise Unauthorized("Invalid access token")
    request.state.principal = principal
    return principal


async def authenticate_in_loop(request: Request) -> Principal:
    """`authenticate` on the event loop: the token is almost always already resolved
    (by the rate-limit middleware, or from the verifier's cache), so a hop to the
    thread pool would cost more than the check itself."""
    return authenticate(request)


CatalogReader = Annotated[Principal, Depends(authenticate_in_loop)]


def require_scopes(*scopes: str) -> Callable[[Request], Principal]:
    """A dependency: a user token carrying every one of `scopes` (403 otherwise)."""

    def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal.user_id is None:
            raise Unauthorized("This endpoint needs a user token (authorization code flow)")
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            raise Forbidden("Insufficient client scope")
        return principal

    return dependency
