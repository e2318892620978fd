"""Pair tokens (`index.py`): the same matches and rankings, read from a shorter list.

The mini catalog is built a second time with every word counted as frequent,
so that it holds pair tokens, and the planner is told to use them at any
size; every query must then give what the catalog without pairs gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from playdeck.catalog.store import CatalogStore
from playdeck.search import repository as search_repository
from playdeck.search import service as search_service
from playdeck.search.grammar import parse_query
from playdeck.search.index import pair_token, pair_tokens
from playdeck.search.repository import DocumentCache, SearchRepository
from playdeck.search.service import KINDS, Plan, SearchService
from tests.search.conftest import ranked_names
from tests.search.minicatalog import build_mini_catalog

QUERIES = [
    "el scorcho",
    "el scorcho weezer",
    "weezer scorcho",
    "el scorcho weezer pinkerton",
    "scorcho weezer remastered",
    "track:'el scorcho' artist:weezer",
    "El Scorcho artist:'Weezer'",
    "album:pinkerton artist:weezer track:'good life'",
    "crazy in love beyonce",
    "crazy beyonce",
    "love beyonce",
    "track:love artist:beyonce",
    "love artist:beyonce",
    "hold beyonce",
    "hold up beyonce lemonade",
    "love of my life queen",
    "bohemian rhapsody live",
    "bohemian queen live",
    "bohemian rhapsdy queen",
    "kickstart my he",
    "kickstart my heart motley",
    "el scorcho wee",
    "звезда по имени солнце кино",
    "medley weezy tribute band",
    "tribute weezer weezy",
    "el scorcho genre:karaoke",
    "el scorcho year:1996",
    "formation weezer",
    "crazx beyonce",
]


@pytest.fixture(scope="module")
def pair_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogStore]:
    directory = build_mini_catalog(
        Path(tmp_path_factory.mktemp("mini-pairs")), pair_min=1, pair_shares=(0.0, 1.0)
    )
    store = CatalogStore(directory)
    yield store
    store.close()


@pytest.fixture()
def pairs_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_service, "PAIR_USE_ABOVE", 0)


def recorded_matches(search: SearchService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The FTS5 expressions `search` sends from now on, in order (a list it appends to)."""
    sent: list[str] = []
    match = search.repo.match

    def recording(table: str, expression: str, limit: int = 1000) -> list[int]:
        sent.append(expression)
        return match(table, expression, limit)

    monkeypatch.setattr(search.repo, "match", recording)
    return sent


def test_pair_tokens_are_order_free_and_apart_from_words() -> None:
    assert pair_token("weezer", "scorcho") == pair_token("scorcho", "weezer") == "_scorcho_weezer"
    assert pair_tokens({"c", "a", "b"}) == "_a_b _a_c _b_c"
    assert pair_tokens({"a"}) == ""


def test_a_pair_is_in_exactly_the_tracks_holding_both_words(pair_store: CatalogStore) -> None:
    conn = pair_store.connection()
    counts = {}
    for a, b in [("scorcho", "weezer"), ("crazy", "beyonce"), ("formation", "weezer")]:
        (both,) = conn.execute(
            "SELECT count(*) FROM search_track WHERE search_track MATCH ?", (f'"{a}" AND "{b}"',)
        ).fetchone()
        (paired,) = conn.execute(
            "SELECT count(*) FROM search_track WHERE search_track MATCH ?",
            (f'"{pair_token(a, b)}"',),
        ).fetchone()
        assert paired == both
        counts[a, b] = both
    assert counts["scorcho", "weezer"] >= 5 and counts["formation", "weezer"] == 0
    (df,) = conn.execute(
        "SELECT df FROM search_vocab WHERE term = ?", (pair_token("scorcho", "weezer"),)
    ).fetchone()
    assert df == counts["scorcho", "weezer"]  # the planner's estimate is exact


def test_no_typed_prefix_reaches_a_pair(pair_store: CatalogStore) -> None:
    search = SearchService(pair_store)
    for prefix in ["e", "s", "sc", "wee", "b"]:
        words = search.repo.prefix_terms(prefix, 10_000) or []
        assert words and all(not w.startswith("_") for w, _ in words)


@pytest.mark.usefixtures("pairs_always")
def test_the_planner_reads_the_rarest_pair_first(pair_store: CatalogStore) -> None:
    search = SearchService(pair_store)
    expression = search.expression(Plan(parse_query("el scorcho weezer pinkerton"), "track"))
    assert expression is not None
    first, *rest = expression.split(" AND ")
    words = ("el", "scorcho", "weezer", "pinkerton")
    pairs = {pair_token(a, b): {a, b} for a in words for b in words if a != b}
    assert first.startswith('"_') and first.strip('"') in pairs
    # The pair's own words need no list walk of their own; the other two go
    # in a second pair (one list in place of two).
    other = sorted(set(words) - pairs[first.strip('"')])
    assert [r.strip('"') for r in rest] == [pair_token(*other)]
    # A word under a column filter is not implied by the pair (any column).
    expression = search.expression(Plan(parse_query("track:love artist:beyonce"), "track"))
    assert expression is not None and expression.startswith('"_beyonce_love"')
    assert {'title : "love"', 'artists : "beyonce"'} <= set(expression.split(" AND "))
    # Only words every match must hold: not a relaxed word's forms when
    # several of them are in the catalog ...
    plan = Plan(parse_query("crazy beyonce "), "track", relaxed=True)
    plan.alternatives = {"crazy": ["love"]}
    expression = search.expression(plan)
    assert expression is not None and '"_' not in expression
    assert '("crazy" OR "love")' in expression
    # ... but a typo'd word no track holds with its one correction is that
    # word (and a typed last word no longer word starts is that word).
    plan = Plan(parse_query("crazx beyonce"), "track", relaxed=True)
    plan.alternatives = {"crazx": ["crazy"]}
    assert search.expression(plan) == '"_beyonce_crazy"'


@pytest.mark.usefixtures("pairs_always")
@pytest.mark.parametrize(
    "q", ["el scorcho weezer", "El Scorcho artist:'Weezer'", "scorcho weezer el"]
)
def test_a_word_left_over_is_paired_with_a_word_already_paired(
    mini_store: CatalogStore, pair_store: CatalogStore, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    # Three words make one pair and a word left over: a second pair, sharing
    # a word with the first, stands for it (a free word's list goes; a
    # column word is tested on the pairs' documents), with the same results.
    plain, paired = SearchService(mini_store), SearchService(pair_store)
    sent = recorded_matches(paired, monkeypatch)
    query = parse_query(q)
    clauses = paired.clauses(Plan(query, "track")) or []
    pairs = [c.pair for c in clauses if c.pair]
    assert len(pairs) == 2 and len(set(pairs[0]) & set(pairs[1])) == 1, clauses
    assert set(pairs[0]) | set(pairs[1]) == {"el", "scorcho", "weezer"}
    a, b = plain.rank(query, "track"), paired.rank(query, "track")
    assert (b.rowids, b.total) == (a.rowids, a.total) and a.total > 0
    # FTS5 read the two pairs' lists and nothing else.
    assert sent and all(p.startswith('"_') for s in sent for p in s.split(" AND ")), sent


@pytest.mark.usefixtures("pairs_always")
def test_a_pair_as_common_as_its_words_still_replaces_them(pair_store: CatalogStore) -> None:
    # Every `scorcho` track holds `el` too: the pair is not rarer than the
    # rarest word, but one list in place of two (FTS5 walks every list of an
    # AND up to its last match).
    search = SearchService(pair_store)
    clauses = search.clauses(Plan(parse_query("el scorcho"), "track"))
    assert clauses is not None and [c.expr for c in clauses] == ['"_el_scorcho"']
    assert search.rank(parse_query("el scorcho"), "track").total == clauses[0].estimate


def test_pairs_stay_unused_below_the_threshold(pair_store: CatalogStore) -> None:
    search = SearchService(pair_store)
    expression = search.expression(Plan(parse_query("el scorcho weezer"), "track"))
    assert expression is not None and '"_' not in expression


@pytest.mark.usefixtures("pairs_always")
def test_pairs_change_no_result(mini_store: CatalogStore, pair_store: CatalogStore) -> None:
    plain, paired = SearchService(mini_store), SearchService(pair_store)
    assert not mini_store.connection().execute("SELECT * FROM search_pair_word").fetchall()
    used = 0
    for q in QUERIES:
        query = parse_query(q)
        expression = paired.expression(Plan(query, "track"))
        used += expression is not None and '"_' in expression
        for kind in KINDS:
            a, b = plain.rank(query, kind), paired.rank(query, kind)
            assert (b.rowids, b.total) == (a.rowids, a.total), (q, kind)
    assert used >= 4  # where a pair is rarer than every word


@pytest.mark.usefixtures("pairs_always")
def test_two_words_never_together_match_nothing(pair_store: CatalogStore) -> None:
    search = SearchService(pair_store)
    assert search.clauses(Plan(parse_query("formation weezer"), "track")) is None
    assert search.rank(parse_query("formation weezer"), "track").total == 0


def test_scoring_inputs_follow_the_relaxed_plan() -> None:
    # The per-query words a score needs are computed once, but again when the
    # plan's typo forms change (strict, then relaxed).
    plan = Plan(parse_query("crazx beyonce"), "track")
    terms = plan.query.words
    assert plan.term_words(terms) == {"crazx", "beyonce"}
    plan.alternatives = {"crazx": ["crazy"]}
    assert plan.term_words(terms) == {"crazx", "crazy", "beyonce"}
    assert plan.score_inputs().word_tokens == {"crazx", "beyonce"}


# Relaxed plans as `_find` makes them (typo forms by hand where the mini
# catalog has no word one edit from another): (query, typo forms).
RELAXED = [
    ("crazy beyonce ", {"crazy": ["formation"]}),
    ("el scorcho weezer ", {"scorcho": ["pinkerton"], "weezer": ["queen"]}),
    ("love beyonce", {"beyonce": ["weezer"]}),
    ("hold beyonce lemonade ", {"lemonade": ["crazy", "love"]}),
    ("scorcho track:scorcho artist:weezer", {"weezer": ["queen", "beyonce"]}),
    ("bohemian rhapsdy queen ", {"rhapsdy": ["rhapsody"]}),
    ("crazx beyonce", {"crazx": ["crazy"]}),
]


def _relaxed(q: str, alternatives: dict[str, list[str]]) -> Plan:
    plan = Plan(parse_query(q), "track", relaxed=True)
    plan.alternatives = alternatives
    return plan


@pytest.mark.usefixtures("pairs_always")
def test_a_relaxed_word_split_into_its_forms_matches_the_same(
    pair_store: CatalogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `(m OR e) AND rest` run as `m AND rest` (where a pair can stand for m)
    # and `e AND rest`: the same matches, most popular first, and the same
    # scores, for every relaxed query.
    search = SearchService(pair_store)
    queries: list[int] = []
    original = search.repo.match

    def counted(table: str, expression: str, limit: int = 1000) -> list[int]:
        queries[-1] += 1
        return original(table, expression, limit)

    monkeypatch.setattr(search.repo, "match", counted)
    split_any = found_any = 0
    for q, alternatives in RELAXED:
        monkeypatch.setattr(search_service, "SPLIT_SHARE", 10**9)  # never split
        queries.append(0)
        whole = search._match(_relaxed(q, alternatives))
        assert queries[-1] == 1
        monkeypatch.setattr(search_service, "SPLIT_SHARE", 0)  # always split
        queries.append(0)
        split = search._match(_relaxed(q, alternatives))
        split_any += queries[-1] > 1
        found_any += bool(whole)
        assert split == whole, q
        assert split == sorted(split)
        a = search._score(_relaxed(q, alternatives), whole, 300).rowids
        b = search._score(_relaxed(q, alternatives), split, 300).rowids
        assert a == b, q
    assert split_any >= 3 and found_any >= 5


def test_a_typed_phrase_prefix_matches_what_fts5_prefix_matches(mini_store: CatalogStore) -> None:
    # `svefn-g-eng` is the phrase `svefn g eng` with its last token typed in
    # part: an OR of the vocabulary's words for it, as FTS5's `"…"*` reads.
    search = SearchService(mini_store)
    plan = _relaxed("svefn-g-eng", {})
    expression = search.expression(plan)
    assert expression is not None and "*" not in expression and '"svefn g englar"' in expression
    native = mini_store.connection().execute(
        "SELECT rowid FROM search_track WHERE search_track MATCH ? ORDER BY rowid",
        ('"svefn g eng"*',),
    )
    assert search._match(plan) == [r[0] for r in native]
    assert ranked_names(search, "svefn-g-eng") == ["Svefn-g-englar"]


def test_a_word_typed_twice_is_one_clause(mini_store: CatalogStore) -> None:
    search = SearchService(mini_store)
    clauses = search.clauses(Plan(parse_query("hold hold "), "track"))
    assert clauses is not None and [c.expr for c in clauses] == ['"hold"']
    twice, once = (search.rank(parse_query(q), "track") for q in ("hold hold ", "hold "))
    assert twice.total == once.total == 2


def test_scores_count_typo_forms_in_the_artists_once_relaxed(mini_store: CatalogStore) -> None:
    # A score's artists part is kept per query, and computed again when the
    # plan relaxes: `beyonxe` counts as Beyoncé once its typo form is known.
    search = SearchService(mini_store)
    doc = next(d for d in search.repo.track_docs(range(1, 40)).values() if d.title == "formation")
    plan = Plan(parse_query("formation beyonxe "), "track")
    strict = search_service.score_track(plan, doc)
    plan.relaxed, plan.alternatives = True, {"beyonxe": ["beyonce"]}
    fresh = Plan(parse_query("formation beyonxe "), "track", relaxed=True)
    fresh.alternatives = {"beyonxe": ["beyonce"]}
    assert search_service.score_track(plan, doc) == search_service.score_track(fresh, doc)
    assert search_service.score_track(plan, doc) > strict


@pytest.mark.parametrize(
    ("q", "expression"),
    [
        ("kickstart-my ", '"kickstart my"'),
        ("heart-motley ", '"heart motley"'),  # two columns: no match
        ("宇多田ヒカル ", '"宇多 多田 田ヒ ヒカ カル"'),
        ("artist:宇多田ヒカル first", 'artists : "宇多 多田 田ヒ ヒカ カル" AND "first"'),
        ("kickstart-my heart", '"kickstart my" AND "heart"'),
    ],
)
def test_a_phrase_matches_what_fts5_matches(
    mini_store: CatalogStore, q: str, expression: str
) -> None:
    # The phrase's rarest token goes to FTS5 and the phrase is tested on the
    # documents left: consecutive tokens within one column, as FTS5 has it.
    search = SearchService(mini_store)
    native = mini_store.connection().execute(
        "SELECT rowid FROM search_track WHERE search_track MATCH ? ORDER BY rowid", (expression,)
    )
    assert search._match(Plan(parse_query(q), "track")) == [r[0] for r in native]


# Column filters, some of whose words a pair stands for; a pair's documents
# hold its words, but not always in the filter's column (Beyoncé's album
# `Dangerously in Love`, `Sing Weezer Karaoke`, `Tribute to Weezer`).
COLUMN_QUERIES = [
    "track:love artist:beyonce",
    "album:love artist:beyonce",
    "love artist:beyonce",
    "track:love beyonce",
    "scorcho artist:weezer album:pinkerton",
    "track:scorcho artist:weezer",
    "El Scorcho artist:'Weezer'",
    "track:crazy artist:beyonce year:2003",
]


@pytest.mark.usefixtures("pairs_always")
@pytest.mark.parametrize("cap", [1000, 1])
def test_column_words_behind_a_pair_are_tested_on_its_documents(
    mini_store: CatalogStore, pair_store: CatalogStore, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    # With a cap of 1, every pair holds more tracks than the cap: the
    # selective query then returns all of the pair's and the test cuts them.
    monkeypatch.setattr(search_service, "MAX_MATCHES", cap)
    plain, paired = SearchService(mini_store), SearchService(pair_store)
    sent = recorded_matches(paired, monkeypatch)
    deferred: list[str] = []
    for q in COLUMN_QUERIES:
        sent.clear()
        query = parse_query(q)
        a, b = plain.rank(query, "track"), paired.rank(query, "track")
        assert (b.rowids, b.total) == (a.rowids, a.total), q
        assert 0 < a.total <= cap, q
        clauses = paired.clauses(Plan(query, "track")) or []
        pairs = {w for c in clauses if c.pair for w in c.pair}
        implied = [c.expr for c in clauses if c.column and set(c.words) & pairs]
        # None of them went to FTS5: SQLite tested them on the pair's documents.
        assert sent and not any(e in s for e in implied for s in sent), (q, sent)
        deferred.extend(implied)
    assert len(deferred) >= 5, deferred
    if cap == 1:
        return
    # Pair documents with the word in another column only are left out.
    with_column = paired.rank(parse_query("track:love artist:beyonce"), "track").total
    assert 0 < with_column < paired.rank(parse_query("love beyonce"), "track").total


@pytest.mark.parametrize("pairs", [False, True])
def test_a_rare_clause_alone_goes_to_fts5_and_changes_no_result(
    mini_store: CatalogStore,
    pair_store: CatalogStore,
    monkeypatch: pytest.MonkeyPatch,
    pairs: bool,
) -> None:
    # Every clause of the mini catalog is rare: with the threshold above all
    # of them, FTS5 reads the rarest clause alone (and filter tokens) and
    # the others are tested on its documents; with it at zero, never.
    if pairs:
        monkeypatch.setattr(search_service, "PAIR_USE_ABOVE", 0)
    search = SearchService(pair_store if pairs else mini_store)
    sent = recorded_matches(search, monkeypatch)
    plans = [(q, {}) for q in QUERIES + COLUMN_QUERIES] + RELAXED
    rare_alone = 0
    for q, alternatives in plans:
        got = {}
        for threshold in (0, 10**9):
            monkeypatch.setattr(search_service, "RARE_MAX", threshold)
            sent.clear()
            if alternatives:
                plan = _relaxed(q, alternatives)
                found = search._match(plan)
                got[threshold] = (found, search._score(plan, found, 300).rowids)
            else:
                ranked = search.rank(parse_query(q), "track")
                got[threshold] = (ranked.rowids, ranked.total)
            if threshold and sent:
                text = [s for s in sent if " AND " in s and "tags :" not in s]
                rare_alone += not text
        assert got[10**9] == got[0], q
    assert rare_alone >= len(plans) // 2


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 10_000])
def test_documents_tested_up_to_a_limit_are_the_first_that_pass(
    mini_store: CatalogStore, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    # The test's reading stops at `limit` documents passing: the first ones
    # in row id order, across chunks of the IN list.
    # Read by SQLite, then (the second time) from the documents kept.
    monkeypatch.setattr(search_repository, "_CHUNK", 2)
    repo = SearchRepository(mini_store.connection(), DocumentCache())
    docs = list(range(1, 60))
    tests = [("", [" el ", " love "])]
    every = SearchRepository(mini_store.connection()).track_docs_with_tokens(docs, tests)
    assert len(every) >= 4
    for _ in range(2):
        first = repo.track_docs_with_tokens(docs, tests, limit)
        assert list(first) == sorted(every)[:limit]
