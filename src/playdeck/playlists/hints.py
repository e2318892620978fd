"""The last block directory this process saw for each recently used playlist (a hint).

An edit or a page read must know which blocks hold its positions before it can
read them, and the directory that says so is on the playlist row. Guessing the
block ids from the directory last seen here lets one statement read the
playlist row and the guessed blocks together (`repository.page`,
`repository.lock_items`). A hint is never trusted: the caller plans with the
directory read in the same statement, uses a guessed block only when that
statement's snapshot is the current one (see `lock_items`), and reads any block
it still needs. A stale or missing hint (another process edited the playlist, an
edit rolled back) costs one more statement, never a wrong answer.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from sqlalchemy.engine import Connection, Engine

# About 1–3 KB a playlist (a directory of up to 200 blocks).
MAX_PLAYLISTS = 1024


class Directories:
    """Directory texts by playlist id, least recently used dropped first."""

    def __init__(self, size: int = MAX_PLAYLISTS) -> None:
        self.size = size
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, playlist_id: str) -> str | None:
        with self._lock:
            found = self._entries.get(playlist_id)
            if found is not None:
                self._entries.move_to_end(playlist_id)
            return found

    def put(self, playlist_id: str, directory: str) -> None:
        with self._lock:
            self._entries[playlist_id] = directory
            self._entries.move_to_end(playlist_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, playlist_id: str) -> None:
        with self._lock:
            self._entries.pop(playlist_id, None)


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
