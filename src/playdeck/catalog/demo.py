"""`playdeck demo`: a deterministic synthetic dump in both layouts of the real one.

Writes into OUT the Kaggle-style parquet folder (`spotify_clean_parquet/`, one
file per table, explicit `rowid`, every audio-feature column a string) and the
torrent's SQLite files (`spotify_clean.sqlite3` with the dump's indexes,
`spotify_clean_audio_features.sqlite3`), with the same rows in both. Every quirk
listed in `reference/dump.md` is present, with skewed distributions close to the
real dump's, plus a few fixed real-looking entries (seed 001's Mefjus single,
Weezer's "Pinkerton", Noisia's "The Resonance V") that tests rely on.

Rows are generated album by album in chunks of about `CHUNK_TRACKS` tracks with
numpy and pyarrow compute kernels, so time grows linearly and memory stays
bounded: only per-artist arrays (about 6% of the track count) live for the
whole run. Each chunk has its own random stream, derived from the seed and the
chunk number, so the output depends only on (tracks, seed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from playdeck.catalog.dump import (
    AUDIO_FEATURES,
    AUDIO_FEATURES_SQLITE_NAME,
    AUDIO_FEATURES_TABLE,
    DUMP_INDEXES,
    MAIN_SQLITE_NAME,
    PARQUET_DIR_NAME,
    TABLES,
    UNAVAILABLE_MARKETS,
)
from playdeck.catalog.ingest import to_python

CHUNK_TRACKS: Final = 250_000
ARTISTS_PER_TRACK: Final = 0.06  # 15.4M artists for 256M tracks
FETCHED_FROM_MS: Final = 1_735_689_600_000  # 2025-01-01, the dump was scraped in 2025
FETCHED_SPAN_MS: Final = 180 * 86_400_000
NEWEST_YEAR: Final = 2025

# album types: (name, share of albums); sizes are drawn per type below.
SINGLE, ALBUM, COMPILATION = 0, 1, 2
ALBUM_TYPE_NAMES: Final = ("single", "album", "compilation")
ALBUM_TYPE_SHARES: Final = (0.70, 0.22, 0.08)

Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Columns = dict[str, pa.Array]

_BASE62: Final = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
_HEX: Final = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")
_M64: Final = np.uint64(0xFFFFFFFFFFFFFFFF)

# Entity kinds mixed into id hashes, so artist, album and track ids never collide.
KIND_ARTIST, KIND_ALBUM, KIND_TRACK, KIND_IMAGE, KIND_PREVIEW = 1, 2, 3, 4, 5


# -- hashing and formatting helpers ---------------------------------------------------
def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finalizer: a bijection on uint64, so distinct keys stay distinct."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _keys(seed: int, kind: int, index: Int64s) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        salt = np.uint64(
            (seed * 0x9E3779B97F4A7C15 + kind * 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
        )
        return (index.astype(np.uint64) + salt) & _M64


def spotify_ids(seed: int, kind: int, index: Int64s) -> pa.Array:
    """22-character base62 ids, unique per (kind, index): 11 digits encode a bijection."""
    h1 = _mix(_keys(seed, kind, index))
    with np.errstate(over="ignore"):
        h2 = _mix(h1 ^ np.uint64(0xD6E8FEB86659FD93))
    digits = np.empty((len(index), 22), dtype=np.uint8)
    for pos in range(11):
        # h1 < 2**64 < 62**11, so its 11 base62 digits are a unique code.
        digits[:, 21 - pos] = _BASE62[(h1 % np.uint64(62)).astype(np.intp)]
        h1 = h1 // np.uint64(62)
        digits[:, pos] = _BASE62[(h2 % np.uint64(62)).astype(np.intp)]
        h2 = h2 // np.uint64(62)
    # Spotify ids encode 128 bits, so the first digit is small: keep that look.
    digits[:, 0] = _BASE62[digits[:, 0] % 8]
    return pa.array(digits.view("S22").ravel()).cast(pa.string())


def _hex(values: npt.NDArray[np.uint64], chars: int) -> npt.NDArray[Any]:
    as_bytes = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    return _HEX[as_bytes].view("S16").ravel().astype(f"S{chars}")


def _hex_ids(seed: int, kind: int, index: Int64s, chars: int) -> pa.Array:
    """Lowercase hex strings of `chars` (<= 32) characters, deterministic per index."""
    h1 = _mix(_keys(seed, kind, index))
    with np.errstate(over="ignore"):
        h2 = _mix(h1 ^ np.uint64(0x2545F4914F6CDD1D))
    joined = np.char.add(_hex(h1, 16), _hex(h2, 16)) if chars > 16 else _hex(h1, chars)
    return pa.array(joined.astype(f"S{chars}")).cast(pa.string())


def _strs(values: npt.NDArray[Any], width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(values), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> pa.Array:
    return pa.array(pool, pa.string()).take(pa.array(rng.integers(0, len(pool), n)))


def _choose(which: npt.NDArray[Any], *options: pa.Array | str) -> pa.Array:
    n = len(which)
    arrays = [pa.array([o] * n, pa.string()) if isinstance(o, str) else o for o in options]
    return pc.choose(pa.array(which.astype(np.int8)), *arrays)


def _null_where(values: pa.Array, mask: Bools) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.nulls(len(values), values.type), values)


def _force(
    rng: np.random.Generator, mask: Bools, at_least: int, eligible: Bools | None = None
) -> None:
    """Set `mask` on at least a few rows, so rare quirks exist even in tiny dumps."""
    pool = np.flatnonzero(eligible) if eligible is not None else np.arange(len(mask))
    missing = at_least - int(mask[pool].sum())
    if missing > 0 and len(pool):
        mask[rng.choice(pool, size=min(missing, len(pool)), replace=False)] = True


def _skewed(rng: np.random.Generator, n: int, size: int, power: float) -> Int64s:
    """Indexes in [0, size) with low indexes far more likely (u ** power)."""
    return np.minimum((rng.random(n) ** power * size).astype(np.int64), size - 1)


# -- names ----------------------------------------------------------------------------
def _titles(rng: np.random.Generator, n: int) -> pa.Array:
    """Track titles: mostly English word pairs, the rest in every other script."""
    w1, w2 = _pick(rng, WORDS, n), _pick(rng, WORDS, n)
    options: list[pa.Array | str] = [
        w1,
        _join(w1, " ", w2),
        _join("The ", w1, " ", w2),
        _join(w1, " of the ", w2),
        _join("I ", w1, " You"),
        _join(w1, "'s ", w2),
        _pick(rng, PUNCTUATED_TITLES, n),
    ]
    shares = [0.2, 0.3, 0.07, 0.05, 0.03, 0.03, 0.04]
    for script, titles in SCRIPT_TITLES.items():
        options.append(_pick(rng, titles, n))
        shares.append(0.08 if script == "latin" else 0.02)
    p = np.array(shares) / sum(shares)
    return _choose(rng.choice(len(options), size=n, p=p), *options)


def _artist_names(rng: np.random.Generator, n: int) -> pa.Array:
    first, last = _pick(rng, FIRST_NAMES, n), _pick(rng, LAST_NAMES, n)
    word, noun = _pick(rng, WORDS, n), _pick(rng, ARTIST_NOUNS, n)
    options: list[pa.Array | str] = [
        _join(first, " ", last),
        first,
        _join("The ", word, " ", noun),
        _join("DJ ", first),
        _join("MC ", word),
        _join(first, " & ", _pick(rng, FIRST_NAMES, n)),
        _join(word, " ", noun),
        _join(first, " ", last, " Trio"),
        _join("Lil ", word),
    ]
    shares = [0.3, 0.08, 0.1, 0.05, 0.03, 0.04, 0.1, 0.02, 0.03]
    for script, names in SCRIPT_ARTISTS.items():
        options.append(_pick(rng, names, n))
        shares.append(0.06 if script == "latin" else 0.025)
    p = np.array(shares) / sum(shares)
    return _choose(rng.choice(len(options), size=n, p=p), *options)


def _labels(rng: np.random.Generator, n: int) -> pa.Array:
    options: list[pa.Array | str] = [
        _join(_pick(rng, LABEL_WORDS, n), " ", _pick(rng, LABEL_SUFFIXES, n)),
        _pick(rng, BIG_LABELS, n),
    ]
    return _choose((rng.random(n) < 0.3).astype(np.int8), *options)


def genre_names() -> list[str]:
    """The few hundred genre names the demo draws from (Spotify's style of names)."""
    combos = [f"{r} {s}" for r in REGIONS for s in STYLES]
    # A fixed, seed-independent subset keeps the genre list stable across dumps.
    keep = [g for i, g in enumerate(combos) if (i * 7919) % 5 < 2]
    return sorted(set(STANDALONE_GENRES) | set(keep))


# -- the plan: album sizes and artist popularity for the whole dump -------------------
@dataclass
class Plan:
    """What every chunk needs to know about the whole dump."""

    seed: int
    generated_tracks: int
    album_types: npt.NDArray[np.int8]
    album_sizes: npt.NDArray[np.int32]
    artists: int  # generated artists (after the fixed ones)
    artist_by_rank: Int64s  # generated artist index, most prolific first
    market_sets: int
    chunks: list[tuple[int, int]] = field(default_factory=list)  # album index ranges


def make_plan(tracks: int, seed: int) -> Plan:
    """Album types and sizes for the whole dump, then chunk boundaries over albums."""
    rng = np.random.default_rng([seed % 2**64, 0])  # numpy seeds must be >= 0
    generated = max(0, tracks - FIXED_TRACKS)
    types_parts: list[npt.NDArray[np.int8]] = []
    size_parts: list[npt.NDArray[np.int32]] = []
    total = 0
    while total < generated:
        n = max(64, int((generated - total) / 4.0))
        types = rng.choice(3, size=n, p=ALBUM_TYPE_SHARES).astype(np.int8)
        single = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.62, 0.22, 0.08, 0.04, 0.02, 0.02])
        album = rng.integers(6, 17, size=n)
        compilation = rng.integers(8, 25, size=n)
        sizes = np.where(types == SINGLE, single, np.where(types == ALBUM, album, compilation))
        types_parts.append(types)
        size_parts.append(sizes.astype(np.int32))
        total += int(sizes.sum())
    if types_parts:
        types = np.concatenate(types_parts)
        sizes = np.concatenate(size_parts)
        ends = np.cumsum(sizes, dtype=np.int64)
        count = int(np.searchsorted(ends, generated)) + 1
        types, sizes = types[:count], sizes[:count].copy()
        sizes[-1] -= int(ends[count - 1] - generated)  # the last album takes what is left
    else:
        types = np.zeros(0, np.int8)
        sizes = np.zeros(0, np.int32)
    artists = max(40, int(generated * ARTISTS_PER_TRACK))
    plan = Plan(
        seed=seed,
        generated_tracks=generated,
        album_types=types,
        album_sizes=sizes,
        artists=artists,
        artist_by_rank=rng.permutation(artists).astype(np.int64),
        market_sets=min(89_000, max(300, tracks // 60)),
    )
    ends = np.cumsum(sizes, dtype=np.int64)
    start = 0
    while start < len(sizes):
        base = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, base + CHUNK_TRACKS, side="right"))
        stop = max(stop, start + 1)
        plan.chunks.append((start, min(stop, len(sizes))))
        start = stop
    return plan


# -- writing both layouts ---------------------------------------------------------------
_ARROW_TYPES: Final = {"INTEGER": pa.int64(), "TEXT": pa.string(), "REAL": pa.float64()}


def _arrow_type(table: str, column: str, kind: str) -> pa.DataType:
    # tempo is declared INTEGER in the dump but holds reals (127.969).
    if table == AUDIO_FEATURES_TABLE and column == "tempo":
        return pa.float64()
    return _ARROW_TYPES[kind]


class Sink:
    """One table written to its parquet file and its SQLite table at the same time."""

    def __init__(
        self,
        table: str,
        columns: list[tuple[str, str]],
        parquet: Path,
        conn: sqlite3.Connection,
        all_strings: bool = False,
    ) -> None:
        self.table = table
        self.names = [name for name, _ in columns]
        self.all_strings = all_strings
        self.kinds = [_arrow_type(table, n, k) for n, k in columns]
        schema = pa.schema(
            [
                (n, pa.string() if all_strings else t)
                for n, t in zip(self.names, self.kinds, strict=True)
            ]
        )
        self.writer = pq.ParquetWriter(parquet, schema, compression="zstd")
        self.schema = schema
        self.conn = conn
        decl = ", ".join(f"{n} {k}" for n, k in columns if n != "rowid")
        conn.execute(f"CREATE TABLE {table} ({decl})")
        marks = ", ".join("?" for _ in self.names)
        self.insert = f"INSERT INTO {table} ({', '.join(self.names)}) VALUES ({marks})"
        self.rows = 0

    def write(self, columns: Columns) -> None:
        """Append rows (same arrays to both layouts; SQLite keeps the typed values)."""
        arrays = [columns[n] for n in self.names]
        n = len(arrays[0])
        if n == 0:
            return
        typed = [a.cast(t) for a, t in zip(arrays, self.kinds, strict=True)]
        stored = [pc.cast(a, pa.string()) for a in typed] if self.all_strings else typed
        self.writer.write_table(pa.Table.from_arrays(stored, schema=self.schema))
        self.conn.executemany(self.insert, zip(*(to_python(a) for a in typed), strict=True))
        self.rows += n

    def close(self) -> None:
        """Finish the parquet file (SQLite is committed by the caller)."""
        self.writer.close()


def _open_sqlite(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    # Built from scratch and thrown away on failure: no journal needed.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("BEGIN")
    return conn


def write_demo(out: Path, *, tracks: int, seed: int, progress: bool) -> None:
    """Write a deterministic synthetic dump of about `tracks` tracks into `out`."""
    out = Path(out)
    parquet_dir = out / PARQUET_DIR_NAME
    parquet_dir.mkdir(parents=True, exist_ok=True)
    plan = make_plan(tracks, seed)
    main = _open_sqlite(out / MAIN_SQLITE_NAME)
    features = _open_sqlite(out / AUDIO_FEATURES_SQLITE_NAME)
    sinks = {t: Sink(t, cols, parquet_dir / f"{t}.parquet", main) for t, cols in TABLES.items()}
    sinks[AUDIO_FEATURES_TABLE] = Sink(
        AUDIO_FEATURES_TABLE,
        AUDIO_FEATURES,
        parquet_dir / f"{AUDIO_FEATURES_TABLE}.parquet",
        features,
        all_strings=True,
    )
    bar = tqdm(
        total=plan.generated_tracks + FIXED_TRACKS,
        unit="track",
        unit_scale=True,
        desc="demo dump",
        disable=not progress,
    )
    try:
        gen = Generator(plan, sinks)
        gen.markets()
        gen.artists()
        gen.fixed()
        bar.update(FIXED_TRACKS)
        for number, (start, stop) in enumerate(plan.chunks):
            bar.update(gen.albums_chunk(number, start, stop))
        bar.set_description("demo dump: indexes")
        for sink in sinks.values():
            sink.close()
        for name, table, cols, unique in DUMP_INDEXES:
            main.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {table} ({cols})")
        main.execute("COMMIT")
        features.execute("COMMIT")
    finally:
        bar.close()
        main.close()
        features.close()


# -- the generator ------------------------------------------------------------------------
class Generator:
    """Generates the dump's rows table by table and hands them to the sinks."""

    def __init__(self, plan: Plan, sinks: dict[str, Sink]) -> None:
        self.plan = plan
        self.seed = plan.seed
        self.sinks = sinks
        self.artist_names: pa.Array = pa.array([], pa.string())
        self.next_album_rowid = FIXED_ALBUMS + 1
        self.next_track_rowid = FIXED_TRACKS + 1
        self.next_feature_rowid = 1
        self.genres = genre_names()

    def rng(self, *stream: int) -> np.random.Generator:
        """An independent random stream per (seed, stream...): chunks do not interfere."""
        return np.random.default_rng([self.seed % 2**64, *stream])

    # markets ---------------------------------------------------------------------------
    def markets(self) -> None:
        """Row 1 is the `unavailable` sentinel, row 2 every market, then subsets."""
        rng = self.rng(1)
        everything = ",".join(MARKETS)
        seen = {UNAVAILABLE_MARKETS, everything}
        sets = [UNAVAILABLE_MARKETS, everything]
        codes = np.array(MARKETS)
        while len(sets) < self.plan.market_sets:
            if rng.random() < 0.7:  # everywhere but a few markets (licensing holes)
                keep = np.ones(len(codes), bool)
                keep[rng.choice(len(codes), size=int(rng.integers(1, 25)), replace=False)] = False
            else:  # a regional release
                keep = np.zeros(len(codes), bool)
                keep[rng.choice(len(codes), size=int(rng.integers(1, 60)), replace=False)] = True
            text = ",".join(codes[keep])
            if text not in seen:
                seen.add(text)
                sets.append(text)
        self.sinks["available_markets"].write(
            {
                "rowid": pa.array(np.arange(1, len(sets) + 1)),
                "available_markets": pa.array(sets, pa.string()),
            }
        )

    def market_rowids(self, rng: np.random.Generator, n: int) -> Int64s:
        """Many rows on the `unavailable` sentinel, most on all markets, a long tail."""
        m = self.plan.market_sets
        tail = 3 + _skewed(rng, n, m - 2, 3.0)
        kind = rng.random(n)
        return np.where(kind < 0.18, 1, np.where(kind < 0.6, 2, tail)).astype(np.int64)

    # artists ---------------------------------------------------------------------------
    def artists(self) -> None:
        """Fixed artists first, then generated ones (names, skewed followers, genres)."""
        plan = self.plan
        rank = np.empty(plan.artists, np.int64)
        rank[plan.artist_by_rank] = np.arange(plan.artists)
        names: list[pa.Array] = [pa.array([a.name for a in FIXED_ARTISTS], pa.string())]
        self._fixed_artist_rows()
        step = CHUNK_TRACKS
        for number, start in enumerate(range(0, plan.artists, step)):
            rng = self.rng(2, number)
            index = np.arange(start, min(start + step, plan.artists), dtype=np.int64)
            n = len(index)
            rowid = index + FIXED_ARTISTS_COUNT + 1
            # Popularity follows how prolific the artist is, with noise; most are obscure.
            r = rank[index].astype(np.float64)
            raw = 62 - 11 * np.log10(1 + r) + rng.normal(0, 6, n)
            popularity = np.clip(np.round(raw), 0, 100).astype(np.int64)
            popularity[rng.random(n) < 0.35] = 0
            followers = np.floor(10 ** (popularity / 11 + rng.normal(0, 0.5, n))) - 1
            followers = np.maximum(followers, 0).astype(np.int64)
            artist_names = _artist_names(rng, n)
            names.append(artist_names)
            self.sinks["artists"].write(
                {
                    "rowid": pa.array(rowid),
                    "id": spotify_ids(self.seed, KIND_ARTIST, rowid),
                    "fetched_at": pa.array(self.fetched_at(rng, n)),
                    "name": artist_names,
                    "followers_total": pa.array(followers),
                    "popularity": pa.array(popularity),
                }
            )
            self._genres(rng, rowid, popularity)
            self._artist_images(rng, rowid)
        self.artist_names = pa.concat_arrays(names)

    def _genres(self, rng: np.random.Generator, rowid: Int64s, popularity: Int64s) -> None:
        n = len(rowid)
        # Spotify tags known artists; obscure ones mostly have no genre.
        count = np.where(rng.random(n) < 0.25 + popularity / 120, rng.integers(1, 5, n), 0)
        artist = np.repeat(rowid, count)
        genre = _skewed(rng, len(artist), len(self.genres), 2.0)
        pairs = np.unique(artist * 4096 + genre)  # one row per (artist, genre)
        self.sinks["artist_genres"].write(
            {
                "artist_rowid": pa.array(pairs // 4096),
                "genre": pa.array(self.genres, pa.string()).take(pa.array(pairs % 4096)),
            }
        )

    def _artist_images(self, rng: np.random.Generator, rowid: Int64s) -> None:
        has = rowid[rng.random(len(rowid)) < 0.7]
        self.sinks["artist_images"].write(
            _image_rows(rng, self.seed, has, (640, 320, 160), ARTIST_IMAGE_PREFIXES, "artist")
        )

    def fetched_at(self, rng: np.random.Generator, n: int) -> Int64s:
        """Scrape times in epoch milliseconds, as the dump stores them."""
        return FETCHED_FROM_MS + rng.integers(0, FETCHED_SPAN_MS, n, dtype=np.int64)

    def _fixed_artist_rows(self) -> None:
        rows = FIXED_ARTISTS
        rowid = np.arange(1, len(rows) + 1, dtype=np.int64)
        self.sinks["artists"].write(
            {
                "rowid": pa.array(rowid),
                "id": pa.array([a.id for a in rows], pa.string()),
                "fetched_at": pa.array([FETCHED_FROM_MS + 86_400_000 * i for i in rowid]),
                "name": pa.array([a.name for a in rows], pa.string()),
                "followers_total": pa.array([a.followers for a in rows]),
                "popularity": pa.array([a.popularity for a in rows]),
            }
        )
        genre_rows = [(i, g) for i, a in enumerate(rows, 1) for g in a.genres]
        self.sinks["artist_genres"].write(
            {
                "artist_rowid": pa.array([i for i, _ in genre_rows], pa.int64()),
                "genre": pa.array([g for _, g in genre_rows], pa.string()),
            }
        )
        rng = self.rng(9)
        self.sinks["artist_images"].write(
            _image_rows(rng, self.seed, rowid, (640, 320, 160), ARTIST_IMAGE_PREFIXES, "artist")
        )

    # fixed entries -----------------------------------------------------------------------
    def fixed(self) -> None:
        """The fixed albums and tracks (golden data), written before generated ones."""
        write_fixed(self)

    # albums, tracks and their links, one chunk of albums at a time ------------------------
    def albums_chunk(self, number: int, start: int, stop: int) -> int:
        """Generate albums [start, stop) of the plan with their tracks; return tracks."""
        plan = self.plan
        rng = self.rng(3, number)
        types = plan.album_types[start:stop]
        sizes = plan.album_sizes[start:stop].astype(np.int64)
        n_albums = len(types)
        n_tracks = int(sizes.sum())
        album_rowid = np.arange(n_albums, dtype=np.int64) + self.next_album_rowid
        track_rowid = np.arange(n_tracks, dtype=np.int64) + self.next_track_rowid
        self.next_album_rowid += n_albums
        self.next_track_rowid += n_tracks
        is_comp = types == COMPILATION

        # Album artists: a prolific-skewed main artist, sometimes a co-artist.
        gen_first = FIXED_ARTISTS_COUNT + 1
        main = gen_first + plan.artist_by_rank[_skewed(rng, n_albums, plan.artists, 2.5)]
        co = gen_first + rng.integers(0, plan.artists, n_albums)
        co = np.where((rng.random(n_albums) < 0.06) & ~is_comp & (co != main), co, 0)
        # Most compilations are "Various Artists"; some are one artist's "Greatest Hits".
        various = is_comp & (rng.random(n_albums) < 0.7)
        main = np.where(various, VARIOUS_ARTISTS_ROWID, main)

        # Tracks: album attributes repeated per track.
        album_of = np.repeat(np.arange(n_albums), sizes)
        first_of_album = np.cumsum(sizes) - sizes
        position = np.arange(n_tracks) - first_of_album[album_of]
        two_discs = (sizes > 14) & (rng.random(n_albums) < 0.3)
        half = (sizes + 1) // 2
        second_disc = two_discs[album_of] & (position >= half[album_of])
        disc_number = np.where(second_disc, 2, 1)
        track_number = np.where(second_disc, position - half[album_of], position) + 1

        # Credits: main (and co-artist), then features or remixers in credit order.
        a1 = main[album_of].copy()
        a2 = co[album_of].copy()
        featured = rng.random(n_tracks) < 0.16
        guest = gen_first + rng.integers(0, plan.artists, n_tracks)
        style = rng.choice(3, n_tracks, p=[0.45, 0.25, 0.30])  # feat. | remix | co-credit
        feature_slot = np.where(featured & (guest != a1) & (guest != a2), guest, 0)
        a3 = rng.integers(0, plan.artists, n_tracks) + gen_first
        a3 = np.where((rng.random(n_tracks) < 0.03) & (feature_slot > 0), a3, 0)
        a3 = np.where((a3 == a1) | (a3 == a2) | (a3 == feature_slot), 0, a3)

        titles = _titles(rng, n_tracks)
        durations = np.clip(210_000 * np.exp(rng.normal(0, 0.35, n_tracks)), 30_000, 1_200_000)
        durations = durations.astype(np.int64)
        explicit = (rng.random(n_tracks) < 0.135).astype(np.int64)
        global_track = track_rowid - 1
        registrant = _ISRC_REGISTRANTS.take(pa.array((global_track // 100_000) % 46_656))
        isrc_seq = _strs(global_track % 100_000, 5)

        # Release dates (album level): recent years dominate, a few bogus ones.
        year = np.where(
            rng.random(n_albums) < 0.65,
            rng.integers(2015, NEWEST_YEAR + 1, n_albums),
            1950 + _skewed(rng, n_albums, 65, 0.5),
        )
        month = rng.integers(1, 13, n_albums)
        month = np.where(year == NEWEST_YEAR, rng.integers(1, 7, n_albums), month)
        day = rng.integers(1, 29, n_albums)
        precision = rng.choice(3, n_albums, p=[0.86, 0.04, 0.10])  # day | month | year
        zero_year = rng.random(n_albums) < 0.0007
        bogus = rng.random(n_albums) < 0.0007
        _force(rng, zero_year, 1)
        _force(rng, bogus, 1, ~zero_year)
        by_month, by_year = precision == 1, precision == 2
        _force(rng, by_month, 1)
        _force(rng, by_year, 1, ~by_month)
        precision = np.where(by_month, 1, np.where(by_year, 2, 0))
        year = np.where(bogus, rng.integers(1000, 1900, n_albums), year)
        ystr = _strs(year, 4)
        date = _choose(
            precision,
            _join(ystr, "-", _strs(month, 2), "-", _strs(day, 2)),
            _join(ystr, "-", _strs(month, 2)),
            ystr,
        )
        date = pc.if_else(pa.array(zero_year), pa.scalar("0000"), date)
        precision = np.where(zero_year, 2, precision)
        track_year = year[album_of]

        # Compilations re-release recordings: copy name, ISRC, duration and credits of
        # other tracks in the chunk (the same recording on several releases).
        comp_track = is_comp[album_of]
        originals = np.flatnonzero(~comp_track)
        isrc = _join(
            _pick(rng, ISRC_COUNTRIES, n_tracks),
            registrant,
            _strs(track_year % 100, 2),
            isrc_seq,
        )
        name = _track_names(rng, titles, style, feature_slot, a2, self.artist_names, track_year)
        a2 = np.where(feature_slot > 0, np.where(a2 > 0, a2, feature_slot), a2)
        a3 = np.where((feature_slot > 0) & (co[album_of] > 0), feature_slot, a3)
        if len(originals) and comp_track.any():
            picks = originals[rng.integers(0, len(originals), n_tracks)]
            # A "Greatest Hits" gathers one artist's recordings first (then fills up
            # with others'): group the originals by primary artist.
            by_artist = originals[np.argsort(a1[originals], kind="stable")]
            grouped = a1[by_artist]
            star = a1[originals[rng.integers(0, len(originals), n_albums)]]
            low = np.searchsorted(grouped, star, "left")
            count = np.searchsorted(grouped, star, "right") - low
            hits = comp_track & ~various[album_of] & (position < count[album_of])
            own = by_artist[np.minimum(low[album_of] + position, len(by_artist) - 1)]
            picks = np.where(hits, own, picks)
            source = np.where(comp_track, picks, np.arange(n_tracks))
            take = pa.array(source)
            name, isrc = name.take(take), isrc.take(take)
            durations, explicit = durations[source], explicit[source]
            a1, a2, a3 = a1[source], a2[source], a3[source]
            main = np.where(is_comp & ~various, star, main)
        isrc = _null_where(isrc, rng.random(n_tracks) < 0.01)

        # Popularity: heavily skewed, tracks near their album.
        album_pop = np.clip(np.floor(rng.exponential(6.5, n_albums)), 0, 100).astype(np.int64)
        track_pop = album_pop[album_of] + np.round(rng.normal(0, 3, n_tracks)).astype(np.int64)
        track_pop = np.clip(track_pop, 0, 100)
        track_pop[comp_track] //= 3

        album_markets = self.market_rowids(rng, n_albums)
        track_markets = np.where(
            rng.random(n_tracks) < 0.9, album_markets[album_of], self.market_rowids(rng, n_tracks)
        )
        preview = _join(
            "https://p.scdn.co/mp3-preview/", _hex_ids(self.seed, KIND_PREVIEW, track_rowid, 32)
        )
        preview = _null_where(preview, rng.random(n_tracks) < 0.6)
        track_ids = spotify_ids(self.seed, KIND_TRACK, track_rowid)
        self.sinks["tracks"].write(
            {
                "rowid": pa.array(track_rowid),
                "id": track_ids,
                "fetched_at": pa.array(self.fetched_at(rng, n_tracks)),
                "name": name,
                "preview_url": preview,
                "album_rowid": pa.array(album_rowid[album_of]),
                "track_number": pa.array(track_number),
                "external_id_isrc": isrc,
                "popularity": pa.array(track_pop),
                "available_markets_rowid": pa.array(track_markets),
                "disc_number": pa.array(disc_number),
                "duration_ms": pa.array(durations),
                "explicit": pa.array(explicit),
            }
        )
        credits = np.stack([a1, a2, a3], axis=1)
        has = credits > 0
        self.sinks["track_artists"].write(
            {
                "track_rowid": pa.array(np.repeat(track_rowid, has.sum(axis=1))),
                "artist_rowid": pa.array(credits[has]),
            }
        )

        # Albums: singles are named after their first track.
        label = _labels(rng, n_albums)
        empty_label = rng.random(n_albums) < 0.03
        _force(rng, empty_label, 1)
        label = pc.if_else(pa.array(empty_label), pa.scalar(""), label)
        first_names = _strip_suffix(name.take(pa.array(first_of_album)))
        album_title = _titles(rng, n_albums)
        # One artist's compilation is their "Greatest Hits"; the rest are Various Artists'.
        main_name = self.artist_names.take(pa.array(main - 1))
        hits_title = _choose(
            rng.integers(0, 4, n_albums),
            "Greatest Hits",
            _join("The Best of ", main_name),
            _join("The Essential ", main_name),
            "Gold",
        )
        various_title = _pick(rng, COMPILATION_NAMES, n_albums)
        comp_title = pc.if_else(pa.array(various), various_title, hits_title)
        album_name = _choose(types, first_names, album_title, comp_title)
        empty_name = rng.random(n_albums) < 0.002
        _force(rng, empty_name, 1)
        album_name = pc.if_else(pa.array(empty_name), pa.scalar(""), album_name)
        cyear = _strs(np.where(zero_year, 2020, year), 4)
        owner = pc.if_else(pa.array(empty_label), self.artist_names.take(pa.array(main - 1)), label)
        c_form = rng.choice(3, n_albums, p=[0.7, 0.2, 0.1])
        copyright_c = _choose(
            c_form,
            _join(cyear, " ", owner),
            _join("© ", cyear, " ", owner),
            _join("(C) ", cyear, " ", owner),
        )
        copyright_p = _choose(
            c_form,
            _join(cyear, " ", owner),
            _join("℗ ", cyear, " ", owner),
            _join("(P) ", cyear, " ", owner),
        )
        null_c = rng.random(n_albums) < 0.06
        _force(rng, null_c, 1)
        upc = _strs(rng.integers(10**11, 10**13, n_albums), 13)
        null_upc = rng.random(n_albums) < 0.05
        _force(rng, null_upc, 1)
        self.sinks["albums"].write(
            {
                "rowid": pa.array(album_rowid),
                "id": spotify_ids(self.seed, KIND_ALBUM, album_rowid),
                "fetched_at": pa.array(self.fetched_at(rng, n_albums)),
                "name": album_name,
                "album_type": pa.array(ALBUM_TYPE_NAMES, pa.string()).take(pa.array(types)),
                "available_markets_rowid": pa.array(album_markets),
                "external_id_upc": _null_where(upc, null_upc),
                "copyright_c": _null_where(copyright_c, null_c),
                "copyright_p": _null_where(copyright_p, rng.random(n_albums) < 0.04),
                "label": label,
                "popularity": pa.array(album_pop),
                "release_date": date,
                "release_date_precision": pa.array(["day", "month", "year"], pa.string()).take(
                    pa.array(precision)
                ),
                "total_tracks": pa.array(sizes),
                "external_id_amgid": pa.nulls(n_albums, pa.string()),
            }
        )
        has_images = rng.random(n_albums) < 0.97
        self.sinks["album_images"].write(
            _image_rows(
                rng,
                self.seed,
                album_rowid[has_images],
                (640, 300, 64),
                ALBUM_IMAGE_PREFIXES,
                "album",
            )
        )
        self._artist_albums(album_rowid, main, co, is_comp, album_rowid[album_of], credits)
        self._features(rng, track_ids, durations)
        return n_tracks

    def _artist_albums(
        self,
        album_rowid: Int64s,
        main: Int64s,
        co: Int64s,
        is_comp: Bools,
        track_album: Int64s,
        credits: npt.NDArray[np.int64],
    ) -> None:
        """Own artists (index_in_album set), then featured ones (is_appears_on = 1).

        Artists on someone else's compilation are also flagged implicit, the way
        Spotify lists them under appears_on without a credit on the album itself.
        """
        base = np.int64(1 << 32)
        own_album = np.concatenate([album_rowid, album_rowid[co > 0]])
        own_artist = np.concatenate([main, co[co > 0]])
        own_index = np.concatenate(
            [np.zeros(len(album_rowid), np.int64), np.ones(int((co > 0).sum()), np.int64)]
        )
        own_keys = own_album * base + own_artist
        has = credits > 0
        keys = np.unique(np.repeat(track_album, has.sum(axis=1)) * base + credits[has])
        keys = keys[~np.isin(keys, own_keys)]
        album = np.concatenate([own_album, keys // base])
        artist = np.concatenate([own_artist, keys % base])
        appears = np.concatenate([np.zeros(len(own_album), np.int64), np.ones(len(keys), np.int64)])
        index = np.concatenate([own_index, np.full(len(keys), -1, np.int64)])
        on_comp = is_comp[album - album_rowid[0]] if len(album_rowid) else np.zeros(0, bool)
        implicit = (appears == 1) & on_comp
        # Per album: its own artists in order, then the featured ones.
        order = np.lexsort((artist, index, appears, album))
        index_arr = _null_where(pa.array(index[order]), index[order] < 0)
        self.sinks["artist_albums"].write(
            {
                "artist_rowid": pa.array(artist[order]),
                "album_rowid": pa.array(album[order]),
                "is_appears_on": pa.array(appears[order]),
                "is_implicit_appears_on": pa.array(implicit[order].astype(np.int64)),
                "index_in_album": index_arr,
            }
        )

    def _features(self, rng: np.random.Generator, track_ids: pa.Array, durations: Int64s) -> None:
        """Audio features for most tracks; `null_response = 1` rows have null features."""
        n = len(track_ids)
        present = rng.random(n) < 0.93
        ids = track_ids.filter(pa.array(present))
        m = len(ids)
        null_response = rng.random(m) < 0.03
        _force(rng, null_response, 1)
        rowid = np.arange(m, dtype=np.int64) + self.next_feature_rowid
        self.next_feature_rowid += m

        def real(values: npt.NDArray[np.float64]) -> pa.Array:
            return _null_where(pa.array(np.round(values, 3)), null_response)

        def integer(values: Int64s) -> pa.Array:
            return _null_where(pa.array(values.astype(np.int64)), null_response)

        self.sinks[AUDIO_FEATURES_TABLE].write(
            {
                "rowid": pa.array(rowid),
                "track_id": ids,
                "fetched_at": pa.array(self.fetched_at(rng, m)),
                "null_response": pa.array(null_response.astype(np.int64)),
                "duration_ms": integer(durations[present]),
                "time_signature": integer(rng.choice([3, 4, 5, 1], m, p=[0.08, 0.88, 0.03, 0.01])),
                "tempo": real(np.clip(rng.normal(120, 28, m), 40, 220)),
                "key": integer(rng.integers(-1, 12, m)),
                "mode": integer(rng.integers(0, 2, m)),
                "danceability": real(rng.beta(5, 3, m)),
                "energy": real(rng.beta(4, 2.5, m)),
                "loudness": real(-np.abs(rng.normal(8, 5, m))),
                "speechiness": real(rng.beta(1.2, 12, m)),
                "acousticness": real(rng.beta(0.7, 1.5, m)),
                "instrumentalness": real(rng.beta(0.3, 2.5, m)),
                "liveness": real(rng.beta(1.5, 7, m)),
                "valence": real(rng.beta(2.5, 2.5, m)),
            }
        )


# -- names with suffixes, images ------------------------------------------------------------
REMASTER_YEARS: Final = ("2009", "2011", "2011", "2012", "2015", "2018", "2019", "2021")


def _track_names(
    rng: np.random.Generator,
    titles: pa.Array,
    style: Int64s,
    feature: Int64s,
    co: Int64s,
    artist_names: pa.Array,
    year: Int64s,
) -> pa.Array:
    """Titles with Spotify's suffixes: (feat. X), - X Remix, - Remastered 2011, - Live…"""
    n = len(titles)
    guest = artist_names.take(pa.array(np.maximum(feature - 1, 0)))
    kind = rng.choice(8, n, p=[0.86, 0.03, 0.03, 0.02, 0.015, 0.015, 0.015, 0.015])
    kind = np.where(feature > 0, 8 + style, kind)
    return _choose(
        kind,
        titles,
        _join(titles, " - Remastered ", _pick(rng, REMASTER_YEARS, n)),
        _join(titles, " - Live"),
        _join(titles, " - Radio Edit"),
        _join(titles, ' - From "', _pick(rng, FILMS, n), '"'),
        _join(titles, " - Live at ", _pick(rng, VENUES, n)),
        _join(titles, " - Acoustic"),
        _join(titles, " - Instrumental"),
        _join(titles, " (feat. ", guest, ")"),
        _join(titles, " - ", guest, " Remix"),
        titles,
    )


def _strip_suffix(names: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(names, pattern=r" - .*$", replacement="")


ALBUM_IMAGE_PREFIXES: Final = ("ab67616d0000b273", "ab67616d00001e02", "ab67616d00004851")
ARTIST_IMAGE_PREFIXES: Final = ("ab6761610000e5eb", "ab67616100005174", "ab6761610000f178")
# Storage orders of an image set: mostly widest first, but not always (readers sort).
_IMAGE_ORDERS: Final = np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 0]])


def _image_rows(
    rng: np.random.Generator,
    seed: int,
    owners: Int64s,
    widths: tuple[int, int, int],
    prefixes: tuple[str, str, str],
    owner: str,
) -> Columns:
    """Three images per owner (640/300/64 for albums, 640/320/160 for artists)."""
    pattern = rng.choice(len(_IMAGE_ORDERS), len(owners), p=[0.8, 0.1, 0.05, 0.05])
    if len(owners):
        pattern[0] = 1  # every chunk stores at least one set narrowest first
    which = _IMAGE_ORDERS[pattern].ravel()
    rows = np.repeat(owners, 3)
    size = np.array(widths, np.int64)[which]
    kind = KIND_IMAGE if owner == "album" else KIND_IMAGE + 10
    url = _join(
        "https://i.scdn.co/image/",
        pa.array(prefixes, pa.string()).take(pa.array(which)),
        _hex_ids(seed, kind, rows * 4 + which, 24),
    )
    return {
        f"{owner}_rowid": pa.array(rows),
        "width": pa.array(size),
        "height": pa.array(size),
        "url": url,
    }


def _registrants() -> pa.Array:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    codes = [a + b + c for a in alphabet for b in alphabet for c in alphabet]
    order = np.random.default_rng(20250701).permutation(len(codes))
    return pa.array([codes[i] for i in order], pa.string())


_ISRC_REGISTRANTS: Final = _registrants()


# -- fixed entries (golden data for tests) --------------------------------------------------
@dataclass(frozen=True)
class FixedArtist:
    """An artist with known values (seed 001's golden data and search examples)."""

    id: str
    name: str
    followers: int
    popularity: int
    genres: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixedTrack:
    """A track with known values."""

    id: str
    name: str
    isrc: str | None
    popularity: int
    duration_ms: int
    artists: tuple[int, ...]  # artist row ids in credit order
    explicit: int = 0
    disc_number: int = 1


@dataclass(frozen=True)
class FixedAlbum:
    """An album with known values and its tracks."""

    id: str
    name: str
    album_type: str
    upc: str | None
    label: str
    copyright_c: str | None
    copyright_p: str | None
    popularity: int
    release_date: str
    release_date_precision: str
    artists: tuple[int, ...]  # own artists, in order
    tracks: tuple[FixedTrack, ...]
    markets_rowid: int = 2


MEFJUS, CAMO_KROOKED, SKEPTICAL, VARIOUS_ARTISTS_ROWID, WEEZER, KARAOKE, NOISIA, KASRA = range(1, 9)

FIXED_ARTISTS: Final = (
    FixedArtist("54qqaSH6byJIb8eFWxe3Pj", "Mefjus", 72765, 52),
    FixedArtist("2N8IPNZTiNo3nj4mreOlHU", "Camo & Krooked", 237761, 54),
    FixedArtist("28ee6rnxMl8AqwcroPfivP", "Skeptical", 26163, 37),
    FixedArtist("0LyfQWJT6nXafLPZqxe9Of", "Various Artists", 0, 0),
    FixedArtist(
        "3jOstUTkEu2JkjvRdBA5Gu",
        "Weezer",
        3_652_114,
        74,
        ("alternative rock", "modern power pop", "permanent wave", "rock"),
    ),
    FixedArtist("1q6Vb1rRo2mXkDzd4NpTjP", "The Karaoke Channel", 12_406, 22, ("karaoke",)),
    FixedArtist("4YWj8sohRDjL9deiuRvEEY", "Noisia", 283349, 50),
    FixedArtist("3W1ubrHvNSMltB1l7zo6xt", "Kasra", 19665, 34),
)
FIXED_ARTISTS_COUNT: Final = len(FIXED_ARTISTS)

_PINKERTON = (
    ("Tired of Sex", 181_066, 44),
    ("Getchoo", 172_306, 46),
    ("No Other One", 181_333, 43),
    ("Why Bother?", 128_213, 50),
    ("Across the Sea", 272_360, 52),
    ("The Good Life", 257_600, 57),
    ("El Scorcho", 243_800, 60),
    ("Pink Triangle", 238_426, 48),
    ("Falling for You", 227_666, 47),
    ("Butterfly", 173_466, 45),
)
_PINKERTON_IDS = (
    "5yfpSTgLKDCW8TjOpRnxsD",
    "0Ak7KUbE3nTNwXiBZKmdNy",
    "3ZTdPmzCVvDr1RFDcSAXaz",
    "4hgQJqMIsCnsGkfvwv8xnh",
    "3rTpWhOI3aUHnBMbmk2TiU",
    "0E7Jl4f1Cl7KsKKmhVm8A0",
    "1z4ZCI8mGv8W24z3Rp8N4V",
    "6Cqs5Gs5FQhkTFnBPvRzhh",
    "2DWGyZXwKcgC3xiq3HTTsd",
    "5K1iHJyvm5zbzc6YrlNwmo",
)
_RESONANCE = (
    "Collider",
    "Voodoo",
    "Tentacles",
    "Dead Limit",
    "Purpose",
    "Mantra",
    "Get Deaded",
    "Sunhammer",
    "Miniature Golf",
    None,  # track 10: seed 001's "Crank - Kasra Remix"
    "Incessant",
    "Diplodocus",
    "Asteroids",
    "Shellshock",
    "Stigma",
)

FIXED_ALBUMS_DATA: Final = (
    FixedAlbum(
        "3EncU2oR8VzeuWvLKPIEQd",
        "Pivot (Camo & Krooked Remix) / Sinkhole (Skeptical Remix)",
        "single",
        "5057272089689",
        "Vision Recordings",
        "2018 Vision Recordings",
        "2018 Vision Recordings",
        7,
        "2018-11-02",
        "day",
        (MEFJUS, CAMO_KROOKED, SKEPTICAL),
        (
            FixedTrack(
                "5w5Yy1iT2oAHMHi0ecFGRV",
                "Pivot - Camo & Krooked Remix",
                "UKACT1830493",
                11,
                266181,
                (MEFJUS, CAMO_KROOKED),
            ),
            FixedTrack(
                "4pQp4qcip75nJACmwsDstb",
                "Sinkhole - Skeptical Remix",
                "UKACT1830494",
                16,
                277674,
                (MEFJUS, SKEPTICAL),
            ),
        ),
    ),
    FixedAlbum(
        "4MBbs4RCLEbFAsXLTjIEbE",
        "Pinkerton",
        "album",
        "0602517536412",
        "Geffen",
        "1996 Geffen Records",
        "℗ 1996 Geffen Records",
        64,
        "1996-09-24",
        "day",
        (WEEZER,),
        tuple(
            FixedTrack(tid, title, f"USGF1966{3500 + i:04d}", pop, ms, (WEEZER,))
            for i, ((title, ms, pop), tid) in enumerate(
                zip(_PINKERTON, _PINKERTON_IDS, strict=True)
            )
        ),
    ),
    FixedAlbum(
        "1Rt8LmrDnAfJ4S0zYmmBNv",
        "Alternative 90s",
        "compilation",
        "0600753320123",
        "UMC",
        "2011 UMC (Universal Music Catalogue)",
        "2011 UMC (Universal Music Catalogue)",
        21,
        "2011",
        "year",
        (VARIOUS_ARTISTS_ROWID,),
        (
            # The same recordings as on "Pinkerton": same ISRCs, another release.
            FixedTrack(
                "6hbUP0o2X2XOTa3NCUOaq1", "El Scorcho", "USGF19663506", 9, 243800, (WEEZER,)
            ),
            FixedTrack(
                "3LzO6Te8RNEk39Dv3X1eT8", "The Good Life", "USGF19663505", 6, 257600, (WEEZER,)
            ),
        ),
        markets_rowid=1,
    ),
    FixedAlbum(
        "7sHq0VdDLqFlpLnq6Mgt8F",
        "Karaoke Hits of the 90s, Vol. 3",
        "compilation",
        None,
        "The Karaoke Channel",
        None,
        "2009 The Karaoke Channel",
        1,
        "2009-05",
        "month",
        (VARIOUS_ARTISTS_ROWID,),
        (
            FixedTrack(
                "0gP9Fb3q9tHw4uE7mC0vZk",
                "El Scorcho (Originally Performed by Weezer) [Karaoke Version]",
                "USKC10900317",
                1,
                244120,
                (KARAOKE,),
            ),
            FixedTrack(
                "2xW8eGZQ2nKpB9u3HcRj1s",
                "Say It Ain't So (Originally Performed by Weezer) [Karaoke Version]",
                None,
                0,
                259013,
                (KARAOKE,),
            ),
        ),
    ),
    FixedAlbum(
        "1vqbno1uvn9oBuE6nPD5MR",
        "The Resonance V",
        "album",
        "5054429169512",
        "Vision Recordings",
        "2023 Vision Recordings",
        "2023 Vision Recordings",
        11,
        "2023-02-17",
        "day",
        (NOISIA, KASRA),
        tuple(
            FixedTrack(
                "16Ek7OlxiIipZ59CYT3vVG",
                "Crank - Kasra Remix",
                "UKU932390011",
                5,
                248372,
                (NOISIA, KASRA),
            )
            if title is None
            else FixedTrack(
                spotify_ids(0, 6, np.array([i], np.int64))[0].as_py(),
                title,
                f"UKU9323900{i + 1:02d}" if i < 9 else f"UKU932390{i + 1:03d}",
                4 + i % 4,
                200_000 + 7919 * i,
                (NOISIA,),
            )
            for i, title in enumerate(_RESONANCE)
        ),
    ),
)
FIXED_ALBUMS: Final = len(FIXED_ALBUMS_DATA)
FIXED_TRACKS: Final = sum(len(a.tracks) for a in FIXED_ALBUMS_DATA)


def write_fixed(gen: Generator) -> None:
    """Write the fixed albums, their tracks, credits, images and audio features."""
    albums, tracks = FIXED_ALBUMS_DATA, [t for a in FIXED_ALBUMS_DATA for t in a.tracks]
    album_rowid = np.arange(1, len(albums) + 1, dtype=np.int64)
    track_rowid = np.arange(1, len(tracks) + 1, dtype=np.int64)
    track_album = np.repeat(album_rowid, [len(a.tracks) for a in albums])
    number = np.concatenate([np.arange(1, len(a.tracks) + 1) for a in albums])
    day = 86_400_000
    gen.sinks["albums"].write(
        {
            "rowid": pa.array(album_rowid),
            "id": pa.array([a.id for a in albums], pa.string()),
            "fetched_at": pa.array(FETCHED_FROM_MS + day * album_rowid),
            "name": pa.array([a.name for a in albums], pa.string()),
            "album_type": pa.array([a.album_type for a in albums], pa.string()),
            "available_markets_rowid": pa.array([a.markets_rowid for a in albums], pa.int64()),
            "external_id_upc": pa.array([a.upc for a in albums], pa.string()),
            "copyright_c": pa.array([a.copyright_c for a in albums], pa.string()),
            "copyright_p": pa.array([a.copyright_p for a in albums], pa.string()),
            "label": pa.array([a.label for a in albums], pa.string()),
            "popularity": pa.array([a.popularity for a in albums], pa.int64()),
            "release_date": pa.array([a.release_date for a in albums], pa.string()),
            "release_date_precision": pa.array(
                [a.release_date_precision for a in albums], pa.string()
            ),
            "total_tracks": pa.array([len(a.tracks) for a in albums], pa.int64()),
            "external_id_amgid": pa.nulls(len(albums), pa.string()),
        }
    )
    preview = [
        None if i % 3 else f"https://p.scdn.co/mp3-preview/{t.id.lower():0<32}"[:62]
        for i, t in enumerate(tracks)
    ]
    gen.sinks["tracks"].write(
        {
            "rowid": pa.array(track_rowid),
            "id": pa.array([t.id for t in tracks], pa.string()),
            "fetched_at": pa.array(FETCHED_FROM_MS + day * track_rowid),
            "name": pa.array([t.name for t in tracks], pa.string()),
            "preview_url": pa.array(preview, pa.string()),
            "album_rowid": pa.array(track_album),
            "track_number": pa.array(number),
            "external_id_isrc": pa.array([t.isrc for t in tracks], pa.string()),
            "popularity": pa.array([t.popularity for t in tracks], pa.int64()),
            "available_markets_rowid": pa.array(
                [albums[int(r) - 1].markets_rowid for r in track_album], pa.int64()
            ),
            "disc_number": pa.array([t.disc_number for t in tracks], pa.int64()),
            "duration_ms": pa.array([t.duration_ms for t in tracks], pa.int64()),
            "explicit": pa.array([t.explicit for t in tracks], pa.int64()),
        }
    )
    credits = [(int(r), a) for r, t in zip(track_rowid, tracks, strict=True) for a in t.artists]
    gen.sinks["track_artists"].write(
        {
            "track_rowid": pa.array([r for r, _ in credits], pa.int64()),
            "artist_rowid": pa.array([a for _, a in credits], pa.int64()),
        }
    )
    links: list[tuple[int, int, int, int | None]] = []  # artist, album, appears_on, index
    for rowid, album in enumerate(albums, 1):
        links += [(artist, rowid, 0, i) for i, artist in enumerate(album.artists)]
        guests = {a for t in album.tracks for a in t.artists} - set(album.artists)
        links += [(artist, rowid, 1, None) for artist in sorted(guests)]
    gen.sinks["artist_albums"].write(
        {
            "artist_rowid": pa.array([x[0] for x in links], pa.int64()),
            "album_rowid": pa.array([x[1] for x in links], pa.int64()),
            "is_appears_on": pa.array([x[2] for x in links], pa.int64()),
            "is_implicit_appears_on": pa.array(
                [int(x[2] == 1 and albums[x[1] - 1].album_type == "compilation") for x in links],
                pa.int64(),
            ),
            "index_in_album": pa.array([x[3] for x in links], pa.int64()),
        }
    )
    rng = gen.rng(8)
    gen.sinks["album_images"].write(
        _image_rows(rng, gen.seed, album_rowid, (640, 300, 64), ALBUM_IMAGE_PREFIXES, "album")
    )
    gen._features(
        rng,
        pa.array([t.id for t in tracks], pa.string()),
        np.array([t.duration_ms for t in tracks], np.int64),
    )


# -- vocabulary ----------------------------------------------------------------------------
# English title words (title case): the bulk of the catalog's names.
WORDS: Final = (  # noqa: SIM905 (word lists read better as text)
    "Love Night Fire Dream Heart Summer Rain Light Dark Blue Gold Silver Wild Lost Home Road "
    "River Ocean Sky Star Moon Sun City Street Dance Money Time Life World Girl Boy Baby Angel "
    "Ghost Shadow Storm Thunder Echo Paradise Heaven Hell Midnight Morning Sunset Highway Desert "
    "Winter Spring Autumn Memory Secret Promise Freedom Glory Crown King Queen Empire Kingdom "
    "Rebel Runaway Stranger Hero Legend Magic Mirror Diamond Crystal Velvet Neon Electric Cosmic "
    "Golden Broken Burning Falling Flying Running Dancing Dreaming Waiting Shining Fading Rising "
    "Silent Lonely Sweet Bitter Crazy Easy Hard Slow Fast Young Old New Last First Only Little "
    "Big Deep High Low Red Black White Green Purple Pink Orange Grey Emerald Ruby Jade Amber "
    "Horizon Gravity Orbit Galaxy Nebula Comet Satellite Rocket Signal Frequency Pulse Rhythm "
    "Melody Harmony Chorus Anthem Ballad Lullaby Serenade Symphony Overture Requiem Blues Soul "
    "Groove Funk Vibe Flow Wave Tide Current Drift Breeze Whisper Scream Shout Cry Smile Tears "
    "Kiss Touch Feel Hold Breathe Believe Remember Forget Forever Never Always Tonight Tomorrow "
    "Yesterday Today Again Alone Together Inside Outside Above Below Beyond Between Across "
    "Pivot Sinkhole Crank Resonance Vortex Circuit Machine Engine Motion Drive Speed Velocity "
    "Habibi Amigo Bella Mamacita Corazon Fiesta Noche Luna Sol Vida Amor Cielo Mar Tierra"
).split()

FIRST_NAMES: Final = (  # noqa: SIM905 (word lists read better as text)
    "James John Robert Michael David William Richard Joseph Thomas Charles Daniel Matthew Anthony "
    "Mark Paul Steven Andrew Kevin Brian George Edward Ronald Timothy Jason Jeffrey Ryan Jacob "
    "Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Frank Gregory "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty "
    "Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa Deborah "
    "Stephanie Rebecca Laura Sharon Cynthia Kathleen Amy Shirley Angela Helen Anna Brenda Pamela "
    "Nicole Emma Olivia Ava Sophia Mia Charlotte Amelia Harper Evelyn Luna Camila Aria Scarlett "
    "Lucas Liam Noah Oliver Elijah Mateo Levi Sebastian Jack Owen Theo Leo Hugo Max Finn Milan "
    "Sven Lars Anders Johan Pieter Jan Bram Sanne Femke Lotte Klaus Jürgen Günther Björn Søren "
    "José María Sofía Lucía Martín Andrés Tomás Joaquín Inés Raúl Óscar Zoë Chloé Hélène Amélie "
    "François Loïc Noël Anaïs Gaëlle Ægir Håkon Øyvind Ángel Çağan Şebnem Łukasz Zoltán Dvořák"
).split()

LAST_NAMES: Final = (  # noqa: SIM905 (word lists read better as text)
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Jansen de Vries "
    "van Dijk Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dubois Lefèvre Moreau "
    "Laurent Girard Bonnet Rousseau Fernández Pérez Sánchez Gómez Martín Jiménez Ruiz Muñoz "
    "Álvarez Romero Núñez Castaño Nørgaard Söderberg Åkesson Lindqvist Ødegaard Kowalski "
    "Wiśniewski Dąbrowski Nowak Novák Horváth Kovačević Petrović Jovanović Yılmaz Kaya Şahin"
).split()

ARTIST_NOUNS: Final = (  # noqa: SIM905 (word lists read better as text)
    "Wolves Tigers Kings Queens Ghosts Shadows Echoes Strangers Rebels Saints Sinners Angels "
    "Demons Giants Pilots Sailors Dreamers Lovers Brothers Sisters Machines Robots Horses Ravens "
    "Crows Foxes Bears Lions Sparks Flames Waves Tides Stars Comets Planets Satellites Rockets "
    "Monkeys Arctic Keys Killers Strokes Lumineers Shins Kooks Vaccines Editors Maccabees"
).split()

# Names and titles in other scripts: CJK, Korean, Cyrillic, Arabic, Greek, Hebrew,
# Devanagari, Thai, and accented Latin.
SCRIPT_TITLES: Final[dict[str, tuple[str, ...]]] = {
    "ja": (
        "夜に駆ける",
        "残酷な天使のテーゼ",
        "紅蓮華",
        "アイドル",
        "千本桜",
        "恋",
        "レモン",
        "怪物",
        "さくらんぼ",
        "桜",
        "星に願いを",
        "東京フラッシュ",
        "ドライフラワー",
        "うっせぇわ",
        "炎",
        "青と夏",
    ),
    "zh": (
        "月亮代表我的心",
        "小幸运",
        "演员",
        "晴天",
        "稻香",
        "青花瓷",
        "告白气球",
        "光年之外",
        "后来",
        "童话",
        "平凡之路",
        "夜曲",
        "说好不哭",
        "起风了",
    ),
    "ko": (
        "봄날",
        "사랑해",
        "밤편지",
        "좋은 날",
        "너의 의미",
        "첫눈처럼 너에게 가겠다",
        "다시 만난 세계",
        "소나기",
        "별이 빛나는 밤",
        "아로하",
        "눈의 꽃",
        "빨간 맛",
    ),
    "ru": (
        "Звезда по имени Солнце",
        "Кукушка",
        "Группа крови",
        "Пачка сигарет",
        "Мой рок-н-ролл",
        "Выхода нет",
        "Позови меня с собой",
        "Кино",
        "Зима",
        "Летний дождь",
        "Белые розы",
        "Тополиный пух",
        "Я свободен",
        "Ночь",
    ),
    "ar": (
        "حبيبي",
        "يا ليل",
        "تملي معاك",
        "نور العين",
        "أنت عمري",
        "قلبي",
        "سلام",
        "يا غالي",
        "ليالي",
        "بحبك",
        "وحشتني",
    ),
    "el": (
        "Σ'αγαπώ",
        "Καλοκαίρι",
        "Θάλασσα",
        "Η αγάπη",
        "Όνειρο",
        "Φεγγάρι",
        "Νύχτα",
        "Μαζί σου",
        "Ζωή",
    ),
    "he": ("שיר לשלום", "ירושלים של זהב", "אהבה", "לילה", "הללויה", "חלום"),
    "hi": ("तुम ही हो", "कल हो ना हो", "दिल", "प्यार", "चलते चलते", "मेरे सपनों की रानी"),
    "th": ("รักเธอ", "คิดถึง", "ฝน", "ดาว", "ใจ"),
    "latin": (
        "Canción del Mariachi",
        "Ça plane pour moi",
        "Über den Wolken",
        "Coração",
        "Déjà vu",
        "Señorita",
        "Niña bonita",
        "Café con leche",
        "Für Elise",
        "Mañana",
        "Ne me quitte pas",
        "L'été indien",
        "Garçon",
        "São Paulo",
        "Ámame",
        "Corazón partío",
        "Göteborg",
        "Smörgåsbord",
        "Ærø",
        "Čaj",
        "Łódź",
        "Şarkı",
        "Bésame mucho",
        "À bientôt",
        "Désolé",
        "Naïve",
        "Héroes",
        "Fußball",
    ),
}

# Names with quotes and colons, as real titles have them.
PUNCTUATED_TITLES: Final = (
    '"Heroes"',
    "Don't Stop Me Now",
    "Rock 'n' Roll",
    "Star Wars: Main Title",
    "Interlude: The Calm",
    "Part II: The Return",
    "Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio",
    "What's Up?",
    "Hey, Soul Sister",
    "Ain't No Mountain High Enough",
    'Say "Yes"',
    "Act 1: Overture",
    "Rock & Roll",
    "99 Luftballons",
    "Mr. Brightside",
    "Intro",
    "Outro",
    "Skit",
    "Untitled #3",
    "L.A. Woman",
)

SCRIPT_ARTISTS: Final[dict[str, tuple[str, ...]]] = {
    "ja": (
        "YOASOBI",
        "米津玄師",
        "宇多田ヒカル",
        "あいみょん",
        "King Gnu",
        "Ado",
        "椎名林檎",
        "嵐",
    ),
    "zh": ("周杰倫", "邓紫棋", "陈奕迅", "林俊杰", "王菲", "五月天", "李荣浩", "毛不易"),
    "ko": (
        "아이유",
        "방탄소년단",
        "블랙핑크",
        "빅뱅",
        "트와이스",
        "레드벨벳",
        "악동뮤지션",
        "소녀시대",
    ),
    "ru": (
        "Кино",
        "Земфира",
        "Сплин",
        "Ария",
        "Би-2",
        "Ленинград",
        "Мумий Тролль",
        "Алла Пугачёва",
    ),
    "ar": ("عمرو دياب", "فيروز", "أم كلثوم", "نانسي عجرم", "محمد عبده", "تامر حسني"),
    "el": ("Σάκης Ρουβάς", "Άννα Βίσση", "Νίκος Οικονομόπουλος", "Ελεονώρα Ζουγανέλη"),
    "he": ("עומר אדם", "נועה קירל", "אייל גולן"),
    "hi": ("अरिजीत सिंह", "लता मंगेशकर", "श्रेया घोषाल"),
    "th": ("บอดี้สแลม", "ปาล์มมี่"),
    "latin": ("Björk", "Sigur Rós", "Mötley Crüe", "Beyoncé", "Café Tacvba", "Héroes del Silencio"),
}

REGIONS: Final = (  # noqa: SIM905 (word lists read better as text)
    "dutch german french uk brazilian swedish japanese korean italian spanish polish russian "
    "turkish indian australian canadian mexican argentine belgian finnish norwegian danish czech "
    "greek nigerian"
).split()

STYLES: Final = (  # noqa: SIM905 (word lists read better as text)
    "hip hop|pop|rock|indie|techno|house|metal|punk|jazz|folk|r&b|trap|rap|drill|"
    "singer-songwriter|electronica|reggae|soul|country|alternative rock"
).split("|")

STANDALONE_GENRES: Final = (  # noqa: SIM905 (word lists read better as text)
    "pop|rock|hip hop|rap|dance pop|edm|drum and bass|neurofunk|liquid funk|dubstep|"
    "brostep|trance|progressive house|deep house|tech house|big room|k-pop|k-pop girl group|"
    "k-pop boy group|j-pop|j-rock|anime|c-pop|mandopop|cantopop|latin pop|reggaeton|"
    "urbano latino|trap latino|bachata|salsa|cumbia|banda|corrido|sertanejo|mpb|bossa nova|"
    "samba|funk carioca|afrobeats|afropop|amapiano|highlife|dancehall|classical|baroque|"
    "opera|early music|romantic era|minimalism|soundtrack|video game music|lo-fi beats|"
    "chillhop|ambient|new age|shoegaze|dream pop|post-rock|math rock|emo|pop punk|grunge|"
    "alternative metal|nu metal|death metal|black metal|thrash metal|hardcore|metalcore|"
    "doom metal|stoner rock|psychedelic rock|classic rock|album rock|hard rock|glam rock|"
    "soft rock|yacht rock|blues rock|garage rock|surf rock|britpop|madchester|new wave|"
    "synthpop|post-punk|darkwave|industrial|ebm|italo disco|disco|funk|motown|neo soul|"
    "quiet storm|gospel|contemporary r&b|smooth jazz|bebop|cool jazz|hard bop|free jazz|"
    "big band|swing|vocal jazz|adult standards|easy listening|lounge|exotica|bluegrass|"
    "americana|outlaw country|contemporary country|folk rock|indie folk|chamber pop|"
    "art pop|hyperpop|bedroom pop|indie pop|indietronica|electropop|future bass|vaporwave|"
    "phonk|drift phonk|grime|uk garage|jungle|breakbeat|hardstyle|gabber|schlager|"
    "volksmusik|chanson|variete francaise|fado|flamenco|tango|rebetiko|laiko|arabesk|"
    "bollywood|filmi|desi pop|punjabi pop|qawwali|mizrahi|khaleeji|arab pop|rai|"
    "cantautor|musica popular|karaoke|children's music|christmas|comedy|spoken word|"
    "audiobook|sleep|meditation|white noise|nature sounds|worship|ccm|polka|zydeco"
).split("|")

LABEL_WORDS: Final = (  # noqa: SIM905 (word lists read better as text)
    "Vision Atlantic Columbia Capitol Island Interscope Parlophone Virgin Motown Epic Warp "
    "Ninja Domino Matador Merge Sub Pop Rough Trade XL Hospital Ram Shogun Critical Metalheadz "
    "Monstercat Spinnin Armada Anjunabeats Defected Ultra Astralwerks Nuclear Blast Century "
    "Media Roadrunner Epitaph Fueled Dirty Hit Polydor Mercury Decca Deutsche Grammophon Blue "
    "Note Verve Nonesuch Secretly Jagjaguwar Sacred Bones Ghostly Ninja Tune Hyperdub Stones"
).split()
LABEL_SUFFIXES: Final = ("Records", "Recordings", "Music", "Entertainment", "Audio", "Sounds")
BIG_LABELS: Final = (
    "Universal Music Group",
    "Sony Music Entertainment",
    "Warner Records",
    "DistroKid",
    "Records DK",
    "TuneCore",
    "CD Baby",
    "Independent",
    "Believe",
    "AWAL",
    "Kontor Records",
    "SM Entertainment",
    "HYBE",
    "Avex Trax",
    "Rotana",
)

FILMS: Final = (
    "Frozen",
    "Top Gun: Maverick",
    "The Lion King",
    "Barbie",
    "Encanto",
    "Titanic",
    "Dirty Dancing",
    "Grease",
    "Moana",
    "Spider-Man: Into the Spider-Verse",
)

VENUES: Final = (
    "Wembley Stadium",
    "Madison Square Garden",
    "Royal Albert Hall",
    "Red Rocks",
    "Glastonbury 2019",
    "the BBC",
    "Budokan",
    "Paradiso",
)

COMPILATION_NAMES: Final = (
    "Now That's What I Call Music! 42",
    "Hits 2019",
    "Summer Vibes",
    "Chill Out Sessions",
    "Drum & Bass Arena",
    "Ministry of Sound: Anthems",
    "100 Greatest 90s",
    "Essential Classics",
    "Bravo Hits 77",
    "Top 40 Charts",
    "The Very Best of the 80s",
    "Ibiza Annual",
    "Workout Mix 2020",
    "Kuschelrock 25",
)

# Spotify's markets (ISO 3166-1 alpha-2), as its API lists them.
MARKETS: Final = (  # noqa: SIM905 (word lists read better as text)
    "AD AE AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CG "
    "CH CI CL CM CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ES ET FI FJ FM FR GA GB GD GE GH "
    "GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IS IT JM JO JP KE KG KH KI KM KN KR KW "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MN MO MR MT MU MV MW MX MY MZ "
    "NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PR PS PT PW PY QA RO RS RW SA SB SC SE SG "
    "SI SK SL SM SN SR ST SV SZ TD TG TH TJ TL TN TO TR TT TV TW TZ UA UG US UY UZ VC VE VN VU "
    "WS XK ZA ZM ZW"
).split()

ISRC_COUNTRIES: Final = ("US", "GB", "UK", "DE", "FR", "SE", "NL", "JP", "KR", "QM", "QZ", "BR")
