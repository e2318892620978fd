"""Shared fixtures: a small demo catalog built once per session, the app over it,
a live server for real client libraries, and the external services (PostgreSQL,
Redis, Chromium) with their skip-or-fail rule.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings

DEMO_TRACKS = 3000
DEMO_SEED = 7
REQUIRE_SERVICES = os.environ.get("PLAYDECK_TEST_REQUIRE_SERVICES") == "1"


def service_unavailable(what: str) -> None:
    """Skip (locally) or fail (in CI) a test whose external service is absent."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (PLAYDECK_TEST_REQUIRE_SERVICES=1) but unavailable")
    pytest.skip(f"{what} unavailable: skipped (CI runs it)")


@pytest.fixture(scope="session")
def demo_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deterministic demo dump in both layouts (see `playdeck demo`)."""
    from playdeck.catalog.demo import write_demo

    out = tmp_path_factory.mktemp("dump")
    write_demo(out, tracks=DEMO_TRACKS, seed=DEMO_SEED, progress=False)
    return out


@pytest.fixture(scope="session")
def catalog_dir(demo_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A serving catalog ingested from the demo dump's parquet folder."""
    from playdeck.catalog.ingest import ingest

    target = tmp_path_factory.mktemp("catalog")
    ingest(demo_dump / "spotify_clean_parquet", target, progress=False)
    return target


@pytest.fixture(scope="session")
def catalog(catalog_dir: Path) -> Iterator[CatalogStore]:
    store = CatalogStore(catalog_dir)
    yield store
    store.close()


def make_settings(tmp: Path, catalog_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": tmp,
        "catalog_dir": catalog_dir,
        "public_url": "http://testserver",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture()
def settings(tmp_path: Path, catalog_dir: Path) -> Settings:
    return make_settings(tmp_path, catalog_dir)


@pytest.fixture()
def app(settings: Settings, catalog: CatalogStore) -> FastAPI:
    return create_app(settings, catalog=catalog)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    """A test client holding a client-credentials token for catalog reads."""
    with TestClient(app) as c:
        r = c.post(
            "/api/token",
            data={"grant_type": "client_credentials"},
            auth=("test-client", "test-secret"),
        )
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server in a background thread, for real client libraries."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def live_server(tmp_path: Path, catalog_dir: Path, catalog: CatalogStore) -> Iterator[LiveServer]:
    port = free_port()
    settings = make_settings(tmp_path, catalog_dir, public_url=f"http://127.0.0.1:{port}")
    server = LiveServer(create_app(settings, catalog=catalog), port)
    server.start()
    yield server
    server.stop()
