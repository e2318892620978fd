"""Every query on the audit trail (inserts and filtered, paged reads; never edits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from playdeck.models import AuditEntry


def add(session: Session, entry: AuditEntry) -> None:
    # Flushed with the change it describes, in the same transaction.
    session.add(entry)


def search(
    session: Session,
    *,
    visible_to: str | None,
    object_type: str | None,
    object_id: str | None,
    user_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEntry], int]:
    """Entries matching every given filter, newest first, and how many match."""
    where: list[ColumnElement[bool]] = []
    if visible_to is not None:
        where.append(or_(AuditEntry.owner_id == visible_to, AuditEntry.user_id == visible_to))
    if object_type is not None:
        where.append(AuditEntry.object_type == object_type)
    if object_id is not None:
        where.append(AuditEntry.object_id == object_id)
    if user_id is not None:
        where.append(AuditEntry.user_id == user_id)
    if since is not None:
        where.append(AuditEntry.at >= since)
    if until is not None:
        where.append(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, int(total)
