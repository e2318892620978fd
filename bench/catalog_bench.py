"""Catalog benchmark: ingest cost, HTTP lookup latency/throughput and server memory,
side by side with the seed's approach (DuckDB over the parquet files per request)
and the floor (a bare indexed lookup in-process).

    .venv/bin/python bench/catalog_bench.py --dump /tmp/pd1m --catalog /tmp/pd1m-cat [--ingest]

`--dump` is a `playdeck demo` output folder; with `--ingest` the catalog is
(re)built from its parquet folder and timed. Prints a JSON summary and a
markdown table row set for bench/RESULTS.md. Ratios are measured in one run on
one machine, which is what the targets are stated in.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.50) * 1000, 3),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def sample_ids(catalog: Path, n: int, seed: int) -> list[str]:
    conn = sqlite3.connect(f"file:{catalog / 'catalog.sqlite3'}?mode=ro", uri=True)
    (count,) = conn.execute("SELECT max(rowid) FROM tracks").fetchone()
    rng = random.Random(seed)
    ids: list[str] = []
    while len(ids) < n:
        rowid = rng.randint(1, count)
        row = conn.execute("SELECT id FROM tracks WHERE rowid = ?", (rowid,)).fetchone()
        if row:
            ids.append(row[0])
    conn.close()
    return ids


def bare_lookup(catalog: Path, ids: list[str]) -> list[float]:
    """The floor: one indexed row read by id, in-process, warm connection."""
    conn = sqlite3.connect(f"file:{catalog / 'catalog.sqlite3'}?mode=ro&immutable=1", uri=True)
    out = []
    for ident in ids:
        start = time.perf_counter()
        conn.execute("SELECT * FROM tracks WHERE id = ?", (ident,)).fetchone()
        out.append(time.perf_counter() - start)
    conn.close()
    return out


def service_lookup(catalog: Path, ids: list[str]) -> list[float]:
    """The whole track answer in-process (no HTTP): the object, serialised."""
    from playdeck.catalog.service import CatalogService
    from playdeck.catalog.store import CatalogStore

    store = CatalogStore(catalog)
    service = CatalogService(store, "http://x")
    out = []
    for ident in ids:
        start = time.perf_counter()
        orjson.dumps(service.track(ident, None))
        out.append(time.perf_counter() - start)
    store.close()
    return out


def service_batches(catalog: Path, batches: list[list[str]]) -> list[float]:
    """A whole 50-track answer in-process (no HTTP): the objects, serialised."""
    from playdeck.catalog.service import CatalogService
    from playdeck.catalog.store import CatalogStore

    store = CatalogStore(catalog)
    service = CatalogService(store, "http://x")
    out = []
    for ids in batches:
        start = time.perf_counter()
        orjson.dumps({"tracks": service.tracks(ids, None)})
        out.append(time.perf_counter() - start)
    store.close()
    return out


def seed_lookup(parquet: Path, ids: list[str]) -> list[float]:
    """Seed 001's approach: DuckDB queries over the parquet files for every request."""
    import duckdb

    con = duckdb.connect()
    p = {t: str(parquet / f"{t}.parquet") for t in ("tracks", "albums", "artists", "track_artists")}
    out = []
    for ident in ids:
        start = time.perf_counter()
        track = con.execute(
            f"SELECT * FROM read_parquet('{p['tracks']}') WHERE id = ?", [ident]
        ).fetchone()
        assert track is not None
        rowid, album_rowid = track[0], track[5]
        con.execute(
            f"SELECT * FROM read_parquet('{p['albums']}') WHERE rowid = ?", [album_rowid]
        ).fetchall()
        con.execute(
            f"SELECT a.* FROM read_parquet('{p['track_artists']}') ta JOIN "
            f"read_parquet('{p['artists']}') a ON a.rowid = ta.artist_rowid "
            "WHERE ta.track_rowid = ?",
            [rowid],
        ).fetchall()
        out.append(time.perf_counter() - start)
    con.close()
    return out


class Server:
    """A `playdeck serve` process on `catalog` (extra `env` settings on top of the
    bench's own), waited for until it answers."""

    def __init__(
        self, catalog: Path, port: int, data_dir: Path, env: dict[str, str] | None = None
    ) -> None:
        env = {
            **os.environ,
            "PLAYDECK_DATA_DIR": str(data_dir),
            "PLAYDECK_ENV": "development",
            **(env or {}),
        }
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "playdeck",
                "serve",
                "--catalog",
                str(catalog),
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/v1/markets", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)

    def rss_mib(self) -> float:
        proc = psutil.Process(self.proc.pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            total += child.memory_info().rss
        return round(total / 2**20, 1)

    def rss_split_mib(self) -> dict[str, float]:
        """The server's RSS by kind (Linux): its own memory (anonymous) and the
        pages of mapped files (libraries, the serving store) it has touched."""
        out: dict[str, float] = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("RssAnon", "RssFile"):
                    out[key] = round(int(value.split()[0]) / 1024, 1)
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


class RawClient:
    """A keep-alive HTTP/1.1 client that only reads the response's bytes.

    The timed section is the request and the whole body arriving, nothing
    else: no JSON parsing, and less client-side Python per request and per
    byte than httpx (whose own cost, on a 2-core machine shared with the
    server, weighs on a 150 KB batch answer). The status is checked after
    the clock stops.
    """

    def __init__(self, url: str, token: str) -> None:
        parts = httpx.URL(url)
        self.host, self.port = parts.host, parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return self._get(path)

    def _get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def http_lookups(client: RawClient | httpx.Client, url_for: list[str]) -> tuple[list[float], float]:
    out = []
    begin = time.perf_counter()
    for url in url_for:
        start = time.perf_counter()
        if isinstance(client, RawClient):
            status, body = client.get(url)
        else:
            r = client.get(url)
            status, body = r.status_code, r.content
        out.append(time.perf_counter() - start)
        assert status == 200, body[:500]
    elapsed = time.perf_counter() - begin
    return out, len(url_for) / elapsed


def prewarm(catalog: Path) -> float:
    """Read the catalog's files (the SQLite file, the serving store) once so the OS
    page cache holds them (a server at steady state)."""
    start = time.perf_counter()
    for path in sorted(catalog.iterdir()):
        with open(path, "rb") as fh:
            while fh.read(16 * 2**20):
                pass
    return round(time.perf_counter() - start, 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    dump, catalog = Path(args.dump), Path(args.catalog)
    parquet = dump / "spotify_clean_parquet"
    result: dict[str, Any] = {"dump": str(dump)}
    if args.ingest:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "playdeck", "ingest", str(parquet), "--catalog", str(catalog)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
        result["ingest_seconds"] = round(seconds, 1)
    conn = sqlite3.connect(f"file:{catalog / 'catalog.sqlite3'}?mode=ro", uri=True)
    tracks = int(
        conn.execute("SELECT value FROM catalog_meta WHERE key='count_tracks'").fetchone()[0]
    )
    conn.close()
    result["tracks"] = tracks
    if "ingest_seconds" in result:
        result["ingest_tracks_per_second"] = round(tracks / result["ingest_seconds"])
    result["catalog_bytes"] = dir_size(catalog)
    result["parquet_bytes"] = dir_size(parquet)

    if args.prewarm:
        result["prewarm_seconds"] = prewarm(catalog)
    ids = sample_ids(catalog, args.requests + 50 * args.batches, seed=args.seed)
    singles = ids[: args.requests]
    result["bare_lookup"] = summary(bare_lookup(catalog, singles))
    result["service_lookup"] = summary(service_lookup(catalog, singles))
    # Other ids than the HTTP batches', so neither run finds the other's pages mapped.
    in_process = sample_ids(catalog, 50 * args.batches, seed=args.seed + 1)
    result["service_batch_50"] = summary(
        service_batches(catalog, [in_process[k * 50 : (k + 1) * 50] for k in range(args.batches)])
    )
    seed_ids = singles[: args.seed_requests]
    result["seed_duckdb_lookup"] = summary(seed_lookup(parquet, seed_ids))

    server = Server(catalog, args.port, Path(args.data_dir))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http_client:
            token = http_client.post(
                "/api/token",
                data={"grant_type": "client_credentials"},
                auth=("bench", "bench"),
            ).json()["access_token"]
            http_client.headers["Authorization"] = f"Bearer {token}"
            client: RawClient | httpx.Client = (
                RawClient(server.url, token) if args.client == "raw" else http_client
            )
            warm = [f"/v1/tracks/{i}" for i in singles[:200]]
            http_lookups(client, warm)
            one, one_rps = http_lookups(client, [f"/v1/tracks/{i}" for i in singles])
            batch_ids = ids[args.requests :]
            batches = [
                "/v1/tracks?ids=" + ",".join(batch_ids[k * 50 : (k + 1) * 50])
                for k in range(args.batches)
            ]
            fifty, fifty_rps = http_lookups(client, batches)
            if isinstance(client, RawClient):
                client.close()
        result["client"] = args.client
        result["http_track"] = {**summary(one), "requests_per_second": round(one_rps)}
        result["http_tracks_50"] = {**summary(fifty), "requests_per_second": round(fifty_rps)}
        result["server_rss_mib"] = server.rss_mib()
        result["server_rss_split_mib"] = server.rss_split_mib()
    finally:
        server.stop()

    p50 = result["http_track"]["p50_ms"]
    result["ratios"] = {
        "seed_over_http_track_p50": round(result["seed_duckdb_lookup"]["p50_ms"] / p50, 1),
        "http_track_over_bare_p50": round(p50 / result["bare_lookup"]["p50_ms"], 1),
        "http_track_over_service_p50": round(p50 / result["service_lookup"]["p50_ms"], 1),
        "http_tracks_50_over_http_track_p50": round(result["http_tracks_50"]["p50_ms"] / p50, 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--ingest", action="store_true")
    parser.add_argument(
        "--prewarm", action="store_true", help="read the catalog file into the OS page cache first"
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--seed-requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="HTTP client for the timed requests: stdlib keep-alive reading raw bytes, or httpx",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", default="/tmp/playdeck-bench-data")
    args = parser.parse_args()
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
