"""`playdeck ingest`: build the serving catalog from the dump (parquet folder or SQLite).

The source is checked first (every table and column of `dump.TABLES`), then the
catalog is written to a temporary file beside the target, `catalog.sqlite3.building-<pid>`,
with journaling off (the file is thrown away unless complete): tables loaded with
their row ids preserved, indexes created after the load, the serving store of
ready objects written beside it under a new name (`catalog.serving`), the search
index built, `catalog_meta` computed (naming the store). Only then are both
fsynced and the SQLite file renamed onto `catalog.sqlite3`: the rename switches
to the new store too. The previous catalog's store is deleted after it; a
server holding the old files open keeps reading the old inodes. An interrupted
ingest leaves at most stale temporary files, removed by the next run. Every
phase is a sequential pass, so cost grows linearly with size.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from playdeck.catalog.dump import (
    AUDIO_FEATURES,
    AUDIO_FEATURES_SQLITE_NAME,
    AUDIO_FEATURES_TABLE,
    TABLES,
    UNAVAILABLE_MARKETS,
)
from playdeck.catalog.schema import ALL_INDEXES, CATALOG_FILE, SCHEMA_VERSION, index_ddl, table_ddl
from playdeck.catalog.serving import (
    STORE_PREFIX,
    STORE_SUFFIX,
    build_serving_store,
    new_store_token,
    remove_store,
    store_name,
    store_pid,
)
from playdeck.catalog.store import read_meta
from playdeck.search.index import build_search_index

log = logging.getLogger(__name__)

BATCH_ROWS: Final = 100_000
TEMP_MARKER: Final = ".building-"
HIPSTER_PERCENTILE: Final = 0.10
# Strings the parquet conversion may use for a missing audio feature.
NULL_STRINGS: Final = ("", "None", "none", "null", "NULL", "NaN", "nan")


class IngestError(Exception):
    """The source does not match the dump's layout, or its data cannot be loaded."""


@dataclass(frozen=True)
class Source:
    """A checked source: its layout and the files (or tables) to read."""

    layout: str  # "parquet" | "sqlite"
    path: Path
    # table -> parquet file, or the SQLite file holding it
    files: dict[str, Path]

    @property
    def has_audio_features(self) -> bool:
        """Whether the source has the (optional) audio features table."""
        return AUDIO_FEATURES_TABLE in self.files


def _columns(table: str) -> list[str]:
    spec = AUDIO_FEATURES if table == AUDIO_FEATURES_TABLE else TABLES[table]
    return [name for name, _ in spec]


def _has_rowid(table: str) -> bool:
    return "rowid" in _columns(table)


# -- validation ---------------------------------------------------------------------------
def check_source(source: Path) -> Source:
    """Check every required table and column; raise IngestError naming what is missing."""
    source = Path(source)
    if source.is_dir():
        return _check_parquet(source)
    if source.is_file():
        return _check_sqlite(source)
    raise IngestError(f"{source}: no such parquet folder or SQLite file")


def _check_parquet(folder: Path) -> Source:
    files: dict[str, Path] = {}
    for table in [*TABLES, AUDIO_FEATURES_TABLE]:
        path = folder / f"{table}.parquet"
        if not path.is_file():
            if table == AUDIO_FEATURES_TABLE:
                continue  # optional: the catalog serves without audio features
            raise IngestError(f"{path}: missing table file for '{table}'")
        try:
            names = set(pq.read_schema(path).names)
        except (OSError, pa.ArrowInvalid) as exc:
            raise IngestError(f"{path}: not a readable parquet file ({exc})") from exc
        for column in _columns(table):
            if column not in names:
                raise IngestError(f"{path}: missing column '{column}'")
        files[table] = path
    return Source("parquet", folder, files)


def _sqlite_columns(path: Path, table: str) -> set[str] | None:
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise IngestError(f"{path}: cannot open ({exc})") from exc
    try:
        rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    except sqlite3.DatabaseError as exc:
        raise IngestError(f"{path}: not a readable SQLite file ({exc})") from exc
    finally:
        conn.close()
    # `rowid` is SQLite's implicit row id in the torrent's files.
    return {r[1] for r in rows} | {"rowid"} if rows else None


def _check_sqlite(main: Path) -> Source:
    files: dict[str, Path] = {}
    features = main.parent / AUDIO_FEATURES_SQLITE_NAME
    for table in [*TABLES, AUDIO_FEATURES_TABLE]:
        path = features if table == AUDIO_FEATURES_TABLE else main
        if table == AUDIO_FEATURES_TABLE and not features.is_file():
            continue  # optional: the catalog serves without audio features
        names = _sqlite_columns(path, table)
        if names is None:
            raise IngestError(f"{path}: missing table '{table}'")
        for column in _columns(table):
            if column not in names:
                raise IngestError(f"{path}: table '{table}' missing column '{column}'")
        files[table] = path
    return Source("sqlite", main, files)


# -- progress -------------------------------------------------------------------------------
class Progress:
    """One bar across phases, in rows: load, then index builds, search and meta."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = tqdm(
            total=total, unit="row", unit_scale=True, desc="ingest", disable=not enabled
        )

        self.timings: dict[str, float] = {}
        self._current = ""
        self._since = time.monotonic()

    def phase(self, name: str) -> None:
        """Start a phase; the time spent in each kind of phase is kept in `timings`."""
        self._stop()
        self._current = name.split(" ")[0]
        self.bar.set_description(f"ingest: {name}")

    def _stop(self) -> None:
        now = time.monotonic()
        if self._current:
            self.timings[self._current] = self.timings.get(self._current, 0.0) + now - self._since
        self._since = now

    def advance(self, rows: int) -> None:
        """Count rows done in the current phase."""
        self.bar.update(rows)

    def close(self) -> None:
        """Close the bar, keeping the last phase's time."""
        self._stop()
        self._current = ""
        self.bar.close()


# -- building -----------------------------------------------------------------------------------
def _row_estimates(source: Source) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, path in source.files.items():
        if source.layout == "parquet":
            counts[table] = pq.ParquetFile(path).metadata.num_rows
        else:
            conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
            try:
                # max(rowid) is a b-tree seek, count(*) would be a full scan.
                counts[table] = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
            finally:
                conn.close()
    return counts


def _open_building(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path))}", uri=True, isolation_level=None)
    # The file is renamed into place only when complete, so no journal is needed.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("PRAGMA cache_size=-524288")  # 512 MiB helps the index sorts
    conn.execute("PRAGMA temp_store=FILE")
    return conn


def to_python(column: pa.Array | pa.ChunkedArray) -> list[object]:
    """Column values as Python objects for executemany, nulls as None.

    Through numpy, about ten times faster than `to_pylist`, which builds a
    scalar object per value: this conversion dominated the parquet load.
    """
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values: list[object] = column.to_numpy(zero_copy_only=False).tolist()
        return values
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return list(column.to_pylist())
    if column.null_count == 0:
        return list(column.to_numpy().tolist())
    values = column.fill_null(0).to_numpy().tolist()
    for index in np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False)).tolist():
        values[index] = None
    return values


def _insert_sql(table: str, with_rowid: bool) -> str:
    cols = [c for c in _columns(table) if c != "rowid"]
    if with_rowid:
        cols = ["rowid", *cols]
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def _feature_batch(batch: pa.RecordBatch, path: Path) -> list[pa.Array]:
    """Audio features as numbers: strings in the parquet conversion, NULL when empty."""
    out: list[pa.Array] = []
    for name, kind in AUDIO_FEATURES:
        column = batch.column(name)
        if name == "track_id":
            out.append(column.cast(pa.string()))
            continue
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.utf8_trim_whitespace(column)
            blank = pc.is_in(column, pa.array(NULL_STRINGS))
            column = pc.if_else(blank, pa.scalar(None, column.type), column)
            # Converters differ on flags (null_response, mode): accept booleans' names.
            column = pc.replace_substring_regex(column, pattern="^(?i:true)$", replacement="1")
            column = pc.replace_substring_regex(column, pattern="^(?i:false)$", replacement="0")
        target = pa.float64() if kind == "REAL" or name == "tempo" else pa.int64()
        try:
            number = column.cast(pa.float64())
            out.append(number if target == pa.float64() else number.cast(pa.int64()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise IngestError(f"{path}: column '{name}' holds a non-number ({exc})") from exc
    return out


def _load_parquet(
    conn: sqlite3.Connection, source: Source, progress: Progress, counts: dict[str, int]
) -> None:
    for table, path in source.files.items():
        progress.phase(f"load {table}")
        columns = _columns(table)
        insert = _insert_sql(table, _has_rowid(table))
        loaded = 0
        try:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=columns):
                if table == AUDIO_FEATURES_TABLE:
                    arrays = _feature_batch(batch, path)
                else:
                    arrays = [batch.column(c) for c in columns]
                conn.executemany(insert, zip(*(to_python(a) for a in arrays), strict=True))
                loaded += batch.num_rows
                progress.advance(batch.num_rows)
        except (pa.ArrowException, sqlite3.IntegrityError, sqlite3.InterfaceError) as exc:
            # A corrupt file, or values of the wrong type (a text row id, say).
            raise IngestError(f"{path}: cannot load row {loaded + 1} onward ({exc})") from exc
        counts[table] = loaded


def _load_sqlite(
    conn: sqlite3.Connection, source: Source, progress: Progress, counts: dict[str, int]
) -> None:
    attached: dict[Path, str] = {}
    for table, path in source.files.items():
        if path not in attached:
            alias = f"src{len(attached)}"
            uri = f"file:{quote(str(path.resolve()))}?mode=ro"
            conn.execute(f"ATTACH DATABASE ? AS {alias}", (uri,))
            attached[path] = alias
        alias = attached[path]
        progress.phase(f"load {table}")
        columns = [c for c in _columns(table) if c != "rowid"]
        if table == AUDIO_FEATURES_TABLE:
            # Empty strings would become 0 under numeric affinity: make them NULL.
            select = ", ".join(c if c == "track_id" else f"NULLIF({c}, '')" for c in columns)
        else:
            select = ", ".join(columns)
        # Link tables keep their scan order (credit order) under fresh row ids;
        # entity tables keep the dump's row ids, the join keys.
        target = ["rowid", *columns] if _has_rowid(table) else columns
        source_cols = f"rowid, {select}" if _has_rowid(table) else select
        high = conn.execute(f"SELECT max(rowid) FROM {alias}.{table}").fetchone()[0] or 0
        loaded, low = 0, 0
        # Row id ranges are b-tree seeks on the source, and give the bar its steps.
        while low < high:
            cur = conn.execute(
                f"INSERT INTO main.{table} ({', '.join(target)}) "
                f"SELECT {source_cols} FROM {alias}.{table} "
                "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                (low, low + BATCH_ROWS * 2),
            )
            loaded += max(cur.rowcount, 0)
            progress.advance(min(BATCH_ROWS * 2, high - low))
            low += BATCH_ROWS * 2
        counts[table] = loaded
    conn.execute("COMMIT")  # DETACH is refused inside a transaction
    for alias in attached.values():
        conn.execute(f"DETACH DATABASE {alias}")
    conn.execute("BEGIN")


def _index_statements() -> Iterator[tuple[str, str]]:
    for (_, table, _, _), statement in zip(ALL_INDEXES, index_ddl(), strict=True):
        yield table, statement


def _create_indexes(
    conn: sqlite3.Connection, progress: Progress, counts: dict[str, int], source: Source
) -> None:
    for table, statement in _index_statements():
        progress.phase(f"index {table}")
        try:
            conn.execute(statement)
        except sqlite3.IntegrityError as exc:
            where = source.files.get(table, source.path)
            raise IngestError(f"{where}: duplicate values in '{table}' ({exc})") from exc
        progress.advance(counts.get(table, 0))


def compute_meta(
    conn: sqlite3.Connection, source: Source, counts: dict[str, int]
) -> dict[str, str]:
    """Facts served without scanning: counts, newest release, percentiles, lists."""
    albums = counts.get("albums", 0)
    newest = conn.execute(
        "SELECT release_date FROM albums WHERE release_date_precision = 'day' "
        "ORDER BY release_date DESC LIMIT 1"
    ).fetchone()
    # Nearest-rank percentile: the value at or below which 10% of albums fall.
    rank = max(0, -(-albums * 10 // 100) - 1) if albums else 0
    hipster = conn.execute(
        "SELECT popularity FROM albums WHERE popularity IS NOT NULL "
        "ORDER BY popularity LIMIT 1 OFFSET ?",
        (rank,),
    ).fetchone()
    genres = [
        g
        for (g,) in conn.execute(
            "SELECT DISTINCT genre FROM artist_genres WHERE genre <> '' ORDER BY genre"
        )
    ]
    markets: set[str] = set()
    for (text,) in conn.execute("SELECT available_markets FROM available_markets"):
        if text and text != UNAVAILABLE_MARKETS:
            markets.update(code for code in text.split(",") if code)
    return {
        "schema_version": SCHEMA_VERSION,
        "source": f"{source.layout}:{source.path.resolve()}",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "count_tracks": str(counts.get("tracks", 0)),
        "count_albums": str(albums),
        "count_artists": str(counts.get("artists", 0)),
        "count_audio_features": str(counts.get(AUDIO_FEATURES_TABLE, 0)),
        "newest_release_date": newest[0] if newest else "",
        "hipster_popularity": str(hipster[0] if hipster else 0),
        "genres": json.dumps(genres, ensure_ascii=False),
        "markets": json.dumps(sorted(markets)),
    }


def _clean_stale(catalog_dir: Path) -> None:
    """Remove temporary files of earlier ingests whose process is gone, and serving
    stores that no catalog names (left by an interrupted or superseded ingest)."""
    for path in catalog_dir.glob(f"{CATALOG_FILE}{TEMP_MARKER}*"):
        pid_text = path.name.rsplit(TEMP_MARKER, 1)[1]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and _alive(int(pid_text)):
            continue  # another ingest is writing it right now
        log.info("removing stale %s", path)
        path.unlink(missing_ok=True)
    current = read_meta(catalog_dir / CATALOG_FILE, "serving_store")
    for path in catalog_dir.glob(f"{STORE_PREFIX}*{STORE_SUFFIX}"):
        pid = store_pid(path)
        if path.name == current or (pid is not None and pid != os.getpid() and _alive(pid)):
            continue
        log.info("removing stale %s", path)
        remove_store(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ingest(source: Path, catalog_dir: Path, *, progress: bool) -> None:
    """Check SOURCE, build the catalog beside the target and rename it into place."""
    started = time.monotonic()
    checked = check_source(source)
    catalog_dir = Path(catalog_dir)
    catalog_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(catalog_dir)
    final = catalog_dir / CATALOG_FILE
    building = catalog_dir / f"{CATALOG_FILE}{TEMP_MARKER}{os.getpid()}"
    building.unlink(missing_ok=True)
    serving = catalog_dir / store_name(new_store_token())
    estimates = _row_estimates(checked)
    indexed = sum(estimates.get(table, 0) for _, table, _, _ in ALL_INDEXES)
    searchable = sum(estimates.get(t, 0) for t in ("tracks", "albums", "artists"))
    served_rows = sum(estimates.get(t, 0) for t in ("tracks", "albums", "available_markets"))
    bar = Progress(sum(estimates.values()) + indexed + served_rows + searchable, progress)
    conn = _open_building(building)
    try:
        for statement in table_ddl():
            conn.execute(statement)
        counts: dict[str, int] = {}
        conn.execute("BEGIN")
        if checked.layout == "parquet":
            _load_parquet(conn, checked, bar, counts)
        else:
            _load_sqlite(conn, checked, bar, counts)
        _create_indexes(conn, bar, counts, checked)
        bar.phase("serving store")
        build_serving_store(conn, serving, lambda _table, rows: bar.advance(rows))
        conn.execute("COMMIT")
        bar.phase("search index")
        build_search_index(conn, progress=progress)
        if conn.in_transaction:
            conn.execute("COMMIT")
        bar.advance(searchable)
        bar.phase("meta")
        meta = compute_meta(conn, checked, counts)
        meta["serving_store"] = serving.name
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
        # Planner statistics, sampled so it stays cheap at any size.
        bar.phase("analyze and rename")
        conn.execute("PRAGMA analysis_limit=1000")
        conn.execute("ANALYZE main")
        conn.close()
        _fsync(building)
        previous = read_meta(final, "serving_store")
        os.replace(building, final)
        _fsync(catalog_dir)
        if previous and previous != serving.name:
            remove_store(catalog_dir / previous)
    except BaseException:
        conn.close()
        building.unlink(missing_ok=True)
        remove_store(serving)
        raise
    finally:
        bar.close()
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in bar.timings.items())
    log.info(
        "catalog %s: %s tracks in %.1f s (%s)",
        final,
        meta["count_tracks"],
        time.monotonic() - started,
        phases,
    )
