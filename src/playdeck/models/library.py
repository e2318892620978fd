"""A user's library: saved tracks and albums, followed artists and users.

One table keyed by (user, kind, item id); `seq` orders a listing newest first
and is the cursor of `/me/following`. Catalog ids are plain strings: the catalog
is a separate, read-only database.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from playdeck.models.base import Base, utcnow


class LibraryKind(enum.StrEnum):
    track = "track"
    album = "album"
    artist = "artist"
    user = "user"


class LibraryEntry(Base):
    """One saved or followed item."""

    __tablename__ = "library_entries"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[LibraryKind] = mapped_column(
        Enum(LibraryKind, native_enum=False, length=8, validate_strings=True)
    )
    item_id: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("uq_library_entries_item", "user_id", "kind", "item_id", unique=True),
        Index("ix_library_entries_listing", "user_id", "kind", "seq"),
    )
