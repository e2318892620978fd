"""The PostgreSQL connection pool pings a connection that has been idle before using
it, and replaces one the server has closed (`kit.db._ping_idle_connections`)."""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.orm import Session

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


def test_an_idle_loop_connection_closed_by_the_server_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for the event loop's connections (`kit.db.LoopConnections`): a write sent
    after the server ended the idle connection lands, through a new one."""
    if kit_db.is_sqlite(database_url):
        pytest.skip("SQLite has no server to close connections")
    database = Database(database_url)
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with database.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE loop_probe (pid INTEGER)")
    write = "INSERT INTO loop_probe SELECT pg_backend_pid() WHERE %(go)s"

    async def twice() -> None:
        async with database.connections_on_loop() as writes:
            assert writes is not None
            for _ in range(2):
                with database.session_factory() as session:
                    session.info[kit_db.ON_LOOP] = True
                    kit_db.defer_to_loop(session, write, {"go": True})
                    assert await writes.send(session)
                with admin.connect() as conn:  # the server ends the pooled connection
                    conn.exec_driver_sql("SELECT pg_terminate_backend(max(pid)) FROM loop_probe")
                monkeypatch.setattr(kit_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle

    try:
        asyncio.run(twice())
        with database.engine.connect() as conn:
            pids = conn.exec_driver_sql("SELECT pid FROM loop_probe").scalars().all()
        assert len(pids) == 2 and pids[0] != pids[1]
    finally:
        database.dispose()
        admin.dispose()


def test_a_loop_write_with_the_database_down_fails_without_hanging() -> None:
    """With no server to connect to, a write from the event loop fails after the
    pool's wait (`wait_seconds`) as SQLAlchemy's error, which the app answers with
    its 500 envelope, rather than holding the request."""
    writes = kit_db.LoopConnections(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", wait_seconds=0.5
    )

    async def attempt() -> float:
        await writes.open()
        try:
            session = Session()
            session.info[kit_db.ON_LOOP] = True
            kit_db.defer_to_loop(session, "SELECT 1", {})
            start = time.monotonic()
            with pytest.raises(sa.exc.OperationalError):
                await writes.send(session)
            return time.monotonic() - start
        finally:
            await writes.close()

    assert asyncio.run(attempt()) < 5


def test_loop_connections_are_configured_as_the_engines(database_url: str) -> None:
    """The event loop's connections take the engine's parameters, `options` with
    several settings included (a space in a URL's query is easily mangled): the
    same schema and settings, whichever connection a request's statement runs on;
    and they write a JSON value (an edit's operations, an audit entry's
    parameters) as the same text as the engine's."""
    if kit_db.is_sqlite(database_url):
        pytest.skip("SQLite has no loop connections")
    database = Database(f"{database_url}%20-cwork_mem%3D7MB%20-capplication_name%3Dplaydeck-t")
    statement = (
        "SELECT current_setting('search_path'), current_setting('work_mem'),"
        " current_setting('application_name'), CAST(%(value)s AS JSON)::text"
    )
    value = Json({"uris": ["spotify:local:Ünïcødé:曲::0"], "at": [3, None]})

    async def on_loop() -> list[object]:
        async with database.connections_on_loop() as connections:
            assert connections is not None
            return list((await connections.fetch(statement, {"value": value}))[0])

    try:
        with database.engine.connect() as conn:
            engine_row = list(conn.exec_driver_sql(statement, {"value": value}).one())
        assert engine_row[0].startswith("t_") and engine_row[1:3] == ["7MB", "playdeck-t"]
        assert engine_row[3] == '{"uris":["spotify:local:Ünïcødé:曲::0"],"at":[3,null]}'
        assert asyncio.run(on_loop()) == engine_row
    finally:
        database.dispose()
