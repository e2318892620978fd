"""Playlists: the live rows, their followers and cover, and every version kept.

The live items are stored in blocks (`playlist_blocks`, a row per run of items,
ordered by the playlist's `blocks` directory) and are what reads and edits
touch; `playlist_versions` holds one row per snapshot with the operations that
produced it (a delta), and
`playlist_checkpoints` a full copy of the item list every so often, so any
version is a checkpoint plus a short replay (`playlists.history`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from playdeck.models.base import Base, new_id, utcnow


class Playlist(Base):
    """A playlist: details, its current snapshot and the counters edits maintain."""

    __tablename__ = "playlists"

    id: Mapped[str] = mapped_column(String(22), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    collaborative: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot_id: Mapped[str] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    length: Mapped[int] = mapped_column(Integer, default=0)
    # The item blocks in order with their counts, `[[block, count], …]` (`playlists.blocks`).
    blocks: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # Items written to history since the last checkpoint (the checkpoint policy).
    delta_since_checkpoint: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaylistBlock(Base):
    """A run of up to `playlists.blocks.MAX` consecutive items of one playlist (their
    order is the playlist's `blocks` directory; the encoding is `blocks.encode`)."""

    __tablename__ = "playlist_blocks"

    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    items: Mapped[str] = mapped_column(Text)


class PlaylistVersion(Base):
    """One snapshot: who made it, how (operation + parameters), and the delta."""

    __tablename__ = "playlist_versions"

    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(40))
    ops: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    length: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_playlist_versions_time", "playlist_id", "created_at"),)


class PlaylistCheckpoint(Base):
    """The full item list at one version, so reconstruction replays few deltas."""

    __tablename__ = "playlist_checkpoints"

    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)


class PlaylistFollower(Base):
    """A user following a playlist (the owner too); collaborators are followers."""

    __tablename__ = "playlist_followers"

    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaylistImage(Base):
    """A playlist's uploaded cover (JPEG bytes, at most 256 KB)."""

    __tablename__ = "playlist_images"

    playlist_id: Mapped[str] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(22), default=new_id)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
