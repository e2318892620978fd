"""Recording and reading the audit trail.

`record()` writes an entry: call it in the same session (so the same
transaction) as the change it describes, after the change is flushed. The
playlist edits write theirs inside the edit's own statement instead, from the
values `entry()` builds (the one definition of an entry's values). The table is
append-only (the migration installs triggers refusing UPDATE and DELETE); reads
are filtered by what the reader may see: owners the entries about their own
objects and their own actions, admins everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from playdeck.audit import repository
from playdeck.models import AuditEntry, Role, User, utcnow


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a change: the user, the app (OAuth client id), and the role."""

    user_id: str | None
    client_id: str | None
    is_admin: bool = False


def actor_for(session: Session, user_id: str | None, client_id: str | None) -> Actor:
    """The actor behind a token (one primary-key read for the role)."""
    user = session.get(User, user_id) if user_id else None
    return Actor(user_id, client_id, user is not None and user.role == Role.admin)


def entry(
    actor: Actor,
    operation: str,
    object_type: str,
    object_id: str,
    *,
    owner_id: str | None,
    params: Mapping[str, Any] | None = None,
    snapshot_before: str | None = None,
    snapshot_after: str | None = None,
) -> dict[str, Any]:
    """The column values of one entry, for a caller that writes the row inside its
    own statement (the playlist edits: `playlists.repository.write_version`).

    `as_admin` is set when an admin acts on an object that is not theirs (support
    actions are visible as such in the trail).
    """
    return {
        "at": utcnow(),
        "user_id": actor.user_id,
        "client_id": actor.client_id,
        "as_admin": actor.is_admin and owner_id is not None and owner_id != actor.user_id,
        "operation": operation,
        "object_type": object_type,
        "object_id": object_id,
        "owner_id": owner_id,
        "params": dict(params or {}),
        "snapshot_before": snapshot_before,
        "snapshot_after": snapshot_after,
    }


def record(
    session: Session,
    actor: Actor,
    operation: str,
    object_type: str,
    object_id: str,
    *,
    owner_id: str | None,
    params: Mapping[str, Any] | None = None,
    snapshot_before: str | None = None,
    snapshot_after: str | None = None,
) -> None:
    """Append one entry describing a change made in this session's transaction.

    Written at once (a plain INSERT in the session's transaction), so it commits or
    rolls back with the change.
    """
    repository.insert(
        session,
        entry(
            actor,
            operation,
            object_type,
            object_id,
            owner_id=owner_id,
            params=params,
            snapshot_before=snapshot_before,
            snapshot_after=snapshot_after,
        ),
    )


def to_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat().replace("+00:00", "Z"),
        "user_id": entry.user_id,
        "client_id": entry.client_id,
        "as_admin": entry.as_admin,
        "operation": entry.operation,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "owner_id": entry.owner_id,
        "params": entry.params,
        "snapshot_before": entry.snapshot_before,
        "snapshot_after": entry.snapshot_after,
    }


def entries(
    session: Session,
    reader: Actor,
    *,
    playlist_id: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of entries, newest first, that `reader` may see."""
    rows, total = repository.search(
        session,
        visible_to=None if reader.is_admin else reader.user_id,
        object_type="playlist" if playlist_id else None,
        object_id=playlist_id,
        user_id=user_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [to_json(r) for r in rows],
        "limit": limit,
        "offset": offset,
        "total": total,
    }
