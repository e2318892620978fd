"""Fixtures for search tests: the hand-written mini catalog, its services, and
an app over it holding a catalog-read token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings
from playdeck.search.grammar import parse_query
from playdeck.search.service import Kind, SearchService
from tests.search.minicatalog import build_mini_catalog


@pytest.fixture(scope="session")
def mini_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogStore]:
    directory = build_mini_catalog(tmp_path_factory.mktemp("mini-catalog"))
    store = CatalogStore(directory)
    yield store
    store.close()


@pytest.fixture()
def search(mini_store: CatalogStore) -> SearchService:
    return SearchService(mini_store)


def names(store: CatalogStore, rowids: list[int], kind: Kind = "track") -> list[str]:
    table = {"track": "tracks", "album": "albums", "artist": "artists"}[kind]
    conn = store.connection()
    return [
        conn.execute(f"SELECT name FROM {table} WHERE rowid = ?", (r,)).fetchone()[0]
        for r in rowids
    ]


def ranked_names(search: SearchService, q: str, kind: Kind = "track") -> list[str]:
    return names(search.store, search.rank(parse_query(q), kind).rowids, kind)


@pytest.fixture()
def mini_client(settings: Settings, mini_store: CatalogStore) -> Iterator[TestClient]:
    app = create_app(settings, catalog=mini_store)
    with TestClient(app) as c:
        r = c.post(
            "/api/token",
            data={"grant_type": "client_credentials"},
            auth=("test-client", "test-secret"),
        )
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield c
