"""The accounts service's token endpoint (`POST /api/token`).

Minimal first cut: client credentials only, signed stateless tokens. The
accounts issue replaces this with registered apps, user grants and scopes.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.responses import Response

from playdeck.kit.auth import Principal
from playdeck.kit.responses import JSONResponse

router = APIRouter()

ACCESS_TOKEN_SECONDS = 3600


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="playdeck-access-token")


def make_verifier(secret_key: str) -> TokenVerifierImpl:
    return TokenVerifierImpl(secret_key)


class TokenVerifierImpl:
    """Verifies signed access tokens issued by `POST /api/token`."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = _serializer(secret_key)

    def __call__(self, token: str) -> Principal | None:
        try:
            data = self._serializer.loads(token, max_age=ACCESS_TOKEN_SECONDS)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict) or "c" not in data:
            return None
        return Principal(client_id=str(data["c"]))

    def issue(self, client_id: str) -> str:
        return str(self._serializer.dumps({"c": client_id}))


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None
    if form.get("client_id") and form.get("client_secret"):
        return form["client_id"], form["client_secret"]
    return None


@router.post("/api/token", include_in_schema=False)
async def token(request: Request) -> Response:
    """Issue an access token (client credentials grant)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    grant_type = form.get("grant_type")
    if not grant_type:
        return _oauth_error("invalid_request", "grant_type parameter is missing")
    if grant_type != "client_credentials":
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
    creds = _client_credentials(request, form)
    if creds is None:
        return _oauth_error("invalid_client", "Invalid client", 401)
    verifier: TokenVerifierImpl = request.app.state.token_verifier
    return JSONResponse(
        {
            "access_token": verifier.issue(creds[0]),
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "scope": "",
        }
    )
