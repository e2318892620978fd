"""beets' spotify plugin (from PyPI) against a running server, with its built-in credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.catalog.test_endpoints import PIVOT_ALBUM, SINKHOLE
from tests.conftest import LiveServer


@pytest.fixture()
def beets_spotify(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    monkeypatch.setenv("BEETSDIR", str(tmp_path))
    from beets import config
    from beetsplug import spotify

    config.clear()
    config.read(user=False, defaults=True)
    config["directory"] = str(tmp_path / "music")
    config["spotify"]["tokenfile"] = str(tmp_path / "spotify_token.json")

    class LocalSpotifyPlugin(spotify.SpotifyPlugin):
        oauth_token_url = f"{live_server.url}/api/token"
        search_url = f"{live_server.url}/v1/search"
        album_url = f"{live_server.url}/v1/albums/"
        track_url = f"{live_server.url}/v1/tracks"
        audio_features_url = f"{live_server.url}/v1/audio-features"

    yield LocalSpotifyPlugin()
    config.clear()


def test_beets_album_and_track_for_id(beets_spotify: object) -> None:
    album = beets_spotify.album_for_id(PIVOT_ALBUM)  # type: ignore[attr-defined]
    assert album is not None
    assert album.album == "Pivot (Camo & Krooked Remix) / Sinkhole (Skeptical Remix)"
    assert album.artist == "Mefjus, Camo & Krooked, Skeptical"
    assert (album.year, album.month, album.day) == (2018, 11, 2)
    assert album.label == "Vision Recordings" and album.albumtype == "single"
    assert [t.title for t in album.tracks] == [
        "Pivot - Camo & Krooked Remix",
        "Sinkhole - Skeptical Remix",
    ]
    track = beets_spotify.track_for_id(SINKHOLE)  # type: ignore[attr-defined]
    assert track is not None
    assert track.title == "Sinkhole - Skeptical Remix"
    assert track.artist == "Mefjus, Skeptical"
    assert (track.index, track.medium, track.medium_total) == (2, 1, 2)
    assert round(track.length, 3) == 277.674


def test_beets_search_with_single_quoted_filters(beets_spotify: object) -> None:
    from beets.metadata_plugins import SearchParams

    params = SearchParams("album", "album:'Pinkerton' artist:'Weezer'", {}, 5)
    albums = beets_spotify.get_search_response(params)  # type: ignore[attr-defined]
    assert albums and albums[0]["name"] == "Pinkerton"
    params = SearchParams("track", "Sinkhole artist:'Mefjus'", {}, 5)
    tracks = beets_spotify.get_search_response(params)  # type: ignore[attr-defined]
    assert tracks and tracks[0]["id"] == SINKHOLE
