"""The pure playlist arithmetic: operations, rebasing and diffs (blocks: test_blocks)."""

from __future__ import annotations

import random

import pytest

from playdeck.playlists.ops import (
    Entry,
    Insert,
    Move,
    OpError,
    Remove,
    apply,
    diff,
    from_json,
    map_gap,
    map_position,
    size,
    to_json,
)


def entries(*names: str) -> list[Entry]:
    return [Entry(n, "2026-01-01T00:00:00Z", "u") for n in names]


def uris(items: list[Entry]) -> list[str]:
    return [e.uri for e in items]


TEN = entries(*"ABCDEFGHIJ")


# Spotify's documented reorder examples (Reorder or replace playlist items).
def test_reorder_first_to_last() -> None:
    assert uris(apply([Move(0, 1, 10)], TEN)) == list("BCDEFGHIJA")


def test_reorder_last_to_first() -> None:
    assert uris(apply([Move(9, 1, 0)], TEN)) == list("JABCDEFGHI")


def test_reorder_range_forward_and_back() -> None:
    # range_start 2, range_length 2, insert_before 6: C,D land before G.
    assert uris(apply([Move(2, 2, 6)], TEN)) == list("ABEFCDGHIJ")
    # range_start 5, range_length 3, insert_before 1.
    assert uris(apply([Move(5, 3, 1)], TEN)) == list("AFGHBCDEIJ")


def test_move_into_itself_is_a_noop() -> None:
    assert apply([Move(2, 3, 4)], TEN) == TEN
    assert apply([Move(2, 3, 5)], TEN) == TEN


def test_insert_remove_and_bounds() -> None:
    out = apply([Insert(2, tuple(entries("x", "y"))), Remove((0, 3), ("A", "y"))], TEN)
    assert uris(out) == list("BxCDEFGHIJ")
    with pytest.raises(OpError):
        apply([Insert(11, ())], TEN)
    with pytest.raises(OpError):
        apply([Remove((10,), ("?",))], TEN)
    with pytest.raises(OpError):
        apply([Move(8, 3, 0)], TEN)


def _random_op(rng: random.Random, n: int) -> Insert | Remove | Move:
    kind = rng.choice(["i", "r", "m"] if n > 0 else ["i"])
    if kind == "i":
        return Insert(rng.randint(0, n), tuple(entries(*(f"n{rng.random()}" for _ in range(3)))))
    if kind == "r":
        pos = sorted(rng.sample(range(n), rng.randint(1, min(3, n))))
        return Remove(tuple(pos), tuple("?" for _ in pos))
    start = rng.randrange(n)
    length = rng.randint(1, n - start)
    return Move(start, length, rng.randint(0, n))


def test_map_position_follows_every_item() -> None:
    rng = random.Random(3)
    for _ in range(500):
        items = entries(*(f"i{i}" for i in range(rng.randint(1, 12))))
        op = _random_op(rng, len(items))
        after = apply([op], items)
        for p, e in enumerate(items):
            q = map_position(p, op)
            if q is None:
                assert e not in after
            else:
                assert after[q] == e


def test_map_gap_keeps_the_neighbours() -> None:
    rng = random.Random(5)
    for _ in range(500):
        items = entries(*(f"i{i}" for i in range(rng.randint(1, 12))))
        op = _random_op(rng, len(items))
        after = apply([op], items)
        for g in range(len(items) + 1):
            q = map_gap(g, len(items), op)
            if q is None:
                assert isinstance(op, Move)
                continue
            # The item that followed the gap (when it survived) still follows it.
            if g < len(items) and items[g] in after and not isinstance(op, Insert):
                assert after[q] == items[g]


def test_diff_round_trips_and_is_small() -> None:
    rng = random.Random(11)
    for _ in range(200):
        old = entries(*(f"i{rng.randint(0, 20)}" for _ in range(rng.randint(0, 30))))
        new = list(old)
        for _ in range(rng.randint(0, 4)):
            new = apply([_random_op(rng, len(new))], new)
        ops = diff(old, new)
        assert apply(ops, old) == new
    big = entries(*(f"i{i}" for i in range(2000)))
    changed = [*big[:1000], *entries("new"), *big[1001:]]
    ops = diff(big, changed)
    assert size(ops) == 2


def test_json_round_trip() -> None:
    ops = [Insert(0, tuple(entries("a"))), Remove((1, 2), ("b", "c")), Move(0, 1, 3)]
    assert from_json(to_json(ops)) == ops


def test_json_of_an_insert_names_a_shared_time_and_user_once() -> None:
    same = Insert(3, (Entry("a", "t1", "u1"), Entry("b", "t1", "u1")))
    assert to_json([same]) == [
        {"insert": 3, "uris": ["a", "b"], "added_at": "t1", "added_by": "u1"}
    ]
    mixed = Insert(0, (Entry("a", "t1", "u1"), Entry("b", "t2", "u1")))
    none_by = Insert(1, (Entry("c", "t1", None), Entry("d", "t1", "u2")))
    assert to_json([mixed, none_by])[0]["entries"] == [["a", "t1", "u1"], ["b", "t2", "u1"]]
    assert "entries" in to_json([none_by])[0]
    ops = [same, mixed, none_by, Insert(4, (Entry("e", "t3", None),)), Move(0, 1, 3)]
    assert from_json(to_json(ops)) == ops
    # Version rows written before the compact form still read back.
    assert from_json([{"insert": 3, "entries": [["a", "t1", "u1"], ["b", "t1", "u1"]]}]) == [same]
