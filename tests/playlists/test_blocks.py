"""Playlist items in blocks (`playlists.blocks`): edits through the API agree with a
plain list and keep the blocks' invariants (`helpers.checked_blocks`) on both
databases; the pure block arithmetic agrees with `ops.apply` and reads only the
blocks an operation touches; a failed edit leaves the blocks as they were."""

from __future__ import annotations

import contextlib
import logging
import random
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from playdeck.app import create_app
from playdeck.audit import service as audit
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings
from playdeck.kit.db import Database
from playdeck.playlists import blocks, hints, ops, repository, service
from playdeck.playlists.ops import Entry, Insert, Move, Op, Remove
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client, break_audit, stored_uris, track_ids, uris


@pytest.fixture()
def token(make_user: MakeUser, user_token: UserToken) -> str:
    return user_token(make_user("alice"), ALL_SCOPES)


@pytest.fixture()
def other_app(db_settings: Settings, catalog: CatalogStore) -> Iterator[TestClient]:
    """A second app on the same database: another server process."""
    application: FastAPI = create_app(db_settings, catalog=catalog)
    with TestClient(application) as c:
        yield c
    application.state.db.dispose()


def test_edits_match_a_model(
    api: TestClient,
    token: str,
    catalog: CatalogStore,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Random adds, reorders and deletes (by position and every occurrence) in blocks of
    4–8 items: pages, the stored blocks and a plain list agree after every edit."""
    monkeypatch.setattr(blocks, "MAX", 8)
    monkeypatch.setattr(blocks, "MIN", 4)
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 40))  # few enough that URIs repeat
    rng = random.Random(5)
    pid = alice.create()["id"]
    model: list[str] = []
    for step in range(80):
        kind = step % 4
        if kind == 0 or len(model) < 8:
            new = rng.sample(pool, rng.randint(1, 8))
            at = rng.randint(0, len(model))
            alice.add(pid, new, at)
            model[at:at] = new
        elif kind == 1:
            start, n = rng.randrange(len(model) - 2), rng.randint(1, 2)
            before = rng.choice([b for b in range(len(model) + 1) if not start <= b <= start + n])
            body = {"range_start": start, "range_length": n, "insert_before": before}
            alice.json("PUT", f"/v1/playlists/{pid}/items", json=body)
            block = model[start : start + n]
            rest = model[:start] + model[start + n :]
            at = before if before <= start else before - n
            model = rest[:at] + block + rest[at:]
        elif kind == 3:
            # Every occurrence of a URI (spotipy's remove_all_occurrences), with one
            # named position of another in the same request: blocks found by their
            # text and by the directory.
            every = rng.choice(model)
            pos = rng.choice([i for i, u in enumerate(model) if u != every] or [None])
            targets: list[dict[str, object]] = [{"uri": every}]
            if pos is not None:
                targets.append({"uri": model[pos], "positions": [pos]})
            alice.json("DELETE", f"/v1/playlists/{pid}/items", json={"tracks": targets})
            model = [u for i, u in enumerate(model) if u != every and i != pos]
        else:
            # One to three positions against a snapshot: only their blocks are read.
            drop = sorted(rng.sample(range(len(model)), rng.randint(1, 3)))
            snap = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
            removal: dict[str, object] = {
                "items": [{"uri": model[pos], "positions": [pos]} for pos in drop],
                "snapshot_id": snap,
            }
            alice.json("DELETE", f"/v1/playlists/{pid}/items", json=removal)
            model = [u for i, u in enumerate(model) if i not in drop]
        # Pages (each one statement), and the stored blocks with their invariants.
        assert alice.uris(pid) == model
        assert stored_uris(db, pid) == model


def test_edits_from_two_processes(
    api: TestClient, other_app: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
    here, there = Client(api, token), Client(other_app, token)
    pool = uris(track_ids(catalog, 40))
    pid = here.create()["id"]
    here.add(pid, pool[:10])
    here.add(pid, pool[10:12], 5)
    model = pool[:5] + pool[10:12] + pool[5:10]
    # The other process moves items (same length): nothing kept in this process may
    # stand for the playlist's items (the directory is read with the lock).
    there.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 9, "insert_before": 1})
    there.json(
        "PUT",
        f"/v1/playlists/{pid}/items",
        json={"range_start": 0, "range_length": 3, "insert_before": 12},
    )
    model.insert(1, model.pop(9))
    model = model[3:] + model[:3]
    # Edits here place items by the current directory.
    here.add(pid, [pool[30]], 4)
    model.insert(4, pool[30])
    here.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 0, "insert_before": 9})
    model.insert(8, model.pop(0))
    assert stored_uris(db, pid) == model
    assert here.uris(pid) == model and there.uris(pid) == model


def test_a_failed_edit_leaves_the_blocks(
    api: TestClient,
    db_app: FastAPI,
    token: str,
    catalog: CatalogStore,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edit whose last write fails (its audit row: on SQLite after the blocks are
    written, on PostgreSQL in the same statement) keeps nothing: the request's
    transaction rolls back, blocks and directory together."""
    monkeypatch.setattr(blocks, "MAX", 4)
    monkeypatch.setattr(blocks, "MIN", 2)
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 20))
    pid = alice.create()["id"]
    alice.add(pid, pool[:10])
    real = break_audit(monkeypatch)
    path = f"/v1/playlists/{pid}/items"
    raw = TestClient(db_app, raise_server_exceptions=False)
    failed = [
        raw.post(path, json={"uris": pool[10:15], "position": 3}, headers=alice.headers),
        raw.put(path, json={"range_start": 0, "range_length": 3, "insert_before": 9},
                headers=alice.headers),
        raw.request("DELETE", path, json={"tracks": [{"uri": pool[4]}]}, headers=alice.headers),
    ]  # fmt: skip
    assert [r.status_code for r in failed] == [500, 500, 500]
    monkeypatch.setattr(audit, "entry", real)
    assert stored_uris(db, pid) == pool[:10] == alice.uris(pid)
    alice.add(pid, pool[10:15], 3)
    assert stored_uris(db, pid) == [*pool[:3], *pool[10:15], *pool[3:10]]


def _entries(rng: random.Random, n: int, start: int) -> tuple[Entry, ...]:
    stamp = f"2026-12-0{rng.randint(1, 3)}T00:00:00Z"
    by = rng.choice([None, "u1", "u2"])
    return tuple(
        Entry(f"spotify:track:{start + i:022d}" if i % 7 else f"spotify:local:a:b:{i}:3", stamp, by)
        for i in range(n)
    )


def _random_op(rng: random.Random, model: list[Entry], serial: int) -> Op:
    kind = rng.random()
    if kind < 0.4 or len(model) < 3:
        return Insert(
            rng.randint(0, len(model)), _entries(rng, rng.choice([1, 5, 100, 250]), serial)
        )
    if kind < 0.7:
        drop = sorted(rng.sample(range(len(model)), rng.randint(1, min(len(model), 150))))
        return Remove(tuple(drop), tuple(model[i].uri for i in drop))
    start = rng.randrange(len(model))
    return Move(start, rng.randint(1, len(model) - start), rng.randint(0, len(model)))


def _check(directory: blocks.Directory, store: dict[int, str]) -> list[Entry]:
    assert sorted(store) == sorted(b for b, _ in directory)
    out: list[Entry] = []
    for block, count in directory:
        items = blocks.decode(store[block])
        assert len(items) == count <= blocks.MAX
        assert count >= (blocks.MIN if len(directory) > 1 else 1)
        out.extend(items)
    return out


def test_edits_agree_with_ops_apply() -> None:
    """Planned on counts, applied with only the planned blocks read, every edit gives
    the list `ops.apply` gives, in blocks within their bounds."""
    rng = random.Random(7)
    for _ in range(60):
        store: dict[int, str] = {}
        directory: blocks.Directory = []
        model: list[Entry] = []
        for step in range(40):
            op = _random_op(rng, model, step * 1000)
            need = blocks.Edit(directory).apply([op]).plan()
            loaded = {b: blocks.decode(store[b]) for b in need}
            result = blocks.Edit(directory, loaded).apply([op]).result()
            assert not set(result.deletes) & {b for b, _ in result.writes}
            for block in result.deletes:
                del store[block]
            store.update(result.writes)
            directory = result.directory
            model = ops.apply([op], model)
            assert _check(directory, store) == model


def test_an_edit_reads_and_writes_few_blocks() -> None:
    """In a 10,000-item playlist: an add of 100 reads one block and writes at most two
    (none when it falls between blocks), a one-item reorder reads at most four, a page
    of 100 spans at most two blocks."""
    rng = random.Random(3)
    full = list(_entries(rng, 10_000, 0))
    directory, writes = blocks.rechunk(full)
    assert len(directory) == 50 and {n for _, n in directory} == {200}
    store = dict(writes)
    for _ in range(200):
        at = rng.randint(0, 9_800)
        add = Insert(at, _entries(rng, 100, 50_000))
        need = blocks.Edit(directory[:-1]).apply([add]).plan()  # 9,800 items
        assert len(need) <= 1
        loaded = {b: blocks.decode(store[b]) for b in need}
        result = blocks.Edit(directory[:-1], loaded).apply([add]).result()
        assert len(result.writes) <= 2 and not result.deletes
        start = rng.randrange(10_000)
        before = rng.choice([b for b in range(10_001) if not start <= b <= start + 1])
        move = Move(start, 1, before)
        assert len(blocks.Edit(directory).apply([move]).plan()) <= 4
        offset = rng.randint(0, 9_900)
        assert len(blocks.covering(directory, offset, 100)) <= 2
    # Moving 5,000 items moves whole blocks: cut at block boundaries it reads none,
    # elsewhere the blocks at its three cuts and the neighbours short pieces merge into.
    assert blocks.Edit(directory).apply([Move(1_000, 5_000, 9_000)]).plan() == set()
    assert len(blocks.Edit(directory).apply([Move(1_050, 5_000, 9_130)]).plan()) <= 6


def test_encoding_round_trips() -> None:
    items = [
        Entry("spotify:track:4iV5W9uYEdYUVa79Axb7Rh", "2026-12-07T01:02:03Z", "u1"),
        Entry("spotify:track:4iV5W9uYEdYUVa79Axb7Rh", "2026-12-07T01:02:03Z", "u1"),
        Entry('spotify:local:a"b:c\\d:{e},f:12', "2026-12-07T01:02:03Z", None),
        Entry("spotify:local:::Ünïcødé 曲:0", "2026-12-07T01:02:04Z", None),
    ]
    text = blocks.encode(items)
    assert blocks.decode(text) == items
    # Track URIs are stored as bare ids, runs of items added together once.
    assert text.count("spotify:track:") == 0 and text.count("2026-12-07T01:02:03Z") == 2
    assert blocks.needle(items[0].uri) in text and blocks.needle(items[2].uri) in text
    assert blocks.chunk_sizes(0) == [] and blocks.chunk_sizes(201) == [101, 100]
    assert blocks.chunk_sizes(400) == [200, 200] and blocks.chunk_sizes(401) == [134, 134, 133]


def test_blocks_read_with_the_lock_are_current(
    api: TestClient,
    token: str,
    catalog: CatalogStore,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The blocks an edit reads in its lock's round trip (PostgreSQL) come from the
    statement's snapshot, taken before the lock is granted: when another edit commits
    while it waits, they are dropped (and read again after the lock), never used."""
    if db.is_sqlite:
        pytest.skip("SQLite takes its write lock before reading anything")
    monkeypatch.setattr(blocks, "MAX", 4)
    monkeypatch.setattr(blocks, "MIN", 2)
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 12))
    pid = alice.create()["id"]
    alice.add(pid, pool)
    with db.session_scope() as session:
        locked, loaded = repository.lock_items(session, pid, [1, 2, 3])
        assert locked is not None and sorted(loaded) == [1, 2, 3]  # nobody in between
        assert [x[0] for x in loaded[2]] == pool[4:8]
    waiting: dict[str, object] = {}
    with db.engine.connect() as other:
        other.execute(text("UPDATE playlists SET version = version WHERE id = :p"), {"p": pid})

        def edit() -> None:
            with db.session_scope() as session:
                waiting["result"] = repository.lock_items(session, pid, [1, 2, 3])

        thread = threading.Thread(target=edit)
        thread.start()
        time.sleep(0.3)  # the thread's statement has its snapshot and waits for the lock
        assert thread.is_alive()
        other.execute(
            text("UPDATE playlist_blocks SET items = :t WHERE playlist_id = :p AND block = 2"),
            {"t": blocks.encode([(pool[0], "2026-12-07T00:00:00Z", None)] * 4), "p": pid},
        )
        other.execute(
            text("UPDATE playlists SET snapshot_id = 'moved-on' WHERE id = :p"), {"p": pid}
        )
        other.commit()
        thread.join(10)
    locked, loaded = cast(tuple[Any, dict[int, Any]], waiting["result"])
    assert locked.snapshot_id == "moved-on" and loaded == {}


def test_a_page_read_retries_a_bounded_number_of_times(
    api: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
    """A page read retries while the blocks its directory names are not all read in
    one statement (an edit committing in between); it gives up with a 409 in
    Spotify's envelope, never a 500 (here a directory naming a block that is gone)."""
    alice = Client(api, token)
    pid = alice.create()["id"]
    alice.add(pid, uris(track_ids(catalog, 3)))
    with db.session_scope() as session:
        session.execute(text("UPDATE playlists SET blocks = '[[99, 3]]' WHERE id = :p"), {"p": pid})
    r = alice.req("GET", f"/v1/playlists/{pid}/items", 409)
    assert r.json()["error"]["status"] == 409


def test_positions_to_blocks() -> None:
    directory: blocks.Directory = [(7, 3), (2, 4), (9, 2)]  # positions 0–2, 3–6, 7–8
    assert blocks.holding(directory, [0, 2, 3]) == [7, 2]
    assert blocks.holding(directory, [-1, 6]) == [2, 9]  # -1: the last item
    assert blocks.holding(directory, [9, 12]) == []  # the end, and beyond
    assert blocks.covering(directory, 2, 6) == [7, 2, 9]
    assert blocks.covering(directory, 3, 4) == [2]
    assert blocks.starts(directory) == {7: 0, 2: 3, 9: 7}


class WireTrace:
    """libpq's trace of each connection the app checks out (PostgreSQL): the engine's
    (`sources` "engine") and the event loop's (`kit.db.LoopConnections`, "loop"), and the
    mode and transaction status each goes back to the pool in, while in a `with`
    block."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.traces: list[Any] = []
        self.sources: list[str] = []
        self.connections: list[Any] = []
        self.returned: list[tuple[bool, int]] = []

    def _trace(self, dbapi_connection: Any, source: str) -> None:
        self.connections.append(dbapi_connection)
        self.sources.append(source)
        trace = tempfile.TemporaryFile()  # noqa: SIM115 (closed by messages())
        dbapi_connection.pgconn.trace(trace.fileno())
        flags = psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
        dbapi_connection.pgconn.set_trace_flags(flags)
        self.traces.append(trace)

    def _untrace(self, dbapi_connection: Any) -> None:
        dbapi_connection.pgconn.untrace()
        status = dbapi_connection.pgconn.transaction_status
        self.returned.append((dbapi_connection.autocommit, status))

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self._trace(dbapi_connection, "engine")

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        self._untrace(dbapi_connection)

    def clear(self) -> None:
        for trace in self.traces:
            trace.close()
        self.traces.clear()
        self.sources.clear()

    def messages(self, source: str = "engine") -> list[str]:
        """The messages of the one request traced since the last call, which used
        connections from `source` only."""
        assert len(self.traces) == 1 and self.sources == [source], self.sources
        self.sources.clear()
        trace = self.traces.pop()
        trace.seek(0)
        lines = trace.read().decode().splitlines()
        trace.close()
        return [" ".join(line.split("\t")[2:4]) for line in lines]

    def __enter__(self) -> WireTrace:
        event.listen(self.db.engine, "checkout", self._checkout)
        event.listen(self.db.engine, "checkin", self._checkin)
        loop = self.db.loop_connections
        if loop is not None:
            connection = loop.pool.connection

            @contextlib.asynccontextmanager
            async def traced(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                async with connection(*args, **kwargs) as conn:
                    self._trace(conn, "loop")
                    try:
                        yield conn
                    finally:
                        self._untrace(conn)

            loop.pool.connection = traced  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.db.engine, "checkout", self._checkout)
        event.remove(self.db.engine, "checkin", self._checkin)
        if self.db.loop_connections is not None:
            del self.db.loop_connections.pool.connection  # the class's own again


def test_an_edit_begins_in_its_locks_round_trip(
    api: TestClient,
    token: str,
    catalog: CatalogStore,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL: an item edit costs two round trips (BEGIN with the lock and the
    guessed blocks; the write with COMMIT), all of its statements in one transaction,
    and its connection goes back to the pool out of autocommit mode and idle, also
    after an edit refused once the lock was taken (nothing of it is kept). An add
    checks its URIs while the lock's round trip is in flight (inside the pipeline
    that sent it); a bad URI is still a 400 in Spotify's envelope."""
    if db.is_sqlite:
        pytest.skip("SQLite has no round trips")
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 300))
    pid = alice.create()["id"]
    alice.add(pid, pool[:100])
    alice.add(pid, pool[100:200])
    wire = WireTrace(db)
    during_check: list[object] = []
    validate = service.validate_uris

    def checking(uris: Any, catalog: Any) -> list[str]:
        during_check.append(wire.connections[-1].pgconn.pipeline_status)
        return validate(uris, catalog)

    monkeypatch.setattr(service, "validate_uris", checking)
    messages, returned = wire.messages, wire.returned

    path = f"/v1/playlists/{pid}/items"
    with wire:
        # A delete guesses no blocks (its positions may be given against an older
        # snapshot): it reads the blocks after the lock, one round trip more.
        edits: list[tuple[str, dict[str, Any], int, int]] = [
            ("POST", {"uris": pool[200:300], "position": 150}, 201, 2),
            ("PUT", {"range_start": 10, "insert_before": 120}, 200, 2),
            ("DELETE", {"items": [{"uri": pool[250], "positions": [200]}]}, 200, 3),
        ]
        kept = hints.directories(db.engine)
        for method, body, status, trips in edits:
            # The lock's path: what the process knows of the playlist is dropped (the
            # directory, the hint for the guess, stays).
            kept.put(pid, kept.get(pid) or "[]")
            alice.req(method, path, status, json=body)
            sent = messages()
            ready = [m for m in sent if m.startswith("ReadyForQuery")]
            # In one transaction until COMMIT, which leaves the connection idle.
            assert ready == ["ReadyForQuery  T"] * (trips - 1) + ["ReadyForQuery  I"], sent
            # psycopg's own BEGIN would be a simple query, and a round trip more; the
            # COMMIT goes in the write's pipeline, right behind it.
            assert 'Query  "BEGIN"' not in sent and 'Query  "COMMIT"' not in sent
            write = next(i for i, m in enumerate(sent) if "INSERT INTO playlist_versions" in m)
            assert sent[write + 4 : write + 6] == ['Parse  "" "COMMIT" 0', 'Bind  "" "" 0 0 1 0']
            assert sent[write + 8] == "Sync", sent[write:]
            assert returned.pop() == (False, psycopg.pq.TransactionStatus.IDLE)
        assert during_check == [psycopg.pq.PipelineStatus.ON]
        before = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
        wire.clear()
        bad = alice.req("POST", path, 400, json={"uris": [pool[0], "spotify:track:" + "0" * 22]})
        assert bad.json()["error"]["message"] == "Payload contains a non-existing ID"
        sent = messages()
        assert 'Query  "BEGIN"' not in sent and 'Query  "ROLLBACK"' in sent
        assert returned.pop() == (False, psycopg.pq.TransactionStatus.IDLE)
        alice.req("PUT", path, 400, json={"range_start": 0, "insert_before": 10_000})
        assert any(m == 'Query  "ROLLBACK"' for m in messages())
        assert returned.pop() == (False, psycopg.pq.TransactionStatus.IDLE)
        assert alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"] == before


def test_an_owners_edit_starts_from_the_state_it_knows(
    api: TestClient,
    other_app: TestClient,
    token: str,
    catalog: CatalogStore,
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL: once this process's last lock found that nobody else had written, the
    owner's next add or reorder starts from the state the process knows: one statement
    in one round trip, its own transaction (no BEGIN, no COMMIT), written only if the
    playlist is still at that snapshot. When another process wrote meanwhile it writes
    nothing and the edit runs again under the lock: no edit is lost, a position only
    the newer state has is accepted, and each edit has one version and one audit entry.
    Such an edit runs on the event loop; one that needs the database there goes to
    the thread pool before reaching it (no warning that it did)."""
    if db.is_sqlite:
        pytest.skip("SQLite has no round trips")
    caplog.set_level(logging.WARNING, "playdeck.kit.db")
    here, there = Client(api, token), Client(other_app, token)
    pool = uris(track_ids(catalog, 300))
    pid = here.create()["id"]
    path = f"/v1/playlists/{pid}/items"
    here.add(pid, pool[:100])
    here.add(pid, pool[100:200])  # its lock finds the state this process kept: current
    model = pool[:200]
    with WireTrace(db) as wire:
        # On the event loop: none of the engine's connections (the thread pool's).
        here.add(pid, pool[200:210], 50)
        model[50:50] = pool[200:210]
        sent = wire.messages("loop")
        assert [m for m in sent if m.startswith("ReadyForQuery")] == ["ReadyForQuery  I"]
        assert not [m for m in sent if "BEGIN" in m or "COMMIT" in m], sent
        assert wire.returned.pop() == (True, psycopg.pq.TransactionStatus.IDLE)
        here.json("PUT", path, json={"range_start": 3, "insert_before": 150})
        model.insert(149, model.pop(3))
        sent = wire.messages("loop")
        assert [m for m in sent if m.startswith("ReadyForQuery")] == ["ReadyForQuery  I"]
        # A reorder given against an earlier snapshot reads the versions since: in
        # the thread pool, still from the known state (no lock), each statement its
        # own transaction, the write conditional.
        earlier = here.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
        wire.clear()
        here.add(pid, pool[235:236], 0)
        model.insert(0, pool[235])
        wire.messages("loop")
        here.json("PUT", path, json={"range_start": 0, "insert_before": 2, "snapshot_id": earlier})
        model.insert(2, model.pop(1))  # position 0 then is position 1 now
        sent = wire.messages()
        assert [m for m in sent if m.startswith("ReadyForQuery")] == ["ReadyForQuery  I"] * 4
        assert not [m for m in sent if "BEGIN" in m or "SET version = version" in m], sent
        assert wire.returned.pop() == (False, psycopg.pq.TransactionStatus.IDLE)
    # An unknown track is refused (whatever the playlist's state) before anything is
    # written.
    before = here.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
    bad = here.req("POST", path, 400, json={"uris": [pool[0], "spotify:track:" + "0" * 22]})
    assert bad.json()["error"]["message"] == "Payload contains a non-existing ID"
    assert here.json("GET", f"/v1/playlists/{pid}")["snapshot_id"] == before
    # Another process adds: this process's next add, from the state it knew, writes
    # nothing, and runs again under the lock.
    there.add(pid, pool[210:220])
    model += pool[210:220]
    here.add(pid, pool[220:225], 10)
    model[10:10] = pool[220:225]
    here.add(pid, pool[225:226], 0)  # under the lock, which finds the state current
    model.insert(0, pool[225])
    # Again, and now the position is beyond the end of the state this process knew.
    there.add(pid, pool[226:230])
    model += pool[226:230]
    here.add(pid, pool[230:235], len(model))
    model += pool[230:235]
    here.json("PUT", path, json={"range_start": 0, "insert_before": len(model)})
    model.append(model.pop(0))
    assert here.uris(pid) == model and stored_uris(db, pid) == model
    with db.engine.connect() as conn:
        versions = conn.execute(
            text("SELECT version FROM playlist_versions WHERE playlist_id = :p ORDER BY 1"),
            {"p": pid},
        ).scalars()
        audited = conn.execute(
            text("SELECT operation FROM audit_entries WHERE object_id = :p ORDER BY id"),
            {"p": pid},
        ).scalars()
        edits = ["add", "add", "add", "reorder", "add", "reorder"] + ["add"] * 5 + ["reorder"]
        assert list(versions) == list(range(len(edits) + 1))  # 0: the creation
        assert [a for a in audited if a != "playlist.create"] == [f"playlist.{e}" for e in edits]
    assert "reached for the database" not in caplog.text
