"""Real clients against `/v1/search` on a running server: tekore's strict models
(search pages of tracks, albums and artists, the offset limits) and spotipy
following `next` to this server."""

from __future__ import annotations

import warnings

import pytest
import tekore as tk
from tekore.model import UnknownModelAttributeWarning

from tests.compat.test_spotipy_catalog import local_spotify
from tests.compat.test_tekore_catalog import local_tekore
from tests.conftest import LiveServer


def test_tekore_parses_search_pages_strictly(live_server: LiveServer) -> None:
    sp = local_tekore(live_server)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownModelAttributeWarning)
        tracks, albums, artists = sp.search("weezer", types=("track", "album", "artist"), limit=5)
        assert tracks.items and albums.items and artists.items
        assert artists.items[0].name == "Weezer"
        (in_market,) = sp.search("el scorcho", types=("track",), market="US", limit=3)
        assert in_market.items[0].is_playable is not None
        (last,) = sp.search("a", types=("track",), limit=1, offset=999)
        assert last.offset == 999
    with pytest.raises(tk.BadRequest):
        sp.search("a", types=("track",), limit=1, offset=1000)
    with pytest.raises(tk.BadRequest):
        sp.search("a", types=("playlist",))


def test_spotipy_search_and_next(live_server: LiveServer) -> None:
    sp = local_spotify(live_server)
    page = sp.search("love", type="track", limit=2)["tracks"]
    assert page["next"].startswith(live_server.url)
    following = sp.next(page)["tracks"]
    assert following["offset"] == 2
    assert {t["id"] for t in following["items"]}.isdisjoint({t["id"] for t in page["items"]})
