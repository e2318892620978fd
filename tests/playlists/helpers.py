"""Shared helpers for the playlist and library tests: catalog ids, signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from playdeck.audit import service as audit
from playdeck.catalog.store import CatalogStore
from playdeck.kit.db import Database
from playdeck.models import Playlist
from playdeck.playlists import blocks, repository
from playdeck.playlists.ops import Entry

ALL_SCOPES = (
    "playlist-read-private playlist-read-collaborative playlist-modify-public "
    "playlist-modify-private user-library-read user-library-modify user-follow-read "
    "user-follow-modify ugc-image-upload user-read-private"
)


def track_ids(catalog: CatalogStore, n: int) -> list[str]:
    rows = catalog.connection().execute("SELECT id FROM tracks ORDER BY rowid LIMIT ?", (n,))
    return [r[0] for r in rows]


def album_ids(catalog: CatalogStore, n: int) -> list[str]:
    rows = catalog.connection().execute("SELECT id FROM albums ORDER BY rowid LIMIT ?", (n,))
    return [r[0] for r in rows]


def artist_ids(catalog: CatalogStore, n: int) -> list[str]:
    rows = catalog.connection().execute("SELECT id FROM artists ORDER BY rowid LIMIT ?", (n,))
    return [r[0] for r in rows]


def uris(ids: list[str]) -> list[str]:
    return [f"spotify:track:{i}" for i in ids]


class Client:
    """A TestClient speaking for one user token."""

    def __init__(self, api: TestClient, token: str) -> None:
        self.api = api
        self.headers = {"Authorization": f"Bearer {token}"}

    def req(self, method: str, path: str, expect: int | None = None, **kw: Any) -> Any:
        r = self.api.request(method, path, headers=self.headers, **kw)
        if expect is not None:
            assert r.status_code == expect, (r.status_code, r.text)
        return r

    def json(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        r = self.req(method, path, expect, **kw)
        return r.json() if r.content else None

    def create(self, name: str = "Mix", **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "POST", "/v1/me/playlists", 201, json={"name": name, **body}
        )
        return result

    def add(self, pid: str, items: list[str], position: int | None = None) -> str:
        body: dict[str, Any] = {"uris": items}
        if position is not None:
            body["position"] = position
        return str(self.json("POST", f"/v1/playlists/{pid}/items", 201, json=body)["snapshot_id"])

    def uris(self, pid: str) -> list[str]:
        out: list[str] = []
        offset = 0
        while True:
            page = self.json("GET", f"/v1/playlists/{pid}/items?limit=100&offset={offset}")
            out += [i["item"]["uri"] if i["item"] else None for i in page["items"]]
            if page["next"] is None:
                return out
            offset += 100


def stored_entries(db: Database, pid: str) -> list[Entry]:
    """A playlist's live items as stored, after `checked_blocks`."""
    with db.session_scope() as session:
        p = session.get(Playlist, pid)
        assert p is not None
        return checked_blocks(p.blocks, repository.all_blocks(session, pid), p.length)


def checked_blocks(directory_text: str, loaded: dict[int, list[Entry]], length: int) -> list[Entry]:
    """The items of a playlist's blocks in order, after checking the invariants: the
    directory names exactly the playlist's block rows, each row holds the count the
    directory gives, the counts add up to the playlist's length, and every block holds
    `blocks.MIN`–`blocks.MAX` items (one shorter block only when it is the only one)."""
    directory = blocks.parse_directory(directory_text)
    assert sorted(loaded) == sorted(b for b, _ in directory)
    assert len({b for b, _ in directory}) == len(directory)
    for block, count in directory:
        assert len(loaded[block]) == count
        assert count <= blocks.MAX
        assert count >= (blocks.MIN if len(directory) > 1 else 1)
    assert sum(count for _, count in directory) == length
    return repository.in_order(directory, loaded)


def stored_uris(db: Database, pid: str) -> list[str]:
    return [e.uri for e in stored_entries(db, pid)]


def break_audit(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Make every audit row unwritable (a NULL `operation`, which is NOT NULL), so an
    edit fails at its last write: what was written before it must roll back. Returns
    the real `audit.entry`, to put back."""
    real = audit.entry

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        values = real(*args, **kwargs)
        values["operation"] = None
        return values

    monkeypatch.setattr(audit, "entry", broken)
    return real
