"""Every query on apps, consents, authorization codes and grants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from playdeck.models import App, AuthorizationCode, Consent, Grant, utcnow


def get_app(session: Session, client_id: str) -> App | None:
    return session.get(App, client_id)


def list_apps(session: Session) -> Sequence[App]:
    return session.scalars(select(App).order_by(App.created_at, App.client_id)).all()


def app_exists(session: Session, client_id: str) -> bool:
    return session.scalar(select(App.client_id).where(App.client_id == client_id)) is not None


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def delete_app(session: Session, app: App) -> None:
    # Grants, codes and consents go with it (ON DELETE CASCADE); delete them
    # explicitly too so the session's identity map holds no stale rows.
    for model in (Grant, AuthorizationCode, Consent):
        session.execute(delete(model).where(model.client_id == app.client_id))
    session.delete(app)
    session.flush()


def get_consent(session: Session, user_id: str, client_id: str) -> Consent | None:
    return session.get(Consent, (user_id, client_id))


def get_code(session: Session, code_hash: str) -> AuthorizationCode | None:
    return session.get(AuthorizationCode, code_hash)


def mark_code_used(session: Session, code_hash: str, now: datetime) -> bool:
    """Mark the code used; `False` if someone else already did (single use, race-free)."""
    result = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == code_hash, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def delete_expired_codes(session: Session, before: datetime) -> None:
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < before))


def get_grant(session: Session, grant_id: str) -> Grant | None:
    return session.get(Grant, grant_id)


def get_grant_by_refresh_hash(session: Session, refresh_hash: str) -> Grant | None:
    return session.scalars(
        select(Grant).where(Grant.refresh_token_hash == refresh_hash)
    ).one_or_none()


def grant_is_active(session: Session, grant_id: str) -> bool:
    revoked = session.execute(select(Grant.revoked_at).where(Grant.id == grant_id)).one_or_none()
    return revoked is not None and revoked[0] is None


def revoke_grants(
    session: Session, *, user_id: str | None = None, grant_id: str | None = None
) -> int:
    """Revoke a user's grants, or one grant; returns how many were active."""
    stmt = update(Grant).where(Grant.revoked_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(Grant.user_id == user_id)
    if grant_id is not None:
        stmt = stmt.where(Grant.id == grant_id)
    result = session.execute(
        stmt.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0))


def grants_for_user(session: Session, user_id: str) -> Sequence[Grant]:
    return session.scalars(
        select(Grant)
        .where(Grant.user_id == user_id, Grant.revoked_at.is_(None))
        .order_by(Grant.created_at)
    ).all()


def delete_consent(session: Session, user_id: str, client_id: str) -> None:
    session.execute(
        delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
    )


def revoke_app_grants_of_user(session: Session, user_id: str, client_id: str) -> int:
    result = session.execute(
        update(Grant)
        .where(Grant.user_id == user_id, Grant.client_id == client_id, Grant.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0))


def apps_by_id(session: Session, client_ids: Sequence[str]) -> dict[str, App]:
    if not client_ids:
        return {}
    rows = session.scalars(select(App).where(App.client_id.in_(client_ids)))
    return {app.client_id: app for app in rows}
