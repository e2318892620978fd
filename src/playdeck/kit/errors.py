"""The typed error hierarchy and the handlers that render it.

Services raise `PlaydeckError` subclasses; the handlers turn them into Spotify's
error envelope `{"error": {"status", "message"}}` (under `/v1` and `/api`).
Validation of a request's parameters is a 400 under `/v1`, as on Spotify; an
unknown route under `/v1` answers 404 in the same envelope. Nothing a client
sends can produce a 500: unexpected exceptions are logged and answered with a
generic 500 envelope so that no traceback leaks.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from playdeck.kit.responses import JSONResponse

log = logging.getLogger(__name__)


class PlaydeckError(Exception):
    """Base of every error a client may see; `status` is the HTTP status."""

    status: int = 500

    def __init__(
        self, message: str, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = headers or {}


class BadRequest(PlaydeckError):
    status = 400


class Unauthorized(PlaydeckError):
    status = 401


class Forbidden(PlaydeckError):
    status = 403


class NotFound(PlaydeckError):
    status = 404


class Conflict(PlaydeckError):
    status = 409


class PayloadTooLarge(PlaydeckError):
    status = 413


class TooManyRequests(PlaydeckError):
    status = 429

    def __init__(self, retry_after: int, message: str = "API rate limit exceeded") -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
        where = ".".join(loc) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) if parts else "Invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error in Spotify's envelope."""

    @app.exception_handler(PlaydeckError)
    async def _playdeck_error(request: Request, exc: PlaydeckError) -> Response:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/v1"):
            return error_response(400, _describe_validation(exc))
        return JSONResponse(
            {"error": {"status": 422, "message": _describe_validation(exc)}}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "Error"
        if exc.status_code == 404 and request.url.path.startswith("/v1"):
            message = "Service not found"
        elif exc.status_code == 405:
            message = "Method not allowed"
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Server error")
