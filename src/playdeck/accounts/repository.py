"""Every query on users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from playdeck.models import User


def get(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def list_all(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def add(session: Session, user: User) -> User:
    session.add(user)
    session.flush()
    return user
