"""The app database plumbing (kit/db.py, migrations) on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from playdeck.kit.db import Database, SessionDep, upgrade_database
from playdeck.kit.errors import BadRequest
from playdeck.models import Base, Consent, User


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)


def test_sqlite_pragmas(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session_scope() as session:
        session.add(Consent(user_id="nobody", client_id="nothing", scopes=""))
        session.flush()


def test_session_dep_commits_on_success_and_rolls_back_on_error(db_app: FastAPI) -> None:
    @db_app.post("/api/_test/user/{name}")
    def make(name: str, session: SessionDep, fail: bool = False) -> dict[str, str]:
        session.add(User(username=name, password_hash="x"))
        session.flush()
        if fail:
            raise BadRequest("no")
        return {"ok": name}

    with TestClient(db_app) as c:
        assert c.post("/api/_test/user/kept").status_code == 200
        assert c.post("/api/_test/user/dropped?fail=true").status_code == 400
    with db_app.state.db.session_scope() as session:
        names = set(session.scalars(select(User.username)))
    assert names == {"kept"}


def test_timestamps_are_timezone_aware(db: Database, make_user: object) -> None:
    with db.session_scope() as session:
        session.add(User(username="tz", password_hash="x"))
    with db.session_scope() as session:
        user = session.scalars(select(User).where(User.username == "tz")).one()
        assert user.created_at.tzinfo is not None
        assert session.execute(text("SELECT 1")).scalar() == 1
