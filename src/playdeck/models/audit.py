"""The audit trail: one append-only row per change, written in the change's transaction.

No foreign keys on purpose: an entry outlives the user, app or playlist it names,
and the database refuses UPDATE and DELETE on this table (triggers in the
migration), so nothing edits or removes an entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from playdeck.models.base import Base, new_id, utcnow


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


# -- account changes ------------------------------------------------------------------
# Users and apps are changed by the accounts package (HTTP and CLI); this hook audits
# those changes in the same flush, so in the same transaction, wherever they come from.
# The actor is `session.info["audit_actor"]` = (user_id, client_id) when the caller
# set it (the cookie-signed account pages do), else the request's token holder (the
# request edge puts the request in `session.info`), else unknown (an operator at the
# CLI). Only the names of changed fields are recorded, never their values (password
# hashes, secret digests).

_ACCOUNT_MODELS = {"users": "user", "apps": "app"}


def _changed_fields(obj: Any) -> list[str]:
    from sqlalchemy import inspect

    return sorted(attr.key for attr in inspect(obj).attrs if attr.history.has_changes())


def _actor(session: Session) -> tuple[str | None, str | None]:
    actor: tuple[str | None, str | None] | None = session.info.get("audit_actor")
    if actor:
        return actor
    state = getattr(session.info.get("request"), "state", None)
    principal = getattr(state, "principal", None)
    if principal is not None:
        return principal.user_id, principal.client_id
    return None, None


def _audit_account_changes(session: Session, _context: Any, _instances: Any) -> None:
    actor = _actor(session)
    entries: list[AuditEntry] = []
    for kind, objs in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objs:
            object_type = _ACCOUNT_MODELS.get(getattr(obj, "__tablename__", ""))
            if object_type is None:
                continue
            if kind == "update" and not session.is_modified(obj):
                continue
            if object_type == "user" and obj.id is None:
                obj.id = new_id()  # the column default, applied early to name the entry
            ident = str(getattr(obj, "id", None) or getattr(obj, "client_id", ""))
            owner = ident if object_type == "user" else getattr(obj, "owner_id", None)
            params: dict[str, Any] = {"fields": _changed_fields(obj)} if kind == "update" else {}
            if object_type == "user":
                params["username"] = getattr(obj, "username", None)
            else:
                params["name"] = getattr(obj, "name", None)
            entries.append(
                AuditEntry(
                    at=utcnow(),
                    user_id=actor[0],
                    client_id=actor[1],
                    as_admin=False,
                    operation=f"{object_type}.{kind}",
                    object_type=object_type,
                    object_id=ident,
                    owner_id=owner,
                    params=params,
                )
            )
    session.add_all(entries)


event.listen(Session, "before_flush", _audit_account_changes)
