"""A playlist's items stored in blocks: one row per run of up to `MAX` items.

An edit, a page read or a delete in a 10,000-item playlist touches a few blocks,
not a row per item: an add of 100 items writes one or two rows where it wrote
100 rows and 200 index entries, a page of 100 items is one to three rows.

- **The directory** (`playlists.blocks`, read with the playlist row): the ids of
  the playlist's blocks in order with their item counts, `[[id, count], …]`.
  Position N is found by summing counts; only the blocks an operation touches
  are read.
- **A block** (`playlist_blocks.items`): its items as compact JSON (`encode`):
  the URIs (a catalog track by its bare id) and the `(added_at, added_by)` runs.
- **Sizes stay bounded.** Every block of a playlist holds `MIN`–`MAX` items,
  except the only block of a playlist shorter than `MIN`. So a range of 100
  items spans at most three blocks and 10,000 items at most 200 blocks.

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
from itertools import groupby, repeat
from operator import attrgetter, itemgetter, methodcaller

import orjson

from playdeck.playlists.ops import Entry, Insert, Move, Op, Remove

MAX = 200
# At most (MAX + 1) // 2 (splitting MAX + 1 items must leave MIN in each); well
# below it, so that blocks left at half size by splits and appends of 100 are not
# merged again by the next removal.
MIN = 50

Directory = list[tuple[int, int]]  # (block id, item count), in playlist order
# One item: (uri, added_at, added_by). `ops.Entry` is one; blocks decode to plain
# tuples, which cost a tenth of a NamedTuple to make (a page read makes hundreds).
Item = tuple[str, str, str | None]

TRACK = "spotify:track:"  # a catalog track's URI: this, then its 22-character id
_bare = methodcaller("removeprefix", TRACK)


def parse_directory(text: str | None) -> Directory:
    return [(b, n) for b, n in orjson.loads(text or "[]")]


def dump_directory(directory: Directory) -> str:
    return orjson.dumps(directory).decode()


def encode(items: Sequence[Item]) -> str:
    """A block's stored text: `[uris, runs]`, a catalog track's URI as its bare id (no
    colon, where any other URI has one), `runs` as `[count, added_at, added_by]` for
    consecutive items added together (usually one or two runs a block)."""
    if not items:
        return orjson.dumps([[], []]).decode()
    full, stamps, bys = zip(*items, strict=True)
    uris = list(map(_bare, full))  # in C: an edit encodes a few hundred items
    n = len(items)
    if stamps.count(stamps[0]) == n and bys.count(bys[0]) == n:  # one run (the usual)
        runs: list[list[object]] = [[n, stamps[0], bys[0]]]
    else:
        added = groupby(zip(stamps, bys, strict=True))
        runs = [[len(list(run)), at, by] for (at, by), run in added]
    return orjson.dumps([uris, runs]).decode()


def decode(text: str | bytes) -> list[Item]:
    uris, runs = orjson.loads(text)
    full = [u if ":" in u else TRACK + u for u in uris]
    if len(runs) == 1:
        _, added_at, added_by = runs[0]
        return list(zip(full, repeat(added_at), repeat(added_by), strict=False))
    out: list[Item] = []
    i = 0
    for count, added_at, added_by in runs:
        out.extend(zip(full[i : i + count], repeat(added_at), repeat(added_by), strict=False))
        i += count
    return out


def needle(uri: str) -> str:
    """The text a block holding `uri` contains (what `encode` writes for it, quoted):
    the database filters blocks by it; callers still check the decoded items."""
    return orjson.dumps(uri[14:] if uri.startswith(TRACK) else uri).decode()


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


def locate(directory: Directory, positions: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(block id, index in that block) of each of `positions`, by position (a negative
    one counts from the end; one past the end, or beyond, is in no block and left out)."""
    total: int | None = None
    wanted: list[tuple[int, int]] = []  # (position from the start, position given)
    for given in set(positions):
        at = given
        if given < 0:
            if total is None:
                total = sum(n for _, n in directory)
            at = total + given
        if at >= 0:
            wanted.append((at, given))
    wanted.sort()
    out: dict[int, tuple[int, int]] = {}
    start = 0
    i = 0
    for block, n in directory:
        while i < len(wanted) and wanted[i][0] < start + n:
            at, given = wanted[i]
            out[given] = (block, at - start)
            i += 1
        if i == len(wanted):
            break
        start += n
    return out


def holding(directory: Directory, positions: Iterable[int]) -> list[int]:
    """Ids of the blocks holding `positions`, in playlist order (`locate`)."""
    found = {block for block, _ in locate(directory, positions).values()}
    return [block for block, _ in directory if block in found]


def in_order(directory: Directory, loaded: Mapping[int, Sequence[Item]]) -> list[Item]:
    """The items of the `loaded` blocks in the directory's order (every block named)."""
    out: list[Item] = []
    for block, _ in directory:
        out.extend(loaded[block])
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

    def __init__(self, block: int | None, count: int, items: list[Item] | None) -> None:
        self.block = block
        self.count = count
        self.items = items


@dataclass(frozen=True, slots=True)
class Result:
    directory: Directory
    writes: list[tuple[int, str]]  # (block id, encoded items), inserted or replaced
    deletes: list[int]
    items: dict[int, list[Item]]  # the items of each block written, by block id


class Edit:
    """Operations applied to a playlist's blocks (see the module docstring).

    `loaded` holds the items of the blocks read (none: the edit only plans). A block
    the edit dissolves that is not in `loaded` is collected in `need` (`plan()`);
    when `need` is empty after the operations, `result()` gives the writes, else
    the caller reads those blocks and applies the operations again."""

    def __init__(
        self, directory: Directory, loaded: Mapping[int, Sequence[Item]] | None = None
    ) -> None:
        self._old = directory
        self._loaded = loaded if loaded is not None else {}
        self._segs = [_Seg(b, n, None) for b, n in directory if n]
        self._empty = [b for b, n in directory if not n]  # never written; dropped here
        self.need: set[int] = set()
        self._dissolved: list[int] = []
        self._normal = False

    # -- cutting ------------------------------------------------------------------
    def _dissolve(self, seg: _Seg) -> None:
        assert seg.block is not None
        self._dissolved.append(seg.block)
        items = self._loaded.get(seg.block)
        if items is None:
            self.need.add(seg.block)
            seg.items = None
        else:
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
        self._normal = False
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
            items: list[Item] = list(entries)
            self._segs.insert(self._cut(at), _Seg(None, len(items), items))

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
        ends = (op.start, op.start + op.length, op.before)
        for pos in ends:
            self._cut(pos)
        first: dict[int, int] = {}  # segment index starting at each position
        at = 0
        for i, seg in enumerate(self._segs):
            first.setdefault(at, i)
            at += seg.count
        first.setdefault(at, len(self._segs))
        a, b, g = (first[pos] for pos in ends)
        moved = self._segs[a:b]
        rest = self._segs[:a] + self._segs[b:]
        at = g if g <= a else g - (b - a)
        self._segs = rest[:at] + moved + rest[at:]

    # -- normalising --------------------------------------------------------------
    def _normalise(self) -> None:
        """Dissolve each stored block shorter than `MIN` (left by an earlier list that
        was one short block) and merge each run of loose items shorter than `MIN` with
        a neighbouring block, until no block or run is short and has neighbours."""
        if self._normal:
            return
        limit = min(MIN, sum(map(attrgetter("count"), self._segs)))
        while True:
            segs = self._segs
            victim: _Seg | None = None
            i, n = 0, len(segs)
            while i < n and victim is None:
                if segs[i].block is not None:
                    if segs[i].count < limit:
                        victim = segs[i]
                    i += 1
                    continue
                j, run = i, 0
                while j < n and segs[j].block is None:
                    run += segs[j].count
                    j += 1
                if 0 < run < MIN and (i > 0 or j < n):
                    victim = segs[i - 1] if i > 0 else segs[j]
                i = j
            if victim is None:
                break
            self._dissolve(victim)
        self._normal = True

    def plan(self) -> set[int]:
        """The blocks the edit dissolves (to be read before `result`)."""
        self._normalise()
        return self.need

    def result(self) -> Result:
        self._normalise()
        if self.need:
            raise ValueError(f"blocks {sorted(self.need)} were not read")
        reuse = iter(self._dissolved)
        next_id = max(map(itemgetter(0), self._old), default=0) + 1
        used: set[int] = set()
        # Walk segments in order, chunking each run of loose items.
        directory: Directory = []
        writes: list[tuple[int, str]] = []
        written: dict[int, list[Item]] = {}
        run: list[Item] = []

        def flush() -> None:
            nonlocal next_id
            at = 0
            for size in chunk_sizes(len(run)):
                block = next(reuse, None)
                if block is None:
                    block, next_id = next_id, next_id + 1
                used.add(block)
                written[block] = run[at : at + size]
                writes.append((block, encode(written[block])))
                directory.append((block, size))
                at += size
            run.clear()

        for seg in self._segs:
            if seg.block is None:
                assert seg.items is not None
                run.extend(seg.items)
                continue
            if run:
                flush()
            directory.append((seg.block, seg.count))
        flush()
        deletes = [b for b in dict.fromkeys(self._dissolved) if b not in used]
        deletes.extend(b for b in self._empty if b not in used)
        return Result(directory, writes, deletes, written)


def rechunk(entries: Sequence[Item]) -> tuple[Directory, list[tuple[int, str]]]:
    """A whole list as fresh blocks numbered from 1 (a migration, a test's fixture)."""
    directory: Directory = []
    writes: list[tuple[int, str]] = []
    at = 0
    for size in chunk_sizes(len(entries)):
        writes.append((len(writes) + 1, encode(entries[at : at + size])))
        directory.append((len(writes), size))
        at += size
    return directory, writes
