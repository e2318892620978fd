"""Every query search runs: FTS5 matches, candidate rows, typo keys, ISRC/UPC lookups.

FTS expressions are built only by `fts_phrase` and friends, which quote every
token (`"tok"`), so user text can never inject FTS5 syntax; the expression
itself and every value are bound parameters.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from playdeck.kit.sqlite import chunks
from playdeck.search.grammar import genre_token, release_year_tokens
from playdeck.search.index import ARTIST_SEP, TYPO_MIN_LEN, deletes, folded_base
from playdeck.search.text import fold

MAX_MATCHES: Final = 1000  # Spotify pages search over at most 1000 results
# Track documents kept between requests (`DocumentCache`): about 57 MB at 10M.
CACHED_DOCUMENTS: Final = 100_000
_CHUNK: Final = 500
PREFIX_TERMS_MAX: Final = 200  # vocabulary words summed for a prefix's estimate


def fts_phrase(tokens: Sequence[str], prefix: bool = False) -> str:
    """One quoted FTS5 phrase (a prefix query when `prefix`)."""
    phrase = '"' + " ".join(tokens).replace('"', '""') + '"'
    return phrase + "*" if prefix else phrase


@dataclass(slots=True)
class TrackDoc:
    """A track as the search index sees it (folded text)."""

    doc: int  # popularity rank (FTS row id); 0 when built on the fly
    track_rowid: int
    popularity: int
    title: str
    base: str | None
    artists: str  # folded names joined by ARTIST_SEP, credit order
    album: str
    tags: str  # filter tokens: only on documents built on the fly
    album_rowid: int | None
    duration_ms: int | None

    @property
    def artist_names(self) -> list[str]:
        return self.artists.split(ARTIST_SEP) if self.artists else []


@dataclass(slots=True)
class AlbumDoc:
    doc: int
    album_rowid: int
    popularity: int
    name: str
    base: str | None
    artists: str
    tags: str
    album_type: str | None

    @property
    def artist_names(self) -> list[str]:
        return self.artists.split(ARTIST_SEP) if self.artists else []


@dataclass(slots=True)
class ArtistDoc:
    doc: int
    artist_rowid: int
    popularity: int
    followers: int
    name: str
    tags: str


class DocumentCache:
    """The track documents a process read last, by row id, shared by its threads.

    A search for a big artist reads a thousand of its documents, one page
    each (an artist's matches are spread over the popularity range), and
    searches for the same artist come back (another of its songs, the same
    song typed another way): at 10M tracks, a page holds 54 documents, so
    SQLite's page cache (64 MiB a connection) keeps a few hundred queries'
    worth of pages of which each query uses one or two documents, where
    this keeps the documents themselves (at most `size`, the least recently
    used go first). The catalog never changes under a store, so nothing is
    ever stale; a new catalog comes with a new store and a new cache. The
    documents are shared between requests: nothing may change one.
    """

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        self.size = size
        self._docs: OrderedDict[int, TrackDoc] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, docs: Iterable[int]) -> dict[int, TrackDoc]:
        """Those of `docs` held, marked as used."""
        out: dict[int, TrackDoc] = {}
        if not self._docs:
            return out
        with self._lock:
            held = self._docs
            for d in docs:
                doc = held.get(d)
                if doc is not None:
                    held.move_to_end(d)
                    out[d] = doc
        return out

    def put(self, docs: dict[int, TrackDoc]) -> None:
        if self.size <= 0 or not docs:
            return
        with self._lock:
            held = self._docs
            held.update(docs)
            for d in docs:
                held.move_to_end(d)
            while len(held) > self.size:
                held.popitem(last=False)

    def __len__(self) -> int:
        return len(self._docs)


@dataclass(frozen=True, slots=True)
class DisplayTrack:
    """A track's display names, for matching output."""

    rowid: int
    id: str
    name: str
    artists: list[str]
    album_type: str | None


class SearchRepository:
    """Reads of the search tables of one catalog connection."""

    def __init__(self, conn: sqlite3.Connection, cache: DocumentCache | None = None) -> None:
        self.conn = conn
        self.cache = cache if cache is not None else DocumentCache(0)
        self._meta: dict[str, str] | None = None

    @property
    def meta(self) -> dict[str, str]:
        if self._meta is None:
            try:
                rows = self.conn.execute("SELECT key, value FROM search_meta").fetchall()
            except sqlite3.OperationalError:  # a catalog without a search index
                rows = []
            self._meta = dict(rows)
        return self._meta

    # -- FTS --------------------------------------------------------------------
    def match(self, table: str, expression: str, limit: int = MAX_MATCHES) -> list[int]:
        """FTS row ids (popularity ranks) matching `expression`, most popular first."""
        if table not in ("search_track", "search_album", "search_artist"):
            raise ValueError(table)
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid LIMIT ?"
        return [r[0] for r in self.conn.execute(sql, (expression, limit))]

    def track_docs(self, docs: Sequence[int]) -> dict[int, TrackDoc]:
        """The documents of `docs` (those the cache holds, then the others)."""
        out = self.cache.get(docs)
        if len(out) == len(docs):
            return out
        read = self._read_track_docs([d for d in docs if d not in out])
        self.cache.put(read)
        out.update(read)
        return out

    def _read_track_docs(self, docs: Sequence[int]) -> dict[int, TrackDoc]:
        out: dict[int, TrackDoc] = {}
        for chunk in _chunks(docs):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT doc, track_rowid, popularity, title, base, artists, album, '',"
                f" album_rowid, duration_ms FROM search_track_doc WHERE doc IN ({marks})",
                chunk,
            )
            for r in rows:
                out[r[0]] = TrackDoc(*r)
        return out

    def track_docs_of_songs(
        self,
        docs: Sequence[int],
        songs: set[tuple[str, str]],
        titles: set[tuple[str, str]],
    ) -> list[int]:
        """Those of `docs` whose (title without suffixes, primary artist) is one
        of `songs` and whose (title, primary artist) is none of `titles`, in
        order (a song's versions not among `titles`).

        Reads only the text columns the test needs, as plain rows: at 10M
        tracks, 1.7 to 2.2 ms for 700 documents against 2.3 to 2.4 ms as
        `TrackDoc`s, and 2.5 to 4.7 ms with the test as SQL expressions. The
        documents the cache holds are tested without a read.
        """

        def is_version(title: str, base: str | None, artists: str) -> bool:
            primary = artists.split(ARTIST_SEP, 1)[0]
            return (base or title, primary) in songs and (title, primary) not in titles

        held = self.cache.get(docs)
        out = [d for d, doc in held.items() if is_version(doc.title, doc.base, doc.artists)]
        for chunk in _chunks([d for d in docs if d not in held] if held else docs):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT doc, title, base, artists FROM search_track_doc WHERE doc IN ({marks})",
                chunk,
            )
            out.extend(doc for doc, title, base, names in rows if is_version(title, base, names))
        out.sort()
        return out

    def track_docs_with_tokens(
        self,
        docs: Sequence[int],
        tests: Sequence[tuple[str, Sequence[str]]],
        limit: int | None = None,
    ) -> dict[int, TrackDoc]:
        """The documents of those of `docs` whose text holds, for every test
        `(column, patterns)`, one of `patterns` (` word ` for a whole word,
        ` word` for a word's start): in `column` ("title", "artists", "album")
        or, for "", in the three one after the other as one text. With
        `limit`, the first `limit` of them in `docs`' order (ascending): the
        rest are not read. The documents the cache holds are tested in Python
        (the same test on the same text), the others by SQLite."""
        if not docs:
            return {}
        held = self.cache.get(docs)
        if not held:
            out = self._read_with_tokens(docs, tests, limit)
            self.cache.put(out)
            return out
        read = self._read_with_tokens([d for d in docs if d not in held], tests)
        self.cache.put(read)
        out = {}
        for d in docs:
            if limit is not None and len(out) >= limit:
                break
            found = held.get(d)
            if found is None:
                found = read.get(d)
            elif not _passes(found, tests):
                continue
            if found is not None:
                out[d] = found
        return out

    def _read_with_tokens(
        self,
        docs: Sequence[int],
        tests: Sequence[tuple[str, Sequence[str]]],
        limit: int | None = None,
    ) -> dict[int, TrackDoc]:
        if not docs:
            return {}
        artists = f"replace(artists, '{ARTIST_SEP}', ' ')"
        texts = {
            "title": "' ' || title || ' '",
            "artists": f"' ' || {artists} || ' '",
            "album": "' ' || album || ' '",
            "": f"' ' || title || ' ' || {artists} || ' ' || album || ' '",
        }
        where: list[str] = []
        params: list[str] = []
        for column, patterns in tests:
            text = texts[column]
            where.append("(" + " OR ".join(f"instr({text}, ?) > 0" for _ in patterns) + ")")
            params.extend(patterns)
        condition = " AND ".join(where) if where else "1"
        out: dict[int, TrackDoc] = {}
        wanted = -1 if limit is None else limit  # SQLite: a negative LIMIT is none
        for chunk in _chunks(docs):
            if limit is not None and wanted <= 0:
                break
            # In the IN list's order (ascending, no sort): LIMIT stops the
            # reading where the matches needed are found.
            rows = self.conn.execute(
                "SELECT doc, track_rowid, popularity, title, base, artists, album, '',"
                " album_rowid, duration_ms FROM search_track_doc"
                f" WHERE doc IN (SELECT value FROM json_each(?)) AND {condition}"
                " ORDER BY doc LIMIT ?",
                (json.dumps(list(chunk)), *params, wanted),
            )
            for r in rows:
                out[r[0]] = TrackDoc(*r)
                wanted -= 1
        return out

    def album_docs(self, docs: Sequence[int]) -> dict[int, AlbumDoc]:
        out: dict[int, AlbumDoc] = {}
        for chunk in _chunks(docs):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT doc, album_rowid, popularity, name, base, artists, '', album_type"
                f" FROM search_album_doc WHERE doc IN ({marks})",
                chunk,
            )
            for r in rows:
                out[r[0]] = AlbumDoc(*r)
        return out

    def artist_docs(self, docs: Sequence[int]) -> dict[int, ArtistDoc]:
        out: dict[int, ArtistDoc] = {}
        for chunk in _chunks(docs):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT doc, artist_rowid, popularity, followers, name, ''"
                f" FROM search_artist_doc WHERE doc IN ({marks})",
                chunk,
            )
            for r in rows:
                out[r[0]] = ArtistDoc(r[0], r[1], r[2] or 0, r[3] or 0, r[4], r[5])
        return out

    def document_counts(self, tokens: Sequence[str]) -> dict[str, int]:
        """How many tracks contain each token (absent: 0)."""
        out = dict.fromkeys(tokens, 0)
        unique = sorted(set(tokens))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            out.update(
                self.conn.execute(
                    f"SELECT term, df FROM search_vocab WHERE term IN ({marks})", chunk
                ).fetchall()
            )
        return out

    def pair_words(self, words: set[str]) -> list[str]:
        """Those of `words` that have pair tokens (frequent words)."""
        unique = sorted(words)[:_CHUNK]
        if not unique:
            return []
        marks = ",".join("?" * len(unique))
        rows = self.conn.execute(
            f"SELECT term FROM search_pair_word WHERE term IN ({marks})", unique
        ).fetchall()
        return [str(r[0]) for r in rows]

    def prefix_terms(
        self, prefix: str, max_terms: int = PREFIX_TERMS_MAX
    ) -> list[tuple[str, int]] | None:
        """The indexed words starting with `prefix` (itself included) and how
        many tracks hold each: [] when none; None when more than `max_terms`."""
        rows = self.conn.execute(
            "SELECT term, df FROM search_vocab WHERE term >= ? AND term < ? LIMIT ?",
            (prefix, prefix + "\U0010ffff", max_terms + 1),
        ).fetchall()
        if len(rows) > max_terms:
            return None
        return [(str(t), int(df)) for t, df in rows]

    def prefix_document_count(self, prefix: str, max_terms: int = PREFIX_TERMS_MAX) -> int | None:
        """An upper bound on how many tracks hold a word starting with `prefix`
        (the sum of those words' document counts: 0 when no indexed word starts
        with it); None when more than `max_terms` words do (unknown)."""
        words = self.prefix_terms(prefix, max_terms)
        return None if words is None else sum(df for _, df in words)

    # -- typos ------------------------------------------------------------------
    def typo_neighbours(self, word: str) -> list[tuple[str, int]]:
        """Vocabulary words sharing a deletion key with `word` (a superset of the
        words one edit away), with their document frequency."""
        if len(word) < TYPO_MIN_LEN - 1:
            return []
        keys = [word, *deletes(word)]
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT DISTINCT term, df FROM search_typo WHERE key IN ({marks})", keys
        )
        return [(str(t), int(df)) for t, df in rows]

    # -- exact identifiers --------------------------------------------------------
    def track_rowids_by_isrc(self, isrc: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT rowid FROM tracks WHERE external_id_isrc = ? LIMIT ?", (isrc, MAX_MATCHES)
        )
        return [r[0] for r in rows]

    def album_rowids_by_upc(self, upc: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT rowid FROM albums WHERE external_id_upc = ? LIMIT ?", (upc, MAX_MATCHES)
        )
        return [r[0] for r in rows]

    def track_rowids_by_albums(self, album_rowids: Sequence[int]) -> list[int]:
        out: list[int] = []
        for chunk in _chunks(album_rowids):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT rowid FROM tracks WHERE album_rowid IN ({marks}) LIMIT ?",
                [*chunk, MAX_MATCHES],
            )
            out.extend(r[0] for r in rows)
        return out[:MAX_MATCHES]

    def album_rowids_by_tracks(self, track_rowids: Sequence[int]) -> list[int]:
        out: list[int] = []
        for chunk in _chunks(track_rowids):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT DISTINCT album_rowid FROM tracks WHERE rowid IN ({marks})", chunk
            )
            out.extend(r[0] for r in rows if r[0] is not None)
        return sorted(set(out))

    def track_rowid_by_id(self, ident: str) -> int | None:
        row = self.conn.execute("SELECT rowid FROM tracks WHERE id = ?", (ident,)).fetchone()
        return int(row[0]) if row else None

    # -- index documents built on the fly (for ISRC/UPC candidates) --------------
    def _artists_of(self, link: str, key: str, rowids: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for chunk in _chunks(rowids):
            marks = ",".join("?" * len(chunk))
            extra = (
                " AND coalesce(is_appears_on, 0) = 0 AND coalesce(is_implicit_appears_on, 0) = 0"
                " ORDER BY index_in_album"
                if link == "artist_albums"
                else " ORDER BY rowid"
            )
            rows = self.conn.execute(
                f"SELECT {key}, artist_rowid FROM {link} WHERE {key} IN ({marks}){extra}", chunk
            )
            for owner, artist in rows:
                out.setdefault(owner, []).append(artist)
        return out

    def _artist_texts(self, rowids: set[int]) -> dict[int, tuple[str, str]]:
        """artist rowid -> (folded name, genre tokens)."""
        out: dict[int, tuple[str, str]] = {}
        ids = sorted(rowids)
        genres: dict[int, list[str]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for a, g in self.conn.execute(
                f"SELECT artist_rowid, genre FROM artist_genres WHERE artist_rowid IN ({marks})",
                chunk,
            ):
                token = genre_token(g or "")
                if token:
                    genres.setdefault(a, []).append(token)
            for a, name in self.conn.execute(
                f"SELECT rowid, name FROM artists WHERE rowid IN ({marks})", chunk
            ):
                out[a] = (fold(name), " ".join(genres.get(a, [])))
        return out

    def _album_tags(self, release_date: str | None, popularity: int | None) -> str:
        tags = release_year_tokens(release_date)
        new_since = self.meta.get("new_since") or ""
        if new_since and release_date and len(release_date) == 10 and release_date >= new_since:
            tags += " tag_new"
        if (popularity or 0) <= int(self.meta.get("hipster_popularity") or 0):
            tags += " tag_hipster"
        return tags.strip()

    def track_docs_for_rowids(self, rowids: Sequence[int]) -> list[TrackDoc]:
        """Index documents for these tracks, computed from the catalog tables,
        most popular first (as the index orders them)."""
        rows: list[tuple[int, str, int | None, int, int | None]] = []
        for chunk in _chunks(rowids):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.conn.execute(
                    "SELECT rowid, name, album_rowid, popularity, duration_ms FROM tracks"
                    f" WHERE rowid IN ({marks})",
                    chunk,
                )
            )
        album_ids = sorted({r[2] for r in rows if r[2] is not None})
        albums: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(album_ids):
            marks = ",".join("?" * len(chunk))
            for a, name, rd, pop in self.conn.execute(
                "SELECT rowid, name, release_date, popularity FROM albums"
                f" WHERE rowid IN ({marks})",
                chunk,
            ):
                albums[a] = (fold(name), self._album_tags(rd, pop))
        credits = self._artists_of("track_artists", "track_rowid", [r[0] for r in rows])
        texts = self._artist_texts({a for v in credits.values() for a in v})
        out: list[TrackDoc] = []
        for rowid, name, album_rowid, popularity, duration in rows:
            artist_rows = [texts[a] for a in credits.get(rowid, []) if a in texts]
            album_name, album_tags = albums.get(album_rowid or -1, ("", ""))
            tags = " ".join(t for t in [album_tags, *(g for _, g in artist_rows)] if t)
            out.append(
                TrackDoc(
                    doc=0,
                    track_rowid=rowid,
                    popularity=popularity or 0,
                    title=fold(name),
                    base=folded_base(name),
                    artists=ARTIST_SEP.join(n for n, _ in artist_rows),
                    album=album_name,
                    tags=tags,
                    album_rowid=album_rowid,
                    duration_ms=duration,
                )
            )
        # As the index orders its documents (`index.build_search_index`).
        out.sort(
            key=lambda d: (
                -d.popularity,
                d.artists.split(ARTIST_SEP, 1)[0],
                d.title if d.base is None else d.base,
                -d.track_rowid,
            )
        )
        return out

    def album_docs_for_rowids(self, rowids: Sequence[int]) -> list[AlbumDoc]:
        """Index documents for these albums, computed from the catalog tables."""
        rows: list[tuple[int, str, str | None, int, str | None]] = []
        for chunk in _chunks(rowids):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.conn.execute(
                    "SELECT rowid, name, release_date, popularity, album_type FROM albums"
                    f" WHERE rowid IN ({marks})",
                    chunk,
                )
            )
        credits = self._artists_of("artist_albums", "album_rowid", [r[0] for r in rows])
        texts = self._artist_texts({a for v in credits.values() for a in v})
        out = [
            AlbumDoc(
                doc=0,
                album_rowid=rowid,
                popularity=popularity or 0,
                name=fold(name),
                base=folded_base(name),
                artists=ARTIST_SEP.join(texts[a][0] for a in credits.get(rowid, []) if a in texts),
                tags=self._album_tags(rd, popularity),
                album_type=kind,
            )
            for rowid, name, rd, popularity, kind in rows
        ]
        out.sort(key=lambda d: (-d.popularity, -d.album_rowid))
        return out

    # -- display -------------------------------------------------------------------
    def display_tracks(self, rowids: Sequence[int]) -> dict[int, DisplayTrack]:
        """Ids, names, credited artist names and album types of these tracks."""
        rows: list[tuple[int, str, str, str | None]] = []
        for chunk in _chunks(rowids):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.conn.execute(
                    "SELECT t.rowid, t.id, t.name, al.album_type FROM tracks t"
                    " LEFT JOIN albums al ON al.rowid = t.album_rowid"
                    f" WHERE t.rowid IN ({marks})",
                    chunk,
                )
            )
        credits = self._artists_of("track_artists", "track_rowid", [r[0] for r in rows])
        names: dict[int, str] = {}
        ids = sorted({a for v in credits.values() for a in v})
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            names.update(
                self.conn.execute(
                    f"SELECT rowid, name FROM artists WHERE rowid IN ({marks})", chunk
                ).fetchall()
            )
        return {
            rowid: DisplayTrack(
                rowid,
                ident,
                name or "",
                [names[a] for a in credits.get(rowid, []) if a in names],
                kind,
            )
            for rowid, ident, name, kind in rows
        }


def _chunks(values: Sequence[int]) -> list[Sequence[int]]:
    return chunks(values, _CHUNK)


def _passes(doc: TrackDoc, tests: Sequence[tuple[str, Sequence[str]]]) -> bool:
    """`SearchRepository.track_docs_with_tokens`'s test on a document in hand:
    SQLite's `instr(text, pattern) > 0` is Python's `pattern in text`."""
    artists = doc.artists.replace(ARTIST_SEP, " ")
    for column, patterns in tests:
        if column == "title":
            text = f" {doc.title} "
        elif column == "artists":
            text = f" {artists} "
        elif column == "album":
            text = f" {doc.album} "
        else:
            text = f" {doc.title} {artists} {doc.album} "
        if not any(p in text for p in patterns):
            return False
    return True
