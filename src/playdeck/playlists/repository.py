"""Every query on playlists, their items, followers, covers and versions.

A playlist's items are rows of `playlist_blocks`, each a run of up to
`blocks.MAX` items, ordered by the directory on the playlist row (see
`playlists.blocks`). A page read is one statement (the playlist's state and the
blocks covering the page, guessed by `playlists.hints`); an edit reads the
blocks it changes by primary key (guessed ones with its lock) and writes them
back (upsert) with its version and audit rows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from playdeck.kit.db import ON_LOOP, Reads, defer_to_loop, defer_write, driver_execute
from playdeck.kit.errors import Conflict
from playdeck.models import (
    Playlist,
    PlaylistCheckpoint,
    PlaylistFollower,
    PlaylistImage,
    PlaylistVersion,
    User,
)
from playdeck.playlists import blocks
from playdeck.playlists.blocks import Item
from playdeck.playlists.ops import Entry

T = TypeVar("T")


def pg_array(values: Sequence[int] | Sequence[str]) -> str:
    """`values` as a PostgreSQL array literal (`{1,2}`, `{"a","b"}`), for a parameter
    cast to an array type: integers as they are, strings double-quoted with `"` and
    `\\` escaped by a backslash (the array input syntax; no element is ever NULL)."""
    if all(isinstance(v, int) for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _execute(
    session: Session,
    sql: str | tuple[str, str],
    params: Any,
    *,
    many: bool = False,
    begin: bool = False,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """Run one of the hot paths' fixed statements (`_SQL`: SQLite and PostgreSQL
    text) through the driver (`kit.db.driver_execute`), on the session's connection
    and in its transaction; the rows it returns as tuples (none for a write). An
    add runs two or three such statements, a page read one."""
    if begin and not session.in_transaction() and _is_pg(session):
        return _begin_and_execute(session, sql, params, meanwhile)
    if meanwhile is not None:
        meanwhile()
    conn = session.connection()  # begins the session's transaction when it has not
    text = sql if isinstance(sql, str) else sql[conn.dialect.name == "postgresql"]
    return driver_execute(conn, text, params, many=many)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _begin_and_execute(
    session: Session,
    sql: str | tuple[str, str],
    params: Any,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """`_execute` of a PostgreSQL transaction's first statement, with its `BEGIN` in
    the same round trip (the session has no transaction yet).

    psycopg sends `BEGIN` on its own and waits for the answer before the first
    statement of a transaction (in pipeline mode too): one round trip more, and on
    a busy machine each costs as much as the Python of the edit. Here the
    connection is taken in autocommit mode, so psycopg sends no `BEGIN` of its own,
    and `BEGIN` and the statement are sent as one pipeline (one round trip;
    the server runs them in order, and the statement fails, rolled back with the
    transaction, if `BEGIN` did). From then on the server is in a transaction and
    everything else the session sends runs in it: psycopg's `commit()` and
    `rollback()` act on the server's transaction state whatever the mode, and
    SQLAlchemy calls them at the request edge as it does in any transaction.
    SQLAlchemy resets the connection's mode when it goes back to the pool.

    `meanwhile` (an add's URI validation) runs once both are sent, while the server
    works on them; when it raises, the answers are still read, and the edge rolls
    the transaction back.
    """
    conn = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection, checked out for this session
    text = sql if isinstance(sql, str) else sql[True]
    begin = driver.cursor()
    cursor = driver.cursor()
    try:
        conn.dispatch.before_cursor_execute(conn, cursor, text, params, None, False)
        with driver.pipeline():  # sends both, and reads both answers, on leaving
            begin.execute("BEGIN")
            cursor.execute(text, params)  # both written to the socket by now
            if meanwhile is not None:
                meanwhile()
        return cursor.fetchall() if cursor.description is not None else []
    finally:
        begin.close()
        cursor.close()


# -- playlists ---------------------------------------------------------------------


def lock(session: Session, playlist_id: str) -> Playlist | None:
    """Take the playlist's write lock for this transaction and load it (None: no such
    playlist).

    The statement is a real (no-op) `UPDATE … RETURNING` so that it is the
    transaction's first write: on PostgreSQL it locks the row until commit; on
    SQLite it takes the database write lock (waiting out the busy timeout) before
    anything is read, so a concurrent editor always reads the state the previous
    one committed. One round trip locks and loads.
    """
    stmt = update(Playlist).where(Playlist.id == playlist_id).values(version=Playlist.version)
    return session.scalars(
        stmt.returning(Playlist), execution_options={"populate_existing": True}
    ).one_or_none()


@dataclass(slots=True)
class LockedPlaylist:
    """The columns an item edit reads from its locked playlist row (not an ORM object:
    an add or a reorder never changes the details, and loading an instance into the
    identity map costs more than the rest of the edit's Python work)."""

    id: str
    owner_id: str
    name: str
    description: str
    public: bool
    collaborative: bool
    snapshot_id: str
    version: int
    length: int
    delta_since_checkpoint: int
    blocks: str  # the directory of item blocks (`playlists.blocks`)
    updated_at: datetime | None = None  # set by the edit (not read)


_LOCK_COLUMNS = (
    "id, owner_id, name, description, public, collaborative, snapshot_id, version,"
    " length, delta_since_checkpoint, blocks"
)


def lock_items(
    session: Session,
    playlist_id: str,
    guess: Sequence[int] = (),
    meanwhile: Callable[[], None] | None = None,
) -> tuple[LockedPlaylist | None, dict[int, list[Item]]]:
    """`lock()` for the item edits (add, reorder, remove): the same statement, returning
    a `LockedPlaylist` through the driver rather than an ORM instance (None: no such
    playlist), and the blocks read with it.

    On PostgreSQL, given `guess` (block ids the edit will likely change, from
    `playlists.hints`), the same round trip also reads those blocks. They are read
    in the statement's snapshot, taken before the lock was granted, so they are
    returned only when that snapshot's playlist row has the snapshot_id of the row
    locked: no edit committed in between (every edit writes a new snapshot_id with
    its blocks). Otherwise none are, and the edit reads what it needs after the
    lock. (On SQLite the lock is taken before anything is read, and a read costs no
    round trip: the guessed blocks are read after it.)

    `meanwhile` is work the caller does before it needs the row (an add validates
    its URIs): on PostgreSQL while the lock's round trip is in flight, elsewhere
    first. An exception it raises propagates, before the row is looked at.
    """
    if not guess or session.get_bind().dialect.name != "postgresql":
        found = _execute(
            session, _SQL["lock"], {"pid": playlist_id}, begin=True, meanwhile=meanwhile
        )
        if not found:
            return None, {}
        return _locked(found[0]), read_blocks(session, playlist_id, guess) if guess else {}
    params = {"pid": playlist_id, "ids": pg_array(list(guess))}
    rows = _execute(session, _LOCK_GUESS_SQL, params, begin=True, meanwhile=meanwhile)
    head = next((r for r in rows if r[0] is not None), None)
    if head is None:
        return None, {}
    locked = _locked(head)
    if head[11] != locked.snapshot_id:
        return locked, {}
    return locked, {r[12]: blocks.decode(r[13]) for r in rows if r[0] is None}


def _locked(row: Sequence[Any]) -> LockedPlaylist:
    return LockedPlaylist(
        row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), row[6], row[7], row[8],
        row[9], row[10],
    )  # fmt: skip


def begin_write(session: Session) -> None:
    """Make the transaction a writer before it reads anything (SQLite only).

    A SQLite transaction that reads and then writes fails at once ("database is
    locked") if another writer committed in between; taking the write lock first
    (a no-op UPDATE) makes it wait its turn instead. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        table = cast(Table, Playlist.__table__)
        session.execute(update(table).where(table.c.id.is_(None)).values(version=table.c.version))


def get(session: Session, playlist_id: str) -> Playlist | None:
    return session.get(Playlist, playlist_id)


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def users(session: Session, user_ids: Sequence[str]) -> dict[str, User]:
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def followed_page(
    session: Session, user_id: str, *, private: bool, collaborative: bool, limit: int, offset: int
) -> tuple[list[Playlist], int]:
    """Playlists `user_id` follows (their own included), most recently followed first:
    public ones, plus private ones when `private`, plus collaborative ones when
    `collaborative`."""
    where: list[ColumnElement[bool]] = [PlaylistFollower.user_id == user_id]
    if not private:
        visible: ColumnElement[bool] = Playlist.public.is_(True)
        if collaborative:
            visible = visible | Playlist.collaborative.is_(True)
        where.append(visible)
    joined = select(Playlist).join(PlaylistFollower, PlaylistFollower.playlist_id == Playlist.id)
    total = session.scalar(
        select(func.count())
        .select_from(Playlist)
        .join(PlaylistFollower, PlaylistFollower.playlist_id == Playlist.id)
        .where(*where)
    )
    rows = session.scalars(
        joined.where(*where)
        .order_by(PlaylistFollower.created_at.desc(), Playlist.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total or 0)


def follower_counts(session: Session, playlists: Sequence[Playlist]) -> dict[str, int]:
    """Followers of each playlist, its owner not counted (one grouped query)."""
    if not playlists:
        return {}
    owners = {p.id: p.owner_id for p in playlists}
    rows = session.execute(
        select(PlaylistFollower.playlist_id, PlaylistFollower.user_id).where(
            PlaylistFollower.playlist_id.in_(list(owners))
        )
    ).all()
    counts = dict.fromkeys(owners, 0)
    for pid, uid in rows:
        if uid != owners[pid]:
            counts[pid] += 1
    return counts


def get_shown(
    session: Session, playlist_id: str
) -> tuple[Playlist, User | None, tuple[str, int | None] | None, int] | None:
    """A playlist with what its full object shows besides its items: its owner, its
    cover (token and size; not the bytes) and its follower count, the owner not
    counted (one statement)."""
    followers = (
        select(func.count())
        .select_from(PlaylistFollower)
        .where(
            PlaylistFollower.playlist_id == Playlist.id,
            PlaylistFollower.user_id != Playlist.owner_id,
        )
        .scalar_subquery()
    )
    row = session.execute(
        select(Playlist, User, PlaylistImage.token, PlaylistImage.width, followers)
        .outerjoin(User, User.id == Playlist.owner_id)
        .outerjoin(PlaylistImage, PlaylistImage.playlist_id == Playlist.id)
        .where(Playlist.id == playlist_id)
    ).one_or_none()
    if row is None:
        return None
    playlist, owner, token, width, count = row
    return playlist, owner, (token, width) if token is not None else None, int(count or 0)


def get_follower(session: Session, playlist_id: str, user_id: str) -> PlaylistFollower | None:
    return session.get(PlaylistFollower, (playlist_id, user_id))


def followers_among(session: Session, playlist_id: str, user_ids: Sequence[str]) -> set[str]:
    return set(
        session.scalars(
            select(PlaylistFollower.user_id).where(
                PlaylistFollower.playlist_id == playlist_id,
                PlaylistFollower.user_id.in_(list(user_ids)),
            )
        )
    )


def delete_follower(session: Session, playlist_id: str, user_id: str) -> None:
    session.execute(
        delete(PlaylistFollower).where(
            PlaylistFollower.playlist_id == playlist_id, PlaylistFollower.user_id == user_id
        )
    )


def images(session: Session, playlist_ids: Sequence[str]) -> dict[str, tuple[str, int | None]]:
    """Cover token and size per playlist that has one (the bytes are not loaded)."""
    if not playlist_ids:
        return {}
    rows = session.execute(
        select(PlaylistImage.playlist_id, PlaylistImage.token, PlaylistImage.width).where(
            PlaylistImage.playlist_id.in_(list(playlist_ids))
        )
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def image(session: Session, playlist_id: str) -> PlaylistImage | None:
    return session.get(PlaylistImage, playlist_id)


# -- items -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """A page read: the playlist's state and the items at the page's positions."""

    snapshot_id: str
    length: int
    directory: str
    items: list[Item]


def page_reads(
    pg: bool, playlist_id: str, offset: int, limit: int, guess: Sequence[int] = ()
) -> Reads[Page | None]:
    """Items `offset … offset + limit` with the playlist's snapshot, length and block
    directory (None: no such playlist), as the statements to run (`kit.db.Reads`).

    One statement reads the playlist row and the blocks `guess` names (from
    `playlists.hints`): when they are the blocks the page needs by the directory it
    read, that is the page. Otherwise the statement runs again guessing those
    blocks. Each answer comes from one statement, hence one snapshot, so state and
    items always agree, whatever the transaction's isolation (the caller may read
    outside any transaction: `endpoints.service`). Another attempt is needed only
    when an edit commits between two statements; the fifth such is a 409.
    """
    wanted: list[int] = list(guess)
    for _ in range(5):
        ids = pg_array(wanted) if pg else _json(wanted)
        rows = yield _SQL["page"][pg], {"pid": playlist_id, "ids": ids}
        state = next((r for r in rows if r[0] is not None), None)
        if state is None:
            return None
        directory = blocks.parse_directory(state[2])
        count = max(0, min(limit, state[1] - offset))
        wanted = blocks.covering(directory, offset, count) if count else []
        found = {r[3]: r[4] for r in rows if r[0] is None}
        if all(b in found for b in wanted):
            break
    else:
        raise Conflict("The playlist is changing; try again")
    items: list[Item] = []
    for block in wanted:
        items.extend(blocks.decode(found[block]))
    skip = offset - blocks.starts(directory)[wanted[0]] if wanted else 0
    return Page(state[0], state[1], state[2], items[skip : skip + count])


def run_reads(session: Session, reads: Reads[T]) -> T:
    """Run each statement `reads` yields (`kit.db.Reads`) on the session's connection,
    in its transaction (`_execute`), and send it the rows, until it returns."""
    try:
        statement = next(reads)
        while True:
            statement = reads.send(_execute(session, statement[0], statement[1]))
    except StopIteration as done:
        return cast(T, done.value)
    finally:
        reads.close()


def _ids(session: Session, playlist_id: str, ids: Sequence[int]) -> dict[str, Any]:
    pg = session.get_bind().dialect.name == "postgresql"
    return {"pid": playlist_id, "ids": pg_array(list(ids)) if pg else _json(list(ids))}


def read_blocks(
    session: Session, playlist_id: str, ids: Sequence[int], needles: Sequence[str] = ()
) -> dict[int, list[Item]]:
    """The items of the playlist's blocks `ids`, and of every block whose text contains
    one of `needles` (`blocks.needle`: the blocks that may hold a URI), by block id
    (one statement)."""
    if not ids and not needles:
        return {}
    pg = session.get_bind().dialect.name == "postgresql"
    params = _ids(session, playlist_id, ids)
    if needles:
        # Its own statement: with the text test OR-ed in, every block of the playlist
        # is read and tested; by ids alone it is one primary-key probe per block.
        params["needles"] = pg_array(needles) if pg else _json(list(needles))
        rows = _execute(session, _SQL["blocks_or_text"], params)
    else:
        rows = _execute(session, _SQL["blocks"], params)
    return {r[0]: blocks.decode(r[1]) for r in rows}


def all_blocks(session: Session, playlist_id: str) -> dict[int, list[Item]]:
    """Every block of the playlist, by id (one statement)."""
    rows = _execute(session, _SQL["all_blocks"], {"pid": playlist_id})
    return {r[0]: blocks.decode(r[1]) for r in rows}


def in_order(directory: blocks.Directory, loaded: Mapping[int, list[Item]]) -> list[Entry]:
    """The items of `loaded` blocks in the directory's order, as history entries."""
    return [Entry(*x) for x in blocks.in_order(directory, loaded)]


def all_entries(session: Session, playlist_id: str, directory: str) -> list[Item]:
    """Every live item in order, given the playlist's directory (`playlists.blocks`), as
    plain tuples (a checkpoint of 10,000 items would spend milliseconds making
    `Entry` objects it only turns into lists)."""
    return blocks.in_order(blocks.parse_directory(directory), all_blocks(session, playlist_id))


def _json(values: list[Any]) -> str:
    return orjson.dumps(values).decode()


# -- versions ----------------------------------------------------------------------


def write_version(
    session: Session,
    playlist_id: str,
    state: dict[str, Any],
    version_values: dict[str, Any],
    audit_values: dict[str, Any],
    *,
    writes: Sequence[tuple[int, str]] = (),
    deletes: Sequence[int] = (),
    expected: str | None = None,
) -> None:
    """An edit's writes: the item blocks it changes (`writes`: block id and encoded
    items, inserted or replaced; `deletes`: block ids), the playlist's new `state`
    (`_STATE` columns, the block directory among them), its version row
    (`_VERSION`) and its audit row (`_AUDIT`, as `audit.service.entry` builds it).

    On PostgreSQL one statement: the block writes, the playlist update and the audit
    row are data-modifying CTEs of the version `INSERT` (all run on the
    transaction's locked playlist; none reads what another writes, and a written
    block id is never one deleted: `blocks.Edit` reuses only the ids it dissolves
    and deletes the rest), so they succeed or fail together. It is the edit's last
    statement, deferred (`kit.db.defer_write`) so that it travels with the edge's
    COMMIT: an item edit is two round trips, the lock's and this one.

    With `expected` (PostgreSQL, an edit computed from a known state without the
    lock: `playlists.hints`), every part is conditional on the playlist still
    being at snapshot `expected`: the state update is the gate and the rest write
    only through it, so the statement writes all or nothing, and the edge's commit
    raises `StaleWrite` on nothing. For work on the event loop (`kit.db.ON_LOOP`)
    the edge sends it there (`defer_to_loop`). On SQLite, which has no
    data-modifying CTEs, the same writes one statement each, in the same
    transaction (no round trips there).

    Fixed SQL through the driver, values bound: this is every edit's write path, and
    SQLAlchemy's per-statement work (compiling, ORM bulk handling) costs more here
    than the database does. Timestamps and JSON go through the columns' own
    SQLAlchemy bind processors, so rows are stored exactly as the ORM stores them.
    """
    dialect = session.get_bind().dialect
    pg = dialect.name == "postgresql"
    stamp, dump = _processors(dialect)
    params: dict[str, Any] = {"pid": playlist_id}
    params.update({f"s_{k}": state[k] for k in _STATE})
    params["s_updated_at"] = stamp(state["updated_at"])
    params.update({f"v_{k}": version_values[k] for k in _VERSION})
    params["v_created_at"] = stamp(version_values["created_at"])
    params["v_ops"] = dump(version_values["ops"])
    params["v_details"] = dump(version_values["details"])
    params.update({f"a_{k}": audit_values[k] for k in _AUDIT})
    params["a_at"] = stamp(audit_values["at"])
    params["a_params"] = dump(audit_values["params"])
    if pg:
        # Arrays go as PostgreSQL array literals (`pg_array`), one parameter each.
        if writes:
            params.update(
                put_ids=pg_array([b for b, _ in writes]), put_items=pg_array([t for _, t in writes])
            )
        if deletes:
            params["drop_ids"] = pg_array(list(deletes))
        if expected is not None:
            params["expected"] = expected
        sql = _write_sql(bool(writes), bool(deletes), expected is not None)
        if session.info.get(ON_LOOP):
            if expected is None:
                raise ValueError("work on the event loop writes conditionally")
            defer_to_loop(session, sql, params)  # sent by the edge, on the event loop
            return
        # Sent with the edge's COMMIT (or before anything the edit runs after it).
        defer_write(session.connection(), sql, params, expect_row=expected is not None)
        return
    if expected is not None:
        raise ValueError("only PostgreSQL writes conditionally")
    if writes:
        rows = [(playlist_id, b, t) for b, t in writes]
        _execute(session, _SQL["put_block"], rows, many=True)
    if deletes:
        _execute(session, _SQL["drop_block"], [(playlist_id, b) for b in deletes], many=True)
    for statement in ("state", "version", "audit"):
        _execute(session, _SQL[statement], params)


# -- driver SQL -----------------------------------------------------------------------
# Fixed statements, one per shape, values always bound (`:name`, which sqlite3 takes
# as is; psycopg gets `%(name)s`). Only `_write_sql` chooses among fixed fragments.

_STATE = (
    "version", "snapshot_id", "updated_at", "length", "delta_since_checkpoint", "blocks",
)  # fmt: skip
_VERSION = (
    "version", "snapshot_id", "created_at", "user_id", "client_id", "operation", "ops",
    "details", "length",
)  # fmt: skip
_AUDIT = (
    "at", "user_id", "client_id", "as_admin", "operation", "object_type", "object_id",
    "owner_id", "params", "snapshot_before", "snapshot_after",
)  # fmt: skip


def _both(sql: str) -> tuple[str, str]:
    """(SQLite, PostgreSQL) text of one statement written with `:name` parameters."""
    return sql, re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


_LOCK_SQL = f"UPDATE playlists SET version = version WHERE id = :pid RETURNING {_LOCK_COLUMNS}"
_JSON_PG = {"v_ops", "v_details", "a_params"}


def _values(prefix: str, columns: Sequence[str], pg: bool, source: str | None = None) -> str:
    """An INSERT's columns and values (`:prefix_column` each): `VALUES (…)`, or a row
    `SELECT`ed once per row of `source`."""
    marks = ", ".join(
        f"CAST(:{prefix}{c} AS JSON)" if pg and f"{prefix}{c}" in _JSON_PG else f":{prefix}{c}"
        for c in columns
    )
    rows = f"VALUES ({marks})" if source is None else f"SELECT {marks} FROM {source}"
    return f"({', '.join(columns)}) {rows}"


_SQL: dict[str, tuple[str, str]] = {
    "lock": _both(_LOCK_SQL),
    # A page read: the playlist's state row, then the guessed blocks.
    "page": (
        "SELECT snapshot_id, length, blocks, NULL, NULL FROM playlists WHERE id = :pid"
        " UNION ALL SELECT NULL, NULL, NULL, block, items FROM playlist_blocks"
        " WHERE playlist_id = :pid AND block IN (SELECT value FROM json_each(:ids))",
        _both(
            "SELECT snapshot_id, length, blocks, NULL, NULL FROM playlists WHERE id = :pid"
            " UNION ALL SELECT NULL, NULL, NULL, block, items FROM playlist_blocks"
            " WHERE playlist_id = :pid AND block = ANY(CAST(:ids AS INTEGER[]))"
        )[1],
    ),
    # Blocks by id (a JSON array / an array literal), and with `_or_text` (a delete of
    # every occurrence of a URI) also those whose text holds one of the needles.
    "blocks": (
        "SELECT block, items FROM playlist_blocks WHERE playlist_id = :pid"
        " AND block IN (SELECT value FROM json_each(:ids))",
        _both(
            "SELECT block, items FROM playlist_blocks WHERE playlist_id = :pid"
            " AND block = ANY(CAST(:ids AS INTEGER[]))"
        )[1],
    ),
    "blocks_or_text": (
        "SELECT block, items FROM playlist_blocks WHERE playlist_id = :pid"
        " AND (block IN (SELECT value FROM json_each(:ids))"
        " OR EXISTS (SELECT 1 FROM json_each(:needles) AS x WHERE instr(items, x.value) > 0))",
        _both(
            "SELECT block, items FROM playlist_blocks WHERE playlist_id = :pid"
            " AND (block = ANY(CAST(:ids AS INTEGER[]))"
            " OR EXISTS (SELECT 1 FROM unnest(CAST(:needles AS TEXT[])) AS x (v)"
            " WHERE strpos(items, x.v) > 0))"
        )[1],
    ),
    "all_blocks": _both("SELECT block, items FROM playlist_blocks WHERE playlist_id = :pid"),
    "put_block": (
        "INSERT INTO playlist_blocks (playlist_id, block, items) VALUES (?, ?, ?)"
        " ON CONFLICT (playlist_id, block) DO UPDATE SET items = excluded.items",
        "",
    ),
    "drop_block": ("DELETE FROM playlist_blocks WHERE playlist_id = ? AND block = ?", ""),
    "state": _both(
        "UPDATE playlists SET " + ", ".join(f"{c} = :s_{c}" for c in _STATE) + " WHERE id = :pid"
    ),
    "version": (
        "INSERT INTO playlist_versions " + _values("v_", ("playlist_id", *_VERSION), False),
        "",
    ),
    "audit": ("INSERT INTO audit_entries " + _values("a_", _AUDIT, False), ""),
}
# The version row's playlist_id is the edit's `pid`.
_SQL["version"] = (_SQL["version"][0].replace(":v_playlist_id", ":pid"), "")


# `lock_items` with a guess (PostgreSQL): the lock, the playlist's snapshot_id as of
# the statement's snapshot (a data-modifying CTE's change is invisible to the rest
# of its statement), and the guessed blocks in that snapshot.
_LOCK_GUESS_SQL = _both(
    "WITH l AS (" + _LOCK_SQL + ")"
    " SELECT "
    + ", ".join(f"l.{c.strip()}" for c in _LOCK_COLUMNS.split(","))
    + ", (SELECT snapshot_id FROM playlists WHERE id = :pid), NULL, NULL FROM l"
    " UNION ALL SELECT " + "NULL, " * 12 + "block, items FROM playlist_blocks"
    " WHERE playlist_id = :pid AND block = ANY(CAST(:ids AS INTEGER[]))"
)[1]


@functools.cache
def _write_sql(writes: bool, deletes: bool, conditional: bool = False) -> str:
    """`write_version`'s PostgreSQL statement for one shape of edit; `conditional`:
    every part gated on the playlist being at snapshot `:expected` (the state update
    returns its row only then, and the other parts write once per row it returns)."""
    gate = " WHERE EXISTS (SELECT 1 FROM state)" if conditional else ""
    source = "state" if conditional else None
    state = _SQL["state"][0]
    if conditional:
        state += " AND snapshot_id = :expected RETURNING id"
    ctes = [f"state AS ({state})"]  # first: the others may refer to it
    if writes:
        ctes.append(
            "put AS (INSERT INTO playlist_blocks (playlist_id, block, items)"
            " SELECT CAST(:pid AS VARCHAR), t.b, t.x"
            " FROM unnest(CAST(:put_ids AS INTEGER[]), CAST(:put_items AS TEXT[])) AS t (b, x)"
            f"{gate} ON CONFLICT (playlist_id, block) DO UPDATE SET items = excluded.items)"
        )
    if deletes:
        ctes.append(
            "dropped AS (DELETE FROM playlist_blocks WHERE playlist_id = :pid"
            " AND block = ANY(CAST(:drop_ids AS INTEGER[]))"
            + (" AND EXISTS (SELECT 1 FROM state))" if conditional else ")")
        )
    ctes.append(f"audit AS (INSERT INTO audit_entries {_values('a_', _AUDIT, True, source)})")
    version = _values("v_", ("playlist_id", *_VERSION), True, source)
    version = version.replace(":v_playlist_id", ":pid")
    return _both(f"WITH {', '.join(ctes)} INSERT INTO playlist_versions {version}")[1]


@functools.cache
def _processors(dialect: Dialect) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The bind processors of a UTC timestamp column and a JSON column on `dialect`."""
    table = cast(Table, PlaylistVersion.__table__)

    def processor(column: str) -> Callable[[Any], Any]:
        t = table.c[column].type.dialect_impl(dialect)
        found = t.bind_processor(dialect)
        return found if found is not None else (lambda value: value)

    return processor("created_at"), processor("ops")


def insert_checkpoint(
    session: Session, playlist_id: str, version: int, entries: list[list[Any]]
) -> None:
    session.execute(
        insert(cast(Table, PlaylistCheckpoint.__table__)),
        [{"playlist_id": playlist_id, "version": version, "entries": entries}],
    )


def version_by_snapshot(
    session: Session, playlist_id: str, snapshot_id: str
) -> PlaylistVersion | None:
    return session.scalars(
        select(PlaylistVersion).where(
            PlaylistVersion.playlist_id == playlist_id, PlaylistVersion.snapshot_id == snapshot_id
        )
    ).first()


def version_at_time(session: Session, playlist_id: str, at: datetime) -> PlaylistVersion | None:
    return session.scalars(
        select(PlaylistVersion)
        .where(PlaylistVersion.playlist_id == playlist_id, PlaylistVersion.created_at <= at)
        .order_by(PlaylistVersion.version.desc())
        .limit(1)
    ).first()


def version(session: Session, playlist_id: str, number: int) -> PlaylistVersion | None:
    return session.get(PlaylistVersion, (playlist_id, number))


def versions_between(
    session: Session, playlist_id: str, after: int, upto: int
) -> list[PlaylistVersion]:
    """Versions `after < version <= upto`, oldest first."""
    return list(
        session.scalars(
            select(PlaylistVersion)
            .where(
                PlaylistVersion.playlist_id == playlist_id,
                PlaylistVersion.version > after,
                PlaylistVersion.version <= upto,
            )
            .order_by(PlaylistVersion.version)
        )
    )


def versions_page(
    session: Session, playlist_id: str, limit: int, offset: int
) -> list[PlaylistVersion]:
    return list(
        session.scalars(
            select(PlaylistVersion)
            .where(PlaylistVersion.playlist_id == playlist_id)
            .order_by(PlaylistVersion.version.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def checkpoint_before(session: Session, playlist_id: str, number: int) -> PlaylistCheckpoint | None:
    return session.scalars(
        select(PlaylistCheckpoint)
        .where(PlaylistCheckpoint.playlist_id == playlist_id, PlaylistCheckpoint.version <= number)
        .order_by(PlaylistCheckpoint.version.desc())
        .limit(1)
    ).first()


def storage_counts(session: Session, playlist_id: str) -> tuple[int, int]:
    """(versions, checkpoints) kept for a playlist."""
    versions = session.scalar(
        select(func.count())
        .select_from(PlaylistVersion)
        .where(PlaylistVersion.playlist_id == playlist_id)
    )
    checkpoints = session.scalar(
        select(func.count())
        .select_from(PlaylistCheckpoint)
        .where(PlaylistCheckpoint.playlist_id == playlist_id)
    )
    return int(versions or 0), int(checkpoints or 0)
