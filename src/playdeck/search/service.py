"""Search: candidates from the full-text index, ranked by relevance and popularity.

How a query runs, for each requested type:

1. `parse_query` splits `q` into folded free-text terms and filters.
2. One FTS5 expression combines everything the index can answer: free words
   over the text columns, `track:`/`artist:`/`album:` over their column,
   `year:`/`genre:`/`tag:` as tokens of the hidden `tags` column. `isrc:` and
   `upc:` are answered by the catalog's own indexes instead, and the few rows
   they give are checked against the rest of the query in Python.
3. The index returns matches most popular first (its row ids are popularity
   ranks), at most 1000 (Spotify's cap on `total`). Clauses go rarest first,
   led by the pair token of two required words (`index.py`) when it is rarer
   than each word (a word left over gets a pair with a word already paired:
   `_overlapping_pair`); words common enough to make FTS5 walk a long list (`the`,
   `of`) are checked apart, on the few documents the selective clauses leave,
   by SQLite as whole-token tests on their text (a phrase's order in Python);
   when those still reach the cap, the rarest common clauses join the FTS
   query one at a time. A column filter's word that a pair token of at most
   `DEFER_PAIR_MAX` tracks stands for is tested the same way, on the pair's
   documents: FTS5 would seek the word's long list and read its positions.
   A phrase (CJK text, where a four-character name is
   four bigram tokens; `AC/DC`) goes to FTS5 as its rarest token, and the
   phrase is tested on the documents left, the same way (per column, tokens
   in order). A term typed twice is one clause. When the strict
   query finds nothing it is run again relaxed: each word of four or more
   letters also matches the vocabulary words one edit away from it, and the
   last word matches as a prefix (search as you type): for tracks, an OR of
   the vocabulary words it starts when they are few (a phrase's last token
   likewise), which FTS5 evaluates lazily, instead of FTS5's `word*`, which
   merges every such word's whole doclist first. Forms no track holds leave
   such an OR (a typo'd word and its one correction is that correction, and
   a pair token can stand for it); an OR that is mostly one form (`heroes
   OR heros`) runs as a union of queries, `heroes AND …` (where a pair can
   stand for `heroes`) and `heros AND …`, when that starts from far shorter
   lists (`_split`).
4. The `POOL` most popular matches are scored (`score_track` & co.): exact title,
   title plus artist, how much of the title the query covers, unrequested
   versions (karaoke, live, remix) pushed down, then popularity. Ties keep the
   popularity order, so results are deterministic. Repeats of the same song
   (same title and primary artist: the album, a compilation, a reissue) then
   move behind that song's other versions (`diversify`), so a page shows the
   feat./remastered/live versions instead of identical rows; when repeats
   take up part of the pool, the song's versions among the other matches
   (up to 1000; only their titles and artists are read) are scored with it.
   Matches beyond the pool keep popularity order: paging never reshuffles (they are
   resolved to row ids only when a page reaches them). What a score takes
   from an artists or album text is computed once per query (a pool holds
   the same few artists many times over).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Final, Literal
from weakref import WeakKeyDictionary

from rapidfuzz.distance import OSA

from playdeck.catalog.store import CatalogStore
from playdeck.kit.errors import PlaydeckError
from playdeck.search.grammar import SearchQuery, Term, year_tokens
from playdeck.search.index import ARTIST_SEP, SEARCH_VERSION, pair_token
from playdeck.search.repository import (
    MAX_MATCHES,
    AlbumDoc,
    ArtistDoc,
    DocumentCache,
    SearchRepository,
    TrackDoc,
    fts_phrase,
)
from playdeck.search.text import STRONG_VERSION_WORDS

Kind = Literal["track", "album", "artist"]
KINDS: Final[tuple[Kind, ...]] = ("track", "album", "artist")
POOL: Final = 300
MAX_ALTERNATIVES: Final = 6
PREFIX_MIN: Final = 2
PREFIX_EXPAND_MAX: Final = 200  # a typed prefix covering at most this many words is an OR of them
_UNKNOWN: Final = 1 << 40  # estimate for a prefix: sorts last

COMMON_SHARE: Final = 0.02  # a word in more than 2% of tracks is "common"
COMMON_MIN: Final = 1000
# A query whose rarest clause matches more than this many tracks looks for a
# pair token (`index.py`): below it the intersection is already cheap.
PAIR_USE_ABOVE: Final = 2000
PAIRS_MAX: Final = 2  # pair tokens in one query (each in place of one or two words)
NARROW_STEPS: Final = 2  # common clauses added one at a time when the rest match too many
# A relaxed word's OR of forms is run as one query per form (`_split`), at
# most SPLIT_QUERIES queries, when their rarest clauses together are at least
# SPLIT_SHARE times shorter than the whole query's; an OR of more than
# SPLIT_FORMS forms as its commonest form and the others.
SPLIT_SHARE: Final = 4
SPLIT_FORMS: Final = 3
SPLIT_QUERIES: Final = 4
# Column words behind a pair token of at most this many tracks are tested on
# the pair's documents (`_run`).
DEFER_PAIR_MAX: Final = 3000
# A clause of at most this many tracks is the FTS query's only text clause;
# the others are tested on its documents (`_run`).
RARE_MAX: Final = 100
SAME_KEPT: Final = 1  # results per (title, primary artist) before the other versions


@dataclass(frozen=True, slots=True)
class Clause:
    """One AND-ed part of an FTS5 query."""

    estimate: int  # how many rows it matches (document counts; prefix: unknown)
    expr: str
    # (column or "" for any text column, term, prefix): how to check it on a
    # document in Python; None for filter tags.
    check: tuple[str, Term, bool] | None
    # The words every match holds (in some text column): what pair tokens
    # can stand for (`_pair_clause`).
    words: tuple[str, ...] = ()
    # An OR of two or more single words (a relaxed word's typo forms, a
    # prefix's words): each word and how many tracks hold it (`_split`).
    forms: tuple[tuple[str, int], ...] = ()
    column: str = ""
    # A phrase's rarest whole token and how many tracks hold it (`_run`).
    probe: tuple[str, int] | None = None
    # A pair token's clause: its two words (`_pair_clause`).
    pair: tuple[str, ...] = ()


# Per type: the FTS table, its free-text columns, and the column each text
# filter applies to (None: the filter does not apply to that type).
_TABLE: Final[dict[Kind, str]] = {
    "track": "search_track",
    "album": "search_album",
    "artist": "search_artist",
}
_FREE_COLUMNS: Final[dict[Kind, str]] = {
    "track": "{title artists album}",
    "album": "{name artists}",
    "artist": "{name}",
}
_FILTER_COLUMN: Final[dict[Kind, dict[str, str | None]]] = {
    "track": {"track": "title", "artist": "artists", "album": "album"},
    "album": {"track": None, "artist": "artists", "album": "name"},
    "artist": {"track": None, "artist": "name", "album": None},
}


def _in_column(column: str, parts: Sequence[str]) -> str:
    """The FTS5 OR of `parts` (phrases), restricted to `column` when given."""
    expr = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    return f"{column} : {expr}" if column else expr


# One free word as the scorer tests it: (the word when the term is one token,
# else None; the term; whether it may match as a prefix; its typo forms).
_WordTest = tuple[str | None, Term, bool, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _ScoreInputs:
    free: str  # the free words as typed (folded)
    requested: frozenset[str]  # every word asked for in the text or track/album
    word_tokens: frozenset[str]  # the free words' tokens
    tests: tuple[_WordTest, ...]  # the free words, in order (`_hits`)
    # The free words when each is one token without typo forms, as most
    # are (the last one perhaps typed in part: `plain_prefix`): a field's
    # `_hits` is then a set test a word.
    plain: tuple[str, ...] | None
    plain_prefix: bool
    covering: frozenset[str]  # the free words and their typo forms (`_covered`)
    covering_prefix: str | None  # a title word starting with it covers it too
    # What a score takes from each distinct artists and album text, computed
    # once per query: a pool holds the same few artists and albums many
    # times over (about 300 distinct artists texts in 1000 documents).
    credits: dict[str, _CreditParts] = field(default_factory=dict)
    albums: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _CreditParts:
    """An artists text's part of `_named_score` (computed once per query)."""

    in_artist: list[float]  # `_hits` of the free words in the artists
    primary_named: bool  # the primary artist fully named in the free words
    artist_filter: float | None  # the artist filter's part (None: none)


@dataclass
class Plan:
    """A query prepared for one type: the relaxation state and word alternatives."""

    query: SearchQuery
    kind: Kind
    relaxed: bool = False
    # token -> vocabulary words one edit away (only when relaxed)
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    # track documents already read while matching (scoring reuses them)
    track_docs: dict[int, TrackDoc] = field(default_factory=dict)
    # What every document's score needs from the query, computed once (a
    # query scores up to 1000 documents): see `_ScoreInputs`.
    _inputs: _ScoreInputs | None = field(default=None, repr=False)
    _inputs_alternatives: dict[str, list[str]] | None = field(default=None, repr=False)
    _term_words: dict[int, tuple[dict[str, list[str]], frozenset[str]]] = field(
        default_factory=dict, repr=False
    )

    def score_inputs(self) -> _ScoreInputs:
        """The query's part of every score (recomputed when the typo forms
        change: scoring happens once matching has settled them)."""
        inputs = self._inputs
        if inputs is None or self._inputs_alternatives is not self.alternatives:
            q = self.query
            last = len(q.words) - 1
            tests = tuple(
                (
                    term[0] if len(term) == 1 else None,
                    term,
                    q.prefix_last and i == last,
                    tuple(self.alternatives.get(term[0], ())) if len(term) == 1 else (),
                )
                for i, term in enumerate(q.words)
            )
            final = q.words[-1] if q.words else ()
            plain = tuple(w for w, _, _, forms in tests if w and not forms)
            inputs = self._inputs = _ScoreInputs(
                free=q.free_text,
                requested=frozenset(t for term in [*q.words, *q.track, *q.album] for t in term),
                word_tokens=frozenset(t for term in q.words for t in term),
                tests=tests,
                plain=plain if len(plain) == len(tests) else None,
                plain_prefix=bool(tests and tests[-1][2]),
                covering=self.term_words(q.words),
                covering_prefix=final[0] if q.prefix_last and len(final) == 1 else None,
            )
            self._inputs_alternatives = self.alternatives
        return inputs

    def term_words(self, terms: Sequence[Term]) -> frozenset[str]:
        """The words of `terms` and their typo forms (kept with the
        alternatives they were computed with: those change when the plan relaxes)."""
        cached = self._term_words.get(id(terms))
        if cached is not None and cached[0] is self.alternatives:
            return cached[1]
        found: set[str] = set()
        for t in terms:
            found.update(t)
            if len(t) == 1:
                found.update(self.alternatives.get(t[0], ()))
        words = frozenset(found)
        # `terms` is one of the query's own lists, alive as long as the plan.
        self._term_words[id(terms)] = (self.alternatives, words)
        return words

    @property
    def prefix(self) -> bool:
        return self.relaxed and self.query.prefix_last


class Ranked:
    """Row ids of one type in rank order (at most 1000) and how many matched.

    Only the scored head is resolved to row ids up front; the matches beyond
    the pool (popularity order) are resolved when a page reaches them, so a
    first page never reads the side table for the other few hundred matches.
    """

    __slots__ = ("_head", "_pending", "_resolve", "total")

    def __init__(
        self,
        rowids: list[int],
        total: int,
        pending: Sequence[int] = (),
        resolve: Callable[[Sequence[int]], list[int]] | None = None,
    ) -> None:
        self._head = rowids
        self._pending = list(pending)
        self._resolve = resolve
        self.total = total

    def _resolve_until(self, end: int) -> None:
        if self._pending and self._resolve is not None and end > len(self._head):
            # Resolve everything left at once: later pages come in new requests.
            self._head = self._head + self._resolve(self._pending)
            self._pending = []

    @property
    def rowids(self) -> list[int]:
        self._resolve_until(len(self._head) + len(self._pending))
        return self._head

    def window(self, offset: int, limit: int) -> list[int]:
        """The row ids of one page."""
        self._resolve_until(offset + limit)
        return self._head[offset : offset + limit]


# One cache of track documents per open catalog, for the life of its store.
_CACHES: WeakKeyDictionary[CatalogStore, DocumentCache] = WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def document_cache(store: CatalogStore) -> DocumentCache:
    """The track documents kept for `store`'s catalog (`DocumentCache`)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = DocumentCache()
        return cache


class SearchService:
    """Ranked search over the catalog's search index."""

    def __init__(self, store: CatalogStore) -> None:
        self.store = store
        self.repo = SearchRepository(store.connection(), document_cache(store))
        self._doc_count: int | None = None
        self._pair_word: dict[str, bool] = {}  # word -> has pair tokens
        self._pair_count: dict[str, int] = {}  # pair token -> tracks holding it
        # Folding must be the same at ingest and at query time: an index built
        # by another version would silently miss, so say so instead.
        if self.repo.meta.get("version") != SEARCH_VERSION:
            raise PlaydeckError("Search index out of date: run `playdeck ingest` again", status=503)

    # -- entry points --------------------------------------------------------
    def rank(self, query: SearchQuery, kind: Kind, pool: int | None = None) -> Ranked:
        """Row ids of `kind` matching `query`, best first."""
        pool = pool or POOL
        plan = Plan(query, kind)
        if not self._applies(plan):
            return Ranked([], 0)
        if query.isrc or query.upc:
            return self._rank_identified(plan, pool)
        return self._score(plan, self._find(plan), pool)

    def track_candidates(self, query: SearchQuery, count: int, pool: int = 100) -> list[TrackDoc]:
        """The `count` best of the `pool` most popular matching tracks, as index
        documents (for matching, which rescores them)."""
        plan = Plan(query, "track")
        if not self._applies(plan):
            return []
        docs = self._find(plan)[:pool]
        missing = [d for d in docs if d not in plan.track_docs]
        found = {**plan.track_docs, **self.repo.track_docs(missing)} if missing else plan.track_docs
        ordered = sorted(docs, key=lambda d: (-score_track(plan, found[d]), d))
        return [found[d] for d in ordered[:count]]

    def _find(self, plan: Plan) -> list[int]:
        """Matching FTS row ids: strict, or relaxed (typos, prefix) when strict
        finds nothing."""
        docs = self._match(plan)
        if not docs and self._can_relax(plan):
            plan.relaxed = True
            plan.alternatives = self._alternatives(plan)
            relaxed = self._match(plan)
            if relaxed:
                return relaxed
            plan.relaxed = False
            plan.alternatives = {}
        return docs

    # -- planning ------------------------------------------------------------
    def _applies(self, plan: Plan) -> bool:
        """Whether the query has at least one criterion this type can answer."""
        q, kind = plan.query, plan.kind
        columns = _FILTER_COLUMN[kind]
        if q.words:
            return True
        if any(getattr(q, name) and columns[name] for name in ("track", "artist", "album")):
            return True
        if q.genres:
            return True
        if kind == "artist":
            return False
        return bool(q.years or q.tags or q.isrc or q.upc)

    def _can_relax(self, plan: Plan) -> bool:
        q = plan.query
        terms = [*q.words, *q.track, *q.artist, *q.album]
        return q.prefix_last or any(len(t) == 1 and len(t[0]) >= 4 for t in terms)

    def _alternatives(self, plan: Plan) -> dict[str, list[str]]:
        q = plan.query
        out: dict[str, list[str]] = {}
        for term in [*q.words, *q.track, *q.artist, *q.album]:
            if len(term) != 1:
                continue
            word = term[0]
            if word in out or len(word) < 4 or not word.isalpha():
                continue
            found = [
                (df, t)
                for t, df in self.repo.typo_neighbours(word)
                if t != word and max(len(t), len(word)) >= 5 and OSA.distance(word, t) <= 1
            ]
            found.sort(key=lambda x: (-x[0], x[1]))
            out[word] = [t for _, t in found[:MAX_ALTERNATIVES]]
        return out

    def _term_clause(
        self, plan: Plan, column: str, term: Term, prefix: bool, df: dict[str, int]
    ) -> Clause:
        """One term's FTS5 clause and an estimate of how many rows it matches."""
        # A one-token term's parts as the single words they are (None: some
        # part is a phrase or an unexpanded prefix).
        words: list[str] | None = [term[0]] if len(term) == 1 else None
        forms: tuple[tuple[str, int], ...] = ()
        found: list[tuple[str, int]] | None = None
        parts = [fts_phrase(term)]
        estimate = min(df.get(t, 0) for t in term)
        required = term
        if prefix and len(term[-1]) >= PREFIX_MIN:
            required = term[:-1]
            # The vocabulary bounds what the prefix can match (the exact word
            # included); unknown (sorts last) when it cannot tell.
            found = self.repo.prefix_terms(term[-1])
            expand = found is not None and len(found) <= PREFIX_EXPAND_MAX
            if expand and plan.kind == "track":
                # The same matches as `"word"*` (the vocabulary is the track
                # index's own), but FTS5 reads an OR of a few words lazily,
                # stopping with the rest of the query, where a prefix query
                # first merges the whole doclist of every word it covers: 2 to
                # 40 times faster on the demo catalog. A phrase's last token
                # likewise (`"방탄 탄소 소년 년단"*`: 12 ms against 6 at 10M).
                extra = [w for w, _ in found or () if w != term[-1]]
                parts.extend(fts_phrase((*term[:-1], w)) for w in extra)
                if words is not None:
                    words.extend(extra)
            else:
                parts.append(fts_phrase(term, prefix=True))
                words = None
            if found is None:
                estimate = _UNKNOWN
            else:
                bound = sum(n for _, n in found)
                estimate = min([bound, *(df.get(t, 0) for t in term[:-1])])
        if len(term) == 1:
            for alternative in plan.alternatives.get(term[0], []):
                parts.append(fts_phrase((alternative,)))
                estimate += df.get(alternative, 0)
                if words is not None:
                    words.append(alternative)
        if words is not None and len(words) == 1:
            required = (words[0],)  # a prefix no longer word starts is the word
        elif words is not None:
            # An OR of words (typo forms, a prefix's words): no one word is required.
            required = ()
            if plan.kind == "track":
                # Those no track holds match nothing: they go. When one word
                # is left (a typo'd word and its one correction), the clause
                # is that word, and a pair token can stand for it.
                counts = {**{w: n for w, n in found or ()}, **df} if prefix else df
                live = [w for w in dict.fromkeys(words) if counts.get(w, 1) > 0]
                if live:
                    parts = [fts_phrase((w,)) for w in live]
                    if len(live) == 1:
                        required = (live[0],)
                    elif estimate != _UNKNOWN:
                        forms = tuple((w, counts.get(w, 0)) for w in live)
        whole = term[:-1] if len(parts) > 1 and prefix else term
        probe = min(((df.get(t, 0), t) for t in whole), default=None) if len(term) > 1 else None
        return Clause(
            estimate,
            _in_column(column, parts),
            (column, term, prefix),
            required,
            forms,
            column,
            (probe[1], probe[0]) if probe else None,
        )

    def clauses(self, plan: Plan) -> list[Clause] | None:
        """The query's FTS5 clauses (every token quoted), rarest first; None if
        nothing can match.

        FTS5 evaluates AND in the order given, so the rarest term goes first
        (document counts from `search_vocab`).
        """
        clauses = self._term_clauses(plan)
        return None if clauses is None else self._paired(plan, clauses)

    def _term_clauses(self, plan: Plan) -> list[Clause] | None:
        """One clause per term and filter, before pair tokens (None: nothing
        can match)."""
        q, kind = plan.query, plan.kind
        columned: list[tuple[str, Term, bool]] = []
        last = len(q.words) - 1
        # Free words need no column filter: only the tags column holds other
        # tokens, and those always contain `_`, which folded text never does.
        columned.extend(("", t, plan.prefix and i == last) for i, t in enumerate(q.words))
        for name in ("track", "artist", "album"):
            column = _FILTER_COLUMN[kind][name]
            if column:
                columned.extend((column, t, False) for t in getattr(q, name))
        tag_groups: list[list[str]] = []
        if kind != "artist":
            if q.years:
                years = year_tokens(*q.years)
                if not years:
                    return None
                tag_groups.append(years)
            tag_groups.extend([f"tag_{t}"] for t in sorted(q.tags))
        tag_groups.extend([g] for g in q.genres)
        if not columned and not tag_groups:
            return None
        wanted = [t for _, term, _ in columned for t in term]
        wanted += [a for alts in plan.alternatives.values() for a in alts]
        wanted += [t for group in tag_groups for t in group]
        df = self.repo.document_counts(wanted)
        out: list[Clause] = []
        for column, term, prefix in columned:
            clause = self._term_clause(plan, column, term, prefix, df)
            if clause.estimate == 0 and kind == "track":
                return None  # a word no track has: nothing can match
            out.append(clause)
        for group in tag_groups:
            inner = " OR ".join(fts_phrase((t,)) for t in group)
            expr = f"tags : ({inner})" if len(group) > 1 else f"tags : {inner}"
            out.append(Clause(sum(df.get(t, 0) for t in group), expr, None))
        return out

    def _paired(self, plan: Plan, clauses: list[Clause]) -> list[Clause] | None:
        """`clauses` rarest first, with up to `PAIRS_MAX` pair tokens in place
        of the clauses they imply (None: nothing can match)."""
        # A term typed twice is one clause: FTS5 would walk its list twice.
        unique: dict[str, Clause] = {}
        for c in clauses:
            unique.setdefault(c.expr, c)
        out = sorted(unique.values(), key=lambda c: c.estimate)
        if plan.kind == "track" and out and out[0].estimate > PAIR_USE_ABOVE:
            used: set[str] = set()
            for _ in range(PAIRS_MAX):
                found = self._pair_clause(out, used)
                if found is not None:
                    pair, words = found
                    if pair.estimate == 0:
                        return None  # no track holds both words: nothing can match
                    # The pair's two words as free words (any column, no typo
                    # forms, no prefix) are implied by it: FTS5 need not walk them.
                    implied = {fts_phrase((w,)) for w in words}
                    kept = [c for c in out if c.expr not in implied]
                    if not used and pair.estimate < out[0].estimate:
                        out = [pair, *kept]
                        used.update(words)
                        continue
                    if len(kept) == len(out) - 2:
                        # Not the rarest, but one list in place of two longer
                        # ones: FTS5 walks all of them up to the last match
                        # (`Engine Café Tacvba` at 10M: 8 ms against 13).
                        out = sorted([pair, *kept], key=lambda c: c.estimate)
                        used.update(words)
                        continue
                overlapping = self._overlapping_pair(out, used)
                if overlapping is None:
                    break
                out = overlapping
                used.update(w for c in out for w in c.pair)
        return out

    def _overlapping_pair(self, clauses: list[Clause], used: set[str]) -> list[Clause] | None:
        """`clauses` with one more pair token, of a word no pair of them stands
        for yet and one that one does (`used`); None when no such pair helps.

        Three frequent words make one pair and a word left over, whose long
        list FTS5 then walks (`"_engine_tacvba" AND "cafe"`: 167k tracks at
        10M). A second pair sharing a word with the first stands for it with
        a short list (`"_engine_tacvba" AND "_cafe_engine"`, 1,112 and 1,359
        tracks: 1.7 against 0.4 ms cold): the same matches. It takes the
        place of the word's free clause when shorter than it; for a word
        under a column filter, it lets the column be tested on the pairs'
        documents (`_run`) instead of by FTS5, when the pairs hold at most
        `DEFER_PAIR_MAX` tracks.
        """
        if not used:
            return None
        found = self._pair_clause(clauses, used, overlap=True)
        if found is None:
            return None
        pair, words = found
        if pair.estimate == 0:
            return None  # no track holds both words: the query matches nothing anyway
        implied = {fts_phrase((w,)) for w in words}
        dropped = [c for c in clauses if c.expr in implied]
        if dropped:
            if pair.estimate >= min(c.estimate for c in dropped):
                return None
        else:
            short = any(c.pair and c.estimate <= DEFER_PAIR_MAX for c in clauses)
            if pair.estimate > DEFER_PAIR_MAX or not short:
                return None
        kept = [c for c in clauses if c.expr not in implied]
        return sorted([pair, *kept], key=lambda c: c.estimate)

    def _pair_clause(
        self, clauses: list[Clause], without: set[str], overlap: bool = False
    ) -> tuple[Clause, tuple[str, str]] | None:
        """The rarest pair token of two words every match must hold (other
        than `without`, those of the pairs already taken; with `overlap`, one
        of `without` and one other), if any, and its two words.

        A pair token is in a track exactly when both words are (in any text
        column), so adding it to the AND changes no match; FTS5 then walks the
        pair's list, often a few hundred entries, and seeks in the words'
        lists, instead of intersecting lists of 1% of the catalog each.
        """
        words = {w for c in clauses for w in c.words}
        # Kept for the request: a split query (`_split`) asks again for its variants.
        unknown = words - self._pair_word.keys()
        if unknown:
            frequent = set(self.repo.pair_words(unknown))
            self._pair_word.update((w, w in frequent) for w in unknown)
        paired = sorted(w for w in words - without if self._pair_word[w])
        if overlap:
            taken = sorted(without)  # the words of pairs taken: all frequent
            couples = [(a, b) if a < b else (b, a) for a in paired for b in taken]
        else:
            couples = list(combinations(paired, 2))
        if not couples:
            return None
        pairs = {pair_token(a, b): (a, b) for a, b in couples}
        unknown_pairs = [t for t in pairs if t not in self._pair_count]
        if unknown_pairs:
            self._pair_count.update(self.repo.document_counts(unknown_pairs))
        counts = self._pair_count
        best = min(pairs, key=lambda t: (counts[t], t))
        return Clause(counts[best], fts_phrase((best,)), None, pair=pairs[best]), pairs[best]

    def expression(self, plan: Plan) -> str | None:
        """The whole FTS5 expression for `plan`."""
        clauses = self.clauses(plan)
        return " AND ".join(c.expr for c in clauses) if clauses else None

    def _match(self, plan: Plan) -> list[int]:
        terms = self._term_clauses(plan)
        clauses = self._paired(plan, terms) if terms else None
        if not terms or not clauses:
            return []
        variants = self._split(plan, terms, clauses[0].estimate) if plan.relaxed else None
        if variants is None:
            return self._run(plan, clauses)
        found: set[int] = set()
        for variant in variants:
            found.update(self._run(plan, variant))
        return sorted(found)[:MAX_MATCHES]

    def _split(self, plan: Plan, clauses: list[Clause], rarest: int) -> list[list[Clause]] | None:
        """The query as a union of queries that pair tokens can speed up, or
        None when it is not worth it.

        A relaxed word is an OR of its forms (`heroes OR heros`, `night OR
        light`), so no pair token can stand for it, and FTS5 intersects whole
        lists of 1% of the catalog each. `(a OR b) AND rest` is `(a AND rest)
        OR (b AND rest)`, and in each of those a pair can stand for the word:
        the ORs of up to `SPLIT_FORMS` forms become one query per form (a
        longer one, its commonest form and the others), up to `SPLIT_QUERIES`
        queries. The union of each query's first 1000 matches holds the first
        1000 of the whole. Worth it only when the queries together start from
        lists far shorter than the query's rarest (`rarest` entries), or the
        extra queries cost more than they save (`Stranger Noche James
        Morales`: morales, 28k).
        """
        if plan.kind != "track":
            return None
        splits: list[tuple[Clause, list[Clause]]] = []
        for c in clauses:
            if not c.forms:
                continue
            forms = sorted(c.forms, key=lambda f: (-f[1], f[0]))
            groups = [[f] for f in forms] if len(forms) <= SPLIT_FORMS else [forms[:1], forms[1:]]
            options = [
                Clause(
                    sum(n for _, n in group),
                    _in_column(c.column, [fts_phrase((w,)) for w, _ in group]),
                    c.check,
                    (group[0][0],) if len(group) == 1 else (),
                )
                for group in groups
            ]
            splits.append((c, options))
        # The words with the most matches first: they gain most from a pair.
        splits.sort(key=lambda x: -x[0].estimate)
        while splits and math.prod(len(o) for _, o in splits) > SPLIT_QUERIES:
            splits.pop()
        if not splits:
            return None
        replaced = {id(c) for c, _ in splits}
        kept = [c for c in clauses if id(c) not in replaced]
        variants: list[list[Clause]] = []
        for choice in product(*[options for _, options in splits]):
            paired = self._paired(plan, [*kept, *choice])
            if paired is not None:
                variants.append(paired)
        if sum(v[0].estimate for v in variants) * SPLIT_SHARE > rarest:
            return None  # no far shorter lists: one query is cheaper
        return variants

    def _run(self, plan: Plan, clauses: list[Clause]) -> list[int]:
        """Matching FTS row ids of the AND of `clauses` (most popular first)."""
        table = _TABLE[plan.kind]
        if plan.kind == "track":
            # A very common word (`the`, `of`) makes FTS5 walk its whole list even
            # when a rare word leaves one candidate: match the selective clauses,
            # then check the common words on those few documents. When the
            # selective clauses still match 1000 or more (two words each in 1% of
            # tracks often do), the next rarest clause joins the FTS query, up to
            # NARROW_STEPS times, before the whole query goes to FTS5.
            common_above = max(COMMON_MIN, self._documents() * COMMON_SHARE)
            # A word in a column (`track:`, `artist:`) that a pair token in the
            # query already stands for is in every match, only perhaps not in
            # that column: FTS5 would seek its whole list and read positions
            # for each candidate (26 ms for `title : "life"` and `title :
            # "between"` behind `_between_life`, cold, at 10M), where the
            # column is a whole-token test on the pair's documents, which the
            # scorer reads anyway. Only behind a pair of at most
            # DEFER_PAIR_MAX tracks, all of which the selective query may
            # then return (`limit`), to be tested and cut to the cap.
            short = [c for c in clauses if c.pair and c.estimate <= DEFER_PAIR_MAX]
            implied = {w for c in short for w in c.pair}
            selective = [
                c
                for c in clauses
                if (c.check is None or c.estimate <= common_above) and not _implied(c, implied)
            ]
            common = [c for c in clauses if c not in selective]
            # When one clause holds only a few tracks, FTS5 reads it (with the
            # filter tokens) and the other words are tested on its documents:
            # FTS5 would seek every other word's list, reading a page for
            # each of its few candidates and each word, mostly to find none
            # (a typo'd word's unlikely forms: `"mamacitas" AND "pilots" AND
            # ("forget" OR "forgets") AND "dark"`, 2.5 ms cold at 10M).
            rare = [c for c in selective if c.estimate <= RARE_MAX]
            if rare and len(selective) > 1:
                kept = [rare[0], *(c for c in selective if c.check is None and c is not rare[0])]
                common = sorted(
                    [c for c in selective if all(c is not k for k in kept)] + common,
                    key=lambda c: c.estimate,
                )
                selective = kept
            limit = MAX_MATCHES
            if any(_implied(c, implied) for c in common):
                limit = max(MAX_MATCHES, min(c.estimate for c in short) + 1)
            # A phrase makes FTS5 walk every token's list and compare
            # positions; CJK text is one (a four-character name is four
            # bigram tokens, each in as many tracks as the name). Its rarest
            # token stands for it in the FTS query, and the phrase is tested
            # on the documents left, which nearly all hold it.
            for i, c in enumerate(selective):
                if c.probe is not None:
                    selective[i] = Clause(c.probe[1], fts_phrase((c.probe[0],)), None)
                    common.insert(0, c)
            for _ in range(NARROW_STEPS + 1):
                if not common or not selective:
                    break
                docs = self.repo.match(table, " AND ".join(c.expr for c in selective), limit)
                if len(docs) < limit:
                    return self._having(plan, docs, common)[:MAX_MATCHES]
                selective.append(common.pop(0))
                limit = MAX_MATCHES
        return self.repo.match(table, " AND ".join(c.expr for c in clauses), MAX_MATCHES)

    def _having(self, plan: Plan, docs: list[int], clauses: list[Clause]) -> list[int]:
        """Those of `docs` that satisfy every text clause of `clauses`.

        SQLite tests each word as a whole token (` word `, or ` word` for a
        prefix, or any of its typo forms) in the documents' text: exact for
        one-word terms, and every word at least for a phrase, which Python then
        checks in order on the few documents left (`_satisfies`). Reading up
        to 1000 documents into Python to test a common word cost more than
        the rest of such a query. The documents kept are read with the test
        (the scorer needs them).
        """
        tests: list[tuple[str, list[str]]] = []
        phrases: list[Clause] = []
        for clause in clauses:
            if clause.check is None:
                continue
            column, term, prefix = clause.check
            last = len(term) - 1
            for i, word in enumerate(term):
                patterns = [f" {word}" if prefix and i == last else f" {word} "]
                if len(term) == 1:
                    patterns.extend(f" {a} " for a in plan.alternatives.get(word, ()))
                tests.append((column, patterns))
            if len(term) > 1:
                phrases.append(clause)
        # Only the first MAX_MATCHES are kept: reading stops there (a phrase
        # is checked afterwards, so then every document is read). Behind a
        # pair, most of its documents often pass (`Habibi artist:'Mötley
        # Crüe'`: 1,109 of 1,134).
        limit = None if phrases else MAX_MATCHES
        found = self.repo.track_docs_with_tokens(docs, tests, limit)
        kept = [
            d for d in docs if d in found and all(_satisfies(plan, found[d], c) for c in phrases)
        ]
        plan.track_docs.update((d, found[d]) for d in kept)
        return kept

    def _documents(self) -> int:
        if self._doc_count is None:
            self._doc_count = self.store.meta_int("count_tracks") or 1
        return self._doc_count

    # -- scoring ---------------------------------------------------------------
    def _score(self, plan: Plan, docs: list[int], pool: int) -> Ranked:
        head, rest = docs[:pool], docs[pool:]
        if plan.kind == "track":
            known = plan.track_docs
            missing = [d for d in head if d not in known]
            tdocs = {**known, **self.repo.track_docs(missing)} if missing else dict(known)
            # Each document's song keys, computed once (a full pool asks
            # for them about 1,500 times).
            keys = {d: _song_keys(tdocs[d]) for d in head}
            if rest and _has_repeats(head, keys):
                # Repeats fill part of the pool: the song's other versions may
                # sit beyond it (less popular than the copies). Score them too.
                # Of the matches not read yet, only those that are one (a song
                # of the pool under a title not in it) are read in full: most
                # of them are the very copies that filled the pool.
                unread = [d for d in rest if d not in tdocs]
                if unread:
                    picked = self.repo.track_docs_of_songs(
                        unread,
                        songs={song for _, song in keys.values()},
                        titles={title for title, _ in keys.values()},
                    )
                    tdocs.update(self.repo.track_docs(picked))
                candidates = [d for d in rest if d in tdocs]
                keys.update((d, _song_keys(tdocs[d])) for d in candidates)
                versions = _other_versions(head, candidates, keys)
                if versions:
                    head = head + versions
                    taken = set(versions)
                    rest = [d for d in rest if d not in taken]
            ranked = sorted(head, key=lambda d: (-score_track(plan, tdocs[d]), d))
            scored = diversify(ranked, tdocs, keys=keys)
            tail = [tdocs[d].track_rowid for d in rest] if all(d in tdocs for d in rest) else None
            if tail is not None:
                return Ranked([tdocs[d].track_rowid for d in scored] + tail, len(docs))
            return Ranked(
                [tdocs[d].track_rowid for d in scored], len(docs), rest, self._track_rowids
            )
        if plan.kind == "album":
            adocs = self.repo.album_docs(head)
            scored = sorted(head, key=lambda d: (-score_album(plan, adocs[d]), d))
            return Ranked(
                [adocs[d].album_rowid for d in scored], len(docs), rest, self._album_rowids
            )
        rdocs = self.repo.artist_docs(head)
        scored = sorted(head, key=lambda d: (-score_artist(plan, rdocs[d]), d))
        return Ranked([rdocs[d].artist_rowid for d in scored], len(docs), rest, self._artist_rowids)

    def _track_rowids(self, docs: Sequence[int]) -> list[int]:
        found = self.repo.track_docs(docs)
        return [found[d].track_rowid for d in docs]

    def _album_rowids(self, docs: Sequence[int]) -> list[int]:
        found = self.repo.album_docs(docs)
        return [found[d].album_rowid for d in docs]

    def _artist_rowids(self, docs: Sequence[int]) -> list[int]:
        found = self.repo.artist_docs(docs)
        return [found[d].artist_rowid for d in docs]

    def _rank_identified(self, plan: Plan, pool: int) -> Ranked:
        """`isrc:`/`upc:` queries: candidates from the catalog's indexes, then the
        rest of the query checked on each (a handful of rows)."""
        q = plan.query
        repo = self.repo
        track_rowids: list[int] | None = None
        album_rowids: list[int] | None = None
        if q.isrc:
            track_rowids = repo.track_rowids_by_isrc(q.isrc)
        if q.upc:
            album_rowids = repo.album_rowids_by_upc(q.upc)
        if plan.kind == "track":
            if album_rowids is not None:
                by_album = set(repo.track_rowids_by_albums(album_rowids))
                track_rowids = (
                    [r for r in track_rowids if r in by_album]
                    if track_rowids is not None
                    else sorted(by_album)
                )
            tdocs = [d for d in repo.track_docs_for_rowids(track_rowids or []) if _keeps(plan, d)]
            tdocs.sort(key=lambda d: -score_track(plan, d))  # stable: popularity order kept
            return Ranked([d.track_rowid for d in tdocs], len(tdocs))
        if plan.kind == "album":
            if track_rowids is not None:
                of_tracks = set(repo.album_rowids_by_tracks(track_rowids))
                album_rowids = (
                    [r for r in album_rowids if r in of_tracks]
                    if album_rowids is not None
                    else sorted(of_tracks)
                )
            adocs = [d for d in repo.album_docs_for_rowids(album_rowids or []) if _keeps(plan, d)]
            adocs.sort(key=lambda d: -score_album(plan, d))
            return Ranked([d.album_rowid for d in adocs], len(adocs))
        return Ranked([], 0)


def _implied(clause: Clause, words: set[str]) -> bool:
    """Whether `clause` is one word in one column (no prefix, no live typo
    form) and one of `words`, those a pair token of the query stands for."""
    if not words or clause.check is None or clause.probe is not None:
        return False
    column, _term, prefix = clause.check
    return bool(column) and not prefix and len(clause.words) == 1 and clause.words[0] in words


SongKeys = tuple[tuple[str, str], tuple[str, str]]


def _song_keys(doc: TrackDoc) -> SongKeys:
    """(title, primary artist) and (title without suffixes, primary artist)."""
    primary = doc.artists.split(ARTIST_SEP, 1)[0]
    return (doc.title, primary), (doc.base or doc.title, primary)


def _has_repeats(docs: Sequence[int], keys: Mapping[int, SongKeys]) -> bool:
    return len({keys[d][0] for d in docs}) < len(docs)


def _other_versions(
    head: Sequence[int], rest: Sequence[int], keys: Mapping[int, SongKeys]
) -> list[int]:
    """Matches in `rest` that are a version not yet in `head` of a song in `head`
    (same title without suffixes and primary artist, another full title);
    `keys`: each document's `_song_keys`."""
    titles = {keys[d][0] for d in head}
    songs = {keys[d][1] for d in head}
    out: list[int] = []
    for d in rest:
        title, song = keys[d]
        if song in songs and title not in titles:
            titles.add(title)
            out.append(d)
    return out


def diversify(
    ranked: Sequence[int],
    docs: Mapping[int, TrackDoc],
    kept: int = SAME_KEPT,
    keys: Mapping[int, SongKeys] | None = None,
) -> list[int]:
    """`ranked` with repeats of the same song moved after its other versions.

    A catalog holds the same title by the same primary artist many times (the
    single, the album, compilations, reissues), and a page of identical-looking
    rows hides the versions a searcher may be after (`(feat. X)`,
    `- Remastered`, `- Live`). So the best `kept` results of each (folded
    title, primary artist) stay in place, and the further repeats go right
    after the last of that song's distinct versions (same title without its
    suffixes, same primary artist), in score order. Every other result keeps
    its place relative to the rest; the function only reorders. `keys`:
    each document's `_song_keys`, when the caller has them already.
    """
    seen: dict[tuple[str, str], int] = {}
    last_version: dict[tuple[str, str], int] = {}
    repeats: list[tuple[int, tuple[str, str]]] = []
    for i, d in enumerate(ranked):
        key, song = keys[d] if keys is not None else _song_keys(docs[d])
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count < kept:
            last_version[song] = i
        else:
            repeats.append((i, song))
    moved: set[int] = set()
    after: dict[int, list[int]] = {}
    for i, song in repeats:
        if last_version[song] > i:  # never up: only behind a later version
            moved.add(i)
            after.setdefault(last_version[song], []).append(ranked[i])
    if not moved:
        return list(ranked)
    out: list[int] = []
    for i, d in enumerate(ranked):
        if i not in moved:
            out.append(d)
            out.extend(after.get(i, ()))
    return out


# -- matching a document against the query (for the ISRC/UPC path) ------------------
def _contains(tokens: list[str], term: Term, prefix: bool = False) -> bool:
    """Whether `term`'s tokens are consecutive in `tokens` (the last one
    perhaps only begun, with `prefix`): FTS5's phrase match in one column.

    Runs for every document a phrase is checked or scored on (a CJK name is
    a phrase of bigrams): a position is compared whole only where its first
    token matches.
    """
    n = len(term)
    final = term[-1]
    if n == 1:
        if final in tokens:
            return True
        return prefix and any(t.startswith(final) for t in tokens)
    first, inner = term[0], list(term[:-1])
    for i in range(len(tokens) - n + 1):
        if tokens[i] == first and tokens[i : i + n - 1] == inner:
            last = tokens[i + n - 1]
            if last == final or (prefix and last.startswith(final)):
                return True
    return False


def _satisfies(plan: Plan, doc: TrackDoc, clause: Clause) -> bool:
    """Whether a track document satisfies one text clause (as FTS5 would)."""
    if clause.check is None:
        return True
    column, term, prefix = clause.check
    alternatives = plan.alternatives.get(term[0], ()) if len(term) == 1 else ()
    # Any text column: each on its own, as FTS5 never matches a phrase
    # across two columns (the artists' names are one column: `,` splits
    # tokens as a space does).
    for name in (column,) if column else ("title", "artists", "album"):
        if name == "artists":
            tokens = doc.artists.replace(ARTIST_SEP, " ").split()
        else:
            tokens = (doc.title if name == "title" else doc.album).split()
        if _contains(tokens, term, prefix):
            return True
        if alternatives and any(a in tokens for a in alternatives):
            return True
    return False


def _keeps(plan: Plan, doc: TrackDoc | AlbumDoc) -> bool:
    q = plan.query
    tags = doc.tags.split()
    if isinstance(doc, TrackDoc):
        fields = {"track": doc.title.split(), "album": doc.album.split()}
        free = doc.title.split() + doc.artists.replace(",", " ").split() + doc.album.split()
    else:
        fields = {"album": doc.name.split()}
        free = doc.name.split() + doc.artists.replace(",", " ").split()
    fields["artist"] = doc.artists.replace(",", " ").split()
    last = len(q.words) - 1
    for i, term in enumerate(q.words):
        if not _contains(free, term, prefix=q.prefix_last and i == last):
            return False
    for name, tokens in fields.items():
        for term in getattr(q, name):
            if not _contains(tokens, term):
                return False
    if q.years and not set(year_tokens(*q.years)) & set(tags):
        return False
    if any(f"tag_{t}" not in tags for t in q.tags):
        return False
    return all(g in tags for g in q.genres)


# -- scores --------------------------------------------------------------------------
def _hit(plan: Plan, term: Term, tokens: list[str], tokset: set[str], last: bool) -> float:
    """How well one query term is found in `tokens`: 1 exact, less for prefix or typo."""
    if len(term) == 1:
        word = term[0]
        if word in tokset:
            return 1.0
        if last and plan.query.prefix_last and any(t.startswith(word) for t in tokset):
            return 0.8
        if any(a in tokset for a in plan.alternatives.get(word, ())):
            return 0.75
        return 0.0
    return 1.0 if _contains(tokens, term, prefix=last and plan.query.prefix_last) else 0.0


def _covered(plan: Plan, title: list[str], terms: Sequence[Term]) -> float:
    """The share of the title's words present in `terms` (typo forms included)."""
    if not title:
        return 0.0
    words = plan.term_words(terms)
    last = terms[-1] if terms else ()
    hits = 0
    for w in title:
        if w in words or (plan.query.prefix_last and len(last) == 1 and w.startswith(last[0])):
            hits += 1
    return hits / len(title)


def _hits(
    tests: Sequence[_WordTest],
    tokens: list[str],
    tokset: set[str],
    inputs: _ScoreInputs | None = None,
) -> list[float]:
    """`_hit` of every free word (`score_inputs().tests`) in one field, inlined:
    a query scores up to 1000 documents, three fields each; with `inputs`,
    by their `plain` words when the query has them."""
    plain = inputs.plain if inputs is not None else None
    if plain is not None:
        found = [1.0 if w in tokset else 0.0 for w in plain]
        if inputs is not None and inputs.plain_prefix and found[-1] == 0.0:
            last = plain[-1]
            if any(t.startswith(last) for t in tokset):
                found[-1] = 0.8
        return found
    out: list[float] = []
    for word, term, prefix, alternatives in tests:
        if word is None:
            out.append(1.0 if _contains(tokens, term, prefix) else 0.0)
        elif word in tokset:
            out.append(1.0)
        elif prefix and any(t.startswith(word) for t in tokset):
            out.append(0.8)
        elif alternatives and not tokset.isdisjoint(alternatives):
            out.append(0.75)
        else:
            out.append(0.0)
    return out


def _credit_parts(inputs: _ScoreInputs, query: SearchQuery, artists_text: str) -> _CreditParts:
    """An artists text's part of every score (`_named_score`), kept in `inputs`."""
    artists = [a.split() for a in artists_text.split(ARTIST_SEP)] if artists_text else []
    artist_tokens = [t for a in artists for t in a]
    tests = inputs.tests
    in_artist = _hits(tests, artist_tokens, set(artist_tokens), inputs) if tests else []
    primary_named = bool(artists and artists[0] and inputs.word_tokens.issuperset(artists[0]))
    value = query.artist_value
    artist_filter: float | None = None
    if value is not None:
        names = [" ".join(a) for a in artists]
        if names == [value]:
            artist_filter = 3.0
        elif names and names[0] == value:
            artist_filter = 2.5
        elif value in names:
            artist_filter = 2.0
    parts = inputs.credits[artists_text] = _CreditParts(in_artist, primary_named, artist_filter)
    return parts


def _named_score(
    plan: Plan,
    title_text: str,
    base_text: str | None,
    artists_text: str,
    secondary: str,
    filter_value: str | None,
    filter_terms: Sequence[Term],
) -> float:
    """Text relevance of a named thing (track or album) with artists
    (`artists_text`: names joined by `ARTIST_SEP`) and a secondary text (the
    album's name, for a track): its title and the title without suffixes
    (None: the same) as folded text.

    A query scores up to 1000 documents: the query's part is computed once
    (`Plan.score_inputs`), and a folded text, its tokens joined by one space,
    is compared whole where the score compares token lists.
    """
    q = plan.query
    score = 0.0
    title = title_text.split()
    if base_text is None:
        base_text, base = title_text, title
    else:
        base = base_text.split()
    title_set = set(title)
    inputs = plan.score_inputs()
    credit = inputs.credits.get(artists_text) or _credit_parts(inputs, q, artists_text)
    requested = inputs.requested
    tests = inputs.tests
    if tests:
        free = inputs.free
        n = len(tests)
        in_title = _hits(tests, title, title_set, inputs)
        in_artist = credit.in_artist
        # `_covered(plan, base, q.words)`, inlined
        if base:
            covering, starts = inputs.covering, inputs.covering_prefix
            if starts is None:
                hits = len([w for w in base if w in covering])
            else:
                hits = len([w for w in base if w in covering or w.startswith(starts)])
            cover = hits / len(base)
        else:
            cover = 0.0
        if free == title_text:
            score += 6.0
        elif free == base_text:
            score += 5.0
        elif cover == 1.0:
            rest = [i for i, h in enumerate(in_title) if h == 0.0]
            if rest and all(in_artist[i] > 0 for i in rest):
                score += 5.0  # title + artist, the way people search
            elif not rest:
                score += 4.0
            else:
                score += 3.0
        score += 2.0 * cover
        # A word's best field; the secondary one (album) counts half, so it is
        # only looked at for words neither in the title nor the artists.
        found = list(map(max, in_title, in_artist))
        if 0.0 in found:
            in_other = inputs.albums.get(secondary)
            if in_other is None:
                tokens = secondary.split()
                in_other = inputs.albums[secondary] = _hits(tests, tokens, set(tokens), inputs)
            found = [f if f else 0.5 * c for f, c in zip(found, in_other, strict=True)]
        score += sum(found) / n
        # The primary artist fully named in the query
        if credit.primary_named:
            score += 1.0
    if filter_value is not None:
        if filter_value == title_text:
            score += 6.0
        elif filter_value == base_text:
            score += 5.0  # the same title with a suffix: just below the exact one
        else:
            score += 2.0 * _covered(plan, base, filter_terms)
    if credit.artist_filter is not None:
        score += credit.artist_filter
    # A version nobody asked for (karaoke, live, remix …) goes down.
    if (
        not title_set.isdisjoint(STRONG_VERSION_WORDS)
        and (title_set & STRONG_VERSION_WORDS) - requested
    ):
        score -= 2.5
    return score


def score_track(plan: Plan, doc: TrackDoc) -> float:
    """Relevance of a track to the query plus its popularity (higher is better)."""
    q = plan.query
    score = _named_score(
        plan, doc.title, doc.base or None, doc.artists, doc.album, q.track_value, q.track
    )
    if q.album_value is not None and q.album_value == doc.album:
        score += 1.0
    return score + 3.0 * (doc.popularity or 0) / 100.0


def score_album(plan: Plan, doc: AlbumDoc) -> float:
    q = plan.query
    score = _named_score(plan, doc.name, doc.base or None, doc.artists, "", q.album_value, q.album)
    if doc.album_type == "compilation":
        score -= 0.5
    return score + 3.0 * (doc.popularity or 0) / 100.0


def score_artist(plan: Plan, doc: ArtistDoc) -> float:
    q = plan.query
    name = doc.name.split()
    name_set = set(name)
    score = 0.0
    if q.words:
        n = len(q.words)
        if q.free_text == doc.name:
            score += 8.0
        score += 2.0 * _covered(plan, name, q.words)
        score += sum(_hit(plan, t, name, name_set, i == n - 1) for i, t in enumerate(q.words)) / n
    if q.artist_value is not None:
        score += 8.0 if q.artist_value == doc.name else 2.0 * _covered(plan, name, q.artist)
    score += 3.0 * (doc.popularity or 0) / 100.0
    return score + math.log10((doc.followers or 0) + 1) / 20.0
