"""The server serves the web app's build at `/` with a single-page-app fallback,
never shadows the APIs, and works API-only when the build is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.config import Settings
from playdeck.web.endpoints import WebApp


def _app(tmp_path: Path, static_dir: Path) -> FastAPI:
    settings = Settings(env="test", data_dir=tmp_path, catalog_dir=tmp_path / "no-catalog")
    app = create_app(settings)
    assert isinstance(app.router.default, WebApp)
    app.router.default.static_dir = static_dir
    return app


@pytest.fixture()
def build(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "_app" / "immutable").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>playdeck app</title>")
    (static / "favicon.svg").write_text("<svg/>")
    (static / "_app" / "immutable" / "app.abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return static


def test_index_and_page_routes_serve_the_app(tmp_path: Path, build: Path) -> None:
    # No `with`: the lifespan (which opens the catalog) does not run.
    client = TestClient(_app(tmp_path, build))
    for path in ("/", "/albums/4aawyAB9vmqN3uQ7FjRGTy", "/playlists/x/history", "/callback"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "playdeck app" in r.text
        assert r.headers["cache-control"] == "no-cache"


def test_assets_are_served_with_a_long_cache(tmp_path: Path, build: Path) -> None:
    client = TestClient(_app(tmp_path, build))
    r = client.get("/_app/immutable/app.abc123.js")
    assert r.status_code == 200
    assert "immutable" in r.headers["cache-control"]
    assert client.get("/favicon.svg").text == "<svg/>"
    assert client.get("/_app/immutable/missing.js").status_code == 404


def test_no_path_escapes_the_build(tmp_path: Path, build: Path) -> None:
    client = TestClient(_app(tmp_path, build))
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/_app/../../secret.txt"):
        r = client.get(path)
        assert "outside the build" not in r.text


def test_api_paths_never_fall_back_to_the_app(tmp_path: Path, build: Path) -> None:
    client = TestClient(_app(tmp_path, build))
    r = client.get("/v1/no-such-endpoint")
    assert r.status_code == 404
    assert r.json()["error"]["status"] == 404
    assert client.get("/api/no-such-endpoint").status_code == 404
    assert client.post("/some/page").status_code == 404
    # A known API path with the wrong method is still a 405.
    assert client.get("/api/token").status_code == 405


def test_api_only_without_a_build(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path, tmp_path / "absent"))
    r = client.get("/")
    assert r.status_code == 200
    assert "web app is not built" in r.text
    assert client.get("/albums/x").status_code == 404
    assert client.get("/v1/nothing").status_code == 404
