"""Recently edited playlists' position keys, in order, as of one snapshot (per process).

Finding position N of a playlist in the database means walking N entries of the
order index (up to 5,000 in a 10,000-item playlist, 0.6–1 ms on PostgreSQL),
which an add, a reorder and a page read each did. With the keys in order here
the position is an array index: an add or a reorder knows its neighbours' keys
without reading, and a page read seeks the index at its first key.

An entry is valid for exactly one `snapshot_id`. Every change to a playlist's
items is an edit that writes a new, random `snapshot_id` (`PlaylistService._record`),
and a caller uses an entry only when its snapshot is the one it read from the
database (an edit under the playlist's lock, a read in its own snapshot), so an
entry left behind by another process's edit, or by an edit whose transaction
rolled back, is never used: it is simply a miss. Entries are replaced, never
changed in place, so a reader in another thread never sees a half-made one.
Only playlists whose keys are unique are kept (the keys `playlists.keys` makes
always are): rows can then be found by key.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy.engine import Connection, Engine

# Playlists kept per database: 8 bytes a key, so at most ~10 MiB for the largest.
MAX_PLAYLISTS = 128


class KeyOrders:
    """Position keys in order by playlist, each entry tagged with its snapshot."""

    def __init__(self, size: int = MAX_PLAYLISTS) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[str, array[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, playlist_id: str, snapshot_id: str) -> array[int] | None:
        """The keys of `playlist_id` at `snapshot_id`, if kept (never to be changed)."""
        with self._lock:
            found = self._entries.get(playlist_id)
            if found is None or found[0] != snapshot_id:
                return None
            self._entries.move_to_end(playlist_id)
            return found[1]

    def put(self, playlist_id: str, snapshot_id: str, keys: array[int]) -> None:
        with self._lock:
            self._entries[playlist_id] = (snapshot_id, keys)
            self._entries.move_to_end(playlist_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, playlist_id: str) -> None:
        with self._lock:
            self._entries.pop(playlist_id, None)


_by_engine: weakref.WeakKeyDictionary[Engine, KeyOrders] = weakref.WeakKeyDictionary()
_by_engine_lock = threading.Lock()


def orders(bind: Engine | Connection) -> KeyOrders:
    """The key orders of one database (by engine: ids are only unique within one)."""
    engine = bind.engine
    with _by_engine_lock:
        found = _by_engine.get(engine)
        if found is None:
            found = _by_engine[engine] = KeyOrders()
        return found


def unique_order(keys: Sequence[int]) -> array[int] | None:
    """`keys` (in playlist order) as an array, or None unless strictly increasing."""
    out = array("q", keys)
    if any(a >= b for a, b in pairwise(out)):
        return None
    return out


def inserted(keys: array[int], at: int, new: Sequence[int]) -> array[int]:
    """A copy of `keys` with `new` inserted before position `at`."""
    return keys[:at] + array("q", new) + keys[at:]


def moved(keys: array[int], start: int, count: int, before: int, new: Sequence[int]) -> array[int]:
    """A copy of `keys` after moving `count` keys from `start` to gap `before` (positions
    before the move), where they now have the keys `new`."""
    rest = keys[:start] + keys[start + count :]
    at = before if before <= start else before - count
    return rest[:at] + array("q", new) + rest[at:]


def removed(keys: array[int], positions: Sequence[int]) -> array[int]:
    """A copy of `keys` without the keys at `positions` (sorted, distinct)."""
    out = array("q")
    start = 0
    for at in positions:
        out.extend(keys[start:at])
        start = at + 1
    out.extend(keys[start:])
    return out
