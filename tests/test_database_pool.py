"""The PostgreSQL connection pool pings a connection that has been idle before using
it, and replaces one the server has closed (`kit.db._ping_idle_connections`)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from playdeck.kit import db as kit_db
from playdeck.kit.db import Database


def test_an_idle_connection_closed_by_the_server_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kit_db.is_sqlite(database_url):
        pytest.skip("SQLite has no server to close connections")
    database = Database(database_url)
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with database.engine.connect() as conn:
            first = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        # The server ends the pooled connection (a restart, an idle timeout).
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": first})
        monkeypatch.setattr(kit_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle
        with database.engine.connect() as conn:
            second = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        assert second != first
    finally:
        database.dispose()
        admin.dispose()
