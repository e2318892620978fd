"""Matching pasted track lists to catalog tracks.

One function, `match_lines`, serves both `POST /api/match` and `playdeck match`.
Each input line is read as one of:

- a Spotify URI or open.spotify.com track URL (exact, confidence 1);
- an ISRC (the original release among the tracks carrying it);
- a CSV/TSV row, when the first line is a header naming title/track/name and
  artist columns (album and duration columns used when present);
- free text: `Artist - Title`, `Title - Artist`, `Title by Artist`, any of them
  with `(Official Video)`-style noise, a `feat.` credit or not, in any case,
  with a typo, or just words.

Candidates come from the search index (`SearchService.track_candidates`, typo
tolerant), then each is scored with rapidfuzz against every reading of the
line (which side is the artist is unknown for `A - B`): title similarity,
artist similarity, the requested version (a live, remix, instrumental,
acoustic or karaoke recording only when the line asks for one), duration when
given, and a preference for original releases over compilations. `id` is null
when the best confidence is below `THRESHOLD`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from rapidfuzz import fuzz

from playdeck.catalog.store import CatalogStore
from playdeck.kit.ids import parse_ref
from playdeck.search.grammar import SearchQuery, Term
from playdeck.search.repository import DisplayTrack, SearchRepository, TrackDoc
from playdeck.search.service import SearchService
from playdeck.search.text import STRONG_VERSION_WORDS, base_title, fold

THRESHOLD: Final = 0.6
MAX_ALTERNATIVES: Final = 5
CANDIDATES: Final = 30
MAX_LINES: Final = 5000

_ISRC: Final = re.compile(r"^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?\d{2}-?\d{5}$")
_NOISE: Final = re.compile(
    r"[(\[]\s*(?:official\s*)?(?:music\s*|lyrics?\s*|hd\s*|hq\s*|4k\s*)*"
    r"(?:video|audio|visuali[sz]er|lyrics?|clip|hd|hq|4k|m/?v)\s*[)\]]"
    r"|[(\[]\s*(?:explicit|clean|audio|hd|hq)\s*[)\]]",
    re.IGNORECASE,
)
_NUMBERING: Final = re.compile(r"^\s*(?:\d{1,3}[.)]\s+|\d{1,3}\s+-\s+)")
_DURATION_TAIL: Final = re.compile(r"\s*[\[(]?(\d{1,2}):([0-5]\d)[\])]?\s*$")
_DASH: Final = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")
_BY: Final = re.compile(r"\s+by\s+", re.IGNORECASE)
_FEAT_WORDS: Final = frozenset({"feat", "ft", "featuring", "with", "x", "vs"})
_TITLE_HEADERS: Final = ("title", "track", "track name", "song", "name", "track title")
_ARTIST_HEADERS: Final = ("artist", "artists", "artist name", "artist(s)", "performer")
_ALBUM_HEADERS: Final = ("album", "album name", "release")
_DURATION_HEADERS: Final = ("duration", "length", "time", "duration_ms", "duration (ms)")


@dataclass
class Wanted:
    """What one input line asks for."""

    input: str
    # (title, title without suffixes, artist), folded
    readings: list[tuple[str, str, str]] = field(default_factory=list)
    words: str = ""  # folded text to search with
    album: str | None = None
    duration_ms: int | None = None
    track_id: str | None = None
    isrc: str | None = None


@dataclass
class Scored:
    rowid: int
    confidence: float


def parse_duration(value: str | None) -> int | None:
    """`3:45`, `1:02:03`, `225` (seconds) or `225000` (ms) → milliseconds."""
    if not value:
        return None
    value = value.strip()
    try:
        if ":" in value:
            seconds = 0.0
            for part in value.split(":"):
                seconds = seconds * 60 + float(part)
            return int(seconds * 1000)
        number = float(value)
    except ValueError:
        return None
    return int(number if number > 10_000 else number * 1000)


def _clean(text: str) -> str:
    text = _NOISE.sub(" ", text)
    text = _NUMBERING.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" -–—|")


def _fold_words(text: str) -> str:
    return " ".join(w for w in fold(text).split() if w not in _FEAT_WORDS)


_JOINERS: Final = frozenset({"and"})


def _terms(folded: str, drop: frozenset[str] = frozenset()) -> list[Term]:
    return [(w,) for w in folded.split() if w not in drop]


def _reading(title: str, artist: str) -> tuple[str, str, str]:
    return fold(title), fold(base_title(title)), _strip_feat(artist)


def _strip_feat(artist: str) -> str:
    """`Beyoncé feat. JAY-Z` → folded `beyonce jay z` (credits kept, marker dropped)."""
    return _fold_words(artist)


def read_free(line: str) -> Wanted:
    """Interpret one free-form line."""
    wanted = Wanted(input=line)
    text = _clean(line)
    m = _DURATION_TAIL.search(text)
    if m:
        wanted.duration_ms = (int(m.group(1)) * 60 + int(m.group(2))) * 1000
        text = text[: m.start()].strip()
    # Every plausible reading is kept; each candidate is scored against the
    # one that fits it best. `Title by Artist` first: a title may hold a dash.
    by = list(_BY.finditer(text))
    if by:
        cut = by[-1]
        title, artist = text[: cut.start()], text[cut.end() :]
        wanted.readings.append(_reading(title, artist))
        text = f"{title} {artist}"
    else:
        dashes = list(_DASH.finditer(text))
        # the first dash and, when a title holds one too, the last
        for m in {id(d): d for d in (dashes[:1] + dashes[-1:])}.values():
            left, right = text[: m.start()].strip(), text[m.end() :].strip()
            if left and right:
                wanted.readings.append(_reading(right, left))  # Artist - Title
                wanted.readings.append(_reading(left, right))  # Title - Artist
        if not wanted.readings:
            wanted.readings.append(_reading(text, ""))  # words only
    wanted.words = _fold_words(text)
    return wanted


def _header_map(row: list[str]) -> dict[str, int] | None:
    names = [h.strip().lower() for h in row]
    found: dict[str, int] = {}
    for key, options in (
        ("title", _TITLE_HEADERS),
        ("artist", _ARTIST_HEADERS),
        ("album", _ALBUM_HEADERS),
        ("duration", _DURATION_HEADERS),
    ):
        for i, name in enumerate(names):
            if name in options:
                found.setdefault(key, i)
                break
    return found if "title" in found and "artist" in found else None


def _sniff_csv(lines: list[str]) -> tuple[str, dict[str, int]] | None:
    """(delimiter, columns) when the first line is a CSV/TSV header."""
    if not lines:
        return None
    first = lines[0]
    for delimiter in ("\t", ",", ";"):
        if delimiter in first:
            header = next(csv.reader([first], delimiter=delimiter))
            columns = _header_map(header)
            if columns:
                return delimiter, columns
    return None


def read_lines(lines: list[str]) -> list[Wanted]:
    """Interpret every line (a CSV header line is consumed, not matched)."""
    sniffed = _sniff_csv(lines)
    out: list[Wanted] = []
    if sniffed:
        delimiter, cols = sniffed
        for line in lines[1:]:
            row = next(csv.reader([line], delimiter=delimiter), [])

            def cell(key: str, row: list[str] = row) -> str:
                i = cols.get(key)
                return row[i].strip() if i is not None and i < len(row) else ""

            title, artist = cell("title"), cell("artist")
            wanted = Wanted(input=line)
            if title:
                wanted.readings.append(_reading(title, artist))
            wanted.words = _fold_words(f"{title} {artist}")
            wanted.album = fold(cell("album")) or None
            wanted.duration_ms = parse_duration(cell("duration"))
            _identify(wanted, title)
            out.append(wanted)
        return out
    for line in lines:
        stripped = line.strip()
        wanted = read_free(stripped)
        wanted.input = line
        _identify(wanted, stripped)
        out.append(wanted)
    return out


def _identify(wanted: Wanted, text: str) -> None:
    """Spotify URIs/URLs and ISRCs are exact references."""
    ref = parse_ref(text)
    if ref is not None and ref.type == "track":
        wanted.track_id = ref.id
    elif _ISRC.match(text.strip()):
        wanted.isrc = text.strip().replace("-", "").upper()


class Matcher:
    """Matches lines against one catalog (its thread's connection)."""

    def __init__(self, store: CatalogStore) -> None:
        self.search = SearchService(store)
        self.repo: SearchRepository = self.search.repo

    def match_lines(self, lines: Iterable[str]) -> list[dict[str, Any]]:
        """One result per input line, in order (see the module doc for the shape)."""
        return list(self.iter_match(list(lines)))

    def iter_match(self, lines: list[str]) -> Iterator[dict[str, Any]]:
        for wanted in read_lines(lines):
            yield self._match_one(wanted)

    # -- one line ----------------------------------------------------------
    def _match_one(self, wanted: Wanted) -> dict[str, Any]:
        scored: list[Scored] = []
        if wanted.track_id:
            rowid = self.repo.track_rowid_by_id(wanted.track_id)
            if rowid is not None:
                scored = [Scored(rowid, 1.0)]
        elif wanted.isrc:
            docs = self.repo.track_docs_for_rowids(self.repo.track_rowids_by_isrc(wanted.isrc))
            display = self.repo.display_tracks([d.track_rowid for d in docs])
            ranked = sorted(
                docs,
                key=lambda d: (
                    display[d.track_rowid].album_type == "compilation",
                    -d.popularity,
                    d.track_rowid,
                ),
            )
            scored = [Scored(d.track_rowid, 1.0 if i == 0 else 0.95) for i, d in enumerate(ranked)]
        elif wanted.words:
            scored = self._fuzzy(wanted)
        return self._render(wanted, scored)

    def _candidates(self, wanted: Wanted) -> list[TrackDoc]:
        seen: dict[int, TrackDoc] = {}

        def add(query: SearchQuery) -> None:
            for doc in self.search.track_candidates(query, CANDIDATES):
                seen.setdefault(doc.track_rowid, doc)

        # All the line's words first: one query, whichever side is the artist.
        words = _terms(wanted.words, drop=_JOINERS)
        if words:
            add(SearchQuery(raw=wanted.input, words=words))
        if not seen:
            # Words the catalog does not have elsewhere on the line: each
            # reading as `track:` + `artist:` filters.
            for title, title_base, artist in wanted.readings:
                artist_terms = _terms(artist, drop=_JOINERS)
                if not artist_terms:
                    continue
                for version in dict.fromkeys((title, title_base)):
                    if version:
                        query = SearchQuery(raw=wanted.input, track=_terms(version))
                        query.artist = artist_terms
                        add(query)
        if not seen:
            for _title, title_base, _artist in wanted.readings:
                if title_base:
                    add(SearchQuery(raw=title_base, track=_terms(title_base)))
        return list(seen.values())

    def _fuzzy(self, wanted: Wanted) -> list[Scored]:
        docs = self._candidates(wanted)
        if not docs:
            return []
        display = self.repo.display_tracks([d.track_rowid for d in docs])
        requested = set(wanted.words.split()) & STRONG_VERSION_WORDS
        out = [
            Scored(
                d.track_rowid, self._confidence(wanted, d, display.get(d.track_rowid), requested)
            )
            for d in docs
        ]
        out.sort(key=lambda s: -s.confidence)
        return out

    def _confidence(
        self, wanted: Wanted, doc: TrackDoc, shown: DisplayTrack | None, requested: set[str]
    ) -> float:
        base = doc.base or doc.title
        artists = doc.artist_names
        primary = artists[0] if artists else ""
        every = " ".join(artists)
        best = 0.0
        for title, title_base, artist in wanted.readings:
            # The exact full title just above the same title without its suffix.
            title_sim = (
                max(
                    fuzz.ratio(title, doc.title),
                    0.98 * fuzz.ratio(title_base, base),
                    0.97 * fuzz.ratio(title, base),
                )
                / 100
            )
            if artist:
                # ratio, not token_set: `michelle` is not `dj michelle`.
                artist_sim = (
                    max(
                        fuzz.ratio(artist, primary),
                        fuzz.token_sort_ratio(artist, every),
                        0.9 * fuzz.token_set_ratio(artist, every),
                    )
                    / 100
                )
                value = 0.6 * title_sim + 0.4 * artist_sim
            else:
                whole = fuzz.token_set_ratio(title_base, f"{base} {every}") / 100
                value = 0.5 * title_sim + 0.5 * whole
                value = min(value, 0.9)  # no artist named: never fully certain
            best = max(best, value)
        title_words = set(doc.title.split())
        versions = title_words & STRONG_VERSION_WORDS
        if versions - requested:
            best -= 0.2  # a version nobody asked for
        if requested - title_words - set(doc.album.split()):
            best -= 0.15  # the version asked for is not this one
        if wanted.duration_ms and doc.duration_ms:
            diff = abs(wanted.duration_ms - doc.duration_ms) / 1000
            best += 0.03 if diff <= 3 else -0.1 * min(1.0, diff / 60)
        if wanted.album:
            best += 0.05 * (fuzz.token_set_ratio(wanted.album, doc.album) / 100 - 0.5)
        if shown is not None and shown.album_type == "compilation":
            best -= 0.02
        best += 0.02 * (doc.popularity or 0) / 100
        return best  # clamped to 0..1 when rendered, after ranking

    def _render(self, wanted: Wanted, scored: list[Scored]) -> dict[str, Any]:
        top = scored[: MAX_ALTERNATIVES + 1]
        display = self.repo.display_tracks([s.rowid for s in top])
        entries = [
            (display[s.rowid], round(max(0.0, min(1.0, s.confidence)), 3))
            for s in top
            if s.rowid in display
        ]
        chosen = entries[0] if entries and entries[0][1] >= THRESHOLD else None
        others = entries[1:] if chosen else entries
        return {
            "input": wanted.input,
            "id": chosen[0].id if chosen else None,
            "uri": f"spotify:track:{chosen[0].id}" if chosen else None,
            "name": chosen[0].name if chosen else None,
            "artists": chosen[0].artists if chosen else [],
            "confidence": entries[0][1] if entries else 0.0,
            "alternatives": [
                {"id": t.id, "name": t.name, "artists": t.artists, "confidence": c}
                for t, c in others[:MAX_ALTERNATIVES]
            ],
        }


def match_lines(store: CatalogStore, lines: Iterable[str]) -> list[dict[str, Any]]:
    """Match pasted lines against the catalog: one result per line, in order."""
    return Matcher(store).match_lines(lines)
