"""The app database: engine, sessions, the request-scoped `SessionDep`, migrations.

One `Database` per process holds the engine and the session factory; `create_app`
keeps it on `app.state.db`. The rules every domain package follows:

- Services and repositories receive a `Session` and only `flush()`; they never
  commit. The edge commits: `SessionDep` at the end of a successful request (and
  rolls back when the request raised), `Database.session_scope()` in the CLI and
  background jobs.
- SQLite (the default, in the data directory) runs in WAL mode with foreign keys
  on and a busy timeout, so the CLI can write while the server reads and writes.
  PostgreSQL is reached through psycopg 3 (`postgresql+psycopg://…`).
- The schema is owned by Alembic (`playdeck/migrations`, shipped in the package):
  `upgrade_database()` is called by `playdeck serve` before it starts serving and by
  `playdeck db upgrade`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (an edit's operations, audit parameters: a hundred URIs each on
# the hot edits) through orjson rather than the standard library's encoder.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}

# A pooled PostgreSQL connection idle for longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 1.0

# Long enough to ride out a concurrent writer (the CLI, another worker), short
# enough that a stuck transaction surfaces as an error rather than a hang.
SQLITE_BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: str) -> bool:
    """True when `url` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    """Per-connection pragmas, and transactions that pysqlite leaves to us.

    pysqlite's own implicit transaction handling defers BEGIN until the first
    write and breaks SAVEPOINT; the SQLAlchemy-documented recipe turns it off and
    emits BEGIN itself, so a session's reads and writes share one transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: every transaction starts here, and SQLAlchemy's
        # execution of a fixed statement costs ten times SQLite's.
        conn.connection.driver_connection.execute("BEGIN")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for `url` (SQLite file or PostgreSQL), configured for playdeck.

    A SQLite file's parent directory is created when missing, so a fresh data
    directory works without a set-up step.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False}, **_JSON_CODEC
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20, **_JSON_CODEC)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use when it has been idle for a while.

    `pool_pre_ping` pings on every checkout: one more round trip per request, as
    much as an item edit's own statements. A connection returned to the pool
    moments ago was alive then; one idle longer (the server may have restarted,
    or closed it) is pinged, and replaced when the ping fails, as pre-ping would.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected) or just used
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # no transaction (and no BEGIN) for a ping
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.autocommit = autocommit
        except Exception as error:
            # The pool discards this connection and checks out another (up to 3 tries).
            raise exc.DisconnectionError(str(error)) from error


class Database:
    """An engine plus its session factory: the app database of one process.

    `session_scope()` is the unit of work for code outside a request (CLI,
    jobs): it commits when the block succeeds and rolls back when it raises.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_db_engine(url, echo=echo)
        self.session_factory: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False, autoflush=True
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error, then closed."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, and between tests)."""
        self.engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: the request's session, committed when the request succeeds.

    Any exception raised by the route (including `PlaydeckError`s that become 4xx
    answers) rolls the transaction back, so bad input changes nothing.
    """
    db: Database = request.app.state.db
    session = db.session_factory()
    # Lets flush-time hooks (the account audit) name the request's caller.
    session.info["request"] = request
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit (or roll back) when the route returns, BEFORE the
# response is sent. With FastAPI's default ("request") the commit would happen
# after the client already has the answer, so a client using a just-issued code
# or token at once could race the commit and be refused.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def alembic_config(url: str) -> Any:
    """The Alembic configuration for playdeck's migrations against `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent: a database at head is left as is)."""
    # Alembic logs every step at INFO; the server and CLI logs only need problems.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command

    if is_sqlite(url):
        database = make_url(url).database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
