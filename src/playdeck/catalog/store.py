"""Opening the read-only catalog and handing out connections.

The catalog file is opened read-only and `immutable` (ingest replaces it by
renaming a new file into place, never by writing to it), one connection per
thread, with a bounded page cache and no mmap so that the server's memory does
not grow with the catalog's size. Facts computed at ingest (`catalog_meta`)
are read once at open, among them the name of the serving store (the ready
track and album objects, `catalog.serving`), which is opened with it. Its
memory map is backed by the file: the pages a server touches are the OS
page cache's, not the process's own memory.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

from playdeck.catalog.repository import MarketCache
from playdeck.catalog.schema import CATALOG_FILE, SCHEMA_VERSION
from playdeck.catalog.serving import ServingStore


def read_meta(
    catalog: Path, key: str, table: Literal["catalog_meta", "search_meta"] = "catalog_meta"
) -> str | None:
    """One `catalog_meta` (or the search index's `search_meta`) value of a catalog
    file, without opening it as a store (None when the file is missing, is not a
    catalog, or lacks the key)."""
    if not catalog.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{catalog.resolve()}?mode=ro", uri=True)
        try:
            row = conn.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


class CatalogMissing(RuntimeError):
    """No complete catalog in the given directory."""


class CatalogStore:
    """A read-only catalog: thread-local SQLite connections plus its metadata."""

    def __init__(self, directory: Path, cache_mib: int = 64) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CATALOG_FILE
        if not self.path.is_file():
            raise CatalogMissing(f"no catalog at {self.path} (run `playdeck ingest`)")
        self._cache_kib = cache_mib * 1024
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Rendered `available_markets` rows shared by every thread (see repository).
        self.market_cache: MarketCache = {}
        conn = self.connection()
        rows = conn.execute("SELECT key, value FROM catalog_meta").fetchall()
        self.meta: dict[str, str] = {k: v for k, v in rows}
        if self.meta.get("schema_version") != SCHEMA_VERSION:
            raise CatalogMissing(
                f"catalog at {self.path} has schema {self.meta.get('schema_version')!r}, "
                f"expected {SCHEMA_VERSION!r}: run `playdeck ingest` again"
            )
        serving = self.directory / self.meta.get("serving_store", "")
        if not self.meta.get("serving_store") or not serving.is_file():
            raise CatalogMissing(
                f"catalog at {self.path} has no serving store at {serving}: "
                "run `playdeck ingest` again"
            )
        self.serving = ServingStore.open(serving)
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self.path.resolve()}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute(f"PRAGMA cache_size=-{self._cache_kib}")
            conn.execute("PRAGMA mmap_size=0")
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def meta_int(self, key: str, default: int = 0) -> int:
        value = self.meta.get(key)
        return int(value) if value else default

    def meta_json(self, key: str, default: Any = None) -> Any:
        value = self.meta.get(key)
        return json.loads(value) if value else default

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            if not self._closed:
                self._closed = True
                self.serving.close()
        self._local = threading.local()
