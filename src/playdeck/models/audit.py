"""The audit trail: one append-only row per change, written in the change's transaction.

No foreign keys on purpose: an entry outlives the user, app or playlist it names,
and the database refuses UPDATE and DELETE on this table (triggers in the
migration), so nothing edits or removes an entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from playdeck.models.base import Base, utcnow


class AuditEntry(Base):
    """Who (user, app) did what (operation, parameters) to which object, when."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(128))
    as_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    operation: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(64))
    # The user the object belongs to: owners read the entries about their objects.
    owner_id: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_before: Mapped[str | None] = mapped_column(String(40))
    snapshot_after: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id", "id"),
        Index("ix_audit_entries_owner", "owner_id", "id"),
        Index("ix_audit_entries_user", "user_id", "id"),
        Index("ix_audit_entries_at", "at"),
    )
