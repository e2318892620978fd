"""Building the catalog's full-text search index during ingest.

Ingest calls `build_search_index` on the catalog file it is writing, once the
dump's tables are loaded and indexed. It adds, inside that same file:

- `search_track`, `search_album`, `search_artist`: SQLite FTS5 tables (the
  engine chosen by measurement, see `bench/RESULTS.md`) over folded text
  (`text.fold`), one row per catalog row. Their FTS row id is the row's rank
  by popularity (most popular first; ties: for tracks, primary artist, then
  song, then the newest catalog row; for albums and artists, the newest row), so
  a query
  `... MATCH ? ORDER BY rowid LIMIT n` reads the n most popular matches and
  stops: no query ever ranks every match of a common word. The ranker
  (`repository.py`/`service.py`) then scores that pool by text relevance.
  Unindexed columns carry what the ranker needs without touching the catalog
  tables (catalog row id, popularity, the title without its suffixes).
- a hidden `tags` column holding filter tokens (`year_1997 decade_199
  century_19 genre_indie_rock tag_new tag_hipster`), so that `year:`, `genre:`
  and `tag:` filters are index reads combined with the text in one FTS query.
- `search_vocab`: every indexed token and its document count, so that a query
  can test its rarest terms first (FTS5 evaluates AND in the order given).
- `search_typo`: symmetric-deletion keys of the vocabulary (every word of five
  or more letters, and each form of it with one letter deleted), so that the
  words one edit away from a typed word are found by a few index lookups.
- pair tokens (`_crazy_love`) in the track index's `tags` column: one for
  every two distinct frequent words (`search_pair_word`: those in 0.5% to
  2% of tracks) that a track holds anywhere in its title, artists or album. A
  query whose rarest words are all frequent reads the pair's short list
  instead of intersecting lists of 1% of the catalog each: the
  same matches (a pair token is exactly "both words in the document"), a
  fraction of the work. The leading `_` keeps them apart from every word and
  from every typed prefix (folded text never holds `_`).
- `search_meta`: the facts the index was built with (newest release date,
  hipster popularity threshold).

Folding runs in Python as SQLite functions over `INSERT … SELECT`, so rows
stream from table to index without passing through Python lists.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Set
from datetime import date, timedelta
from itertools import chain, combinations
from typing import Final

from tqdm import tqdm

from playdeck.search.grammar import genre_token, release_year_tokens
from playdeck.search.text import base_title, fold, is_decorated

# Bump when folding or the layout changes (4: pair tokens; 5: pairs from 0.5%;
# 6: tracks of one popularity ordered by artists and song).
SEARCH_VERSION: Final = "6"
# Words in 0.5% to 2% of tracks get pair tokens: a query whose rarest words
# are all this frequent intersects long lists. Rarer words have short lists;
# commoner ones (`the`, `feat`, `dj`) are checked apart on the candidates
# (`service.COMMON_SHARE`), and would triple the pair postings. The band
# started at 1% until the demo catalog's title words, which sit at 1% of
# tracks, turned out split by it: half of them had pairs, and the other
# half's queries filled the slow end (bench/RESULTS.md, 2026-11-22 session 4).
PAIR_SHARES: Final = (0.005, 0.02)
PAIR_MIN: Final = 1000  # ... and in at least this many
PAIR_SAMPLE: Final = 1_000_000  # documents read to find the frequent words
TYPO_MIN_LEN: Final = 5
NEW_RELEASE_DAYS: Final = 14
# Track artists are stored in one column, separated by a comma (never part of
# folded text, and a separator for the tokenizer).
ARTIST_SEP: Final = ","

_TOKENIZER: Final = "unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '_'"

SEARCH_TABLES: Final = (
    "search_track",
    "search_track_doc",
    "search_album",
    "search_album_doc",
    "search_artist",
    "search_artist_doc",
    "search_vocab",
    "search_typo",
    "search_pair_word",
    "search_meta",
)


def _ddl() -> list[str]:
    # Contentless FTS tables (the index only, no copy of the text): the
    # ranker reads what it needs from the `*_doc` tables, keyed by the same
    # row id, and the filter tokens are never stored twice.
    fts = f"tokenize=\"{_TOKENIZER}\", content='', columnsize=0, detail=full"
    return [
        f"CREATE VIRTUAL TABLE search_track USING fts5(title, artists, album, tags, {fts})",
        """CREATE TABLE search_track_doc (
            doc INTEGER PRIMARY KEY, track_rowid INTEGER NOT NULL, popularity INTEGER,
            title TEXT NOT NULL, base TEXT, artists TEXT NOT NULL, album TEXT NOT NULL,
            album_rowid INTEGER, duration_ms INTEGER)""",
        f"CREATE VIRTUAL TABLE search_album USING fts5(name, artists, tags, {fts})",
        """CREATE TABLE search_album_doc (
            doc INTEGER PRIMARY KEY, album_rowid INTEGER NOT NULL, popularity INTEGER,
            name TEXT NOT NULL, base TEXT, artists TEXT NOT NULL, album_type TEXT)""",
        f"CREATE VIRTUAL TABLE search_artist USING fts5(name, tags, {fts})",
        """CREATE TABLE search_artist_doc (
            doc INTEGER PRIMARY KEY, artist_rowid INTEGER NOT NULL, popularity INTEGER,
            followers INTEGER, name TEXT NOT NULL)""",
        """CREATE TABLE search_vocab (
            term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID""",
        """CREATE TABLE search_typo (
            key TEXT NOT NULL, term TEXT NOT NULL, df INTEGER NOT NULL,
            PRIMARY KEY (key, term)) WITHOUT ROWID""",
        "CREATE TABLE search_pair_word (term TEXT PRIMARY KEY) WITHOUT ROWID",
        "CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def pair_token(a: str, b: str) -> str:
    """The token standing for "both words in the document" (order-free)."""
    return f"_{a}_{b}" if a < b else f"_{b}_{a}"


def pair_tokens(words: Set[str]) -> str:
    """Every pair token of `words` (the frequent words of one document)."""
    if len(words) < 2:
        return ""
    ordered = sorted(words)
    return " ".join(f"_{a}_{b}" for a, b in combinations(ordered, 2))


FTS_TABLES: Final = ("search_track", "search_album", "search_artist")
_TEMP_TABLES: Final = ("sx_artist", "sx_album", "sx_album_artists", "sx_credit", "sx_track")
# FTS5 writes its in-memory postings out as a new segment every `hashsize`
# bytes (1 MB by default) and keeps merging those segments as it goes
# (`automerge`): at 10M tracks, thousands of segments rewritten level after
# level. A bulk load keeps far more in memory, does not merge on the way and
# merges once at the end (`optimize`).
_BULK_HASHSIZE: Final = 128 << 20
_DEFAULT_HASHSIZE: Final = 1 << 20
_DEFAULT_AUTOMERGE: Final = 4


def _bulk_load(conn: sqlite3.Connection, on: bool) -> None:
    """FTS5 settings for the bulk load (`on`), or back to the defaults."""
    hashsize, automerge = (_BULK_HASHSIZE, 0) if on else (_DEFAULT_HASHSIZE, _DEFAULT_AUTOMERGE)
    for table in FTS_TABLES:
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', ?)", (hashsize,))
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', ?)", (automerge,))


def folded_base(title: str | None, fold_title: Callable[[str], str] = fold) -> str | None:
    """The folded title without suffixes, or None when it equals the folded title
    (`fold_title(title)`: `fold`, or a memo of it)."""
    if not title or not is_decorated(title):
        return None
    base = fold(base_title(title))
    return None if base == fold_title(title) else base


def newest_release_date(conn: sqlite3.Connection) -> str | None:
    """The newest day-precision release date (as `catalog_meta` computes it)."""
    row = conn.execute(
        "SELECT release_date FROM albums WHERE release_date_precision = 'day' "
        "ORDER BY release_date DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def hipster_popularity(conn: sqlite3.Connection) -> int:
    """The popularity at or below which albums are the lowest 10% (nearest rank,
    as `catalog_meta` computes it)."""
    (count,) = conn.execute("SELECT count(*) FROM albums").fetchone()
    if not count:
        return 0
    rank = max(0, -(-count * 10 // 100) - 1)
    row = conn.execute(
        "SELECT popularity FROM albums WHERE popularity IS NOT NULL "
        "ORDER BY popularity LIMIT 1 OFFSET ?",
        (rank,),
    ).fetchone()
    return int(row[0] or 0) if row else 0


def _register(conn: sqlite3.Connection, new_since: str | None, hipster: int) -> None:
    # `pd_base(name)` follows `pd_fold(name)` in the same row: the name's
    # folding is kept from one call to the next instead of done twice.
    last: dict[str | None, str] = {}

    def fold_last(text: str | None) -> str:
        folded = last.get(text)
        if folded is None:
            last.clear()
            folded = last[text] = fold(text)
        return folded

    conn.create_function("pd_fold", 1, fold_last, deterministic=True)
    conn.create_function("pd_base", 1, lambda t: folded_base(t, fold_last), deterministic=True)
    conn.create_function("pd_genre", 1, lambda g: genre_token(g or "") or "", deterministic=True)

    def album_tags(release_date: str | None, popularity: int | None) -> str:
        tags = release_year_tokens(release_date)
        if new_since and release_date and len(release_date) == 10 and release_date >= new_since:
            tags += " tag_new"
        if (popularity or 0) <= hipster:
            tags += " tag_hipster"
        return tags.strip()

    conn.create_function("pd_album_tags", 2, album_tags, deterministic=True)


def build_search_index(
    conn: sqlite3.Connection,
    *,
    progress: bool = False,
    pair_min: int = PAIR_MIN,
    pair_shares: tuple[float, float] = PAIR_SHARES,
) -> None:
    """Create and fill the search tables inside the catalog being built.

    `conn` is a writable connection to the catalog file; the dump's tables and
    their indexes are already in place. Cost is linear in the catalog's size.
    `pair_min` and `pair_shares` choose the words that get pair tokens (tests
    widen them to build pair tokens in a small catalog).
    """
    steps = _Steps(progress)
    newest = newest_release_date(conn)
    new_since = None
    if newest:
        try:
            new_since = (date.fromisoformat(newest) - timedelta(days=NEW_RELEASE_DAYS)).isoformat()
        except ValueError:
            new_since = None
    hipster = hipster_popularity(conn)
    _register(conn, new_since, hipster)
    for table in SEARCH_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for temp in _TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{temp}")
    for statement in _ddl():
        conn.execute(statement)

    conn.execute("PRAGMA temp_store = FILE")
    # The temporary tables are read in another order than they are written
    # (by popularity rank, not row id): with the temp database's own default
    # cache (2 MB) every such read was a file read. Give it the main cache's size.
    (cache,) = conn.execute("PRAGMA main.cache_size").fetchone()
    conn.execute(f"PRAGMA temp.cache_size = {int(cache)}")
    _bulk_load(conn, True)
    with steps("search: artists"):
        conn.execute(
            """CREATE TEMP TABLE sx_artist (
                artist_rowid INTEGER PRIMARY KEY, name TEXT, genres TEXT)"""
        )
        conn.execute(
            """INSERT INTO sx_artist
            SELECT a.rowid, pd_fold(a.name),
                   (SELECT group_concat(pd_genre(g.genre), ' ')
                      FROM artist_genres g WHERE g.artist_rowid = a.rowid)
              FROM artists a"""
        )
        conn.execute(
            """INSERT INTO search_artist_doc (artist_rowid, popularity, followers, name)
            SELECT a.rowid, a.popularity, a.followers_total, x.name
              FROM artists a JOIN sx_artist x ON x.artist_rowid = a.rowid
             ORDER BY a.popularity DESC, a.followers_total DESC, a.rowid DESC"""
        )
        conn.execute(
            """INSERT INTO search_artist (rowid, name, tags)
            SELECT d.doc, d.name, coalesce(x.genres, '')
              FROM search_artist_doc d JOIN sx_artist x ON x.artist_rowid = d.artist_rowid"""
        )

    with steps("search: albums"):
        conn.execute(
            """CREATE TEMP TABLE sx_album (
                album_rowid INTEGER PRIMARY KEY, name TEXT, tags TEXT)"""
        )
        conn.execute(
            """INSERT INTO sx_album
            SELECT rowid, pd_fold(name), pd_album_tags(release_date, popularity) FROM albums"""
        )
        # An album's own artists: the artist_albums rows without an appears-on
        # flag, in index_in_album order. The order is explicit: the link
        # table's indexes may sort by artist row id.
        conn.execute(
            "CREATE TEMP TABLE sx_album_artists (album_rowid INTEGER PRIMARY KEY, artists TEXT)"
        )
        conn.execute(
            f"""INSERT INTO sx_album_artists
            SELECT album_rowid, group_concat(name, '{ARTIST_SEP}')
              FROM (SELECT aa.album_rowid, ax.name FROM artist_albums aa
                      JOIN sx_artist ax ON ax.artist_rowid = aa.artist_rowid
                     WHERE coalesce(aa.is_appears_on, 0) = 0
                       AND coalesce(aa.is_implicit_appears_on, 0) = 0
                     ORDER BY aa.album_rowid, aa.index_in_album, aa.rowid)
             GROUP BY album_rowid"""
        )
        conn.execute(
            """INSERT INTO search_album_doc (album_rowid, popularity, name, base, artists,
                                             album_type)
            SELECT al.rowid, al.popularity, x.name, pd_base(al.name), coalesce(aa.artists, ''),
                   al.album_type
              FROM albums al JOIN sx_album x ON x.album_rowid = al.rowid
              LEFT JOIN sx_album_artists aa ON aa.album_rowid = al.rowid
             ORDER BY al.popularity DESC, al.rowid DESC"""
        )
        conn.execute(
            """INSERT INTO search_album (rowid, name, artists, tags)
            SELECT d.doc, d.name, d.artists, x.tags
              FROM search_album_doc d JOIN sx_album x ON x.album_rowid = d.album_rowid"""
        )

    with steps("search: tracks"):
        # Credits in one pass over track_artists, in credit order (the link
        # table's row order; its index may sort by artist row id instead).
        conn.execute(
            """CREATE TEMP TABLE sx_credit (
                track_rowid INTEGER PRIMARY KEY, artists TEXT, genres TEXT)"""
        )
        conn.execute(
            f"""INSERT INTO sx_credit
            SELECT track_rowid, group_concat(name, '{ARTIST_SEP}'),
                   group_concat(nullif(genres, ''), ' ')
              FROM (SELECT ta.track_rowid, ax.name, ax.genres FROM track_artists ta
                      JOIN sx_artist ax ON ax.artist_rowid = ta.artist_rowid
                     ORDER BY ta.track_rowid, ta.rowid)
             GROUP BY track_rowid"""
        )
        # Documents in popularity order, so that their row ids are popularity
        # ranks, with their filter tokens. The tracks are read in table order,
        # their credits alongside in the same order, and sorted once (no index
        # for `tracks`, and `+` keeps the sort off it): reading them through
        # that index fetched every track and its credits at random, twice
        # (here and for the FTS rows), 150 s of the build at 10M tracks.
        # Tracks of one popularity (a catalog has about a hundred values, and
        # most tracks share the lowest few) go by song, as the ranker keys it
        # (primary artist, title without suffixes: `service._song_keys`),
        # then newest row first as before: an artist's tracks of one
        # popularity, and a song's versions and copies, are neighbours in
        # `search_track_doc`, so a query's pool and its song's versions
        # (`service._score`) are read from a few pages instead of a page
        # each, which from the OS cache cost 4-5 µs a document at 10M.
        # Within a song the order (the ranker's last tie-break) is unchanged.
        conn.execute(
            """CREATE TEMP TABLE sx_track (
                doc INTEGER PRIMARY KEY, track_rowid INTEGER, popularity INTEGER, title TEXT,
                base TEXT, artists TEXT, album TEXT, album_rowid INTEGER, duration_ms INTEGER,
                tags TEXT)"""
        )
        credits = "coalesce(c.artists, '')"
        conn.execute(
            f"""INSERT INTO sx_track (track_rowid, popularity, title, base, artists, album,
                                      album_rowid, duration_ms, tags)
            SELECT t.rowid, t.popularity, pd_fold(t.name) AS title, pd_base(t.name) AS base,
                   {credits}, coalesce(x.name, ''), t.album_rowid, t.duration_ms,
                   trim(coalesce(x.tags, '') || ' ' || coalesce(c.genres, ''))
              FROM tracks t NOT INDEXED
              LEFT JOIN sx_album x ON x.album_rowid = t.album_rowid
              LEFT JOIN sx_credit c ON c.track_rowid = t.rowid
             ORDER BY +t.popularity DESC,
                      substr({credits}, 1, instr({credits} || '{ARTIST_SEP}', '{ARTIST_SEP}') - 1),
                      coalesce(base, title), t.rowid DESC"""
        )
        conn.execute(
            """INSERT INTO search_track_doc (doc, track_rowid, popularity, title, base, artists,
                                             album, album_rowid, duration_ms)
            SELECT doc, track_rowid, popularity, title, base, artists, album, album_rowid,
                   duration_ms
              FROM sx_track"""
        )

    with steps("search: track index"):
        frequent = frequent_words(conn, pair_min, pair_shares)
        conn.executemany(
            "INSERT INTO search_pair_word (term) VALUES (?)", ((w,) for w in sorted(frequent))
        )

        of_doc = frozenset(frequent).intersection

        def pairs(title: str, artists: str, album: str) -> str:
            return pair_tokens(
                of_doc(f"{title} {artists} {album}".replace(ARTIST_SEP, " ").split())
            )

        conn.create_function("pd_pairs", 3, pairs, deterministic=True)
        conn.execute(
            """INSERT INTO search_track (rowid, title, artists, album, tags)
            SELECT doc, title, artists, album, trim(tags || ' ' || pd_pairs(title, artists, album))
              FROM sx_track"""
        )

    with steps("search: merge"):
        for table in FTS_TABLES:
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        _bulk_load(conn, False)

    with steps("search: vocabulary"):
        _build_vocabulary(conn)

    conn.executemany(
        "INSERT INTO search_meta (key, value) VALUES (?, ?)",
        [
            ("version", SEARCH_VERSION),
            ("newest_release_date", newest or ""),
            ("new_since", new_since or ""),
            ("hipster_popularity", str(hipster)),
        ],
    )
    for temp in _TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{temp}")
    conn.commit()


def frequent_words(
    conn: sqlite3.Connection,
    floor: int = PAIR_MIN,
    shares: tuple[float, float] = PAIR_SHARES,
) -> set[str]:
    """The words in `shares` of the track documents (and at least `floor`),
    counted on an even sample of about `PAIR_SAMPLE` of them."""
    (docs,) = conn.execute("SELECT count(*) FROM search_track_doc").fetchone()
    stride = max(1, -(-docs // PAIR_SAMPLE))
    rows = conn.execute(
        "SELECT title || ' ' || replace(artists, ?, ' ') || ' ' || album FROM search_track_doc"
        " WHERE doc % ? = 0",
        (ARTIST_SEP, stride),
    )
    counts = Counter(chain.from_iterable(set(text.split()) for (text,) in rows))
    low, high = max(floor, docs * shares[0]), max(floor, docs * shares[1])
    return {w for w, n in counts.items() if low <= n * stride <= high}


def deletes(word: str) -> set[str]:
    """Every form of `word` with one character deleted."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_vocabulary(conn: sqlite3.Connection) -> None:
    """`search_vocab` (every indexed token of the track index and its document
    count, filter tokens included) and `search_typo` (deletion keys of words)."""
    conn.execute("DROP TABLE IF EXISTS temp.sx_vocab")
    conn.execute("CREATE VIRTUAL TABLE temp.sx_vocab USING fts5vocab(main, search_track, 'row')")
    conn.execute("INSERT INTO search_vocab (term, df) SELECT term, doc FROM temp.sx_vocab")
    conn.execute("DROP TABLE IF EXISTS temp.sx_vocab")
    rows: list[tuple[str, str, int]] = []
    for term, df in conn.execute("SELECT term, df FROM search_vocab"):
        if len(term) < TYPO_MIN_LEN or not term.isalpha():
            continue
        rows.append((term, term, df))
        rows.extend((key, term, df) for key in deletes(term))
    rows.sort()
    conn.executemany("INSERT OR IGNORE INTO search_typo (key, term, df) VALUES (?, ?, ?)", rows)


class _Steps:
    """Announce each build step and its duration (ingest shows its own bar)."""

    def __init__(self, progress: bool) -> None:
        self.progress = progress

    def __call__(self, label: str) -> _Step:
        return _Step(label, self.progress)


class _Step:
    def __init__(self, label: str, progress: bool) -> None:
        self.label = label
        self.progress = progress
        self.t0 = 0.0

    def __enter__(self) -> None:
        self.t0 = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        if self.progress and exc[0] is None:
            tqdm.write(f"{self.label}: {time.monotonic() - self.t0:.1f}s")
