"""The per-process copy of playlists' position keys (`playlists.order`): edits and page
reads that use it agree with the database, and a copy left behind by another
process's edit, or one made for a snapshot that was never committed, is not used."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings
from playdeck.kit.db import Database
from playdeck.playlists import order, repository
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client, track_ids, uris


@pytest.fixture()
def token(make_user: MakeUser, user_token: UserToken) -> str:
    return user_token(make_user("alice"), ALL_SCOPES)


@pytest.fixture()
def other_app(db_settings: Settings, catalog: CatalogStore) -> Iterator[TestClient]:
    """A second app on the same database: another server process, with its own copy."""
    application: FastAPI = create_app(db_settings, catalog=catalog)
    with TestClient(application) as c:
        yield c
    application.state.db.dispose()


def _stored_uris(db: Database, pid: str) -> list[str]:
    with db.session_scope() as session:
        return [r.uri for r in repository.all_items(session, pid)]


def test_edits_through_the_copy_match_a_model(
    api: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
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
            # named position of another in the same request: rows found by URI and
            # by key, positions found in the copy.
            every = rng.choice(model)
            pos = rng.choice([i for i, u in enumerate(model) if u != every] or [None])
            targets: list[dict[str, object]] = [{"uri": every}]
            if pos is not None:
                targets.append({"uri": model[pos], "positions": [pos]})
            alice.json("DELETE", f"/v1/playlists/{pid}/items", json={"tracks": targets})
            model = [u for i, u in enumerate(model) if u != every and i != pos]
        else:
            # One to three positions: the rows at those keys only are read and deleted.
            drop = sorted(rng.sample(range(len(model)), rng.randint(1, 3)))
            snap = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
            removal: dict[str, object] = {
                "items": [{"uri": model[pos], "positions": [pos]} for pos in drop],
                "snapshot_id": snap,
            }
            alice.json("DELETE", f"/v1/playlists/{pid}/items", json=removal)
            model = [u for i, u in enumerate(model) if i not in drop]
        # Pages read by key from the copy, the whole list read from the database.
        assert alice.uris(pid) == model
        assert _stored_uris(db, pid) == model
    snap = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
    kept = order.orders(db.engine).get(pid, snap)
    assert kept is not None and len(kept) == len(model)  # the edits used and kept it


def test_a_copy_behind_another_process_is_not_used(
    api: TestClient, other_app: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
    here, there = Client(api, token), Client(other_app, token)
    pool = uris(track_ids(catalog, 40))
    pid = here.create()["id"]
    here.add(pid, pool[:10])
    here.add(pid, pool[10:12], 5)  # this process now keeps the keys
    model = pool[:5] + pool[10:12] + pool[5:10]
    # The other process moves items (same length): this process's copy is now one
    # snapshot behind, with every key still in place but in another order.
    there.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 9, "insert_before": 1})
    there.json(
        "PUT",
        f"/v1/playlists/{pid}/items",
        json={"range_start": 0, "range_length": 3, "insert_before": 12},
    )
    model.insert(1, model.pop(9))
    model = model[3:] + model[:3]
    # Edits here must read the current keys, not place items by the stale copy.
    here.add(pid, [pool[30]], 4)
    model.insert(4, pool[30])
    here.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 0, "insert_before": 9})
    model.insert(8, model.pop(0))
    assert _stored_uris(db, pid) == model
    assert here.uris(pid) == model and there.uris(pid) == model


def test_a_copy_for_an_uncommitted_snapshot_is_not_used(
    api: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 20))
    pid = alice.create()["id"]
    alice.add(pid, pool[:6])
    snap = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
    kept = order.orders(db.engine).get(pid, snap)
    assert kept is not None
    # An edit that kept its copy and then rolled back leaves an entry for a snapshot
    # the database never had (its keys here deliberately wrong).
    wrong = order.unique_order([k + 1 for k in kept])
    assert wrong is not None
    order.orders(db.engine).put(pid, "never-committed", wrong)
    alice.add(pid, pool[10:12], 3)
    alice.json("PUT", f"/v1/playlists/{pid}/items", json={"range_start": 0, "insert_before": 8})
    expected = pool[:3] + pool[10:12] + pool[3:6]
    expected.append(expected.pop(0))
    assert _stored_uris(db, pid) == expected == alice.uris(pid)


def test_deletes_where_keys_repeat(
    api: TestClient, token: str, catalog: CatalogStore, db: Database
) -> None:
    """Rows whose keys repeat (playdeck's keys never do, but a database may hold such
    rows) are ordered by id and found by id: both kinds of delete read the list."""
    alice = Client(api, token)
    pool = uris(track_ids(catalog, 10))
    pid = alice.create()["id"]
    alice.add(pid, [*pool[:6], pool[2]])
    with db.session_scope() as session:
        session.execute(
            text("UPDATE playlist_items SET position_key = 7 WHERE playlist_id = :pid"),
            {"pid": pid},
        )
    order.orders(db.engine).forget(pid)  # as a process that never saw the playlist
    targets = [{"uri": pool[2]}, {"uri": pool[0], "positions": [0]}]
    alice.json("DELETE", f"/v1/playlists/{pid}/items", json={"tracks": targets})
    expected = [pool[1], *pool[3:6]]
    assert _stored_uris(db, pid) == expected == alice.uris(pid)
    snap = alice.json("GET", f"/v1/playlists/{pid}")["snapshot_id"]
    assert order.orders(db.engine).get(pid, snap) is None  # nothing kept for repeated keys


def test_order_helpers() -> None:
    keys = order.unique_order([10, 20, 30, 40])
    assert keys is not None
    assert list(order.inserted(keys, 2, [24, 27])) == [10, 20, 24, 27, 30, 40]
    assert list(order.moved(keys, 0, 1, 3, [35])) == [20, 30, 35, 40]
    assert list(order.moved(keys, 3, 1, 1, [15])) == [10, 15, 20, 30]
    assert list(order.removed(keys, [0, 2])) == [20, 40]
    assert list(order.removed(keys, [3])) == [10, 20, 30]
    assert list(keys) == [10, 20, 30, 40]  # copies: the kept entry never changes
    assert order.unique_order([10, 20, 20]) is None
    kept = order.KeyOrders(size=2)
    for pid in ("a", "b", "c"):
        kept.put(pid, "s1", keys)
    assert kept.get("a", "s1") is None  # least recently used, dropped
    assert kept.get("c", "s1") is keys and kept.get("c", "s2") is None
