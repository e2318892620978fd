"""Users: people who sign in, with a role."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from playdeck.models.base import Base, new_id, utcnow


class Role(enum.StrEnum):
    """What a user may do: admins manage users and apps, curators run the studio."""

    admin = "admin"
    curator = "curator"
    listener = "listener"


class User(Base):
    """A playdeck account. `id` is the Spotify-style user id used in URIs and `/v1/users`."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Stored lower-case: sign-in is case-insensitive and names are unique that way.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, validate_strings=True), default=Role.listener
    )
    country: Mapped[str] = mapped_column(String(2), default="US")
    # Bumped on every password change: web sessions signed with an older value
    # are no longer accepted.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
