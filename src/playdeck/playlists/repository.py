"""Every query on playlists, their items, followers, covers and versions.

Item reads are range reads on the `(playlist_id, position_key, id)` index; edits
touch only the rows they change (see `playlists.keys`), except the rare
rebalance, which renumbers a playlist in one `UPDATE … FROM` statement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from playdeck.models import (
    Playlist,
    PlaylistCheckpoint,
    PlaylistFollower,
    PlaylistImage,
    PlaylistItem,
    PlaylistVersion,
    User,
)
from playdeck.playlists import keys
from playdeck.playlists.ops import Entry


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    position_key: int
    uri: str
    added_at: datetime | str  # a string when read by `all_items`
    added_by: str | None


_ITEM_COLUMNS = (
    PlaylistItem.id,
    PlaylistItem.position_key,
    PlaylistItem.uri,
    PlaylistItem.added_at,
    PlaylistItem.added_by,
)
_ORDER = (PlaylistItem.position_key, PlaylistItem.id)
_DESC = (PlaylistItem.position_key.desc(), PlaylistItem.id.desc())


def _item(row: Row[Any]) -> ItemRow:
    return ItemRow(row[0], row[1], row[2], row[3], row[4])


def pg_array(values: Sequence[int] | Sequence[str]) -> str:
    """`values` as a PostgreSQL array literal (`{1,2}`, `{"a","b"}`), for a parameter
    cast to an array type: integers as they are, strings double-quoted with `"` and
    `\\` escaped by a backslash (the array input syntax; no element is ever NULL)."""
    if all(isinstance(v, int) for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _execute(
    session: Session, sql: str | tuple[str, str], params: Any, *, many: bool = False
) -> list[Any]:
    """Run one of the hot paths' fixed statements (`_SQL`: SQLite and PostgreSQL
    text) through the driver, on the session's connection and in its transaction;
    the rows it returns as tuples (none for a write).

    SQLAlchemy's own execution (result objects, row processing: about 30 µs a
    statement, 150 µs for a page of 100 rows) adds nothing to fixed text with bound
    values; an add runs five such statements, a page read two. The engine's
    `before_cursor_execute` listeners still see each statement (tracing, and the
    tests that count a request's statements).
    """
    conn = session.connection()  # begins the session's transaction when it has not
    pg = conn.dialect.name == "postgresql"
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection, checked out for this session
    cursor = driver.cursor()
    try:
        text = sql if isinstance(sql, str) else sql[pg]
        conn.dispatch.before_cursor_execute(conn, cursor, text, params, None, many)
        if many:
            cursor.executemany(text, params)
            return []
        cursor.execute(text, params)
        return cursor.fetchall() if cursor.description is not None else []
    finally:
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
    if session.get_bind().dialect.name != "postgresql":
        return session.scalars(
            stmt.returning(Playlist), execution_options={"populate_existing": True}
        ).one_or_none()
    # PostgreSQL: the same round trip also turns bitmap scans off for the rest of
    # this transaction (`set_config(…, true)` is `SET LOCAL`). Without statistics
    # for a playlist's size (a new table, or a playlist the planner guesses small)
    # it reads a position range by bitmap-scanning the whole playlist and sorting
    # it (4 ms at 10,000 items) instead of walking the order index to the offset
    # (0.5–1 ms); the edit's other statements are key lookups either way.
    row = session.execute(
        stmt.returning(Playlist, func.set_config("enable_bitmapscan", "off", True)),
        execution_options={"populate_existing": True},
    ).one_or_none()
    return None if row is None else cast(Playlist, row[0])


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
    updated_at: datetime | None = None  # set by the edit (not read)


_LOCK_COLUMNS = (
    "id, owner_id, name, description, public, collaborative, snapshot_id, version,"
    " length, delta_since_checkpoint"
)


def lock_items(session: Session, playlist_id: str) -> LockedPlaylist | None:
    """`lock()` for the item edits (add, reorder): the same statement, returning a
    `LockedPlaylist` through the driver rather than an ORM instance."""
    found = _execute(session, _SQL["lock"], {"pid": playlist_id})
    if not found:
        return None
    row = found[0]
    return LockedPlaylist(
        row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), row[6], row[7], row[8],
        row[9],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ItemState:
    """What a page read needs of its playlist row."""

    id: str
    snapshot_id: str
    length: int


def item_state(session: Session, playlist_id: str) -> tuple[str, int] | None:
    """(snapshot_id, length) of a playlist, None if there is no such playlist."""
    found = _execute(session, _SQL["item_state"], {"pid": playlist_id})
    return (found[0][0], found[0][1]) if found else None


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


def follower_count(session: Session, playlist: Playlist) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PlaylistFollower)
            .where(
                PlaylistFollower.playlist_id == playlist.id,
                PlaylistFollower.user_id != playlist.owner_id,
            )
        )
        or 0
    )


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


def _range(
    session: Session, columns: Sequence[Any], playlist_id: str, offset: int, limit: int, length: int
) -> list[Row[Any]]:
    """Rows `offset … offset + limit` in playlist order, read from the nearer end.

    `length` is the playlist's item count (read in the same transaction): a range
    in the second half is read backwards, so no read skips more than half the
    index.
    """
    count = max(0, min(limit, length - offset))
    if count == 0:
        return []
    q = select(*columns).where(PlaylistItem.playlist_id == playlist_id)
    if offset <= length // 2:
        return list(session.execute(q.order_by(*_ORDER).limit(count).offset(offset)).all())
    backwards = q.order_by(*_DESC).limit(count).offset(length - offset - count)
    return list(reversed(session.execute(backwards).all()))


def items_page(
    session: Session, playlist_id: str, offset: int, limit: int, length: int
) -> list[ItemRow]:
    """One ordered range read of the live items, `added_at` as a string."""
    columns = (*_ITEM_COLUMNS[:3], _stamp(session), _ITEM_COLUMNS[4])
    return [_item(r) for r in _range(session, columns, playlist_id, offset, limit, length)]


def items_from_key(
    session: Session, playlist_id: str, key: int, limit: int
) -> list[tuple[str, str, str | None]]:
    """(uri, added_at as Spotify's ISO string, added_by) of `limit` live items in order
    from the one whose position key is `key`: an index seek, for a caller that knows
    the key at its offset (`playlists.order`)."""
    return _execute(session, _SQL["from_key"], {"pid": playlist_id, "key": key, "n": limit})


def all_keys(session: Session, playlist_id: str) -> list[int]:
    """Every live item's position key, in order (one index-only read)."""
    return [r[0] for r in _execute(session, _SQL["all_keys"], {"pid": playlist_id})]


def _stamp(session: Session) -> Any:
    """`added_at` as Spotify's ISO string, formatted by the database itself (the
    `_STAMP_SQL` of the session's database, for reads of `playlist_items` alone)."""
    return literal_column(_STAMP_SQL[session.get_bind().dialect.name == "postgresql"])


def all_items(session: Session, playlist_id: str) -> list[ItemRow]:
    """Every live item in order, `added_at` as a string: parsing 10,000 timestamps
    in Python would dominate a whole-playlist read."""
    rows = session.execute(
        select(
            PlaylistItem.id,
            PlaylistItem.position_key,
            PlaylistItem.uri,
            _stamp(session),
            PlaylistItem.added_by,
        )
        .where(PlaylistItem.playlist_id == playlist_id)
        .order_by(*_ORDER)
    ).all()
    return [_item(r) for r in rows]


def all_entries(session: Session, playlist_id: str) -> list[Entry]:
    """Every live item as a history entry, in order."""
    return [Entry(r.uri, str(r.added_at), r.added_by) for r in all_items(session, playlist_id)]


def _nearer_end(offset: int, count: int, length: int) -> tuple[bool, int]:
    """(backwards, offset from that end) for a range of `count` rows at `offset`."""
    if offset <= length // 2:
        return False, offset
    return True, max(0, length - offset - count)


def keys_around(
    session: Session, playlist_id: str, gap: int, length: int
) -> tuple[int | None, int | None]:
    """The position keys on either side of insertion point `gap` (None at an end),
    read from whichever end of the playlist is nearer (one index-only range read)."""
    if gap == 0:
        first = _execute(session, _SQL["keys"], _page(playlist_id, 1, 0))
        return None, first[0][0] if first else None
    if gap >= length:
        last = _execute(session, _SQL["keys_desc"], _page(playlist_id, 1, 0))
        return last[0][0] if last else None, None
    back, skip = _nearer_end(gap - 1, 2, length)
    found = [r[0] for r in _execute(
        session, _SQL["keys_desc" if back else "keys"], _page(playlist_id, 2, skip)
    )]  # fmt: skip
    return (found[1], found[0]) if back else (found[0], found[1])


def _page(playlist_id: str, n: int, skip: int) -> dict[str, Any]:
    return {"pid": playlist_id, "n": n, "skip": skip}


def move_reads(
    session: Session, playlist_id: str, start: int, count: int, gap: int, length: int
) -> tuple[list[int], int | None, int | None]:
    """The ids of the `count` rows from `start` and `keys_around(gap)`: what a move
    reads, in order.

    On PostgreSQL one round trip, the same two range reads (each from its nearer
    end) joined by `UNION ALL`; the rows are put in order here. Elsewhere the two
    reads.
    """
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        lo, hi = keys_around(session, playlist_id, gap, length)
        back, skip = _nearer_end(start, count, length)
        ids = _SQL["ids_desc" if back else "ids"]
        rows = _execute(session, ids, _page(playlist_id, count, skip))
        return [r[0] for r in (reversed(rows) if back else rows)], lo, hi
    a_back, a_skip = _nearer_end(start, count, length)
    if gap == 0 or gap >= length:
        b_back, b_n, b_skip = gap != 0, 1, 0
    else:
        b_back, b_skip = _nearer_end(gap - 1, 2, length)
        b_n = 2
    rows = _execute(
        session,
        _move_reads_sql(a_back, b_back),
        {"pid": playlist_id, "a_n": count, "a_skip": a_skip, "b_n": b_n, "b_skip": b_skip},
    )
    moved = sorted((r[2], r[1]) for r in rows if r[0] == 0)
    around = sorted(r[2] for r in rows if r[0] == 1)
    if gap == 0:
        return [i for _, i in moved], None, around[0] if around else None
    if gap >= length:
        return [i for _, i in moved], around[-1] if around else None, None
    return [i for _, i in moved], around[0], around[1]


def insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert live rows with one cached Core statement (executemany; batched into
    multi-row VALUES by SQLAlchemy on PostgreSQL), without ORM per-row bookkeeping."""
    if rows:
        session.execute(insert(cast(Table, PlaylistItem.__table__)), rows)


def set_keys(session: Session, id_keys: Sequence[tuple[int, int]]) -> None:
    """New position keys for rows by id (one cached statement, executemany)."""
    if id_keys:
        table = cast(Table, PlaylistItem.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(position_key=bindparam("new_key")),
            [{"row_id": i, "new_key": k} for i, k in id_keys],
        )


def items_at_keys(
    session: Session, playlist_id: str, position_keys: Sequence[int]
) -> dict[int, tuple[int, str]]:
    """(id, uri) of the live items with these position keys (unique in a playlist
    whose keys `playlists.order` keeps), by key: one index read per key."""
    wanted = sorted(set(position_keys))
    found: dict[int, tuple[int, str]] = {}
    if session.get_bind().dialect.name == "postgresql":
        # One index probe per key. As `position_key = ANY(…)` the planner, guessing
        # from statistics that a playlist is small, walks the playlist's whole range
        # and filters it (10 ms at 10,000 items once recent edits have left dead
        # rows in it) instead of seeking each key.
        params = {"pid": playlist_id, "keys": pg_array(wanted)}
        found.update((r[0], (r[1], r[2])) for r in _execute(session, _SQL["at_keys"], params))
        return found
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(PlaylistItem.position_key, PlaylistItem.id, PlaylistItem.uri).where(
                PlaylistItem.playlist_id == playlist_id,
                PlaylistItem.position_key.in_(wanted[start : start + 500]),
            )
        )
        found.update((r[0], (r[1], r[2])) for r in rows)
    return found


def items_with_uris(
    session: Session, playlist_id: str, uris: Sequence[str]
) -> list[tuple[int, int, str]]:
    """(position_key, id, uri) of every live item with one of these URIs: one read
    of the playlist's range of the order index, the URIs tested by the database."""
    if not uris:
        return []
    if session.get_bind().dialect.name == "postgresql":
        params = {"pid": playlist_id, "uris": pg_array(sorted(set(uris)))}
        return _execute(session, _SQL["with_uris"], params)
    rows = session.execute(
        select(PlaylistItem.position_key, PlaylistItem.id, PlaylistItem.uri).where(
            PlaylistItem.playlist_id == playlist_id, PlaylistItem.uri.in_(sorted(set(uris)))
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def delete_items(session: Session, ids: Sequence[int]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # One array literal (`pg_array`) rather than a bound parameter per id.
        _execute(session, _SQL["delete_ids"], {"ids": pg_array(list(ids))})
        return
    for start in range(0, len(ids), 500):
        session.execute(
            delete(PlaylistItem)
            .where(PlaylistItem.id.in_(list(ids[start : start + 500])))
            .execution_options(synchronize_session=False)
        )


def rebalance(session: Session, playlist_id: str) -> None:
    """Renumber a playlist's keys `GAP` apart, in order, in one statement."""
    session.execute(
        text(
            "UPDATE playlist_items SET position_key = r.rn * :gap FROM ("
            " SELECT id, row_number() OVER (ORDER BY position_key, id) AS rn"
            " FROM playlist_items WHERE playlist_id = :pid) AS r"
            " WHERE playlist_items.id = r.id"
        ),
        {"gap": keys.GAP, "pid": playlist_id},
    )


# -- versions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Added:
    """Items added together (same time, same user), in order, with their new keys."""

    position_keys: Sequence[int]
    uris: Sequence[str]
    added_at: datetime
    added_by: str | None


def write_version(
    session: Session,
    playlist_id: str,
    state: dict[str, Any],
    version_values: dict[str, Any],
    audit_values: dict[str, Any],
    *,
    added: Added | None = None,
    moved: Sequence[tuple[int, int]] = (),
    rekeyed: Sequence[tuple[int, int]] = (),
) -> None:
    """An edit's writes: the items it adds or moves (`moved`: by row id, new key;
    `rekeyed`: by old key, new key, for a playlist whose keys are unique), the
    playlist's new `state` (`_STATE` columns), its version row (`_VERSION`) and its
    audit row (`_AUDIT`, as `audit.service.entry` builds it).

    On PostgreSQL one statement: the item write, the playlist update and the audit
    row are data-modifying CTEs of the version `INSERT` (all run, in one round trip,
    on the transaction's locked playlist; none reads what another writes), so they
    succeed or fail together. On SQLite, which has no data-modifying CTEs, the same
    writes one statement each, in the same transaction (no round trips there).

    Fixed SQL through the driver, values bound: this is every edit's write path, and
    SQLAlchemy's per-statement and per-row work (compiling, ORM bulk handling, bind
    processing 100 rows) cost more here than the database does. Timestamps and JSON
    go through the columns' own SQLAlchemy bind processors, so rows are stored
    exactly as the ORM stores them.
    """
    conn = session.connection()
    dialect = conn.dialect
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
        # Arrays go as PostgreSQL array literals (`pg_array`): psycopg adapts a
        # Python list element by element, which costs more than the 100-row insert.
        if added is not None:
            params.update(
                add_keys=pg_array(added.position_keys),
                add_uris=pg_array(added.uris),
                add_at=stamp(added.added_at),
                add_by=added.added_by,
            )
        if moved:
            params.update(
                move_ids=pg_array([i for i, _ in moved]), move_keys=pg_array([k for _, k in moved])
            )
        if rekeyed:
            params.update(
                move_from=pg_array([o for o, _ in rekeyed]),
                move_keys=pg_array([k for _, k in rekeyed]),
            )
        _execute(session, _write_sql(added is not None, bool(moved), bool(rekeyed)), params)
        return
    if added is not None:
        at = stamp(added.added_at)
        rows = [
            (playlist_id, k, u, at, added.added_by)
            for k, u in zip(added.position_keys, added.uris, strict=True)
        ]
        _execute(session, _SQL["add_item"], rows, many=True)
    if moved:
        _execute(session, _SQL["move_item"], [(k, i) for i, k in moved], many=True)
    if rekeyed:
        rekeys = [(k, playlist_id, o) for o, k in rekeyed]
        _execute(session, _SQL["rekey_item"], rekeys, many=True)
    for statement in ("state", "version", "audit"):
        _execute(session, _SQL[statement], params)


# -- driver SQL for the edit path -----------------------------------------------------
# Fixed statements, one per shape, values always bound (`:name`, which sqlite3 takes
# as is; psycopg gets `%(name)s`). Only `_write_sql`/`_move_reads_sql` choose among
# fixed fragments.

_STATE = ("version", "snapshot_id", "updated_at", "length", "delta_since_checkpoint")
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


_ORDER_SQL = {False: "ORDER BY position_key, id", True: "ORDER BY position_key DESC, id DESC"}
_RANGE_SQL = "FROM playlist_items WHERE playlist_id = :pid {order} LIMIT :n OFFSET :skip"
_LOCK_SQL = f"UPDATE playlists SET version = version WHERE id = :pid RETURNING {_LOCK_COLUMNS}"
_JSON_PG = {"v_ops", "v_details", "a_params"}
# Outside `_both`: its `:name` rewriting would take PostgreSQL's `HH24:MI` for a parameter.
_STAMP_SQL = {
    False: "strftime('%Y-%m-%dT%H:%M:%SZ', added_at)",
    True: "to_char(timezone('UTC', added_at), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
}
_FROM_KEY_SQL = (
    "SELECT uri, {stamp}, added_by FROM playlist_items"
    " WHERE playlist_id = :pid AND position_key >= :key " + _ORDER_SQL[False] + " LIMIT :n"
)


def _values(prefix: str, columns: Sequence[str], pg: bool) -> str:
    marks = (
        f"CAST(:{prefix}{c} AS JSON)" if pg and f"{prefix}{c}" in _JSON_PG else f":{prefix}{c}"
        for c in columns
    )
    return f"({', '.join(columns)}) VALUES ({', '.join(marks)})"


_SQL: dict[str, tuple[str, str]] = {
    # PostgreSQL: the lock also turns bitmap scans off for this transaction (see lock()).
    "lock": (
        _LOCK_SQL,
        _both(_LOCK_SQL + ", set_config('enable_bitmapscan', 'off', true)")[1],
    ),
    "keys": _both("SELECT position_key " + _RANGE_SQL.format(order=_ORDER_SQL[False])),
    "keys_desc": _both("SELECT position_key " + _RANGE_SQL.format(order=_ORDER_SQL[True])),
    "ids": _both("SELECT id " + _RANGE_SQL.format(order=_ORDER_SQL[False])),
    "ids_desc": _both("SELECT id " + _RANGE_SQL.format(order=_ORDER_SQL[True])),
    "add_item": (
        "INSERT INTO playlist_items (playlist_id, position_key, uri, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?)",
        "",
    ),
    "move_item": ("UPDATE playlist_items SET position_key = ? WHERE id = ?", ""),
    "rekey_item": (
        "UPDATE playlist_items SET position_key = ? WHERE playlist_id = ? AND position_key = ?",
        "",
    ),
    # PostgreSQL only (`items_at_keys`, `delete_items`).
    "at_keys": (
        "",
        _both(
            "SELECT i.position_key, i.id, i.uri FROM unnest(CAST(:keys AS BIGINT[])) AS k (key)"
            " CROSS JOIN LATERAL (SELECT position_key, id, uri FROM playlist_items"
            " WHERE playlist_id = :pid AND position_key = k.key LIMIT 1) AS i"
        )[1],
    ),
    "with_uris": (
        "",
        _both(
            "SELECT position_key, id, uri FROM playlist_items"
            " WHERE playlist_id = :pid AND uri = ANY(CAST(:uris AS VARCHAR[]))"
        )[1],
    ),
    "delete_ids": (
        "",
        _both("DELETE FROM playlist_items WHERE id = ANY(CAST(:ids AS BIGINT[]))")[1],
    ),
    "item_state": _both("SELECT snapshot_id, length FROM playlists WHERE id = :pid"),
    "all_keys": _both(
        "SELECT position_key FROM playlist_items WHERE playlist_id = :pid " + _ORDER_SQL[False]
    ),
    # `added_at` as Spotify's ISO string, formatted by the database (as `_stamp`).
    "from_key": (
        _FROM_KEY_SQL.format(stamp=_STAMP_SQL[False]),
        _both(_FROM_KEY_SQL)[1].format(stamp=_STAMP_SQL[True]),
    ),
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


def _move_reads_sql(a_back: bool, b_back: bool) -> str:
    part = "(SELECT {n} AS part, id, position_key FROM playlist_items WHERE playlist_id = :pid"
    sql = (
        f"{part.format(n=0)} {_ORDER_SQL[a_back]} LIMIT :a_n OFFSET :a_skip)"
        f" UNION ALL {part.format(n=1)} {_ORDER_SQL[b_back]} LIMIT :b_n OFFSET :b_skip)"
    )
    return _both(sql)[1]


@functools.cache
def _write_sql(adds: bool, moves: bool, rekeys: bool = False) -> str:
    """`write_version`'s PostgreSQL statement for one shape of edit."""
    ctes = []
    if adds:
        ctes.append(
            "added AS (INSERT INTO playlist_items"
            " (playlist_id, position_key, uri, added_at, added_by)"
            " SELECT CAST(:pid AS VARCHAR), t.k, t.u, CAST(:add_at AS TIMESTAMPTZ),"
            " CAST(:add_by AS VARCHAR)"
            " FROM unnest(CAST(:add_keys AS BIGINT[]), CAST(:add_uris AS VARCHAR[])) AS t (k, u))"
        )
    if moves:
        ctes.append(
            "moved AS (UPDATE playlist_items SET position_key = m.k"
            " FROM unnest(CAST(:move_ids AS BIGINT[]), CAST(:move_keys AS BIGINT[])) AS m (i, k)"
            " WHERE playlist_items.id = m.i AND playlist_items.playlist_id = :pid)"
        )
    if rekeys:
        ctes.append(
            "moved AS (UPDATE playlist_items SET position_key = m.k"
            " FROM unnest(CAST(:move_from AS BIGINT[]), CAST(:move_keys AS BIGINT[])) AS m (o, k)"
            " WHERE playlist_items.playlist_id = :pid AND playlist_items.position_key = m.o)"
        )
    ctes.append(f"state AS ({_SQL['state'][0]})")
    ctes.append(f"audit AS (INSERT INTO audit_entries {_values('a_', _AUDIT, True)})")
    version = _values("v_", ("playlist_id", *_VERSION), True).replace(":v_playlist_id", ":pid")
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
