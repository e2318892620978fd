"""Every query on the audit trail (inserts and filtered, paged reads; never edits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, or_, select
from sqlalchemy import insert as insert_
from sqlalchemy.orm import Session

from playdeck.models import AuditEntry


def insert(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert_(cast(Table, AuditEntry.__table__)), [values])


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
