"""`GET /v1/search`: parameters, paging, errors, shapes; `POST /api/match`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.cli import cli
from playdeck.config import Settings
from tests.search.minicatalog import album_id, artist_id, track_id


def test_search_tracks_shape_and_order(mini_client: TestClient) -> None:
    r = mini_client.get("/v1/search", params={"q": "el scorcho weezer", "type": "track"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["tracks"]
    page = body["tracks"]
    assert set(page) == {"href", "items", "limit", "next", "offset", "previous", "total"}
    assert page["items"][0]["id"] == track_id("El Scorcho", "pinkerton")
    assert page["items"][0]["type"] == "track"
    assert page["total"] == len(page["items"]) == 6
    assert page["limit"] == 20 and page["offset"] == 0
    assert page["next"] is None and page["previous"] is None
    assert page["href"].startswith("http://testserver/v1/search?")


def test_beets_album_query(mini_client: TestClient) -> None:
    r = mini_client.get(
        "/v1/search",
        params={"q": "album:'Pinkerton' artist:'Weezer'", "type": "album", "limit": 5},
    )
    assert r.status_code == 200, r.text
    items = r.json()["albums"]["items"]
    assert items[0]["id"] == album_id("pinkerton")
    assert items[0]["album_type"] == "album"


def test_several_types_in_one_answer(mini_client: TestClient) -> None:
    r = mini_client.get("/v1/search", params={"q": "weezer", "type": "artist,album,track"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["artists", "albums", "tracks"]
    assert body["artists"]["items"][0]["id"] == artist_id("weezer")
    assert body["artists"]["items"][0]["followers"]["total"] == 5_000_000


def test_paging_links_stay_on_this_server(mini_client: TestClient) -> None:
    r = mini_client.get("/v1/search", params={"q": "genre:rock", "type": "track", "limit": 3})
    page = r.json()["tracks"]
    assert page["total"] == 11 and len(page["items"]) == 3
    nxt = urlparse(page["next"])
    assert (nxt.scheme, nxt.netloc, nxt.path) == ("http", "testserver", "/v1/search")
    query = parse_qs(nxt.query)
    assert query["q"] == ["genre:rock"] and query["type"] == ["track"]
    assert query["offset"] == ["3"] and query["limit"] == ["3"]
    # following next gives the following items, no overlap
    second = mini_client.get(page["next"]).json()["tracks"]
    assert second["offset"] == 3
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in page["items"]}
    assert second["previous"] is not None
    # the whole list paged equals the list in one page
    whole = mini_client.get("/v1/search", params={"q": "genre:rock", "type": "track"}).json()
    assert [i["id"] for i in whole["tracks"]["items"][3:6]] == [i["id"] for i in second["items"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "weezer", "type": "track", "offset": "999", "limit": "1"}, 200),
        ({"q": "weezer", "type": "track", "offset": "950", "limit": "50"}, 200),
        ({"q": "weezer", "type": "track", "offset": "1000", "limit": "1"}, 400),
        ({"q": "weezer", "type": "track", "offset": "990", "limit": "20"}, 400),
        ({"q": "weezer", "type": "track", "offset": "-1"}, 400),
        ({"q": "weezer", "type": "track", "limit": "0"}, 400),
        ({"q": "weezer", "type": "track", "limit": "51"}, 400),
        ({"q": "weezer", "type": "track", "limit": "50"}, 200),
        ({"q": "weezer", "type": "track", "limit": "ten"}, 400),
        ({"q": "weezer", "type": "playlist"}, 400),
        ({"q": "weezer", "type": "track,bogus"}, 400),
        ({"q": "weezer", "type": ""}, 400),
        ({"q": "weezer"}, 400),
        ({"type": "track"}, 400),
        ({"q": "", "type": "track"}, 400),
        ({"q": "year:nineties", "type": "track"}, 400),
        ({"q": "tag:old", "type": "album"}, 400),
        ({"q": "weezer", "type": "track", "market": "usa"}, 400),
        ({"q": "weezer", "type": "track", "market": "US"}, 200),
        ({"q": "weezer", "type": "track", "market": "from_token"}, 200),
        ({"q": 'NEAR("a" "b") OR *', "type": "track"}, 200),
        ({"q": "\"'\"'", "type": "track,album,artist"}, 400),  # nothing searchable
    ],
)
def test_parameters(mini_client: TestClient, params: dict[str, str], status: int) -> None:
    r = mini_client.get("/v1/search", params=params)
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["error"]["status"] == 400
        assert r.json()["error"]["message"]


def test_market_applies(mini_client: TestClient) -> None:
    r = mini_client.get(
        "/v1/search", params={"q": "el scorcho", "type": "track", "market": "US", "limit": 1}
    )
    item = r.json()["tracks"]["items"][0]
    assert item["is_playable"] is True
    assert "available_markets" not in item
    r = mini_client.get("/v1/search", params={"q": "el scorcho", "type": "track", "limit": 1})
    assert set(r.json()["tracks"]["items"][0]["available_markets"]) == {"DE", "GB", "US"}


def test_trailing_slash_and_token(mini_client: TestClient) -> None:
    assert (
        mini_client.get("/v1/search/", params={"q": "queen", "type": "artist"}).status_code == 200
    )
    r = mini_client.get(
        "/v1/search", params={"q": "queen", "type": "artist"}, headers={"Authorization": ""}
    )
    assert r.status_code == 401


def test_match_endpoint(mini_client: TestClient) -> None:
    lines = ["Weezer - El Scorcho", "nothing like this at all zzzz", "USSM11600371"]
    r = mini_client.post("/api/match", json={"lines": lines})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["input"] for x in results] == lines
    assert results[0]["id"] == track_id("El Scorcho", "pinkerton")
    assert results[1]["id"] is None
    assert results[2]["id"] == track_id("Formation")
    r = mini_client.post("/api/match", json={"text": "El Scorcho by Weezer\nFormation - Beyoncé"})
    assert [x["name"] for x in r.json()["results"]] == ["El Scorcho", "Formation"]


def test_match_endpoint_errors(mini_client: TestClient) -> None:
    assert mini_client.post("/api/match", json={}).status_code == 422
    assert mini_client.post("/api/match", json={"lines": ["a"], "text": "b"}).status_code == 422
    assert mini_client.post("/api/match", json={"lines": ["x"] * 5001}).status_code == 422
    r = mini_client.post("/api/match", json={"lines": ["a"]}, headers={"Authorization": ""})
    assert r.status_code == 401


def test_a_stale_search_index_is_a_clear_503(
    mini_store: CatalogStore, settings: Settings, tmp_path: Path
) -> None:
    stale = tmp_path / "stale"
    stale.mkdir()
    shutil.copyfile(mini_store.path, stale / "catalog.sqlite3")
    shutil.copyfile(mini_store.serving.path, stale / mini_store.serving.path.name)
    with sqlite3.connect(stale / "catalog.sqlite3") as conn:
        conn.execute("UPDATE search_meta SET value = 'old' WHERE key = 'version'")
    store = CatalogStore(stale)
    try:
        with TestClient(create_app(settings, catalog=store)) as c:
            token = c.post(
                "/api/token", data={"grant_type": "client_credentials"}, auth=("a", "b")
            ).json()["access_token"]
            r = c.get(
                "/v1/search",
                params={"q": "weezer", "type": "track"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 503
            assert "playdeck ingest" in r.json()["error"]["message"]
        result = CliRunner().invoke(cli, ["match", "--catalog", str(stale)], input="x\n")
        assert result.exit_code != 0 and "out of date" in result.output
    finally:
        store.close()
