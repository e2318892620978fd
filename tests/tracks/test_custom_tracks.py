"""Custom tracks: seed 000's CRUD, duration forms, local items in playlists."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from playdeck.tracks.schemas import parse_duration
from tests.conftest import MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, Client


@pytest.mark.parametrize(
    ("given", "ms"),
    [
        ("4M 11S", 251_000),
        ("4m11s", 251_000),
        ("4:11", 251_000),
        (251_000, 251_000),
        ("251000", 251_000),
        ("1:02:03", 3_723_000),
        ("45S", 45_000),
        ("3M", 180_000),
    ],
)
def test_duration_forms(given: object, ms: int) -> None:
    assert parse_duration(given) == ms


@pytest.mark.parametrize("bad", ["", "4:99", "abc", -5, 0, True, "4M 11X"])
def test_bad_durations(bad: object) -> None:
    from playdeck.kit.errors import BadRequest

    with pytest.raises(BadRequest):
        parse_duration(bad)


def test_crud_and_local_items(api: TestClient, make_user: MakeUser, user_token: UserToken) -> None:
    alice = Client(api, user_token(make_user("alice"), ALL_SCOPES))
    bob = Client(api, user_token(make_user("bob"), ALL_SCOPES))
    made = alice.json(
        "POST",
        "/api/tracks",
        201,
        json={"song_name": "Demo Song", "artist": "The Band", "duration": "4M 11S"},
    )
    assert made["duration_ms"] == 251_000 and made["duration"] == "4:11"
    assert made["uri"] == "spotify:local:The+Band::Demo+Song:251"
    tid = made["id"]
    assert alice.json("GET", f"/api/tracks/{tid}")["name"] == "Demo Song"
    bob.req("GET", f"/api/tracks/{tid}", 404)
    alice.req(
        "POST", "/api/tracks", 400, json={"song_name": "x", "artist": "y", "duration": "4:99"}
    )
    alice.req("POST", "/api/tracks", 400, json={"song_name": "x", "duration": 1000})
    updated = alice.json(
        "PUT", f"/api/tracks/{tid}", json={"album": "Live Takes", "isrc": "US-AB1-23-45678"}
    )
    assert updated["album"] == "Live Takes" and updated["isrc"] == "USAB12345678"
    assert alice.json("GET", "/api/tracks")["total"] == 1
    # Into a playlist as a local item, which Spotify clients see as is_local.
    pid = alice.create()["id"]
    alice.add(pid, [updated["uri"]])
    item = alice.json("GET", f"/v1/playlists/{pid}/items")["items"][0]
    assert item["is_local"] is True and item["track"]["uri"] == updated["uri"]
    assert item["track"]["name"] == "Demo Song" and item["track"]["duration_ms"] == 251_000
    assert item["track"]["album"]["name"] == "Live Takes" and item["track"]["id"] is None
    alice.req("DELETE", f"/api/tracks/{tid}", 204)
    alice.req("GET", f"/api/tracks/{tid}", 404)
    ops = [e["operation"] for e in alice.json("GET", "/api/audit?limit=10")["items"]]
    assert {"custom_track.create", "custom_track.update", "custom_track.delete"} <= set(ops)
    # An offset beyond any list (and beyond a 64-bit integer) is a validation error
    # (422 under /api, as every parameter error there), not a 500.
    huge = "99999999999999999999"
    alice.req("GET", f"/api/tracks?offset={huge}", 422)
    alice.req("GET", f"/api/audit?offset={huge}", 422)
