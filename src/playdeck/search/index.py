"""Building the catalog's full-text search index during ingest.

Placeholder until the search issue's engine lands: ingest calls
`build_search_index` on the catalog file it is writing (tables loaded and
indexed, `catalog_meta` not yet written).
"""

from __future__ import annotations

import sqlite3


def build_search_index(conn: sqlite3.Connection, *, progress: bool = False) -> None:
    """Create and fill the search tables inside the catalog being built."""
