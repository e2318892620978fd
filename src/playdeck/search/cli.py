"""`playdeck match`: the matching function over standard input or a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import click
import orjson

from playdeck.catalog.store import CatalogMissing, CatalogStore
from playdeck.kit.errors import PlaydeckError
from playdeck.search.match import Matcher


def run_match(source: IO[str], catalog_dir: Path) -> None:
    """Print one JSON object per input line, in input order, as each is matched."""
    try:
        store = CatalogStore(catalog_dir)
    except CatalogMissing as exc:
        raise click.ClickException(str(exc)) from exc
    lines = [line.rstrip("\r\n") for line in source]
    out = sys.stdout.buffer
    try:
        try:
            matcher = Matcher(store)
        except PlaydeckError as exc:
            raise click.ClickException(exc.message) from exc
        for result in matcher.iter_match(lines):
            out.write(orjson.dumps(result) + b"\n")
        out.flush()
    finally:
        store.close()
