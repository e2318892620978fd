"""A playlist's items stored in blocks: one row per run of up to `MAX` items.

An edit, a page read or a delete in a 10,000-item playlist touches a few blocks,
not a row per item: an add of 100 items writes one to three rows where it wrote
100 rows and 200 index entries, a page of 100 items is one or two rows.

- **The directory** (`playlists.blocks`, read with the playlist row): the ids of
  the playlist's blocks in order with their item counts, `[[id, count], …]`.
  Position N is found by summing counts; only the blocks an operation touches
  are read.
- **A block** (`playlist_blocks.items`): its items as compact JSON (`encode`):
  the URIs (a catalog track by its bare id) and the `(added_at, added_by)` runs.
- **Sizes stay bounded.** Every block of a playlist holds `MIN`–`MAX` items,
  except the only block of a playlist shorter than `MIN`. So a range of 100
  items spans at most two blocks and 10,000 items at most 100 blocks.

`Edit` applies operations (`ops.Insert`, `Remove`, `Move`) to the directory:
a block an operation cuts into or removes from is *dissolved* into loose
items; whole blocks move as they are (a reorder of 5,000 items rewrites only the
blocks at its ends). Afterwards each run of loose items is chunked into blocks
of `MIN`–`MAX` items, first merging a run that is too short with a neighbouring
block. Run once without items (`Edit(directory)`), it says which blocks the edit
needs (`need`): the same operations on counts alone dissolve the same blocks.
Run again with those blocks' items, `result()` gives the new directory, the
blocks to write (upsert) and the blocks to delete.

All functions here are pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import orjson

from playdeck.playlists.ops import Entry, Insert, Move, Op, Remove

MAX = 200
MIN = 100  # at most (MAX + 1) // 2: splitting MAX + 1 items must leave MIN in each

Directory = list[tuple[int, int]]  # (block id, item count), in playlist order

_TRACK = "spotify:track:"


def parse_directory(text: str | None) -> Directory:
    return [(int(b), int(n)) for b, n in orjson.loads(text or "[]")]


def dump_directory(directory: Directory) -> str:
    return orjson.dumps(directory).decode()


def encode(entries: Sequence[Entry]) -> str:
    """A block's stored text: `[uris, runs]`, a catalog track's URI as its bare id (no
    colon, where any other URI has one), `runs` as `[count, added_at, added_by]` for
    consecutive items added together (usually one or two runs a block)."""
    uris = [e.uri[14:] if e.uri.startswith(_TRACK) else e.uri for e in entries]
    runs: list[list[object]] = []
    last: tuple[str, str | None] | None = None
    for e in entries:
        if last is not None and last == (e.added_at, e.added_by):
            runs[-1][0] = int(str(runs[-1][0])) + 1
        else:
            runs.append([1, e.added_at, e.added_by])
            last = (e.added_at, e.added_by)
    return orjson.dumps([uris, runs]).decode()


def decode(text: str | bytes) -> list[Entry]:
    uris, runs = orjson.loads(text)
    out: list[Entry] = []
    i = 0
    for count, added_at, added_by in runs:
        for u in uris[i : i + count]:
            out.append(Entry(u if ":" in u else _TRACK + u, added_at, added_by))
        i += count
    return out


def needle(uri: str) -> str:
    """The text a block holding `uri` contains (what `encode` writes for it, quoted):
    the database filters blocks by it; callers still check the decoded items."""
    return orjson.dumps(uri[14:] if uri.startswith(_TRACK) else uri).decode()


def covering(directory: Directory, offset: int, count: int) -> list[int]:
    """Ids of the blocks holding positions `offset … offset + count - 1`."""
    out: list[int] = []
    start = 0
    end = offset + count
    for block, n in directory:
        if start >= end:
            break
        if start + n > offset and n:
            out.append(block)
        start += n
    return out


def starts(directory: Directory) -> dict[int, int]:
    """The position of each block's first item, by block id."""
    out: dict[int, int] = {}
    at = 0
    for block, n in directory:
        out[block] = at
        at += n
    return out


def chunk_sizes(total: int) -> list[int]:
    """Sizes of the fewest blocks of at most `MAX` items holding `total`, as even as
    possible (so each holds at least `MIN` when `total` exceeds `MAX`)."""
    if total <= 0:
        return []
    k = -(-total // MAX)
    base, extra = divmod(total, k)
    return [base + 1] * extra + [base] * (k - extra)


class _Seg:
    """A stretch of the list: a stored block left as it is (`block` set) or loose items
    to be written (`block` None; `items` None while planning)."""

    __slots__ = ("block", "count", "items")

    def __init__(self, block: int | None, count: int, items: list[Entry] | None) -> None:
        self.block = block
        self.count = count
        self.items = items


@dataclass(frozen=True, slots=True)
class Result:
    directory: Directory
    writes: list[tuple[int, str]]  # (block id, encoded items), inserted or replaced
    deletes: list[int]


class Edit:
    """Operations applied to a playlist's blocks (see the module docstring).

    `loaded` holds the items of the blocks read; without it the edit only plans,
    collecting in `need` the blocks it would dissolve."""

    def __init__(
        self, directory: Directory, loaded: Mapping[int, list[Entry]] | None = None
    ) -> None:
        self._old = directory
        self._loaded = loaded
        self._segs = [_Seg(b, n, None) for b, n in directory if n]
        self._empty = [b for b, n in directory if not n]  # never written; dropped here
        self.need: set[int] = set()
        self._dissolved: list[int] = []

    # -- cutting ------------------------------------------------------------------
    def _dissolve(self, seg: _Seg) -> None:
        assert seg.block is not None
        self._dissolved.append(seg.block)
        if self._loaded is None:
            self.need.add(seg.block)
            seg.items = None
        else:
            items = self._loaded[seg.block]
            if len(items) != seg.count:
                raise ValueError(f"block {seg.block} holds {len(items)}, not {seg.count}")
            seg.items = list(items)
        seg.block = None

    def _locate(self, pos: int) -> tuple[int, int]:
        """(segment index, offset in it) of position `pos` (`len(segs), 0` at the end)."""
        at = 0
        for i, seg in enumerate(self._segs):
            if pos < at + seg.count:
                return i, pos - at
            at += seg.count
        if pos != at:
            raise ValueError(f"position {pos} beyond {at} items")
        return len(self._segs), 0

    def _cut(self, pos: int) -> int:
        """Make `pos` a segment boundary; the index of the segment starting there."""
        i, off = self._locate(pos)
        if off == 0:
            return i
        seg = self._segs[i]
        if seg.block is not None:
            self._dissolve(seg)
        items = seg.items
        right = _Seg(None, seg.count - off, None if items is None else items[off:])
        seg.count = off
        if items is not None:
            seg.items = items[:off]
        self._segs.insert(i + 1, right)
        return i + 1

    # -- operations ---------------------------------------------------------------
    def apply(self, changes: Iterable[Op]) -> Edit:
        for op in changes:
            if isinstance(op, Insert):
                self._insert(op.at, list(op.entries))
            elif isinstance(op, Remove):
                self._remove(op.positions)
            else:
                self._move(op)
        return self

    def _insert(self, at: int, entries: list[Entry]) -> None:
        if entries:
            self._segs.insert(self._cut(at), _Seg(None, len(entries), entries))

    def _remove(self, positions: Sequence[int]) -> None:
        """Drop the items at `positions` (sorted, distinct), in one sweep."""
        todo = list(positions)
        j = 0
        at = 0
        for seg in self._segs:
            mine: list[int] = []
            while j < len(todo) and todo[j] < at + seg.count:
                mine.append(todo[j] - at)
                j += 1
            at += seg.count
            if not mine:
                continue
            if seg.block is not None:
                self._dissolve(seg)
            if seg.items is not None:
                for off in reversed(mine):
                    del seg.items[off]
            seg.count -= len(mine)
        if j != len(todo):
            raise ValueError(f"position {todo[j]} beyond {at} items")

    def _move(self, op: Move) -> None:
        if op.start <= op.before <= op.start + op.length:
            return
        for pos in (op.start, op.start + op.length, op.before):
            self._cut(pos)
        a, b, g = (self._cut(op.start), self._cut(op.start + op.length), self._cut(op.before))
        moved = self._segs[a:b]
        rest = self._segs[:a] + self._segs[b:]
        at = g if g <= a else g - (b - a)
        self._segs = rest[:at] + moved + rest[at:]

    # -- normalising --------------------------------------------------------------
    def _runs(self) -> list[tuple[int, int, int]]:
        """(first, end, items) of each maximal run of loose segments."""
        out: list[tuple[int, int, int]] = []
        i = 0
        segs = self._segs
        while i < len(segs):
            if segs[i].block is not None:
                i += 1
                continue
            j, total = i, 0
            while j < len(segs) and segs[j].block is None:
                total += segs[j].count
                j += 1
            out.append((i, j, total))
            i = j
        return out

    def _normalise(self) -> None:
        """Dissolve each stored block shorter than `MIN` (left by an earlier list that
        was one short block), then merge each run of loose items shorter than `MIN`
        with a neighbouring block, until no run or block is short and has neighbours."""
        while True:
            total = sum(seg.count for seg in self._segs)
            short = next(
                (s for s in self._segs if s.block is not None and s.count < min(MIN, total)),
                None,
            )
            if short is not None:
                self._dissolve(short)
                continue
            for first, end, items in self._runs():
                if items == 0 or items >= MIN:
                    continue
                if first > 0:
                    self._dissolve(self._segs[first - 1])
                    break
                if end < len(self._segs):
                    self._dissolve(self._segs[end])
                    break
            else:
                return

    def plan(self) -> set[int]:
        """The blocks the edit dissolves (to be read before `result`)."""
        self._normalise()
        return self.need

    def result(self) -> Result:
        assert self._loaded is not None, "a planning Edit has no items to write"
        self._normalise()
        reuse = iter(self._dissolved)
        next_id = max((b for b, _ in self._old), default=0) + 1
        used: set[int] = set()
        # Walk segments in order, chunking each run of loose items.
        directory: Directory = []
        writes: list[tuple[int, str]] = []
        i = 0
        segs = self._segs
        while i < len(segs):
            seg = segs[i]
            if seg.block is not None:
                directory.append((seg.block, seg.count))
                i += 1
                continue
            items: list[Entry] = []
            while i < len(segs) and segs[i].block is None:
                run_items = segs[i].items
                assert run_items is not None
                items.extend(run_items)
                i += 1
            at = 0
            for size in chunk_sizes(len(items)):
                block = next(reuse, None)
                if block is None:
                    block, next_id = next_id, next_id + 1
                used.add(block)
                writes.append((block, encode(items[at : at + size])))
                directory.append((block, size))
                at += size
        deletes = [b for b in dict.fromkeys(self._dissolved) if b not in used]
        deletes.extend(b for b in self._empty if b not in used)
        return Result(directory, writes, deletes)


def rechunk(entries: Sequence[Entry]) -> tuple[Directory, list[tuple[int, str]]]:
    """A whole list as fresh blocks numbered from 1 (a migration, a test's fixture)."""
    result = Edit([], {}).apply([Insert(0, tuple(entries))]).result()
    return result.directory, result.writes
