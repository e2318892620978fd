"""The demo account `scripts/serve` creates on a new development install."""

from __future__ import annotations

from pathlib import Path

from playdeck.accounts import service as accounts
from playdeck.config import Settings
from playdeck.kit.db import Database
from playdeck.web.demo import DEMO_PASSWORD, DEMO_USERNAME, ensure_demo_user


def _settings(tmp_path: Path, env: str = "development") -> Settings:
    return Settings(env=env, data_dir=tmp_path)  # type: ignore[arg-type]


def test_created_once_on_a_new_install(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert ensure_demo_user(settings)
    assert ensure_demo_user(settings)
    db = Database(settings.resolved_database_url)
    with db.session_scope() as session:
        assert [u.username for u in accounts.list_users(session)] == [DEMO_USERNAME]
        assert accounts.authenticate(session, DEMO_USERNAME, DEMO_PASSWORD) is not None
    db.dispose()


def test_never_outside_development(tmp_path: Path) -> None:
    assert not ensure_demo_user(_settings(tmp_path, env="test"))


def test_not_added_to_an_install_with_users(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert ensure_demo_user(settings)  # migrates and creates
    db = Database(settings.resolved_database_url)
    with db.session_scope() as session:
        accounts.create_user(session, username="alice", password="correct horse battery")
    db.dispose()
    other = _settings(tmp_path / "other")
    (tmp_path / "other").mkdir()
    db = Database(other.resolved_database_url)
    from playdeck.kit.db import upgrade_database

    upgrade_database(other.resolved_database_url)
    with db.session_scope() as session:
        accounts.create_user(session, username="bob", password="correct horse battery")
    db.dispose()
    assert not ensure_demo_user(other)
