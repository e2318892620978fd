"""What this process last saw of each recently used playlist: its block directory (a
hint) and, for playlists it edits, the state an edit could start from.

**Directories.** An edit or a page read must know which blocks hold its positions
before it can read them, and the directory that says so is on the playlist row.
Guessing the block ids from the directory last seen here lets one statement read
the playlist row and the guessed blocks together (`repository.page_reads`,
`repository.lock_items`). A hint is never trusted: the caller plans with the
directory read in the same statement, uses a guessed block only when that
statement's snapshot is the current one (see `lock_items`), and reads any block
it still needs. A stale or missing hint (another process edited the playlist, an
edit rolled back) costs one more statement, never a wrong answer.

**Known states** (`Known`). After each item edit this process keeps the playlist's
new state (the locked row's columns) and the items of the blocks it read or wrote,
as of the new snapshot. On PostgreSQL the next add, reorder or positional delete of the same
playlist by its owner may start from that state instead of locking the row: it
computes its writes from it and makes them conditional on the playlist still
being at that snapshot (one statement, one round trip, `kit.db.defer_write` with
`expect_row`). If another writer got there first the statement changes nothing,
and the request runs again under the lock (`kit.db.StaleWrite`). So a known state
is never trusted either; it is only used while it is `current`: the last lock
taken here found nobody else had written since this process's own last edit. A
playlist edited from several processes in turn is never current, and its edits
lock as before, at no extra cost.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping

from sqlalchemy.engine import Connection, Engine

from playdeck.playlists.blocks import Item
from playdeck.playlists.repository import LockedPlaylist

# About 1–3 KB a playlist (a directory of up to 200 blocks).
MAX_PLAYLISTS = 1024
# Items of known blocks kept in all (about 170 bytes each: 200,000 is ~35 MB, twenty
# playlists of 10,000 items); the least recently used playlists' are dropped first.
MAX_KNOWN_ITEMS = 200_000


@dataclasses.dataclass(slots=True)
class Known:
    """A playlist's state as of `state.snapshot_id` and the items of some of its blocks
    then (block id → items, never mutated: `blocks.Edit` copies what it changes)."""

    state: LockedPlaylist
    blocks: dict[int, list[Item]]
    current: bool
    items: int = 0  # how many items `blocks` hold (what the cache's bound counts)


class Directories:
    """Directory texts and known states by playlist id, least recently used dropped
    first."""

    def __init__(self, size: int = MAX_PLAYLISTS, known_items: int = MAX_KNOWN_ITEMS) -> None:
        self.size = size
        self.known_items = known_items
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._known: OrderedDict[str, Known] = OrderedDict()
        self._items = 0
        self._lock = threading.Lock()

    def get(self, playlist_id: str) -> str | None:
        with self._lock:
            found = self._entries.get(playlist_id)
            if found is not None:
                self._entries.move_to_end(playlist_id)
            return found

    def put(self, playlist_id: str, directory: str) -> None:
        """The playlist's directory as last seen; the state known until then is
        dropped (the playlist changed, or its known state is not sure any more)."""
        with self._lock:
            self._entries[playlist_id] = directory
            self._entries.move_to_end(playlist_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            self._drop(playlist_id)

    def forget(self, playlist_id: str) -> None:
        with self._lock:
            self._entries.pop(playlist_id, None)
            self._drop(playlist_id)

    def known(self, playlist_id: str) -> Known | None:
        """The known state (a copy of the row; the blocks shared, read-only)."""
        with self._lock:
            found = self._known.get(playlist_id)
            if found is None:
                return None
            self._known.move_to_end(playlist_id)
            return Known(dataclasses.replace(found.state), found.blocks, found.current, found.items)

    def remember(
        self,
        state: LockedPlaylist,
        blocks: Mapping[int, list[Item]],
        *,
        current: bool,
    ) -> None:
        """Keep `state` (copied) and `blocks` as this process's view of the playlist,
        with its directory as the hint."""
        count = sum(map(len, blocks.values()))
        known = Known(dataclasses.replace(state), dict(blocks), current, count)
        with self._lock:
            self._entries[state.id] = state.blocks
            self._entries.move_to_end(state.id)
            self._drop(state.id)
            self._known[state.id] = known
            self._items += known.items
            while self._items > self.known_items and len(self._known) > 1:
                self._drop(next(iter(self._known)))

    def _drop(self, playlist_id: str) -> None:
        gone = self._known.pop(playlist_id, None)
        if gone is not None:
            self._items -= gone.items


_by_engine: weakref.WeakKeyDictionary[Engine, Directories] = weakref.WeakKeyDictionary()
_by_engine_lock = threading.Lock()


def directories(bind: Engine | Connection) -> Directories:
    """The hints of one database (by engine: playlist ids are only unique within one)."""
    engine = bind.engine
    with _by_engine_lock:
        found = _by_engine.get(engine)
        if found is None:
            found = _by_engine[engine] = Directories()
        return found
