"""Shared helpers for the playlist and library tests: catalog ids, signed-in clients."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from playdeck.catalog.store import CatalogStore

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
