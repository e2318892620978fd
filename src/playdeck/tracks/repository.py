"""Every query on custom tracks."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from playdeck.models import CustomTrack


def get(session: Session, track_id: str) -> CustomTrack | None:
    return session.get(CustomTrack, track_id)


def add(session: Session, track: CustomTrack) -> None:
    session.add(track)
    session.flush()


def remove(session: Session, track_id: str) -> None:
    session.execute(delete(CustomTrack).where(CustomTrack.id == track_id))


def page(
    session: Session, owner_id: str | None, limit: int, offset: int
) -> tuple[list[CustomTrack], int]:
    """Custom tracks (of one owner, or all), newest first, and how many."""
    where = [] if owner_id is None else [CustomTrack.owner_id == owner_id]
    total = session.scalar(select(func.count()).select_from(CustomTrack).where(*where))
    rows = session.scalars(
        select(CustomTrack)
        .where(*where)
        .order_by(CustomTrack.created_at.desc(), CustomTrack.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total or 0)
