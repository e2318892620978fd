"""Text folding shared by the search index, the query parser and matching.

Index and query go through the same `fold`, so whatever it does on one side it
does on the other:

- case folded (`casefold`, so `ß` → `ss`), compatibility forms unified (NFKC:
  full-width letters, ligatures);
- accents and diacritics removed from Latin, Greek and Cyrillic letters (`é` →
  `e`, `ø` → `o`, `ł` → `l`, `й` → `и`), other scripts kept as they are;
- `&` and `+` become the word `and`; apostrophes vanish (`don't` → `dont`);
  every other punctuation mark or symbol separates words;
- a run of CJK ideographs, kana or hangul becomes its overlapping character
  bigrams (`東京タワー` → `東京 京タ タワ ワー`), because these scripts do not
  put spaces between words; a lone character stays itself. A query in CJK is
  then a phrase of bigrams, matched in order (see `grammar.py`). Bigrams are
  far more selective than single characters, which FTS5 would have to
  intersect position by position.

The result is a space-separated string of tokens that SQLite's `unicode61`
tokenizer splits exactly on the spaces (it is used with diacritics removal
off, since folding already did it, and with combining marks as token
characters, which Devanagari, Thai or Hebrew words are made of).

`base_title` strips the decorations that make a title differ from how people
type it: `(feat. X)`, `[with Y]`, `- Remastered 2011`, `- Live`, `- From "…"`.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Final

from unidecode import unidecode

_CJK_RANGES: Final = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x318F),  # bopomofo, hangul compatibility jamo
    (0x31F0, 0x31FF),  # katakana extension
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B-G
)
_APOSTROPHES: Final = "'’‘`´ʼ"


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _fold_char(ch: str) -> str:
    """How one (NFKC, case-folded) character appears in folded text."""
    if ch.isascii():
        if ch.isalnum():
            return ch
        if ch in "&+":
            return " and "
        if ch in _APOSTROPHES:
            return ""
        return " "
    if ch in _APOSTROPHES:
        return ""
    if is_cjk(ch):
        return f"\x01{ch}\x00"  # marked: runs of these become bigrams in `fold`
    category = unicodedata.category(ch)
    if category.startswith("M"):
        # Combining accents (U+0300-036F) go; other marks are part of their
        # script's letters (Devanagari and Thai vowel signs, Hebrew points).
        return "" if 0x300 <= ord(ch) <= 0x36F else ch
    if not category.startswith(("L", "N")):
        return " "
    if not _is_european(ch):
        return ch
    # Strip accents (é → e, й → и); Latin letters with no decomposition
    # (ø, ł, æ, đ) go through unidecode.
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", ch) if not unicodedata.category(c).startswith("M")
    )
    if stripped and (stripped.isascii() or not _is_latin(stripped)):
        return stripped.lower()
    ascii_form = unidecode(ch).strip().lower()
    if ascii_form and ascii_form.isalnum():
        return ascii_form
    return stripped or ch


def _is_european(ch: str) -> bool:
    """Latin, Greek or Cyrillic: the scripts whose accents people leave out."""
    try:
        return unicodedata.name(ch).startswith(("LATIN", "GREEK", "CYRILLIC"))
    except ValueError:
        return False


def _is_latin(ch: str) -> bool:
    try:
        return unicodedata.name(ch[0]).startswith("LATIN")
    except ValueError:
        return False


class _FoldTable(dict[int, str]):
    """A `str.translate` table that computes each character's folding once."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


_TABLE: Final = _FoldTable()


_CJK_RUN: Final = re.compile(r"(?:\x01[^\x00]\x00)+")


def _bigrams(m: re.Match[str]) -> str:
    chars = m.group(0)[1::3]  # each character sits between its two markers
    if len(chars) == 1:
        return f" {chars[0]} "
    return " " + " ".join(a + b for a, b in pairwise(chars)) + " "


def fold(text: str | None) -> str:
    """Fold `text` into space-separated search tokens (see the module doc)."""
    if not text:
        return ""
    if text.isascii():
        # split/join is cheaper than a regex, and fold runs once per name at ingest.
        return " ".join(text.lower().translate(_TABLE).split())
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TABLE)
    if "\x00" in folded:
        folded = _CJK_RUN.sub(_bigrams, folded)
    return " ".join(folded.split())


def tokens(text: str | None) -> list[str]:
    """The folded tokens of `text`."""
    folded = fold(text)
    return folded.split(" ") if folded else []


# Decorations of a title that people leave out when they type it.
_BRACKETED: Final = re.compile(
    r"\s*[(\[]\s*(?:feat\.?|ft\.?|featuring|with|prod\.?|produced by)\s[^)\]]*[)\]]",
    re.IGNORECASE,
)
_DASH_SUFFIX: Final = re.compile(
    r"\s+[-–—]\s+(?:(?:\d{4}\s+)?(?:digital(?:ly)?\s+)?remaster(?:ed)?(?:\s+version)?(?:\s+\d{4})?"
    r"|live(?:\s.*)?|from\s.*|mono(?:\s.*)?|stereo(?:\s.*)?|single version|radio edit"
    r"|bonus track|\d{4}\s+(?:mix|version|remaster(?:ed)?))\s*$",
    re.IGNORECASE,
)
_TRAILING_FEAT: Final = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)


_MAYBE_DECORATED: Final = re.compile(r"[(\[\-–—]|\bf(?:ea)?t", re.IGNORECASE)


def is_decorated(title: str) -> bool:
    """Cheap test: could `base_title` change this title?"""
    return _MAYBE_DECORATED.search(title) is not None


def base_title(title: str) -> str:
    """`title` without `(feat. X)`, `- Remastered 2011`, `- Live` and similar suffixes."""
    if not is_decorated(title):
        return title.strip()
    previous = None
    out = title
    while out != previous:
        previous = out
        out = _BRACKETED.sub("", out)
        out = _DASH_SUFFIX.sub("", out)
        out = _TRAILING_FEAT.sub("", out)
    return out.strip() or title.strip()


# Words that name a version of a recording: matching and ranking prefer the
# plain version unless the query asks for one of these.
VERSION_WORDS: Final = frozenset(
    {
        "live",
        "remix",
        "mix",
        "instrumental",
        "acoustic",
        "karaoke",
        "demo",
        "edit",
        "remastered",
        "remaster",
        "version",
        "cover",
        "tribute",
        "originally",
        "performed",
        "made",
        "famous",
        "unplugged",
        "session",
        "sessions",
        "reprise",
        "extended",
        "rehearsal",
        "sped",
        "slowed",
        "reverb",
        "nightcore",
        "vip",
        "dub",
        "rmx",
        "bootleg",
        "orchestral",
        "piano",
    }
)
# Of these, the words that change what is heard (asked for explicitly or not at all).
STRONG_VERSION_WORDS: Final = frozenset(
    {
        "live",
        "remix",
        "instrumental",
        "acoustic",
        "karaoke",
        "demo",
        "cover",
        "tribute",
        "unplugged",
        "sped",
        "slowed",
        "nightcore",
        "rmx",
        "bootleg",
        "orchestral",
        "piano",
        "reprise",
        "rehearsal",
    }
)
