"""Search and matching on the session's demo catalog (built by `playdeck demo`
and ingested through `build_search_index`), with its fixed Weezer rows."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from playdeck.catalog.store import CatalogStore
from playdeck.search import service as search_service
from playdeck.search.grammar import parse_query
from playdeck.search.match import match_lines
from playdeck.search.service import SearchService

EL_SCORCHO = "1z4ZCI8mGv8W24z3Rp8N4V"  # on "Pinkerton"
EL_SCORCHO_COMPILATION = "6hbUP0o2X2XOTa3NCUOaq1"  # "Alternative 90s"
KARAOKE = "0gP9Fb3q9tHw4uE7mC0vZk"


def ids(client: TestClient, q: str, kind: str = "track", limit: int = 50) -> list[str]:
    r = client.get("/v1/search", params={"q": q, "type": kind, "limit": limit})
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()[f"{kind}s"]["items"]]


def test_el_scorcho_weezer(client: TestClient) -> None:
    got = ids(client, "el scorcho weezer")
    assert got[0] == EL_SCORCHO
    assert KARAOKE not in got or got.index(KARAOKE) > got.index(EL_SCORCHO_COMPILATION)


def test_karaoke_cover_never_beats_the_original(client: TestClient) -> None:
    for q in ["El Scorcho", "el scorcho", "track:'El Scorcho'", "El Scorcho artist:'Weezer'"]:
        got = ids(client, q)
        assert got[0] == EL_SCORCHO, q
        assert KARAOKE not in got[:1]


def test_beets_album_search(client: TestClient) -> None:
    r = client.get(
        "/v1/search",
        params={"q": "album:'Pinkerton' artist:'Weezer'", "type": "album", "limit": 5},
    )
    assert r.status_code == 200, r.text
    assert r.json()["albums"]["items"][0]["name"] == "Pinkerton"


def test_artist_search(client: TestClient) -> None:
    r = client.get("/v1/search", params={"q": "weezer", "type": "artist", "limit": 1})
    assert r.json()["artists"]["items"][0]["name"] == "Weezer"


def test_matching_prefers_the_original_release(catalog: CatalogStore) -> None:
    lines = ["Weezer - El Scorcho", "el scorcho by weezer", "USGF19663506"]
    results = match_lines(catalog, lines)
    assert [r["id"] for r in results] == [EL_SCORCHO] * 3


def test_total_is_capped_and_pages_stay_consistent(client: TestClient) -> None:
    r = client.get("/v1/search", params={"q": "a", "type": "track", "limit": 50})
    page = r.json()["tracks"]
    assert page["total"] <= 1000
    if page["total"] > 50:
        second = client.get(page["next"]).json()["tracks"]
        assert not {i["id"] for i in second["items"]} & {i["id"] for i in page["items"]}


@pytest.mark.parametrize(
    "q",
    [
        "el scorcho the",
        "weezer the",
        "night weezer",
        "track:'el scorcho' artist:weezer love",
        "night year:2000-2020 the",
        "weezer the ni",  # the common word as a typed prefix
        "track:'the' weezer",  # in one column
        "album:'the' weezer",
        "artist:'the' night",
        "senorita 宇多田",  # a phrase (CJK bigrams)
        "senorita 宇多田ヒ",  # a phrase as a typed prefix
    ],
)
def test_common_words_checked_apart_give_the_same_results(
    catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """Splitting common words off the FTS query (and checking them on the
    documents the rest matches) must not change the matches."""
    plain = SearchService(catalog).rank(parse_query(q), "track")
    checked: list[object] = []
    original = search_service.SearchService._having

    def spy(self: SearchService, *args: Any) -> list[int]:
        checked.append(args)
        return original(self, *args)

    monkeypatch.setattr(search_service.SearchService, "_having", spy)
    monkeypatch.setattr(search_service, "COMMON_MIN", 1)
    monkeypatch.setattr(search_service, "COMMON_SHARE", 20 / 3000)  # > 20 tracks: common
    split = SearchService(catalog).rank(parse_query(q), "track")
    assert split.total == plain.total
    assert split.rowids == plain.rowids
    assert checked or plain.total == 0, "the split path was not taken"


@pytest.mark.parametrize("q", ["el scorcho the", "weezer the night", "love the night of"])
def test_narrowing_when_selective_words_match_too_many(
    catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """Adding common clauses to the FTS query one at a time (when the selective
    ones alone reach the cap) must not change the matches."""
    monkeypatch.setattr(search_service, "MAX_MATCHES", 3)
    plain = SearchService(catalog).rank(parse_query(q), "track")
    monkeypatch.setattr(search_service, "COMMON_MIN", 1)
    monkeypatch.setattr(search_service, "COMMON_SHARE", 20 / 3000)
    narrowed = SearchService(catalog).rank(parse_query(q), "track")
    assert narrowed.total == plain.total
    assert narrowed.rowids == plain.rowids


def test_prefix_estimate_from_the_vocabulary(catalog: CatalogStore) -> None:
    search = SearchService(catalog)
    assert (search.repo.prefix_document_count("scorch") or 0) >= 1
    assert search.repo.prefix_document_count("qqqzzz") == 0
    assert search.repo.prefix_document_count("s", max_terms=0) is None
    # a typed prefix still finds the song (search as you type)
    assert search.rank(parse_query("weezer el scorc"), "track").total >= 1


@pytest.mark.parametrize(
    "q", ["weezer el scorc", "el scorcho weez", "the ni", "lo", "love the night of", "scorcho wee"]
)
def test_prefix_as_an_or_of_vocabulary_words_matches_like_fts_prefix(
    catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """A typed prefix sent to FTS5 as an OR of the words it covers must match
    exactly what FTS5's own `word*` matches."""
    expanded = SearchService(catalog).rank(parse_query(q), "track")
    monkeypatch.setattr(search_service, "PREFIX_EXPAND_MAX", -1)
    fts_prefix = SearchService(catalog).rank(parse_query(q), "track")
    assert expanded.total == fts_prefix.total
    assert expanded.rowids == fts_prefix.rowids


def test_prefix_becomes_an_or_of_words_only_when_they_are_few(
    catalog: CatalogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    search = SearchService(catalog)
    plan = search_service.Plan(parse_query("el scorcho weez"), "track", relaxed=True)
    expression = search.expression(plan) or ""
    assert '"weezer"' in expression and "*" not in expression
    # album and artist searches keep it too (the vocabulary is the track index's)
    album_plan = search_service.Plan(parse_query("pinkert"), "album", relaxed=True)
    assert '"pinkert"*' in (search.expression(album_plan) or "")
    # too many words start with it: FTS5's own prefix query
    monkeypatch.setattr(search_service, "PREFIX_EXPAND_MAX", 0)
    assert '"weez"*' in (search.expression(plan) or "")
    assert search.repo.prefix_terms("qqqzzz") == []
    assert search.repo.prefix_terms("s", max_terms=0) is None


def test_pages_beyond_the_scored_pool_keep_popularity_order(catalog: CatalogStore) -> None:
    ranked = SearchService(catalog).rank(parse_query("the"), "track", pool=2)
    window = ranked.window(0, 2)
    everything = ranked.rowids
    assert window == everything[:2]
    assert len(everything) == min(ranked.total, 1000)
    again = SearchService(catalog).rank(parse_query("the"), "track", pool=2)
    assert again.window(2, 5) == everything[2:7]
