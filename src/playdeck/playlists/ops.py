"""Playlist edits as positional operations: the vocabulary of history and rebasing.

A playlist's item list changes only through three primitive operations, each
expressed against the list *as it was just before the operation*:

- `Insert(at, entries)`: put `entries` before position `at` (`at == len` appends);
- `Remove(positions, uris)`: drop the items at `positions` (sorted, distinct);
- `Move(start, length, before)`: Spotify's reorder (`range_start`, `range_length`,
  `insert_before`), `before` being a position in the list before the move.

Every version of a playlist stores the operations that produced it (a delta, so
history grows with the size of the changes), and the same operations are what
the live table applies. Three more things follow from this one vocabulary:

- `apply()` replays operations on a list (reconstructing any version from a
  checkpoint);
- `map_position()` / `map_gap()` carry a position in an older snapshot forward
  through later operations, which is how an edit based on an older `snapshot_id`
  is rebased onto the current list (`None` when the item it named is gone);
- `diff()` computes operations turning one list into another (restore, replace,
  the diff between two snapshots) whose size is the size of the difference.

All functions here are pure: no database, no clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One playlist item as history keeps it: what, when it was added, by whom."""

    uri: str
    added_at: str
    added_by: str | None


@dataclass(frozen=True, slots=True)
class Insert:
    at: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Remove:
    positions: tuple[int, ...]
    uris: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Move:
    start: int
    length: int
    before: int


Op = Insert | Remove | Move


class OpError(ValueError):
    """An operation that does not fit the list it is applied to."""


def is_noop_move(start: int, length: int, before: int) -> bool:
    """A reorder whose destination is inside (or right after) its own range."""
    return start <= before <= start + length


def moved_destination(start: int, length: int, before: int) -> int:
    """Where the first moved item lands (its index in the list after the move)."""
    return before - length if before > start else before


def apply(ops: Iterable[Op], items: Sequence[Entry]) -> list[Entry]:
    """Replay `ops` on a copy of `items`, checking each fits the list it meets."""
    out = list(items)
    for op in ops:
        n = len(out)
        if isinstance(op, Insert):
            if not 0 <= op.at <= n:
                raise OpError(f"insert at {op.at} in a list of {n}")
            out[op.at : op.at] = op.entries
        elif isinstance(op, Remove):
            if op.positions and (op.positions[0] < 0 or op.positions[-1] >= n):
                raise OpError(f"remove {op.positions[-1]} from a list of {n}")
            drop = set(op.positions)
            out = [e for i, e in enumerate(out) if i not in drop]
        else:
            if op.length < 1 or op.start < 0 or op.start + op.length > n or not 0 <= op.before <= n:
                raise OpError(f"move {op} in a list of {n}")
            if is_noop_move(op.start, op.length, op.before):
                continue
            chunk = out[op.start : op.start + op.length]
            rest = out[: op.start] + out[op.start + op.length :]
            dest = moved_destination(op.start, op.length, op.before)
            out = rest[:dest] + chunk + rest[dest:]
    return out


def map_position(position: int, op: Op) -> int | None:
    """Where the item at `position` before `op` is after it (None if `op` removed it)."""
    if isinstance(op, Insert):
        return position + len(op.entries) if position >= op.at else position
    if isinstance(op, Remove):
        i = bisect_left(op.positions, position)
        if i < len(op.positions) and op.positions[i] == position:
            return None
        return position - i
    s, n, b = op.start, op.length, op.before
    if is_noop_move(s, n, b):
        return position
    if s <= position < s + n:
        return moved_destination(s, n, b) + (position - s)
    if b > s and s + n <= position < b:
        return position - n
    if b <= s and b <= position < s:
        return position + n
    return position


def map_gap(gap: int, length: int, op: Op) -> int | None:
    """Carry an insertion point (a gap before item `gap`; `length` = end) through `op`.

    None when the gap fell inside a moved range, where no single answer is right.
    """
    if isinstance(op, Insert):
        return gap + len(op.entries) if gap > op.at else gap
    if isinstance(op, Remove):
        return gap - bisect_left(op.positions, gap)
    if is_noop_move(op.start, op.length, op.before):
        return gap
    if op.start < gap < op.start + op.length:
        return None
    if gap == length:
        return gap
    return map_position(gap, op)


def length_after(length: int, op: Op) -> int:
    if isinstance(op, Insert):
        return length + len(op.entries)
    if isinstance(op, Remove):
        return length - len(op.positions)
    return length


def diff(
    old: Sequence[Entry],
    new: Sequence[Entry],
    key: Callable[[Entry], Hashable] = lambda e: e,
) -> list[Op]:
    """Operations turning `old` into `new`, as small as a sequence diff finds.

    Items equal under `key` are kept as they are in `old` (so a replace by uris
    keeps the original `added_at` of the items that stay). Hunks are emitted from
    the end of the list backwards, so each one's positions are still valid in the
    list it is applied to.
    """
    matcher = SequenceMatcher(None, [key(e) for e in old], [key(e) for e in new], autojunk=False)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        if i2 > i1:
            ops.append(Remove(tuple(range(i1, i2)), tuple(e.uri for e in old[i1:i2])))
        if j2 > j1:
            ops.append(Insert(i1, tuple(new[j1:j2])))
    return ops


# -- JSON form (what `playlist_versions.ops` holds) -------------------------------


def to_json(ops: Iterable[Op]) -> list[dict[str, Any]]:
    """The operations as JSON. An insert whose entries were all added at one time by
    one user (every add, and a replace's inserts) is stored as its URIs with the
    shared `added_at`/`added_by` once: the version row of a 100-item add is about
    4 KB instead of 9 KB, which the write statement sends, compresses and logs.
    Others (a restore's entries keep their own times) list each entry whole."""
    out: list[dict[str, Any]] = []
    for op in ops:
        if isinstance(op, Insert):
            n = len(op.entries)
            uris, stamps, bys = zip(*op.entries, strict=True) if n else ((), (), ())
            if n and stamps.count(stamps[0]) == n and bys.count(bys[0]) == n:
                out.append(
                    {"insert": op.at, "uris": list(uris), "added_at": stamps[0], "added_by": bys[0]}
                )
            else:
                out.append({"insert": op.at, "entries": [list(e) for e in op.entries]})
        elif isinstance(op, Remove):
            out.append({"remove": list(op.positions), "uris": list(op.uris)})
        else:
            out.append({"move": [op.start, op.length, op.before]})
    return out


def from_json(data: Iterable[dict[str, Any]]) -> list[Op]:
    ops: list[Op] = []
    for d in data:
        if "insert" in d and "entries" in d:
            ops.append(Insert(int(d["insert"]), tuple(Entry(*e) for e in d["entries"])))
        elif "insert" in d:  # one time and user for every entry (`to_json`)
            at, by = d["added_at"], d["added_by"]
            ops.append(Insert(int(d["insert"]), tuple(Entry(u, at, by) for u in d["uris"])))
        elif "remove" in d:
            ops.append(Remove(tuple(d["remove"]), tuple(d.get("uris", ()))))
        elif "move" in d:
            s, n, b = d["move"]
            ops.append(Move(int(s), int(n), int(b)))
    return ops


def size(ops: Iterable[Op]) -> int:
    """How many item-sized things `ops` stores (the checkpoint policy's measure)."""
    total = 0
    for op in ops:
        if isinstance(op, Insert):
            total += len(op.entries)
        elif isinstance(op, Remove):
            total += len(op.positions)
        else:
            total += 1
    return total
