"""The app database: engine, sessions, the request-scoped `SessionDep`, migrations.

One `Database` per process holds the engine and the session factory; `create_app`
keeps it on `app.state.db`. The rules every domain package follows:

- Services and repositories receive a `Session` and only `flush()`; they never
  commit. The edge commits: `SessionDep` at the end of a successful request (and
  rolls back when the request raised), `Database.session_scope()` in the CLI and
  background jobs.
- SQLite (the default, in the data directory) runs in WAL mode with foreign keys
  on and a busy timeout, so the CLI can write while the server reads and writes.
  PostgreSQL is reached through psycopg 3 (`postgresql+psycopg://…`); work that
  runs on the event loop sends its one statement through `LoopConnections`.
- Reads on a request's hot path may be written as `Reads`: generators that yield
  each statement and receive its rows, run by the same code with a session in the
  thread pool or on the event loop (`Database.run_reads_on_loop`).
- The schema is owned by Alembic (`playdeck/migrations`, shipped in the package):
  `upgrade_database()` is called by `playdeck serve` before it starts serving and by
  `playdeck db upgrade`.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeAlias, TypeVar

import orjson
import psycopg
import psycopg.adapt
import psycopg.types.json
from fastapi import Depends, Request
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Connection, Engine, create_engine, event, exc
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
    _send_deferred_writes(engine)
    return engine


_DEFERRED_WRITE = "playdeck.deferred_write"

# `Session.info` keys. The request edge sets `RETRYABLE` when it will run the
# request's work again in a new session should the work or its commit raise
# `StaleWrite`, or the work itself raise anything after setting `UNLOCKED`: only
# then may a service start from a state it knows instead of taking locks, and write
# conditionally (`defer_write(expect_row=True)`); `UNLOCKED` says it did, so that a
# refusal is given again, or not, by the same work under the locks.
RETRYABLE = "playdeck.retryable"
UNLOCKED = "playdeck.unlocked"
# Set by an edge that runs the work on the event loop (PostgreSQL, `LoopConnections`):
# the work must not reach the database through the session (a round trip there
# would stall every other request). It either finishes from what the process
# knows, leaving its one conditional write to the edge (`defer_to_loop`), or
# raises `NeedsDatabase` where it would need the database, and the edge runs it in
# the thread pool instead. Reaching the database anyway is refused (`Database`).
ON_LOOP = "playdeck.on_loop"
_LOOP_WRITE = "playdeck.loop_write"

log = logging.getLogger(__name__)

T = TypeVar("T")

# One statement: its text for the database at hand (SQLite's `:name` or psycopg's
# `%(name)s` placeholders) and its parameters.
Statement: TypeAlias = tuple[str, Mapping[str, Any]]
# A read written once for both places it runs: a generator that yields each
# statement it needs, is sent back that statement's rows (tuples), and returns its
# answer. `playlists.repository.run_reads` runs one with a session (the thread
# pool); `Database.run_reads_on_loop` on the event loop, where a thread hop and the
# ORM session's connection handling would cost more than the statement itself.
Reads: TypeAlias = Generator[Statement, list[Any], T]


class NeedsDatabase(Exception):
    """Work on the event loop (`ON_LOOP`) needs the database, which it may not reach
    there: its edge runs it in the thread pool instead."""


class StaleWrite(Exception):
    """Work that started from a known state without locks cannot finish so: its
    conditional write (`defer_write` with `expect_row`) found the row changed since
    that state and wrote nothing, or the work found it needs what only the locked
    row can give. The edge that set `RETRYABLE` runs the work again under locks."""


def defer_write(
    conn: Connection, statement: str, params: Mapping[str, Any], *, expect_row: bool = False
) -> None:
    """Execute `statement` (a PostgreSQL write whose result nobody reads) as the next
    thing the connection sends: together with its next statement, or with the
    transaction's COMMIT, in one round trip (a pipeline).

    An item edit ends with one write and then the request edge commits: sent apart
    they are two round trips. Deferred, the write still runs exactly where it
    stands in the transaction (anything the connection executes after it waits
    for it to run first, as `before_cursor_execute` sends it first), so nothing
    reads around it; only its error, should it fail, surfaces at that next
    statement or at the commit instead, and the edge rolls back as for any error.
    A rollback drops it unsent. The engine's `before_cursor_execute` listeners see
    it when it is deferred. `statement` uses psycopg's `%(name)s` placeholders.

    On a connection in autocommit mode with no transaction open (a conditional
    write computed from a known state instead of under a lock), the statement is
    its own transaction: it is sent at the edge's commit and nothing may run after
    it. With `expect_row`, a statement that affects no row (its condition no longer
    held) raises `StaleWrite` there.
    """
    if conn.dialect.name != "postgresql":
        raise ValueError("only a PostgreSQL connection defers a write")
    with _driver_cursor(conn) as cursor:
        # The listeners see it now; `_send_deferred_writes`' own sends an earlier one.
        conn.dispatch.before_cursor_execute(conn, cursor, statement, params, None, False)
    conn.info[_DEFERRED_WRITE] = (statement, params, expect_row)


@contextmanager
def _driver_cursor(conn: Connection) -> Iterator[Any]:
    """A cursor of the driver's own on `conn`'s live connection, closed afterwards."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection, checked out for this transaction
    cursor = driver.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _send_deferred(conn: Connection, *, commit: bool) -> None:
    """Send the connection's deferred write, with a COMMIT when `commit` and a
    transaction is open, and wait for the answers (a failure is raised as
    SQLAlchemy's `DBAPIError`, a conditional write that changed nothing as
    `StaleWrite`)."""
    pending = conn.info.pop(_DEFERRED_WRITE, None)
    if pending is None:
        return
    statement, params, expect_row = pending
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection, checked out for this transaction
    # Autocommit with no transaction open: the statement is its own transaction.
    alone = driver.autocommit and driver.pgconn.transaction_status == TransactionStatus.IDLE
    if alone and not commit:
        # Sent now, it would commit at once, before work the edge may yet roll back.
        raise RuntimeError("a write deferred outside a transaction must be its last statement")
    cursor = driver.cursor()
    try:
        if commit and not alone:
            # One Sync, on leaving, for both (psycopg's `commit()` would sync on its
            # own and the pipeline's exit once more: a round trip each).
            with driver.pipeline():
                cursor.execute(statement, params)
                cursor.execute("COMMIT")
        else:
            cursor.execute(statement, params)
        if expect_row and cursor.rowcount == 0:
            raise StaleWrite("the row changed since the state this write was computed from")
    except psycopg.Error as error:  # wrapped as the dialect wraps any driver error
        raise exc.DBAPIError.instance(statement, params, error, type(error)) from error
    finally:
        cursor.close()


def _send_deferred_writes(engine: Engine) -> None:
    """Hooks that send a `defer_write` before the next statement or with the commit,
    and drop it on a rollback."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(conn: Connection, *_args: Any) -> None:
        if _DEFERRED_WRITE in conn.info:
            _send_deferred(conn, commit=False)

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Connection) -> None:
        # SQLAlchemy's own commit follows and, the server's transaction being over,
        # psycopg sends nothing for it.
        if _DEFERRED_WRITE in conn.info:
            _send_deferred(conn, commit=True)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Connection) -> None:
        conn.info.pop(_DEFERRED_WRITE, None)


def defer_to_loop(session: Session, statement: str, params: Mapping[str, Any]) -> None:
    """Leave `statement` (a conditional write, as `defer_write` with `expect_row`) for
    the edge of work running on the event loop (`ON_LOOP`) to send (`LoopConnections`):
    it is the work's only statement and its own transaction."""
    if not session.info.get(ON_LOOP):
        raise ValueError("only work on the event loop leaves its write to the edge")
    session.info[_LOOP_WRITE] = (statement, params)


def driver_execute(
    conn: Connection, statement: str, params: Any, *, many: bool = False
) -> list[Any]:
    """Run one fixed statement (text for `conn`'s database, values bound) on the
    driver's own cursor, in whatever transaction `conn` is in; its rows as tuples
    (none for a write, or with `many`, a parameter list each).

    For the hot paths: SQLAlchemy's own execution (result objects, row processing:
    about 30 µs a statement, 150 µs for a page of 100 rows) adds nothing to fixed
    text. The engine's `before_cursor_execute` listeners still see each statement
    (tracing, and the tests that count a request's statements); a driver error is
    raised as SQLAlchemy's `DBAPIError`, as the engine's are."""
    with _driver_cursor(conn) as cursor:
        conn.dispatch.before_cursor_execute(conn, cursor, statement, params, None, many)
        try:
            if many:
                cursor.executemany(statement, params)
                return []
            cursor.execute(statement, params)
        except conn.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(statement, params, error, type(error)) from error
        rows: list[Any] = cursor.fetchall() if cursor.description is not None else []
        return rows


_LOOP_ADAPTERS = psycopg.adapt.AdaptersMap(psycopg.adapters)
psycopg.types.json.set_json_dumps(_json_dumps, _LOOP_ADAPTERS)
psycopg.types.json.set_json_loads(orjson.loads, _LOOP_ADAPTERS)


class LoopConnections:
    """PostgreSQL: connections in autocommit mode for the event loop (psycopg's async
    pool), for the one statement of work that ran there (`ON_LOOP`), and for reads
    run there (`Database.run_reads_on_loop`).

    The owner's add, reorder or positional delete computed from a state the process
    knows (`playlists.hints`) needs no lock and no read, only its conditional write:
    run on the event loop, it skips the thread pool's two hops and the ORM session's
    connection handling, which cost about as much as the write's own round trip.
    A connection idle for longer than `PING_AFTER_IDLE_SECONDS` is pinged before
    use, as the engine's are (`_ping_idle_connections`).
    """

    def __init__(self, url: str, max_size: int = 10, wait_seconds: float = 5.0) -> None:
        # The engine's own connection parameters (its dialect reads them off the URL),
        # not the URL rendered again: that would turn a space in `options` into `+`,
        # which libpq does not decode, and these connections would differ from the
        # engine's (another `search_path`, say).
        parsed = make_url(url)
        _args, params = parsed.get_dialect()().create_connect_args(parsed)
        self._idle_since: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        self.pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            psycopg.conninfo.make_conninfo(**params),
            min_size=1,
            max_size=max_size,
            open=False,
            name="playdeck-loop",
            # Each holds a connection for one statement: waiting seconds for one
            # means the database is down, and the request should fail, not hang.
            timeout=wait_seconds,
            # JSON values (`psycopg.types.json.Json`, what the JSON columns' bind
            # processors give) written as the engine writes them (`_JSON_CODEC`).
            kwargs={"autocommit": True, "context": _LOOP_ADAPTERS},
            check=self._check,
            reset=self._returned,
        )

    async def _check(self, conn: psycopg.AsyncConnection[Any]) -> None:
        since = self._idle_since.get(conn)
        if since is not None and time.monotonic() - since >= PING_AFTER_IDLE_SECONDS:
            await conn.execute("SELECT 1")  # a failure: the pool discards it, tries another

    async def _returned(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._idle_since[conn] = time.monotonic()

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def send(self, session: Session) -> bool:
        """Send the write the work on the loop left (`defer_to_loop`), if any: True
        when there was one. A write that changed no row (its condition no longer
        held) raises `StaleWrite`; a failure is raised as SQLAlchemy's `DBAPIError`,
        as the engine's are."""
        pending = session.info.pop(_LOOP_WRITE, None)
        if pending is None:
            return False
        changed, _rows = await self._execute(*pending)
        if changed == 0:
            raise StaleWrite("the row changed since the state this write was computed from")
        return True

    async def fetch(self, statement: str, params: Mapping[str, Any]) -> list[Any]:
        """The rows of one statement, its own transaction (autocommit); a failure is
        raised as SQLAlchemy's `DBAPIError`, as the engine's are."""
        return (await self._execute(statement, params))[1]

    async def _execute(self, statement: str, params: Mapping[str, Any]) -> tuple[int, list[Any]]:
        """One statement on a connection of the pool: the rows it changed and those
        it returned."""
        try:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(statement, params)
                rows = await cursor.fetchall() if cursor.description is not None else []
                return cursor.rowcount, rows
        except psycopg.Error as error:
            raise exc.DBAPIError.instance(statement, params, error, type(error)) from error


def _refuse_on_loop(session: Session, _transaction: Any, _connection: Any) -> None:
    """`after_begin`: work on the event loop (`ON_LOOP`) reached for the database
    (before any statement: the connection only left the pool). Its edge runs it in
    the thread pool; the warning is for the `NeedsDatabase` the work should have
    raised itself, earlier."""
    if session.info.get(ON_LOOP):
        log.warning("work on the event loop reached for the database")
        raise NeedsDatabase("the database is not reached from the event loop")


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
        event.listen(self.session_factory, "after_begin", _refuse_on_loop)
        # Set by the app's lifespan, on its event loop (`connections_on_loop`).
        self.loop_connections: LoopConnections | None = None
        # An in-memory SQLite database is one per thread: not read from the loop.
        parsed = self.engine.url
        memory = parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
        self._sqlite_file = self.is_sqlite and not memory

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

    @asynccontextmanager
    async def connections_on_loop(self) -> AsyncIterator[LoopConnections | None]:
        """PostgreSQL: the event loop's connections (`LoopConnections`, on
        `loop_connections`) while the block runs, opened on the loop that will use them
        (the app's lifespan); None on SQLite."""
        if self.engine.dialect.name != "postgresql":
            yield None
            return
        connections = LoopConnections(self.url)
        await connections.open()
        self.loop_connections = connections
        try:
            yield connections
        finally:
            self.loop_connections = None
            await connections.close()

    @property
    def reads_on_loop(self) -> bool:
        """Whether `run_reads_on_loop` can run here: PostgreSQL with the loop's
        connections open, or a SQLite file (an in-memory database is one per
        thread)."""
        return self.loop_connections is not None or self._sqlite_file

    async def run_reads_on_loop(self, reads: Reads[T]) -> T:
        """Run each statement `reads` yields on the event loop and send it the rows,
        until it returns (see `Reads`). Each statement is its own transaction: a read
        that needs one snapshot reads it in one statement.

        PostgreSQL: through `loop_connections`, without blocking the loop. SQLite:
        on a pooled connection, in the loop's thread: a read by primary key takes
        tens of microseconds, less than the hop to the thread pool, and in WAL mode a
        reader never waits for a writer (as the catalog's store is read on the loop).
        The engine's `before_cursor_execute` listeners see SQLite's statements."""
        loop_connections = self.loop_connections
        try:
            statement, params = next(reads)
            while True:
                if loop_connections is not None:
                    rows = await loop_connections.fetch(statement, params)
                else:
                    with self.engine.connect() as conn:
                        rows = driver_execute(conn, statement, params)
                statement, params = reads.send(rows)
        except StopIteration as done:
            answer: T = done.value
            return answer
        finally:
            reads.close()

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
