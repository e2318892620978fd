"""Gapped integer position keys: insert and reorder without renumbering the playlist.

Live items are ordered by an integer `position_key`. Keys start `GAP` apart, so
inserting k items between two neighbours picks k keys evenly inside their gap
and touches only the k new rows; moving a range rewrites only the moved rows.
When a gap is too narrow (repeated inserts at one spot halve it each time) or a
key drifts towards the 64-bit limit, the caller renumbers the whole playlist
once (`rebalanced`), which is rare enough to be amortised away. A renumbered gap
holds GAP - 1 items, far more than a playlist's 10,000, so an insert or a move
always fits after one renumbering.
"""

from __future__ import annotations

GAP = 1 << 32
# Keys stay well inside a signed 64-bit column (10,000 items x GAP is ~2^45).
LIMIT = 1 << 60


def between(lo: int | None, hi: int | None, count: int) -> list[int] | None:
    """`count` increasing keys strictly between `lo` and `hi` (None = open end).

    Returns None when the gap cannot hold them: the caller rebalances and asks again.
    """
    if count <= 0:
        return []
    if lo is None and hi is None:
        return [GAP * (i + 1) for i in range(count)]
    if lo is None:
        assert hi is not None
        lo = hi - GAP * (count + 1)
    elif hi is None:
        hi = lo + GAP * (count + 1)
    step = (hi - lo) // (count + 1)
    if step < 1:
        return None
    keys = [lo + step * (i + 1) for i in range(count)]
    if keys[0] <= -LIMIT or keys[-1] >= LIMIT:
        return None
    return keys


def rebalanced(count: int) -> list[int]:
    """Fresh evenly spaced keys for a whole playlist of `count` items."""
    return [GAP * (i + 1) for i in range(count)]
