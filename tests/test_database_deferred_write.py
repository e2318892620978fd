"""A deferred write (`kit.db.defer_write`, PostgreSQL) runs where it stands in its
transaction: before the next statement, or with the COMMIT; a rollback drops it; a
write that fails fails the commit and nothing of the transaction is kept; one that
is a transaction of its own commits only if it wrote."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from playdeck.kit import db as kit_db
from playdeck.kit.db import (
    ON_LOOP,
    Database,
    NeedsDatabase,
    StaleWrite,
    defer_to_loop,
    defer_write,
)

INSERT = "INSERT INTO deferred_probe (id) VALUES (%(id)s)"


@pytest.fixture()
def database(database_url: str) -> Iterator[Database]:
    if kit_db.is_sqlite(database_url):
        pytest.skip("only PostgreSQL defers writes (SQLite has no round trips)")
    database = Database(database_url)
    with database.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE deferred_probe (id INTEGER PRIMARY KEY)")
    yield database
    database.dispose()


def stored(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT id FROM deferred_probe ORDER BY id").scalars())


def test_a_deferred_write_runs_before_the_next_statement_and_with_the_commit(
    database: Database,
) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with Session(database.engine) as session:
            conn = session.connection()
            defer_write(conn, INSERT, {"id": 1})
            assert statements[-1] == INSERT  # listeners see it when it is deferred
            # The next statement reads what the deferred write wrote.
            count = session.execute(sa.text("SELECT count(*) FROM deferred_probe")).scalar()
            assert count == 1
            defer_write(conn, INSERT, {"id": 2})
            session.commit()
        assert stored(database) == [1, 2]
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", seen)


def test_a_rollback_drops_a_deferred_write(database: Database) -> None:
    with Session(database.engine) as session:
        session.execute(sa.text("INSERT INTO deferred_probe (id) VALUES (1)"))
        defer_write(session.connection(), INSERT, {"id": 2})
        session.rollback()
        # The connection goes on with nothing left over from the dropped write.
        session.execute(sa.text("INSERT INTO deferred_probe (id) VALUES (3)"))
        session.commit()
    assert stored(database) == [3]


def test_a_failing_deferred_write_fails_the_commit_and_keeps_nothing(database: Database) -> None:
    with Session(database.engine) as session:
        session.execute(sa.text("INSERT INTO deferred_probe (id) VALUES (1)"))
        defer_write(session.connection(), INSERT, {"id": 1})  # the same key again
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
        session.rollback()
    assert stored(database) == []
    with Session(database.engine) as session:  # the pooled connection still works
        session.execute(sa.text("INSERT INTO deferred_probe (id) VALUES (2)"))
        session.commit()
    assert stored(database) == [2]


def test_a_statement_of_its_own_commits_at_once_and_only_if_it_wrote(
    database: Database,
) -> None:
    """On an autocommit connection the deferred write is its own transaction, sent at
    the commit; with `expect_row`, a statement that wrote nothing raises `StaleWrite`;
    and nothing may follow it (sent then, it would commit before the edge decides)."""

    def session() -> Session:
        s = Session(database.engine)
        s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return s

    conditional = "INSERT INTO deferred_probe (id) SELECT %(id)s WHERE %(id)s < 3"
    with session() as s:
        defer_write(s.connection(), conditional, {"id": 5}, expect_row=True)
        with pytest.raises(StaleWrite):
            s.commit()
        s.rollback()
    with session() as s:
        defer_write(s.connection(), conditional, {"id": 2}, expect_row=True)
        s.commit()
    assert stored(database) == [2]
    with session() as s:
        defer_write(s.connection(), INSERT, {"id": 1})
        with pytest.raises(RuntimeError, match="last statement"):
            s.execute(sa.text("SELECT 1"))
        s.rollback()
    assert stored(database) == [2]


def test_work_on_the_event_loop_leaves_its_one_write_to_the_edge(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Work on the event loop (`ON_LOOP`) does not reach the database through its
    session: a statement is refused with `NeedsDatabase` (its edge then runs the work
    in the thread pool) and a warning, and the connection goes back to the pool. Its one
    conditional write is sent by the edge from the loop (`LoopConnections`), once; one that
    wrote nothing raises `StaleWrite`, and a failure SQLAlchemy's error."""
    conditional = "INSERT INTO deferred_probe (id) SELECT %(id)s WHERE %(id)s < 3"

    async def edge() -> None:
        async with database.connections_on_loop() as writes:
            assert writes is not None
            with database.session_factory() as session:
                session.info[ON_LOOP] = True
                with (
                    caplog.at_level(logging.WARNING, "playdeck.kit.db"),
                    pytest.raises(NeedsDatabase),
                ):
                    session.execute(sa.text("SELECT 1"))
                assert "reached for the database" in caplog.text
                session.close()
                assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
                defer_to_loop(session, conditional, {"id": 1})
                assert await writes.send(session) is True
                assert await writes.send(session) is False  # sent once
                defer_to_loop(session, conditional, {"id": 5})
                with pytest.raises(StaleWrite):
                    await writes.send(session)
                defer_to_loop(session, INSERT, {"id": 1})
                with pytest.raises(sa.exc.IntegrityError):
                    await writes.send(session)

    asyncio.run(edge())
    assert stored(database) == [1]
    with Session(database.engine) as session, pytest.raises(ValueError):
        defer_to_loop(session, INSERT, {"id": 9})  # only work on the loop leaves it so
