"""The order of the track documents (`index.py`): popularity first, then, among
tracks of one popularity, primary artist, song (title without suffixes) and
newest row first, so that an artist's tracks and a song's versions are
neighbours; the ISRC/UPC path orders its documents built on the fly the same
way."""

from __future__ import annotations

from pathlib import Path

import pytest

from playdeck.catalog.store import CatalogStore
from playdeck.search.index import ARTIST_SEP
from playdeck.search.service import SearchService
from tests.search import minicatalog

# Tracks tying on popularity 20 with "El Scorcho - Live" (Weezer) and "Hold
# On" (Beyoncé), added in an order that is neither their row ids' reverse nor
# the artists' order: Queen's before the tribute band's, a copy of "Hold On"
# after the first, a copy of the song under its plain title last.
TIES: list[tuple[str, str, list[str], int, str, int]] = [
    ("Zebra", "queen_live", ["queen"], 20, "GBUM79900001", 200_000),
    ("Alpha", "weezy", ["weezy"], 20, "USXX19900001", 200_000),
    ("Hold On", "lemonade", ["beyonce"], 20, "USSM10301899", 200_000),
    ("Группа крови - Live", "kino", ["kino"], 20, "RUA108800003", 200_000),
    ("El Scorcho", "hits90s", ["weezer"], 20, "USGF19600402", 243_000),
    # the same song with a guest: its copies' neighbour, newest first
    ("Hold On (feat. JAY-Z)", "crazy", ["beyonce", "jayz"], 20, "USSM10301900", 200_000),
]


@pytest.fixture(scope="module")
def tied_store(tmp_path_factory: pytest.TempPathFactory) -> CatalogStore:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(minicatalog, "TRACKS", [*minicatalog.TRACKS, *TIES])
        directory = minicatalog.build_mini_catalog(Path(tmp_path_factory.mktemp("tied")))
    return CatalogStore(directory)


def _index_order(store: CatalogStore) -> list[tuple[int, int, str, str]]:
    """(track row id, popularity, primary artist, song) in document order."""
    rows = store.connection().execute(
        "SELECT track_rowid, popularity, artists, coalesce(base, title)"
        " FROM search_track_doc ORDER BY doc"
    )
    return [(r[0], r[1], r[2].split(ARTIST_SEP, 1)[0], r[3]) for r in rows]


def test_tracks_of_one_popularity_go_by_primary_artist_then_song(tied_store: CatalogStore) -> None:
    docs = _index_order(tied_store)
    assert len(docs) == len(minicatalog.TRACKS) + len(TIES)
    expected = sorted(docs, key=lambda d: (-d[1], d[2], d[3], -d[0]))
    assert docs == expected
    # Not the row id order within the ties: the test tells the two apart.
    tied = [d[0] for d in docs if d[1] == 20]
    assert len(tied) == 8
    assert tied != sorted(tied, reverse=True)


def test_documents_built_on_the_fly_keep_the_index_order(tied_store: CatalogStore) -> None:
    docs = _index_order(tied_store)
    built = SearchService(tied_store).repo.track_docs_for_rowids([d[0] for d in reversed(docs)])
    assert [d.track_rowid for d in built] == [d[0] for d in docs]
