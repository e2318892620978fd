"""Spotify's search query grammar: free text plus field filters.

`q=el scorcho artist:'Weezer' year:1990-1999` parses into free-text terms and
filters. Filters are `track:`, `artist:`, `album:`, `year:` (a year or a range
`1990-1999`), `isrc:`, `upc:`, `genre:`, `tag:new`, `tag:hipster`; a value is
bare (up to the next space), in double quotes or in single quotes (beets sends
`album:'Pinkerton' artist:'Weezer'`). A word with a colon that is not a known
field (`re:mix`) is ordinary text, as on Spotify. A malformed filter value
(`year:abc`, `tag:old`) is the client's error: `BadRequest`.

Text is folded with `text.fold`. A term is a tuple of tokens matched as a
phrase: one token for a word, several when one typed word folds into several
(`AC/DC`, or CJK text, where every character is a token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from playdeck.kit.errors import BadRequest
from playdeck.search.text import fold

FILTER_FIELDS: Final = ("track", "artist", "album", "year", "isrc", "upc", "genre", "tag")
TAGS: Final = ("new", "hipster")
YEAR_MIN: Final = 1800
YEAR_MAX: Final = 2100
MAX_QUERY_CHARS: Final = 500

Term = tuple[str, ...]

_FIELD: Final = re.compile(r"(?i)(track|artist|album|year|isrc|upc|genre|tag):")
_YEAR: Final = re.compile(r"^(\d{1,4})(?:\s*-\s*(\d{1,4}))?\Z")
_ISRC: Final = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}\Z")
_UPC: Final = re.compile(r"^\d{8,14}\Z")


@dataclass
class SearchQuery:
    """A parsed `q`: free-text terms and filters (all text folded)."""

    raw: str
    words: list[Term] = field(default_factory=list)
    # When the query does not end with a space, the last free word is matched
    # as a prefix too (search as you type).
    prefix_last: bool = False
    track: list[Term] = field(default_factory=list)
    artist: list[Term] = field(default_factory=list)
    album: list[Term] = field(default_factory=list)
    # The folded values of the text filters as typed, for exact-match ranking.
    track_value: str | None = None
    artist_value: str | None = None
    album_value: str | None = None
    years: tuple[int, int] | None = None
    isrc: str | None = None
    upc: str | None = None
    genres: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    @property
    def free_text(self) -> str:
        return " ".join(" ".join(t) for t in self.words)

    def is_empty(self) -> bool:
        return not (
            self.words
            or self.track
            or self.artist
            or self.album
            or self.years
            or self.isrc
            or self.upc
            or self.genres
            or self.tags
        )


def _terms(value: str) -> list[Term]:
    """Split raw text into words and fold each one into a term."""
    out: list[Term] = []
    for word in value.split():
        folded = fold(word)
        if folded:
            out.append(tuple(folded.split(" ")))
    return out


def _read_value(q: str, i: int) -> tuple[str, int, bool]:
    """Read a filter value starting at `q[i]`: (value, next index, was it quoted)."""
    if i < len(q) and q[i] == '"':
        k = q.find('"', i + 1)
        if k < 0:  # unterminated: the rest of the query
            return q[i + 1 :], len(q), True
        return q[i + 1 : k], k + 1, True
    if i < len(q) and q[i] == "'":
        # A single quote closes before the end or before the next filter
        # (`artist:'Guns N' Roses' album:x`); failing that, before a space
        # (`track:'El Scorcho' weezer`). Inside a word it is an apostrophe.
        ends = [k for k in range(i + 1, len(q)) if q[k] == "'"]
        for k in ends:
            rest = q[k + 1 :]
            if not rest.strip() or (_FIELD.match(rest.lstrip()) and rest[:1].isspace()):
                return q[i + 1 : k], k + 1, True
        for k in ends:
            if q[k + 1 : k + 2].isspace():
                return q[i + 1 : k], k + 1, True
        return q[i + 1 :], len(q), True
    j = i
    while j < len(q) and not q[j].isspace():
        j += 1
    return q[i:j], j, False


def parse_year(value: str) -> tuple[int, int]:
    m = _YEAR.match(value.strip())
    if not m:
        raise BadRequest(f"Invalid year filter: {value[:40]!r} (use 1997 or 1990-1999)")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo > hi:
        raise BadRequest(f"Invalid year range: {value[:40]!r}")
    return lo, hi


def parse_query(q: str | None) -> SearchQuery:
    """Parse Spotify's `q` parameter; `BadRequest` when it is empty or malformed."""
    if q is None or not q.strip():
        raise BadRequest("No search query")
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest(f"Search query too long (at most {MAX_QUERY_CHARS} characters)")
    out = SearchQuery(raw=q)
    free: list[str] = []
    i = 0
    n = len(q)
    last_free_quoted = False
    while i < n:
        if q[i].isspace():
            i += 1
            continue
        m = _FIELD.match(q, i)
        if m is not None:
            name = m.group(1).lower()
            value, i, _quoted = _read_value(q, m.end())
            _apply_filter(out, name, value)
            last_free_quoted = True  # a filter ends the query: no prefix matching
            continue
        if q[i] == '"':
            value, i, _quoted = _read_value(q, i)
            free.append(value)
            last_free_quoted = True
            continue
        j = i
        while j < n and not q[j].isspace():
            j += 1
        free.append(q[i:j])
        last_free_quoted = False
        i = j
    for chunk in free:
        out.words.extend(_terms(chunk))
    out.prefix_last = bool(out.words) and not last_free_quoted and not q[-1].isspace()
    if out.is_empty():
        raise BadRequest("No search query")
    return out


def _apply_filter(out: SearchQuery, name: str, value: str) -> None:
    value = value.strip()
    if not value:
        raise BadRequest(f"Empty value for filter {name}:")
    if name in ("track", "artist", "album"):
        terms = _terms(value)
        if not terms:
            raise BadRequest(f"Filter {name}: has no searchable text")
        getattr(out, name).extend(terms)
        setattr(out, f"{name}_value", fold(value))
    elif name == "year":
        lo, hi = parse_year(value)
        if out.years is not None:  # several year filters: their intersection
            lo, hi = max(lo, out.years[0]), min(hi, out.years[1])
        out.years = (lo, hi)
    elif name == "isrc":
        isrc = value.replace("-", "").upper()
        if not _ISRC.match(isrc):
            raise BadRequest(f"Invalid ISRC: {value[:40]!r}")
        out.isrc = isrc
    elif name == "upc":
        if not _UPC.match(value):
            raise BadRequest(f"Invalid UPC: {value[:40]!r}")
        out.upc = value
    elif name == "genre":
        token = genre_token(value)
        if token is None:
            raise BadRequest(f"Invalid genre: {value[:40]!r}")
        out.genres.append(token)
    elif name == "tag":
        tag = value.lower()
        if tag not in TAGS:
            raise BadRequest(f"Invalid tag: {value[:40]!r} (tag:new or tag:hipster)")
        out.tags.add(tag)


def genre_token(genre: str) -> str | None:
    """The index token of a genre (`indie rock` → `genre_indie_rock`)."""
    folded = fold(genre)
    return "genre_" + folded.replace(" ", "_") if folded else None


def year_tokens(lo: int, hi: int) -> list[str]:
    """Index tokens covering the years lo..hi, using decade tokens for whole
    decades so that a wide range stays a short OR."""
    lo = max(lo, YEAR_MIN)
    hi = min(hi, YEAR_MAX)
    out: list[str] = []
    y = lo
    while y <= hi:
        if y % 10 == 0 and y + 9 <= hi:
            out.append(f"decade_{y // 10}")
            y += 10
        else:
            out.append(f"year_{y}")
            y += 1
    return out


def release_year_tokens(release_date: str | None) -> str:
    """The year and decade tokens of an album's release date."""
    if not release_date or len(release_date) < 4 or not release_date[:4].isdigit():
        return ""
    year = int(release_date[:4])
    if not YEAR_MIN <= year <= YEAR_MAX:
        return ""
    return f"year_{year} decade_{year // 10}"
