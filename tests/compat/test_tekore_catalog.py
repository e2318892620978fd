"""tekore (from PyPI), the strict client: every catalog model parses without unknown fields."""

from __future__ import annotations

import warnings

import tekore as tk
from tekore.model import UnknownModelAttributeWarning

from tests.catalog.test_endpoints import MEFJUS, PIVOT, PIVOT_ALBUM, SINKHOLE
from tests.conftest import LiveServer


class LocalSender(tk.SyncSender):
    """Rewrites Spotify's hosts to the local server (tekore has no base-URL option)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: tk.Request) -> tk.Response:
        request.url = request.url.replace("https://api.spotify.com", self.base).replace(
            "https://accounts.spotify.com", self.base
        )
        return super().send(request)


def local_tekore(server: LiveServer) -> tk.Spotify:
    sender = LocalSender(server.url)
    credentials = tk.Credentials("any-client", "any-secret", sender=sender)
    token = credentials.request_client_token()
    return tk.Spotify(token, sender=sender)


def test_tekore_parses_every_catalog_model_strictly(live_server: LiveServer) -> None:
    sp = local_tekore(live_server)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownModelAttributeWarning)
        track = sp.track(SINKHOLE)
        assert track.name == "Sinkhole - Skeptical Remix" and track.popularity == 16
        assert track.available_markets is not None and track.is_playable is None
        in_market = sp.track(SINKHOLE, market="US")
        assert in_market.available_markets is None and in_market.is_playable is not None
        assert [t.id for t in sp.tracks([PIVOT, SINKHOLE])] == [PIVOT, SINKHOLE]
        album = sp.album(PIVOT_ALBUM)
        assert album.label == "Vision Recordings" and album.tracks.total == 2
        assert [t.id for t in sp.album_tracks(PIVOT_ALBUM).items] == [PIVOT, SINKHOLE]
        artist = sp.artist(MEFJUS)
        assert artist.followers.total == 72765
        assert sp.artists([MEFJUS])[0].id == MEFJUS
        albums = sp.artist_albums(MEFJUS, include_groups=["album", "single"])
        assert PIVOT_ALBUM in [a.id for a in albums.items]
        sp.artist_top_tracks(MEFJUS, market="US")
        sp.tracks_audio_features([SINKHOLE, PIVOT])
        assert "US" in sp.markets()
        assert sp.recommendation_genre_seeds()
        sp.new_releases(limit=5)
