"""Every query on a user's library (saved tracks and albums, followed artists and users)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from playdeck.models import LibraryEntry, LibraryKind, utcnow


def save(session: Session, user_id: str, kind: LibraryKind, item_ids: Sequence[str]) -> None:
    """Insert entries, ignoring ones already saved (safe against a concurrent save)."""
    if not item_ids:
        return
    now = utcnow()
    # Later ids in one request are "newer", as Spotify lists a batch.
    rows = [
        {"user_id": user_id, "kind": kind, "item_id": i, "added_at": now}
        for i in dict.fromkeys(item_ids)
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(LibraryEntry).values(rows).on_conflict_do_nothing())


def remove(session: Session, user_id: str, kind: LibraryKind, item_ids: Sequence[str]) -> None:
    if item_ids:
        session.execute(
            delete(LibraryEntry).where(
                LibraryEntry.user_id == user_id,
                LibraryEntry.kind == kind,
                LibraryEntry.item_id.in_(list(item_ids)),
            )
        )


def contains(
    session: Session, user_id: str, kind: LibraryKind, item_ids: Sequence[str]
) -> set[str]:
    if not item_ids:
        return set()
    return set(
        session.scalars(
            select(LibraryEntry.item_id).where(
                LibraryEntry.user_id == user_id,
                LibraryEntry.kind == kind,
                LibraryEntry.item_id.in_(list(item_ids)),
            )
        )
    )


def page(
    session: Session, user_id: str, kind: LibraryKind, limit: int, offset: int
) -> tuple[list[tuple[str, datetime]], int]:
    """Entries newest first, and how many there are."""
    where = (LibraryEntry.user_id == user_id, LibraryEntry.kind == kind)
    total = session.scalar(select(func.count()).select_from(LibraryEntry).where(*where))
    rows = session.execute(
        select(LibraryEntry.item_id, LibraryEntry.added_at)
        .where(*where)
        .order_by(LibraryEntry.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(r[0], r[1]) for r in rows], int(total or 0)


def after_cursor(
    session: Session, user_id: str, kind: LibraryKind, after: str | None, limit: int
) -> tuple[list[str], int]:
    """Entries newest first after the entry `after` (an item id), and the total."""
    where = [LibraryEntry.user_id == user_id, LibraryEntry.kind == kind]
    total = session.scalar(select(func.count()).select_from(LibraryEntry).where(*where))
    if after is not None:
        seq = session.scalar(select(LibraryEntry.seq).where(*where, LibraryEntry.item_id == after))
        if seq is None:
            return [], int(total or 0)
        where.append(LibraryEntry.seq < seq)
    ids = session.scalars(
        select(LibraryEntry.item_id).where(*where).order_by(LibraryEntry.seq.desc()).limit(limit)
    ).all()
    return list(ids), int(total or 0)
