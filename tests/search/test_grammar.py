"""The `q` grammar: free text, filters, quoting, ranges and errors."""

from __future__ import annotations

import pytest

from playdeck.kit.errors import BadRequest
from playdeck.search.grammar import parse_query, year_tokens


def test_free_text_is_folded_terms() -> None:
    q = parse_query("El Scorcho WEEZER")
    assert q.words == [("el",), ("scorcho",), ("weezer",)]
    assert q.prefix_last
    assert not parse_query("el scorcho ").prefix_last


def test_beets_single_quotes() -> None:
    q = parse_query("album:'Pinkerton' artist:'Weezer'")
    assert q.album == [("pinkerton",)] and q.artist == [("weezer",)]
    assert q.words == [] and not q.prefix_last


def test_title_then_filter_beets_track_style() -> None:
    q = parse_query("El Scorcho artist:'Weezer'")
    assert q.words == [("el",), ("scorcho",)] and q.artist_value == "weezer"


def test_quoted_values_keep_spaces_and_apostrophes() -> None:
    q = parse_query("track:\"Don't Stop Me Now\" artist:'Guns N' Roses' album:Appetite")
    assert q.track_value == "dont stop me now"
    assert q.artist_value == "guns n roses"
    assert q.album == [("appetite",)]


def test_unterminated_quote_takes_the_rest() -> None:
    assert parse_query('track:"el scorcho').track_value == "el scorcho"


def test_unknown_field_is_text() -> None:
    assert parse_query("re:mix").words == [("re", "mix")]


def test_field_names_any_case() -> None:
    assert parse_query("ARTIST:weezer").artist_value == "weezer"


def test_year_and_ranges() -> None:
    assert parse_query("year:1997").years == (1997, 1997)
    assert parse_query("year:1990-1999").years == (1990, 1999)
    assert parse_query("year:1990-1999 year:1995-2005").years == (1995, 1999)


def test_year_tokens_use_decades() -> None:
    assert year_tokens(1997, 1997) == ["year_1997"]
    assert year_tokens(1990, 1999) == ["decade_199"]
    assert year_tokens(1988, 2001) == [
        "year_1988",
        "year_1989",
        "decade_199",
        "year_2000",
        "year_2001",
    ]
    assert len(year_tokens(1000, 2999)) == 31  # clamped to 1800..2100


def test_identifier_filters() -> None:
    q = parse_query('isrc:usgf19600402 upc:00720642500723 genre:"Indie Rock" tag:new tag:hipster')
    assert q.isrc == "USGF19600402"
    assert q.upc == "00720642500723"
    assert q.genres == ["genre_indie_rock"]
    assert q.tags == {"new", "hipster"}


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "year:abc",
        "year:2000-1990",
        "tag:old",
        "isrc:123",
        "upc:abc",
        "artist:",
        "track:'!!!'",
        "x" * 501,
    ],
)
def test_bad_queries_are_400(bad: str) -> None:
    with pytest.raises(BadRequest):
        parse_query(bad)


def test_none_is_400() -> None:
    with pytest.raises(BadRequest):
        parse_query(None)


def test_punctuation_only_free_text_is_400() -> None:
    with pytest.raises(BadRequest):
        parse_query("!!! ???")
