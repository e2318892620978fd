"""Helpers for batched `IN (…)` queries on SQLite, shared by the catalog and search.

Values are always bound parameters: only the number of `?` placeholders is
formatted into SQL. Batches are split into chunks so that no statement exceeds
SQLite's bound-variable limit (32766 since 3.32; request batches are far
smaller, internal calls may not be).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

CHUNK: Final = 900

T = TypeVar("T")


def placeholders(n: int) -> str:
    """`?,?,…` with `n` marks, for an `IN (…)` list."""
    return ",".join("?" * n)


def chunks(values: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    """`values` cut into consecutive pieces of at most `size`."""
    return [values[start : start + size] for start in range(0, len(values), size)]
