"""The track documents a process keeps between searches (`DocumentCache`)."""

from __future__ import annotations

from itertools import product

import pytest

from playdeck.catalog.store import CatalogStore
from playdeck.search.grammar import parse_query
from playdeck.search.repository import DocumentCache, SearchRepository, TrackDoc, _passes
from playdeck.search.service import KINDS, SearchService, document_cache
from tests.search.minicatalog import TRACKS
from tests.search.test_pairs import COLUMN_QUERIES, QUERIES


def test_the_least_recently_used_documents_go_first() -> None:
    docs = {d: TrackDoc(d, d, 0, "t", None, "a", "b", "", None, None) for d in range(1, 6)}
    cache = DocumentCache(3)
    cache.put({d: docs[d] for d in (1, 2, 3)})
    assert set(cache.get([1])) == {1}  # 1 is now the most recently used
    cache.put({4: docs[4]})
    assert len(cache) == 3
    assert set(cache.get([1, 2, 3, 4])) == {1, 3, 4}
    assert not DocumentCache(0).get([1]) and len(DocumentCache(0)) == 0


def test_one_cache_per_open_catalog(mini_store: CatalogStore) -> None:
    assert document_cache(mini_store) is document_cache(mini_store)
    assert SearchService(mini_store).repo.cache is document_cache(mini_store)


def test_searches_rank_the_same_with_documents_kept(mini_store: CatalogStore) -> None:
    # Every query twice on one cache (the second time from the documents
    # kept, the first time partly), against a repository that keeps none.
    kept = SearchService(mini_store)
    kept.repo = SearchRepository(mini_store.connection(), DocumentCache())
    for _ in range(2):
        for q in QUERIES + COLUMN_QUERIES:
            plain = SearchService(mini_store)
            plain.repo = SearchRepository(mini_store.connection())
            for kind in KINDS:
                a, b = plain.rank(parse_query(q), kind), kept.rank(parse_query(q), kind)
                assert (b.rowids, b.total) == (a.rowids, a.total), (q, kind)
    assert len(kept.repo.cache) > 0


@pytest.mark.parametrize("column", ["", "title", "artists", "album"])
def test_a_kept_document_is_tested_as_sqlite_tests_it(
    mini_store: CatalogStore, column: str
) -> None:
    repo = SearchRepository(mini_store.connection())
    docs = list(range(1, len(TRACKS) + 1))
    every = repo.track_docs(docs)
    words = [" el ", " love", " weezer ", " of ", " queen ", "l", " svefn g ", " beyonce "]
    for first, second in product(words, repeat=2):
        tests = [(column, [first]), ("", [second, " zzz "])]
        passed = repo.track_docs_with_tokens(docs, tests)
        assert {d for d, doc in every.items() if _passes(doc, tests)} == set(passed), tests
