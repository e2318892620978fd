"""Search engine candidates, measured on the same documents: SQLite FTS5 and tantivy.

    python bench/search_engines.py --catalog /tmp/pd1m/catalog [--queries 1000]

Reads the folded track documents (title, artists, album, popularity) from a
built catalog's `search_track_doc` table and indexes them again with each
engine into a scratch directory, measuring build time and size on disk, then
runs the same conjunctive "title + artist" queries (sampled from the
documents) on each and reports latency and whether the target came back in
the top 10. Standalone on purpose (stdlib + optional `tantivy`): run it with
any Python that has `tantivy` installed (`pip install tantivy`); without it,
only FTS5 is measured.

FTS5 is measured two ways: the way playdeck queries it (matches in
popularity-rank order, first 1000, then ranked in Python; here only the index
part) and with FTS5's own bm25 ordering (`ORDER BY rank`), which has to score
every match.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5) * 1000, 3),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def sample_queries(catalog: Path, count: int, seed: int) -> list[tuple[int, list[str]]]:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    (n,) = conn.execute("SELECT max(doc) FROM search_track_doc").fetchone()
    rng = random.Random(seed)
    out: list[tuple[int, list[str]]] = []
    while len(out) < count:
        doc = rng.randint(1, n)
        row = conn.execute(
            "SELECT title, artists FROM search_track_doc WHERE doc = ?", (doc,)
        ).fetchone()
        if not row or not row[0]:
            continue
        words = row[0].split() + (row[1].split(",")[0].split() if row[1] else [])
        out.append((doc, words))
    conn.close()
    return out


def bench_fts5(catalog: Path, work: Path, queries: list[tuple[int, list[str]]]) -> dict[str, Any]:
    path = work / "fts5.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(f"ATTACH DATABASE 'file:{catalog}?mode=ro' AS cat")
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, artists, album,"
        f" tokenize=\"{TOKENIZER}\", content='', columnsize=0, detail=full)"
    )
    start = time.perf_counter()
    conn.execute(
        "INSERT INTO f (rowid, title, artists, album)"
        " SELECT doc, title, artists, album FROM cat.search_track_doc"
    )
    conn.execute("INSERT INTO f(f) VALUES ('optimize')")
    conn.commit()
    build = time.perf_counter() - start
    conn.execute("DETACH DATABASE cat")
    conn.execute("VACUUM")
    size = path.stat().st_size
    # The same kind of table with its text stored (needed for bm25 `rank`).
    conn.execute(
        "CREATE VIRTUAL TABLE g USING fts5(title, artists, album,"
        f' tokenize="{TOKENIZER}", detail=full)'
    )
    conn.execute(f"ATTACH DATABASE 'file:{catalog}?mode=ro' AS cat")
    conn.execute(
        "INSERT INTO g (rowid, title, artists, album)"
        " SELECT doc, title, artists, album FROM cat.search_track_doc"
    )
    conn.execute("INSERT INTO g(g) VALUES ('optimize')")
    conn.commit()
    out: dict[str, Any] = {"build_s": round(build, 1), "size_mb": round(size / 1e6, 1)}
    for label, sql in (
        ("popularity_order", "SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid LIMIT 1000"),
        ("bm25_top10", "SELECT rowid FROM g WHERE g MATCH ? ORDER BY rank LIMIT 10"),
    ):
        samples: list[float] = []
        found = 0
        for doc, words in queries:
            expr = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
            t0 = time.perf_counter()
            rows = [r[0] for r in conn.execute(sql, (expr,))]
            samples.append(time.perf_counter() - t0)
            found += doc in rows[:1000]
        out[label] = {**latency(samples), "target_in_results": round(found / len(queries), 4)}
    conn.close()
    return out


def bench_tantivy(
    catalog: Path, work: Path, queries: list[tuple[int, list[str]]]
) -> dict[str, Any] | None:
    try:
        import tantivy
    except ImportError:
        return None
    builder = tantivy.SchemaBuilder()
    for name in ("title", "artists", "album"):
        builder.add_text_field(name, stored=False, tokenizer_name="default")
    builder.add_unsigned_field("doc", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("popularity", stored=False, indexed=False, fast=True)
    schema = builder.build()
    path = work / "tantivy"
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    start = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for doc, title, artists, album, popularity in conn.execute(
        "SELECT doc, title, artists, album, popularity FROM search_track_doc"
    ):
        document = tantivy.Document()
        document.add_text("title", title)
        document.add_text("artists", artists.replace(",", " "))
        document.add_text("album", album)
        document.add_unsigned("doc", doc)
        document.add_unsigned("popularity", popularity or 0)
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - start
    index.reload()
    searcher = index.searcher()
    samples: list[float] = []
    found = 0
    for doc, words in queries:
        t0 = time.perf_counter()
        query = index.parse_query(
            " ".join(f'"{w}"' for w in words),
            ["title", "artists", "album"],
            conjunction_by_default=True,
        )
        hits = searcher.search(query, 10).hits
        got = [searcher.doc(address)["doc"][0] for _score, address in hits]
        samples.append(time.perf_counter() - t0)
        found += doc in got
    return {
        "build_s": round(build, 1),
        "size_mb": round(dir_size(path) / 1e6, 1),
        "bm25_top10": {**latency(samples), "target_in_results": round(found / len(queries), 4)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True, help="a catalog directory")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="scratch directory")
    args = parser.parse_args()
    catalog = (args.catalog / "catalog.sqlite3").resolve()
    work = Path(tempfile.mkdtemp(prefix="pd-engines-", dir=args.work))
    try:
        conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
        (docs,) = conn.execute("SELECT count(*) FROM search_track_doc").fetchone()
        conn.close()
        queries = sample_queries(catalog, args.queries, args.seed)
        result = {
            "documents": docs,
            "queries": len(queries),
            "fts5": bench_fts5(catalog, work, queries),
            "tantivy": bench_tantivy(catalog, work, queries),
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
