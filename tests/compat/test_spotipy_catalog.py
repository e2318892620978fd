"""spotipy (from PyPI) against a running server: catalog reads and paging."""

from __future__ import annotations

import spotipy
from spotipy.oauth2 import SpotifyClientCredentials

from tests.catalog.test_endpoints import MEFJUS, PIVOT, PIVOT_ALBUM, SINKHOLE
from tests.conftest import LiveServer


class LocalClientCredentials(SpotifyClientCredentials):
    """spotipy's client-credentials manager pointed at the local accounts service."""


def local_spotify(server: LiveServer) -> spotipy.Spotify:
    LocalClientCredentials.OAUTH_TOKEN_URL = f"{server.url}/api/token"
    manager = LocalClientCredentials(
        client_id="any-client",
        client_secret="any-secret",
        cache_handler=spotipy.MemoryCacheHandler(),
    )
    sp = spotipy.Spotify(client_credentials_manager=manager, retries=0)
    sp.prefix = f"{server.url}/v1/"
    return sp


def test_spotipy_reads_the_catalog(live_server: LiveServer) -> None:
    sp = local_spotify(live_server)
    track = sp.track(SINKHOLE)
    assert track["name"] == "Sinkhole - Skeptical Remix"
    assert track["href"] == f"{live_server.url}/v1/tracks/{SINKHOLE}"
    tracks = sp.tracks([PIVOT, SINKHOLE])["tracks"]
    assert [t["id"] for t in tracks] == [PIVOT, SINKHOLE]
    album = sp.album(PIVOT_ALBUM)
    assert album["label"] == "Vision Recordings"
    assert [t["name"] for t in sp.album_tracks(PIVOT_ALBUM)["items"]] == [
        "Pivot - Camo & Krooked Remix",
        "Sinkhole - Skeptical Remix",
    ]
    assert sp.artist(MEFJUS)["followers"]["total"] == 72765
    assert sp.artists([MEFJUS])["artists"][0]["popularity"] == 52
    assert isinstance(sp.artist_top_tracks(MEFJUS)["tracks"], list)
    features = sp.audio_features([SINKHOLE, PIVOT])
    assert len(features) == 2


def test_spotipy_follows_next_links_to_this_server(live_server: LiveServer) -> None:
    sp = local_spotify(live_server)
    page = sp.new_releases(limit=7)["albums"]
    seen = [a["id"] for a in page["items"]]
    for _ in range(3):
        assert page["next"].startswith(live_server.url)
        page = sp.next(page)["albums"]
        seen.extend(a["id"] for a in page["items"])
    assert len(seen) == len(set(seen)) == 28


def test_spotipy_raises_spotifys_errors(live_server: LiveServer) -> None:
    sp = local_spotify(live_server)
    try:
        sp.track("0000000000000000000000")
    except spotipy.SpotifyException as exc:
        assert exc.http_status == 404
        assert exc.msg.endswith("Resource not found")
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("an unknown track must raise")


def test_spotipy_2_25_and_2_26_catalog_paths(live_server: LiveServer) -> None:
    # 2.25 and 2.26 send the catalog paths with and without trailing slashes.
    sp = local_spotify(live_server)
    assert sp._get("tracks/", ids=SINKHOLE)["tracks"][0]["id"] == SINKHOLE
    assert sp._get(f"albums/{PIVOT_ALBUM}/tracks/")["total"] == 2
    features = sp._get("audio-features/", ids=SINKHOLE)["audio_features"]
    assert len(features) == 1 and (features[0] is None or features[0]["id"] == SINKHOLE)
