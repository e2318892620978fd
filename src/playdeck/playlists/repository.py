"""Every query on playlists, their items, followers, covers and versions.

Item reads are range reads on the `(playlist_id, position_key, id)` index; edits
touch only the rows they change (see `playlists.keys`), except the rare
rebalance, which renumbers a playlist in one `UPDATE … FROM` statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from playdeck.models import (
    Playlist,
    PlaylistCheckpoint,
    PlaylistFollower,
    PlaylistImage,
    PlaylistItem,
    PlaylistVersion,
    User,
    UTCDateTime,
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
    """One ordered range read of the live items."""
    return [_item(r) for r in _range(session, _ITEM_COLUMNS, playlist_id, offset, limit, length)]


def ids_at(session: Session, playlist_id: str, offset: int, count: int, length: int) -> list[int]:
    """The row ids of a range of items (what a move rewrites)."""
    rows = _range(session, (PlaylistItem.id,), playlist_id, offset, count, length)
    return [r[0] for r in rows]


def _stamp(session: Session) -> Any:
    """`added_at` as Spotify's ISO string, formatted by the database itself."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(
            func.timezone("UTC", PlaylistItem.added_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
        )
    return func.strftime("%Y-%m-%dT%H:%M:%SZ", PlaylistItem.added_at)


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


def existing_track_ids(catalog: sqlite3.Connection, ids: set[str]) -> set[str]:
    """Which of `ids` the catalog holds (one indexed `IN` query on the catalog)."""
    if not ids:
        return set()
    wanted = sorted(ids)
    marks = ",".join("?" * len(wanted))
    rows = catalog.execute(f"SELECT id FROM tracks WHERE id IN ({marks})", wanted)
    return {r[0] for r in rows}


def keys_around(
    session: Session, playlist_id: str, gap: int, length: int
) -> tuple[int | None, int | None]:
    """The position keys on either side of insertion point `gap` (None at an end),
    read from whichever end of the playlist is nearer."""
    q = select(PlaylistItem.position_key).where(PlaylistItem.playlist_id == playlist_id)
    if gap == 0:
        return None, session.scalars(q.order_by(*_ORDER).limit(1)).first()
    if gap >= length:
        return session.scalars(q.order_by(*_DESC).limit(1)).first(), None
    if gap <= length // 2:
        found = list(session.scalars(q.order_by(*_ORDER).limit(2).offset(gap - 1)))
        return found[0], found[1]
    found = list(session.scalars(q.order_by(*_DESC).limit(2).offset(length - gap - 1)))
    return found[1], found[0]


def move_reads(
    session: Session, playlist_id: str, start: int, count: int, gap: int, length: int
) -> tuple[list[int], int | None, int | None]:
    """`ids_at(start, count)` and `keys_around(gap)`: what a move reads, in order.

    On PostgreSQL one round trip, the same two range reads (each from its nearer
    end) joined by `UNION ALL`; the rows are put in order here. Elsewhere the two
    reads.
    """
    if session.get_bind().dialect.name != "postgresql":
        lo, hi = keys_around(session, playlist_id, gap, length)
        return ids_at(session, playlist_id, start, count, length), lo, hi
    mine = PlaylistItem.playlist_id == playlist_id
    cols = (PlaylistItem.id, PlaylistItem.position_key)
    if start <= length // 2:
        ids_q = select(*cols).where(mine).order_by(*_ORDER).limit(count).offset(start)
    else:
        back = length - start - count
        ids_q = select(*cols).where(mine).order_by(*_DESC).limit(count).offset(back)
    if gap == 0:
        keys_q = select(*cols).where(mine).order_by(*_ORDER).limit(1)
    elif gap >= length:
        keys_q = select(*cols).where(mine).order_by(*_DESC).limit(1)
    elif gap <= length // 2:
        keys_q = select(*cols).where(mine).order_by(*_ORDER).limit(2).offset(gap - 1)
    else:
        keys_q = select(*cols).where(mine).order_by(*_DESC).limit(2).offset(length - gap - 1)
    a, b = ids_q.subquery("a"), keys_q.subquery("b")
    rows = session.execute(
        union_all(
            select(literal(0).label("part"), a.c.id, a.c.position_key),
            select(literal(1).label("part"), b.c.id, b.c.position_key),
        )
    ).all()
    moved = sorted((r[2], r[1]) for r in rows if r[0] == 0)
    around = sorted(r[2] for r in rows if r[0] == 1)
    if gap == 0:
        return [i for _, i in moved], None, around[0] if around else None
    if gap >= length:
        return [i for _, i in moved], around[-1] if around else None, None
    return [i for _, i in moved], around[0], around[1]


def insert_added(
    session: Session,
    playlist_id: str,
    position_keys: Sequence[int],
    uris: Sequence[str],
    added_at: datetime,
    added_by: str | None,
) -> None:
    """Insert items added together (same time, same user): SQLite's path of
    `write_version` (PostgreSQL inserts them inside its single statement)."""
    insert_items(
        session,
        [
            {
                "playlist_id": playlist_id,
                "position_key": k,
                "uri": u,
                "added_at": added_at,
                "added_by": added_by,
            }
            for k, u in zip(position_keys, uris, strict=True)
        ],
    )


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


def delete_items(session: Session, ids: Sequence[int]) -> None:
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


def update_playlist(session: Session, playlist_id: str, values: dict[str, Any]) -> None:
    session.execute(
        update(cast(Table, Playlist.__table__))
        .where(Playlist.__table__.c.id == playlist_id)
        .values(values)
    )


def insert_version(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(cast(Table, PlaylistVersion.__table__)), [values])


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
    *,
    added: Added | None = None,
    moved: Sequence[tuple[int, int]] = (),
) -> None:
    """An edit's writes: the items it adds or moves (by row id, new key), the
    playlist's new `state`, and its version row.

    On PostgreSQL one statement: the item write and the playlist update are
    data-modifying CTEs of the version `INSERT` (all run, in one round trip, on the
    transaction's locked playlist; none reads what another writes). On SQLite,
    which has no data-modifying CTEs, the same writes one statement each.
    """
    if session.get_bind().dialect.name != "postgresql":
        if added is not None:
            insert_added(
                session,
                playlist_id,
                added.position_keys,
                added.uris,
                added.added_at,
                added.added_by,
            )
        set_keys(session, moved)
        update_playlist(session, playlist_id, state)
        insert_version(session, version_values)
        return
    params: dict[str, Any] = {f"v_{k}": v for k, v in version_values.items()}
    params.update({f"s_{k}": v for k, v in state.items()})
    params["pid"] = playlist_id
    if added is not None:
        params.update(
            add_keys=list(added.position_keys),
            add_uris=list(added.uris),
            add_at=added.added_at,
            add_by=added.added_by,
        )
    if moved:
        params.update(move_ids=[i for i, _ in moved], move_keys=[k for _, k in moved])
    shape = (added is not None, bool(moved), tuple(state), tuple(version_values))
    stmt = _VERSION_STATEMENTS.get(shape)
    if stmt is None:
        stmt = _VERSION_STATEMENTS[shape] = _version_statement(*shape)
    session.execute(stmt, params)


_VERSION_STATEMENTS: dict[tuple[bool, bool, tuple[str, ...], tuple[str, ...]], Any] = {}


def _version_statement(
    adds: bool, moves: bool, state: tuple[str, ...], version: tuple[str, ...]
) -> Any:
    """`write_version`'s PostgreSQL statement for one shape of edit, built once (so
    SQLAlchemy's compiled cache is hit) with every value a named parameter."""
    items = cast(Table, PlaylistItem.__table__)
    playlists = cast(Table, Playlist.__table__)
    versions = cast(Table, PlaylistVersion.__table__)
    pid = bindparam("pid", type_=String())
    ctes = []
    if adds:
        rows = (
            func.unnest(
                bindparam("add_keys", type_=ARRAY(BigInteger)),
                bindparam("add_uris", type_=ARRAY(String)),
            )
            .table_valued("k", "u")
            .render_derived(name="t")
        )
        ctes.append(
            insert(items)
            .from_select(
                ["playlist_id", "position_key", "uri", "added_at", "added_by"],
                select(
                    pid,
                    rows.c.k,
                    rows.c.u,
                    sql_cast(bindparam("add_at", type_=UTCDateTime()), UTCDateTime()),
                    sql_cast(bindparam("add_by", type_=String()), items.c.added_by.type),
                ),
            )
            .cte("added")
        )
    if moves:
        new_keys = (
            func.unnest(
                bindparam("move_ids", type_=ARRAY(BigInteger)),
                bindparam("move_keys", type_=ARRAY(BigInteger)),
            )
            .table_valued("i", "k")
            .render_derived(name="m")
        )
        ctes.append(
            update(items)
            .where(items.c.id == new_keys.c.i, items.c.playlist_id == pid)
            .values(position_key=new_keys.c.k)
            .cte("moved")
        )
    ctes.append(
        update(playlists)
        .where(playlists.c.id == pid)
        .values({k: bindparam(f"s_{k}", type_=playlists.c[k].type) for k in state})
        .cte("state")
    )
    return (
        insert(versions)
        .values({k: bindparam(f"v_{k}", type_=versions.c[k].type) for k in version})
        .add_cte(*ctes)
    )


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
