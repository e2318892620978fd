"""The serving store: every track and album object rendered once, at ingest.

A full track object is the track, its artists in credit order, its album with
the album's own artists and images, and two market lists. Assembling that per
request from rows cost more than reading them (two thirds of a 50-track batch
went on building Python objects), and reading rows from a 10M-track SQLite
file costs several pager reads per row. So ingest renders each object once and
keeps it in an LMDB file beside `catalog.sqlite3`, named by its `catalog_meta`
key `serving_store`. LMDB reads are a descent through a memory-mapped B+tree:
no system call, about a microsecond per object once its page is mapped (a
first touch costs a page fault, a few more).

Named databases in the file:

- `tracks`: Spotify id -> `<market row id, album's market row id>` + the
  full track object without `album` and without its market fields, a newline
  (never part of JSON text) and its album's simplified object: one read gives
  the whole track.
- `albums`: album row id (8 bytes, big-endian) -> `<market row id>` + the
  simplified album object without its market fields (search pages and
  discographies list albums on their own).
- `markets`: market row id -> its codes as the JSON list responses carry
  (`[]` for the dump's "unavailable" sentinel).
- `meta`: the zstd dictionaries the objects were compressed with.

Objects are zstd frames compressed with a dictionary trained on the first
objects written (keys, URL prefixes and ids repeat: about a fifth of their
JSON's size), and their `href`s are relative (`"href":"/v1/…"`) so the
server splices in its own public URL. Market fields depend on the request's
`market`, so they are spliced in at serve time too (`catalog.schemas`).

Everything is written in key order with LMDB's append mode, in transactions of
`COMMIT_EVERY` objects, from ordered scans of the loaded dump tables: cost is
linear in the catalog's size.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, groupby, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar, Final

import lmdb
import orjson
import zstandard

from playdeck.catalog import schemas
from playdeck.catalog.dump import UNAVAILABLE_MARKETS
from playdeck.catalog.repository import AlbumRow, TrackRow

STORE_PREFIX: Final = "serving-"
STORE_SUFFIX: Final = ".lmdb"
TRACKS: Final = b"tracks"
ALBUMS: Final = b"albums"
MARKETS: Final = b"markets"
META: Final = b"meta"

_TRACK_HEAD: Final = struct.Struct("<II")  # market row ids: the track's, its album's
_ALBUM_HEAD: Final = struct.Struct("<I")  # market row id
_ROWID: Final = struct.Struct(">Q")  # big-endian, so byte order is numeric order

# LMDB maps this much address space (not memory, not disk) while writing.
MAP_SIZE: Final = 1 << 40
COMMIT_EVERY: Final = 50_000
# Dictionary training: zstd's recommended size, from the first objects written.
DICT_SIZE: Final = 112_640
DICT_SAMPLES: Final = 20_000
ZSTD_LEVEL: Final = 3

TRACK_COLUMNS: Final = (
    "t.rowid, t.id, t.name, t.preview_url, t.album_rowid, t.track_number, t.external_id_isrc, "
    "t.popularity, t.available_markets_rowid, t.disc_number, t.duration_ms, t.explicit"
)
ALBUM_COLUMNS: Final = (
    "al.rowid, al.id, al.name, al.album_type, al.available_markets_rowid, al.external_id_upc, "
    "al.copyright_c, al.copyright_p, al.label, al.popularity, al.release_date, "
    "al.release_date_precision, al.total_tracks"
)


def rowid_key(rowid: int) -> bytes:
    """The store's key for a row id (sorts like the number)."""
    return _ROWID.pack(rowid)


def split_markets(value: str | None) -> list[str]:
    """The market codes of an `available_markets` value (the sentinel means none)."""
    if not value or value == UNAVAILABLE_MARKETS:
        return []
    return [code for code in value.split(",") if code]


def store_name(token: str) -> str:
    """The file name of a serving store (`token` makes it unique per ingest)."""
    return f"{STORE_PREFIX}{token}{STORE_SUFFIX}"


# -- building ------------------------------------------------------------------


def _artist(row: tuple[Any, ...]) -> dict[str, Any]:
    return schemas.artist_object("", row[1], row[2])


def _image(row: tuple[Any, ...]) -> dict[str, Any]:
    return schemas.image_object(row[1], row[2], row[3])


def _packed(
    rows: Iterable[tuple[Any, ...]], item: Callable[[tuple[Any, ...]], object]
) -> Iterator[tuple[int, bytes]]:
    """(owner, JSON list of `item(row)`) for rows ordered by owner (their first column)."""
    for owner, group in groupby(rows, key=itemgetter(0)):
        yield owner, orjson.dumps([item(r) for r in group])


def _fill(conn: sqlite3.Connection, table: str, rows: Iterator[tuple[int, bytes]]) -> None:
    conn.execute(f"CREATE TEMP TABLE {table} (owner INTEGER PRIMARY KEY, packed BLOB)")
    # executemany streams the generator: memory stays one owner's rows.
    conn.executemany(f"INSERT INTO temp.{table} VALUES (?, ?)", rows)


def _fragment(packed: bytes | None) -> orjson.Fragment:
    return orjson.Fragment(packed or b"[]")


def _train(samples: Sequence[bytes]) -> bytes:
    """A zstd dictionary for objects like `samples`; empty when they are too few to train on."""
    total = sum(len(s) for s in samples)
    if len(samples) < 100:
        return b""
    try:
        trained = zstandard.train_dictionary(min(DICT_SIZE, total // 10), list(samples))
    except zstandard.ZstdError:
        return b""
    return trained.as_bytes()


def _compressor(dictionary: bytes) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(
        level=ZSTD_LEVEL,
        dict_data=zstandard.ZstdCompressionDict(dictionary) if dictionary else None,
        write_checksum=False,
        write_dict_id=False,
    )


def _write(
    env: lmdb.Environment,
    db: Any,
    name: bytes,
    objects: Iterator[tuple[bytes, bytes, bytes]],
    advance: Callable[[int], None],
) -> None:
    """Write `(key, header, JSON)` in key order, compressed with a dictionary
    trained on the first `DICT_SAMPLES` objects (stored under `meta`)."""
    head = list(islice(objects, DICT_SAMPLES))
    dictionary = _train([obj for _, _, obj in head])
    meta = env.open_db(META)
    with env.begin(write=True) as txn:
        txn.put(name, dictionary, db=meta)
    compress = _compressor(dictionary).compress
    rows = ((key, header + compress(obj)) for key, header, obj in chain(head, objects))
    while True:
        chunk = list(islice(rows, COMMIT_EVERY))
        if not chunk:
            break
        with env.begin(write=True, db=db) as txn:
            # Keys arrive in order: append mode writes pages left to right, no splits.
            txn.cursor().putmulti(chunk, append=True)
        advance(len(chunk))


def _unique(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # The dump's ids are unique; should one repeat, the first row wins (as the
    # SQL lookups it replaces would return one of them).
    previous = None
    for row in rows:
        if row[1] != previous:
            previous = row[1]
            yield row


def _track_objects(
    rows: Iterator[tuple[Any, ...]], albums: Callable[[int], tuple[int, bytes] | None]
) -> Iterator[tuple[bytes, bytes, bytes]]:
    for row in _unique(rows):
        track = TrackRow(*row[:12])
        album = albums(track.album_rowid or 0)
        if album is None:  # a dangling album row id: the track cannot be served whole
            continue
        album_markets, album_json = album
        obj = orjson.dumps(schemas.full_track_fields("", track, _fragment(row[12])))
        header = _TRACK_HEAD.pack(track.available_markets_rowid or 1, album_markets)
        yield track.id.encode("ascii"), header, obj + b"\n" + album_json


def _album_objects(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[bytes, bytes, bytes]]:
    for row in rows:
        album = AlbumRow(*row[:13])
        obj = schemas.album_fields("", album, _fragment(row[13]), _fragment(row[14]))
        header = _ALBUM_HEAD.pack(album.available_markets_rowid or 1)
        yield rowid_key(album.rowid), header, orjson.dumps(obj)


def _album_reader(
    txn: lmdb.Transaction, env: lmdb.Environment
) -> Callable[[int], tuple[int, bytes] | None]:
    """(market row id, album JSON) by row id from the albums just written."""
    with env.begin(db=env.open_db(META)) as meta:
        dictionary = bytes(meta.get(ALBUMS) or b"")
    decompress = zstandard.ZstdDecompressor(
        dict_data=zstandard.ZstdCompressionDict(dictionary) if dictionary else None
    ).decompress
    unpack = _ALBUM_HEAD.unpack_from
    skip = _ALBUM_HEAD.size

    def album(rowid: int) -> tuple[int, bytes] | None:
        value = txn.get(rowid_key(rowid)) if rowid > 0 else None
        if value is None:
            return None
        return unpack(value)[0], decompress(value[skip:])

    return album


def build_serving_store(
    conn: sqlite3.Connection, path: Path, advance: Callable[[str, int], None]
) -> None:
    """Render every track, album and market list from the loaded dump tables into
    a new serving store at `path` (synced to disk when this returns).

    `advance(table, rows)` reports progress per dump table ("tracks", "albums",
    "available_markets").
    """
    env = lmdb.open(
        str(path),
        subdir=False,
        map_size=MAP_SIZE,
        max_dbs=4,
        sync=False,
        metasync=False,
        readahead=False,
        meminit=False,
    )
    try:
        # Albums first: each track's value carries its album's object.
        own = conn.execute(
            "SELECT aa.album_rowid, a.id, a.name FROM artist_albums aa "
            "JOIN artists a ON a.rowid = aa.artist_rowid WHERE aa.index_in_album IS NOT NULL "
            "ORDER BY aa.album_rowid, aa.index_in_album"
        )
        _fill(conn, "sv_album_artists", _packed(own, _artist))
        # Widest first, then by url; ties in the order the covering index lists them.
        images = conn.execute(
            "SELECT album_rowid, url, width, height FROM album_images "
            "ORDER BY album_rowid, coalesce(width, 0) DESC, url, width, height"
        )
        _fill(conn, "sv_album_images", _packed(images, _image))
        albums = conn.execute(
            f"SELECT {ALBUM_COLUMNS}, ar.packed, im.packed FROM albums AS al NOT INDEXED "
            "LEFT JOIN temp.sv_album_artists ar ON ar.owner = al.rowid "
            "LEFT JOIN temp.sv_album_images im ON im.owner = al.rowid ORDER BY al.rowid"
        )
        albums_db = env.open_db(ALBUMS)
        _write(env, albums_db, ALBUMS, _album_objects(albums), _per("albums", advance))
        conn.execute("DROP TABLE temp.sv_album_artists")
        conn.execute("DROP TABLE temp.sv_album_images")
        # Credit order is the link table's row order.
        credits = conn.execute(
            "SELECT ta.track_rowid, a.id, a.name FROM track_artists ta "
            "JOIN artists a ON a.rowid = ta.artist_rowid ORDER BY ta.track_rowid, ta.rowid"
        )
        _fill(conn, "sv_track_artists", _packed(credits, _artist))
        tracks = conn.execute(
            f"SELECT {TRACK_COLUMNS}, c.packed FROM tracks AS t NOT INDEXED "
            "LEFT JOIN temp.sv_track_artists c ON c.owner = t.rowid ORDER BY t.id"
        )
        with env.begin(db=albums_db) as written:  # reads what the album pass committed
            album_of = _album_reader(written, env)
            _write(
                env,
                env.open_db(TRACKS),
                TRACKS,
                _track_objects(tracks, album_of),
                _per("tracks", advance),
            )
        conn.execute("DROP TABLE temp.sv_track_artists")
        markets_db = env.open_db(MARKETS)
        markets = conn.execute(
            "SELECT rowid, available_markets FROM available_markets ORDER BY rowid"
        )
        lists = ((rowid_key(r), orjson.dumps(split_markets(v))) for r, v in markets)
        while chunk := list(islice(lists, COMMIT_EVERY)):
            with env.begin(write=True, db=markets_db) as txn:
                txn.cursor().putmulti(chunk, append=True)
            advance("available_markets", len(chunk))
        env.sync(True)
    finally:
        env.close()
    # Readers open the file without locking (nothing writes it again).
    Path(f"{path}-lock").unlink(missing_ok=True)


def _per(table: str, advance: Callable[[str, int], None]) -> Callable[[int], None]:
    return lambda rows: advance(table, rows)


# -- reading -------------------------------------------------------------------

# The kernel maps up to 16 pages around each page fault into the process, so
# left alone the server's resident set would grow towards the size of the
# store as it serves: pages of the OS page cache, but counted in its RSS (and
# by the OOM killer). So the store's mapped pages are dropped from the
# process's page tables whenever the file-backed part of its resident set has
# grown by `MAPPED_BUDGET` since the store was opened, checked every
# `CHECK_EVERY` object reads. A generous budget keeps the hot upper levels of
# the B+trees mapped between trims.
MAPPED_BUDGET: Final = 256 * 2**20
CHECK_EVERY: Final = 256
_MADV_DONTNEED: Final = 4  # Linux


class _MappedPages:
    """Bounds how much of the store the process keeps mapped (Linux; elsewhere a no-op).

    `madvise(MADV_DONTNEED)` on a shared, read-only file mapping only unmaps:
    the pages stay in the OS page cache and the next read maps them again (a
    minor fault). Values are copied out of the map before a read returns
    (`buffers=False`), so nothing points into it.
    """

    def __init__(self, path: Path) -> None:
        self.region: tuple[int, int] | None = None
        self.madvise: Any = None
        self.reads = 0
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            libc.madvise.restype = ctypes.c_int
            self.madvise = libc.madvise
            self.region = _mapped_region(path)
            self.baseline = self.file_backed()
        except (OSError, AttributeError, ValueError):
            self.region = None

    def file_backed(self) -> int:
        """Bytes of mapped files resident in this process (`shared` of /proc/self/statm)."""
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[2]) * self.page

    def count(self, reads: int) -> None:
        # Not locked: an approximate count is enough to bound the growth.
        self.reads += reads
        if self.reads >= CHECK_EVERY and self.region is not None:
            self.reads = 0
            if self.file_backed() - self.baseline > MAPPED_BUDGET:
                self.trim()

    def trim(self) -> None:
        if self.region is not None:
            start, end = self.region
            self.madvise(start, end - start, _MADV_DONTNEED)


def _mapped_region(path: Path) -> tuple[int, int] | None:
    """The address range this process maps `path` at (from /proc/self/maps)."""
    target = str(path)
    found: list[tuple[int, int]] = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].rstrip("\n") == target:
                start, end = parts[0].split("-")
                found.append((int(start, 16), int(end, 16)))
    if not found:
        return None
    return min(a for a, _ in found), max(b for _, b in found)


class ServingStore:
    """A serving store opened read-only: shared by every thread of the server.

    Each call is one LMDB read transaction over the memory-mapped file; the
    zstd decompression contexts are per thread (they are not thread-safe).
    LMDB allows one environment per file and process, so `open` hands out
    one shared instance per file, closed when its last user closes it.
    """

    _open: ClassVar[dict[Path, tuple[ServingStore, int]]] = {}
    _open_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> ServingStore:
        """The process's reader of the store at `path` (opened on first use)."""
        key = path.resolve()
        with cls._open_lock:
            found, users = cls._open.get(key, (None, 0))
            if found is None:
                found = cls(key)
            cls._open[key] = (found, users + 1)
            return found

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(path)
        self.path = path
        self.env = lmdb.open(
            str(path),
            subdir=False,
            readonly=True,
            lock=False,
            readahead=False,
            max_dbs=4,
        )
        self._tracks = self.env.open_db(TRACKS, create=False)
        self._albums = self.env.open_db(ALBUMS, create=False)
        self._markets = self.env.open_db(MARKETS, create=False)
        meta = self.env.open_db(META, create=False)
        with self.env.begin(db=meta) as txn:
            self._dictionaries = {name: bytes(txn.get(name) or b"") for name in (TRACKS, ALBUMS)}
        self._local = threading.local()
        self._mapped = _MappedPages(path)

    def _decompressors(self) -> dict[bytes, zstandard.ZstdDecompressor]:
        found: dict[bytes, zstandard.ZstdDecompressor] | None = getattr(
            self._local, "decompressors", None
        )
        if found is None:
            found = {
                name: zstandard.ZstdDecompressor(
                    dict_data=zstandard.ZstdCompressionDict(raw) if raw else None
                )
                for name, raw in self._dictionaries.items()
            }
            self._local.decompressors = found
        return found

    def tracks(self, ids: Iterable[str]) -> dict[str, tuple[int, int, bytes]]:
        """(market row id, album's market row id, track JSON + newline + album JSON)
        by Spotify id; unknown ids absent."""
        decompress = self._decompressors()[TRACKS].decompress
        unpack = _TRACK_HEAD.unpack_from
        skip = _TRACK_HEAD.size
        out: dict[str, tuple[int, int, bytes]] = {}
        with self.env.begin(db=self._tracks) as txn:
            for ident in ids:
                if not ident.isascii():
                    continue
                value = txn.get(ident.encode("ascii"))
                if value is not None:
                    markets, album_markets = unpack(value)
                    frame = memoryview(value)[skip:]  # no copy of the frame
                    out[ident] = (markets, album_markets, decompress(frame))
        self._mapped.count(len(out))
        return out

    def known_tracks(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are catalog tracks (key lookups, nothing decompressed)."""
        with self.env.begin(db=self._tracks) as txn:
            cursor = txn.cursor()  # positioning on a key copies no value, unlike get()
            found = {i for i in ids if i.isascii() and cursor.set_key(i.encode("ascii"))}
        self._mapped.count(len(found))
        return found

    def all_tracks_known(self, ids: Sequence[str]) -> bool:
        """Whether every one of `ids` (ASCII) is a catalog track, stopping at the first
        that is not: `known_tracks` without a Python step per key (the cursor is
        positioned on each key from C, through `map`), for edits that add tracks."""
        with self.env.begin(db=self._tracks) as txn:
            found = all(map(txn.cursor().set_key, map(str.encode, ids)))
        self._mapped.count(len(ids))
        return found

    def albums(self, rowids: Iterable[int]) -> dict[int, tuple[int, bytes]]:
        """(market row id, simplified album JSON) by album row id; unknown ones absent."""
        decompress = self._decompressors()[ALBUMS].decompress
        unpack = _ALBUM_HEAD.unpack_from
        skip = _ALBUM_HEAD.size
        out: dict[int, tuple[int, bytes]] = {}
        with self.env.begin(db=self._albums) as txn:
            for rowid in rowids:
                value = txn.get(rowid_key(rowid)) if 0 <= rowid < 1 << 63 else None
                if value is not None:
                    out[rowid] = (unpack(value)[0], decompress(value[skip:]))
        self._mapped.count(len(out))
        return out

    def markets(self, rowids: Iterable[int]) -> dict[int, bytes]:
        """The JSON list of market codes by `available_markets` row id."""
        out: dict[int, bytes] = {}
        with self.env.begin(db=self._markets) as txn:
            for rowid in rowids:
                value = txn.get(rowid_key(rowid)) if 0 <= rowid < 1 << 63 else None
                if value is not None:
                    out[rowid] = bytes(value)
        return out

    def close(self) -> None:
        """Give up this user's share; the last one closes the file."""
        with self._open_lock:
            found, users = self._open.get(self.path, (None, 0))
            if found is not self:
                return
            if users > 1:
                self._open[self.path] = (self, users - 1)
                return
            del self._open[self.path]
        self.env.close()


def remove_store(path: Path) -> None:
    """Delete a serving store file (a server that has it open keeps its mapping)."""
    path.unlink(missing_ok=True)
    Path(f"{path}-lock").unlink(missing_ok=True)


def store_pid(path: Path) -> int | None:
    """The ingest process id in a store's name (`serving-<pid>-<hex>.lmdb`)."""
    token = path.name.removeprefix(STORE_PREFIX).removesuffix(STORE_SUFFIX)
    pid = token.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def new_store_token() -> str:
    """A unique store token: this process's id and random hex."""
    return f"{os.getpid()}-{os.urandom(6).hex()}"
