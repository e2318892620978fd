"""Ranking, folding, typos, prefixes and filters over the mini catalog."""

from __future__ import annotations

import pytest

from playdeck.search.grammar import parse_query
from playdeck.search.repository import TrackDoc
from playdeck.search.service import (
    Plan,
    SearchService,
    _contains,
    diversify,
    score_album,
    score_track,
)
from tests.search.conftest import names, ranked_names
from tests.search.minicatalog import TRACKS


def test_el_scorcho_weezer_puts_the_song_first(search: SearchService) -> None:
    got = ranked_names(search, "el scorcho weezer")
    assert got[0] == "El Scorcho"
    # the original on Pinkerton, not the compilation copy
    ranked = search.rank(parse_query("el scorcho weezer"), "track").rowids
    assert ranked[0] == 1


def test_karaoke_cover_never_beats_the_original(search: SearchService) -> None:
    for q in ["el scorcho", "El Scorcho", "el scorcho weezer", "track:'El Scorcho'", "scorcho"]:
        got = ranked_names(search, q)
        assert got.index("El Scorcho") < got.index("El Scorcho (Karaoke Version)"), q


def test_unrequested_live_version_goes_down_requested_one_comes_first(
    search: SearchService,
) -> None:
    got = ranked_names(search, "bohemian rhapsody")
    assert got[0] == "Bohemian Rhapsody - Remastered 2011"
    assert ranked_names(search, "bohemian rhapsody live")[0] == "Bohemian Rhapsody - Live"


def test_exact_title_dominates_popularity(search: SearchService) -> None:
    # "Crazy" (popularity 30) vs "Crazy in Love" (popularity 80)
    assert ranked_names(search, "track:crazy")[0] == "Crazy"
    assert ranked_names(search, "crazy")[0] == "Crazy"
    assert ranked_names(search, "crazy in love")[0] == "Crazy in Love (feat. JAY-Z)"


def test_title_without_feat_or_remaster_suffix_matches(search: SearchService) -> None:
    assert ranked_names(search, "crazy in love beyonce")[0] == "Crazy in Love (feat. JAY-Z)"
    assert ranked_names(search, "love of my life queen")[0] == "Love of My Life - Remastered 2011"
    assert ranked_names(search, 'track:"Love of My Life"')[0] == (
        "Love of My Life - Remastered 2011"
    )


def test_repeats_of_a_song_follow_its_other_versions(search: SearchService) -> None:
    # Weezer's El Scorcho is on Pinkerton (1) and on a compilation (7): the
    # copy waits behind the song's other versions instead of taking rank 2 or 3.
    ranked = search.rank(parse_query("el scorcho weezer"), "track").rowids
    assert ranked[:4] == [1, 2, 3, 7]  # original, remastered, live, the copy
    # the same title by another artist is another song: it keeps its place
    got = ranked_names(search, "el scorcho")
    assert got[:4] == [
        "El Scorcho",
        "El Scorcho",  # Weezy Tribute Band's
        "El Scorcho - Remastered 2010",
        "El Scorcho - Live",
    ]
    assert search.rank(parse_query("el scorcho"), "track").rowids[:2] == [1, 20]
    # the karaoke cover still comes after every Weezer copy
    assert got.index("El Scorcho (Karaoke Version)") == len(got) - 1


def _doc(doc: int, title: str, artists: str, base: str | None = None) -> TrackDoc:
    return TrackDoc(doc, doc, 50, title, base, artists, "album", "", None, None)


def test_diversify_lifts_versions_above_repeats_and_only_reorders() -> None:
    docs = {
        d.doc: d
        for d in [
            _doc(1, "manana", "anna vissi"),
            _doc(2, "manana", "anna vissi"),
            _doc(3, "manana", "anna vissi"),
            _doc(4, "manana", "other artist"),  # another song: never moved
            _doc(5, "manana feat paul", "anna vissi", base="manana"),
            _doc(6, "manana remastered 2011", "anna vissi", base="manana"),
            _doc(7, "something else", "anna vissi"),
            _doc(8, "manana", "anna vissi"),  # already behind every version: stays
        ]
    }
    order = [1, 2, 3, 4, 5, 6, 7, 8]
    assert diversify(order, docs) == [1, 4, 5, 6, 2, 3, 7, 8]
    assert diversify(order, docs, kept=2) == [1, 2, 4, 5, 6, 3, 7, 8]
    assert sorted(diversify(order, docs)) == order
    # nothing repeated, or repeats already last: unchanged
    assert diversify([1, 4, 5, 6, 7], docs) == [1, 4, 5, 6, 7]
    assert diversify([5, 6, 1, 2, 3], docs) == [5, 6, 1, 2, 3]


def test_versions_beyond_the_scored_pool_come_before_repeats(search: SearchService) -> None:
    # Three copies of the song fill a pool of three; its feat. version is less
    # popular than every copy, so only reading past the pool finds it.
    docs = [
        _doc(1, "manana", "anna vissi"),
        _doc(2, "manana", "anna vissi"),
        _doc(3, "manana", "anna vissi"),
        _doc(4, "manana feat paul", "anna vissi", base="manana"),
        _doc(5, "manana", "anna vissi"),
        _doc(6, "manana other words", "anna vissi"),
    ]
    for popularity, d in zip((60, 50, 40, 5, 4, 3), docs, strict=True):
        d.popularity = popularity
    plan = Plan(parse_query("manana anna vissi"), "track", track_docs={d.doc: d for d in docs})
    ranked = search._score(plan, [1, 2, 3, 4, 5, 6], pool=3)
    assert ranked.total == 6
    # the version joins the scored head; the rest keeps popularity order
    assert ranked.rowids == [1, 4, 2, 3, 5, 6]
    # no repeats in the pool: nothing is read or moved past it
    plan = Plan(parse_query("manana anna vissi"), "track", track_docs={d.doc: d for d in docs})
    assert search._score(plan, [1, 4, 6, 2], pool=2).rowids == [1, 4, 6, 2]


def test_versions_beyond_the_pool_are_found_among_unread_matches(search: SearchService) -> None:
    # The same, through the index: documents 7 and 21 are two copies of Weezer's
    # El Scorcho (rowids 1 and 7), 18 and 20 its remastered and live versions
    # (2 and 3), 24 the tribute band's song of the same title (20), none read yet.
    plan = Plan(parse_query("el scorcho weezer"), "track")
    ranked = search._score(plan, [7, 21, 18, 20, 24], pool=2)
    assert ranked.total == 5
    # both versions join the scored head and go before the copy; the other
    # artist's song is not a version and stays beyond it
    assert ranked.rowids == [1, 2, 3, 7, 20]
    # a version's title already in the pool is a copy of it, not another version
    plan = Plan(parse_query("el scorcho weezer"), "track")
    assert search._score(plan, [7, 21, 18, 20, 24], pool=3).rowids == [1, 2, 3, 7, 20]
    plan = Plan(parse_query("el scorcho weezer"), "track")
    assert search._score(plan, [7, 18, 21, 20, 24], pool=3).rowids == [1, 2, 3, 7, 20]


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("motley crue kickstart", "Kickstart My Heart"),
        ("MÖTLEY CRÜE KICKSTART MY HEART", "Kickstart My Heart"),
        ("agaetis byrjun", "Svefn-g-englar"),
        ("sigur ros svefn", "Svefn-g-englar"),
        ("beyonce formation", "Formation"),
        ("初恋", "初恋"),
        ("宇多田", "First Love"),  # the artist's most popular track
        ("группа крови", "Группа крови"),
        ("звезда по имени солнце", "Звезда по имени Солнце"),
        ("jay-z crazy", "Crazy in Love (feat. JAY-Z)"),
    ],
)
def test_case_accents_scripts(search: SearchService, q: str, first: str) -> None:
    assert ranked_names(search, q)[0] == first


@pytest.mark.parametrize(
    "q",
    [
        "el scorhco weezer",  # transposition
        "el scorco weezer",  # deletion
        "el scorchio weezer",  # insertion
        "el scorcho weezet",  # substitution
        "kickstart my hearr",
        "bohemain rhapsody",
        "track:'el scorchp' artist:weezer",
    ],
)
def test_one_typo_still_finds_the_track(search: SearchService, q: str) -> None:
    top = ranked_names(search, q)[:10]
    assert any(n.startswith(("El Scorcho", "Kickstart", "Bohemian")) for n in top), (q, top)


def test_typos_are_not_guessed_in_short_words(search: SearchService) -> None:
    # "crazx" is five letters: corrected; "hokd" (four, from four) is not.
    assert "Crazy" in ranked_names(search, "crazx")
    assert ranked_names(search, "hokd up") == []


def test_last_word_is_a_prefix(search: SearchService) -> None:
    assert ranked_names(search, "kickstart my he")[0] == "Kickstart My Heart"
    assert ranked_names(search, "bohem")[0].startswith("Bohemian Rhapsody")
    # a trailing space ends the word: no prefix
    assert ranked_names(search, "kickstart my he ") == []


def test_filters_combine_with_text(search: SearchService) -> None:
    assert set(ranked_names(search, "el scorcho year:1996")) == {"El Scorcho"}
    assert len(search.rank(parse_query("el scorcho year:1996"), "track").rowids) == 1
    got = ranked_names(search, "el scorcho year:1990-2010")
    assert "El Scorcho (Karaoke Version)" not in got and "El Scorcho - Live" in got
    assert set(ranked_names(search, "year:1996")) == {
        "El Scorcho",
        "The Good Life",
        "Pink Triangle",
    }
    assert ranked_names(search, "el scorcho genre:karaoke") == ["El Scorcho (Karaoke Version)"]
    assert "Formation" in ranked_names(search, "genre:'r&b'")
    assert ranked_names(search, "tag:new") == ["Brand New Day"]
    # the two least popular albums (nearest-rank 10% of 14 albums)
    assert ranked_names(search, "tag:hipster") == [
        "El Scorcho",
        "Tribute Medley",
        "El Scorcho (Karaoke Version)",
    ]
    assert ranked_names(search, "album:pinkerton artist:weezer track:'good life'") == [
        "The Good Life"
    ]


def test_isrc_and_upc_filters(search: SearchService) -> None:
    assert ranked_names(search, "isrc:USGF19600402") == [
        "El Scorcho",
        "El Scorcho - Remastered 2010",
        "El Scorcho",
    ]
    assert ranked_names(search, "isrc:USGF19600402 year:2010") == ["El Scorcho - Remastered 2010"]
    assert ranked_names(search, "isrc:USGF19600402 album:hits") == ["El Scorcho"]
    assert ranked_names(search, "isrc:ZZZZZ9999999") == []
    assert set(ranked_names(search, "upc:00720642500723")) == {
        "El Scorcho",
        "The Good Life",
        "Pink Triangle",
    }
    assert ranked_names(search, "upc:00720642500723 good") == ["The Good Life"]
    assert ranked_names(search, "upc:00720642500723", "album") == ["Pinkerton"]
    assert ranked_names(search, "isrc:USSM11600371", "album") == ["Lemonade"]


def test_artists_rank_by_name_then_popularity(search: SearchService) -> None:
    assert ranked_names(search, "weezer", "artist") == ["Weezer"]
    assert ranked_names(search, "wee", "artist")[:2] == ["Weezer", "Weezy Tribute Band"]
    assert ranked_names(search, "queen", "artist") == ["Queen"]
    assert ranked_names(search, "beyonce", "artist") == ["Beyoncé"]
    assert ranked_names(search, "album:'Pinkerton' artist:'Weezer'", "artist") == ["Weezer"]
    assert ranked_names(search, "genre:rock", "artist") == ["Queen", "Weezer"]


def test_albums_rank_by_name(search: SearchService) -> None:
    assert ranked_names(search, "pinkerton", "album") == ["Pinkerton", "Pinkerton (Deluxe Edition)"]
    assert ranked_names(search, "album:'Pinkerton' artist:'Weezer'", "album")[0] == "Pinkerton"
    assert ranked_names(search, "weezer", "album")[0] == "Pinkerton"
    assert ranked_names(search, "tag:new", "album") == ["Brand New Day"]
    assert ranked_names(search, "year:1975", "album") == ["A Night at the Opera"]


def test_filters_that_do_not_apply_to_a_type_give_nothing(search: SearchService) -> None:
    assert search.rank(parse_query("isrc:USGF19600402"), "artist").rowids == []
    assert search.rank(parse_query("year:1996"), "artist").rowids == []


def test_ranking_is_deterministic(search: SearchService) -> None:
    first = search.rank(parse_query("el scorcho"), "track").rowids
    for _ in range(3):
        assert search.rank(parse_query("el scorcho"), "track").rowids == first
    # ties (same score) keep the popularity order: the two equal "El Scorcho"
    # by Weezer come before the tribute band's one.
    got = names(search.store, first)
    assert got.count("El Scorcho") == 3


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "'",
        'el "scorcho',
        "NEAR(el scorcho)",
        "el AND scorcho OR weezer NOT queen",
        "^el",
        "el*",
        "title:el",
        "{title}: el",
        "- el -- scorcho",
        'artist:"""',
        "el\x00scorcho",
        "😀",
    ],
)
def test_fts_syntax_in_queries_is_plain_text(search: SearchService, q: str) -> None:
    try:
        parsed = parse_query(q)
    except Exception as exc:  # only a clean BadRequest is allowed
        assert type(exc).__name__ == "BadRequest"
        return
    search.rank(parsed, "track")  # never raises


def test_every_track_is_found_by_title_and_artist(search: SearchService) -> None:
    from tests.search.minicatalog import ARTISTS

    for n, (title, _album, artists, *_rest) in enumerate(TRACKS, start=1):
        q = f'track:"{title}" artist:"{ARTISTS[artists[0]][0]}"'
        ranked = search.rank(parse_query(q), "track").rowids
        assert n in ranked[:5], q


def test_credit_order_is_kept(search: SearchService) -> None:
    conn = search.store.connection()
    (artists,) = conn.execute(
        "SELECT artists FROM search_track_doc WHERE title = 'tribute medley'"
    ).fetchone()
    assert artists == "weezy tribute band,weezer"
    (album_artists,) = conn.execute(
        "SELECT artists FROM search_album_doc WHERE name = 'a night at the opera'"
    ).fetchone()
    assert album_artists == "queen"
    # the primary artist named in the query ranks its own track first
    assert ranked_names(search, "medley weezy tribute band")[0] == "Tribute Medley"


@pytest.mark.parametrize(
    "q",
    [
        "el scorcho weezer",
        "el scorcho wee",
        "el scorcho wee ",
        "crazy in love beyonce",
        "bohemian rhapsody live",
        "love artist:beyonce",
        "track:'el scorcho' artist:weezer",
        "kickstart-my heart",
    ],
)
def test_plain_words_score_as_the_general_test_scores_them(search: SearchService, q: str) -> None:
    # Free words that are one token, tested as typed, take a shortcut in the
    # scorer (`_ScoreInputs.plain`): the same scores as the word-by-word
    # test, for every track and album of the catalog.
    query = parse_query(q)
    tracks = search.repo.track_docs(range(1, len(TRACKS) + 1)).values()
    albums = search.repo.album_docs(range(1, 100)).values()
    fast, general = Plan(query, "track"), Plan(query, "track")
    object.__setattr__(general.score_inputs(), "plain", None)
    words = [t[0] for t in query.words if len(t) == 1]
    assert fast.score_inputs().plain == (tuple(words) if len(words) == len(query.words) else None)
    assert [score_track(fast, d) for d in tracks] == [score_track(general, d) for d in tracks]
    assert [score_album(fast, d) for d in albums] == [score_album(general, d) for d in albums]


def test_a_phrase_is_found_where_its_tokens_are_consecutive() -> None:
    # `_contains`, the phrase test behind FTS5's phrase match in Python: every
    # position is a candidate, the last token may be typed in part.
    tokens = ["la", "la", "land", "la", "lala"]
    assert _contains(tokens, ("la", "land"))
    assert _contains(tokens, ("la", "la", "land"))
    assert not _contains(tokens, ("land", "la", "la"))
    assert _contains(tokens, ("la", "lal"), prefix=True)
    assert not _contains(tokens, ("la", "lal"))
    assert _contains(tokens, ("lala",)) and not _contains(tokens, ("lal",))
    assert _contains(tokens, ("lal",), prefix=True)
    assert not _contains(tokens, ("la", "la", "land", "la", "lala", "la"))
    assert not _contains([], ("la",), prefix=True)
