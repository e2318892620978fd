"""The audit trail over playdeck's API: `GET /api/audit` (read only; there is no write route)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from playdeck.audit import service
from playdeck.kit.auth import Principal, authenticate
from playdeck.kit.db import get_session
from playdeck.kit.errors import Unauthorized
from playdeck.kit.responses import JSONResponse

router = APIRouter(prefix="/api/audit", tags=["audit"])

ReadSession = Annotated[Session, Depends(get_session, scope="function")]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get("", operation_id="list-audit-entries")
def list_entries(
    session: ReadSession,
    principal: Annotated[Principal, Depends(authenticate)],
    playlist_id: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    """Audit entries newest first: yours and your objects' (admins: everyone's)."""
    if principal.user_id is None:
        raise Unauthorized("This endpoint needs a user token (authorization code flow)")
    reader = service.actor_for(session, principal.user_id, principal.client_id)
    return JSONResponse(
        service.entries(
            session,
            reader,
            playlist_id=playlist_id,
            user_id=user_id,
            since=_utc(since),
            until=_utc(until),
            limit=limit,
            offset=offset,
        )
    )
