"""Playlist benchmark: edits and reads in a 10,000-item playlist against catalog lookups
measured in the same run, over HTTP against a real server process.

    .venv/bin/python bench/playlists_bench.py --catalog /tmp/plbench/catalog --repeat 5 \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench]

Targets (issue 5): adding 100 items and one reorder each have p50 within 5x a
single-track catalog lookup (`GET /v1/tracks/{id}`); reading 100 items within 3x
a 50-track batch lookup (`GET /v1/tracks?ids=…`). The playlist is filled to
10,000 items; each add sample inserts 100 items at a random position into 9,900
(reaching 10,000, the limit) and is then undone by an unmeasured delete. By
default lookups, adds, lookups, reorders, batches and reads are timed in that
order, one phase each: a round (the headline; since session 10 the targets are
judged on `--repeat 5`, five such rounds, see below). `--block K`
alternates blocks of K timed requests (lookups and adds, lookups and reorders,
batches and reads), each block led by one untimed request of its kind, so that a
burst of load on a shared machine falls on both sides of a ratio: for side by
side comparisons of two versions of the code. The two modes' yardsticks differ
(a lookup right after a block of heavier requests runs colder), so their ratios
are not compared with each other. `--repeat R` runs every phase R times on one
server and playlist (each round starts again from 9,900 items) and gives each
ratio as the median of the rounds' ratios (`ratios_per_round` lists them), the
timings pooled: a burst of load on a shared machine that falls on one phase of
one round then moves a ratio no more than any other round does. After the reads,
reads of 100 items with `fields=` (`READ_FIELDS`, as scripts ask for only what
they use) are timed the same way against batches: reported, no target. Prints a
JSON summary; bench/RESULTS.md records it.

Every timed request goes through `--client`: `raw` (the default, the headline) is
a stdlib keep-alive HTTP/1.1 client (`catalog_bench.RawClient`, extended here to
send JSON bodies) whose clock covers the request and the whole response body
arriving, nothing else; `httpx` is the previous client, which adds about 0.8 ms
of client-side Python per request on both sides of each ratio. Setup (the fill,
the unmeasured undoing deletes, the checks) always uses httpx. On PostgreSQL,
`commit_probe` is the p50 of one bare commit probed after each timed edit (see
`CommitProbe`): the WAL flush every edit also waits for, as it was during the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from catalog_bench import RawClient, Server  # bench/ is on sys.path when run as a script

SCOPES = ["playlist-modify-public", "playlist-modify-private", "playlist-read-private"]


# A page read with `fields=` (no target; reported beside the plain read).
READ_FIELDS = "items(added_at,track(id,name,artists(name))),next"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.50) * 1000, 3),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
        "n": len(samples),
    }


def server_env(data: Path) -> dict[str, str]:
    """A bench server's settings: an emptied data directory, and rate limits high
    enough never to answer a timed request with a 429."""
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    return {
        "PLAYDECK_DATA_DIR": str(data),
        "PLAYDECK_ENV": "development",
        "PLAYDECK_RATE_LIMIT_PER_APP": "100000000",
        "PLAYDECK_RATE_LIMIT_PER_USER": "100000000",
    }


def fresh_schema(database_url: str, prefix: str) -> tuple[str, str]:
    """A new schema in the PostgreSQL database, and the URL whose connections use it."""
    schema = f"{prefix}_{random.randrange(16**8):08x}"
    with sa.create_engine(database_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in database_url else "?"
    return schema, f"{database_url}{sep}options=-csearch_path%3D{schema}"


def track_ids(catalog: Path, n: int) -> list[str]:
    conn = sqlite3.connect(f"file:{catalog / 'catalog.sqlite3'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM tracks ORDER BY rowid LIMIT ?", (n,))]
    conn.close()
    return ids


def user_token(env: dict[str, str]) -> str:
    """Create the bench user and mint a token in-process, as the CLI would."""
    os.environ.update(env)
    from playdeck.accounts import service as accounts
    from playdeck.config import get_settings
    from playdeck.kit.db import upgrade_database
    from playdeck.models import Role
    from playdeck.oauth.service import install_accounts, issue_user_token

    get_settings.cache_clear()
    settings = get_settings()
    upgrade_database(settings.resolved_database_url)
    holder = types.SimpleNamespace(state=types.SimpleNamespace())
    install_accounts(holder, settings)
    with holder.state.db.session_scope() as session:
        user = accounts.create_user(
            session, username="bench", password="bench-password-123", role=Role.curator
        )
        token = issue_user_token(
            session, holder.state.token_verifier, user, SCOPES, client_id="bench", create_app=True
        )
    holder.state.db.dispose()
    return token


class JSONRawClient(RawClient):
    """`RawClient` that also sends a method other than GET with a JSON body."""

    def send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        try:
            return self._send(method, path, body)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return self._send(method, path, body)

    def _send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        headers = self.headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


class Timer:
    """Times one request through the chosen client; the body (JSON, encoded before the
    clock starts) and the status check stay outside the timed section."""

    def __init__(self, kind: str, url: str, token: str, http: httpx.Client) -> None:
        self.kind = kind
        self.http = http
        self.raw = JSONRawClient(url, token) if kind == "raw" else None

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        data = None if body is None else orjson.dumps(body)
        if self.raw is not None:
            start = time.perf_counter()
            status, content = self.raw.send(method, path, data)
            elapsed = time.perf_counter() - start
        else:
            headers = None if data is None else {"Content-Type": "application/json"}
            start = time.perf_counter()
            r = self.http.request(method, path, content=data, headers=headers)
            content = r.content
            elapsed = time.perf_counter() - start
            status = r.status_code
        assert status in (200, 201), (status, content[:300])
        return elapsed, orjson.loads(content) if content else None

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()


class CommitProbe:
    """PostgreSQL only: the time of one bare commit (a one-row insert made durable) in
    the bench's schema, probed after each timed edit. Every edit pays one such WAL
    flush, and on a shared disk its cost moves by 10x from minute to minute: the
    probe shows what it was while the edits were measured."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.conn = self.engine.raw_connection()
        cursor = self.conn.cursor()
        cursor.execute("CREATE TABLE bench_commit_probe (id SERIAL PRIMARY KEY)")
        self.conn.commit()
        self.samples: list[float] = []

    def __call__(self) -> None:
        cursor = self.conn.cursor()
        cursor.execute("INSERT INTO bench_commit_probe DEFAULT VALUES")
        start = time.perf_counter()
        self.conn.commit()
        self.samples.append(time.perf_counter() - start)

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def ratios(samples: dict[str, list[float]]) -> dict[str, float]:
    """One round's ratios of p50s: each operation over its yardstick."""

    def p50(key: str) -> float:
        return percentile(samples[key], 0.50)

    return {
        "add_100_over_track_p50": round(p50("add_100_items") / p50("http_track"), 2),
        "reorder_over_track_p50": round(p50("reorder_one") / p50("http_track"), 2),
        "read_100_over_tracks_50_p50": round(p50("read_100_items") / p50("http_tracks_50"), 2),
        "read_100_with_fields_over_tracks_50_p50": round(
            p50("read_100_items_with_fields") / p50("field_batches"), 2
        ),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    catalog = Path(args.catalog)
    data = Path(args.data_dir)
    env = server_env(data)
    schema = None
    if args.database_url:
        # A fresh schema per run, dropped afterwards (the database itself is reused).
        schema, env["PLAYDECK_DATABASE_URL"] = fresh_schema(args.database_url, "plbench")
    token = user_token(env)
    ids = track_ids(catalog, 20_000)
    rng = random.Random(args.seed)
    uris = [f"spotify:track:{i}" for i in ids]
    result: dict[str, Any] = {
        "database": "postgresql" if args.database_url else "sqlite",
        "client": args.client,
        "block": args.block,
        "repeat": args.repeat,
    }
    server = Server(catalog, args.port, data, env)
    probe = CommitProbe(env["PLAYDECK_DATABASE_URL"]) if schema is not None else None
    try:
        with httpx.Client(
            base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as c:
            pid = c.post("/v1/me/playlists", json={"name": "Bench"}).json()["id"]
            fill_start = time.perf_counter()
            for k in range(99):
                c.post(f"/v1/playlists/{pid}/items", json={"uris": uris[k * 100 : (k + 1) * 100]})
            result["fill_9900_seconds"] = round(time.perf_counter() - fill_start, 2)
            path = f"/v1/playlists/{pid}/items"
            # Warm both paths.
            for i in ids[:200]:
                c.get(f"/v1/tracks/{i}")
            for _ in range(20):
                c.get(path, params={"limit": 100, "offset": rng.randrange(9800)})

            timed = Timer(args.client, server.url, token, c)
            for i in ids[200:400]:
                timed("GET", f"/v1/tracks/{i}")  # warm the timed client's connection too

            # One phase of each kind by default; with `--block K`, alternating
            # blocks of K (lookups, then adds; lookups, then reorders; batches,
            # then reads), so a burst of load falls on both sides of a ratio.
            def single() -> float:
                return timed("GET", f"/v1/tracks/{rng.choice(ids)}")[0]

            def batch() -> float:
                return timed("GET", f"/v1/tracks?ids={','.join(rng.sample(ids, 50))}")[0]

            def add() -> float:
                at = rng.randint(0, 9900)
                new = rng.sample(uris[10_000:], 100)
                elapsed, body = timed("POST", path, {"uris": new, "position": at})
                if probe is not None:
                    probe()
                c.request(
                    "DELETE",
                    path,
                    json={
                        "items": [{"uri": u, "positions": [at + j]} for j, u in enumerate(new)],
                        "snapshot_id": body["snapshot_id"],
                    },
                ).raise_for_status()
                return elapsed

            def reorder() -> float:
                start = rng.randrange(10_000)
                before = rng.choice([b for b in (rng.randrange(10_001) for _ in range(3))
                                     if b not in (start, start + 1)] or [0])  # fmt: skip
                elapsed = timed("PUT", path, {"range_start": start, "insert_before": before})[0]
                if probe is not None:
                    probe()
                return elapsed

            def read() -> float:
                return timed("GET", f"{path}?limit=100&offset={rng.randrange(9901)}")[0]

            def read_fields() -> float:  # as spotipy scripts ask: only what they use
                query = f"limit=100&offset={rng.randrange(9901)}&fields={READ_FIELDS}"
                return timed("GET", f"{path}?{query}")[0]

            def alternate(
                yardstick: Callable[[], float], measured: Callable[[], float], count: int
            ) -> tuple[list[float], list[float]]:
                base: list[float] = []
                out: list[float] = []
                while len(out) < count:
                    k = count - len(out) if args.block <= 0 else min(args.block, count - len(out))
                    # Each block starts with one untimed request of its kind, so every
                    # timed request follows one of its own kind, as in separate phases.
                    yardstick()
                    base.extend(yardstick() for _ in range(k))
                    measured()
                    out.extend(measured() for _ in range(k))
                return base, out

            rounds = []
            for k in range(args.repeat):
                if k:  # back to 9,900 items, as the adds expect: the last 100 go
                    last = c.get(path, params={"offset": 9900, "limit": 100}).json()["items"]
                    gone = [
                        {"uri": item["track"]["uri"], "positions": [9900 + j]}
                        for j, item in enumerate(last)
                    ]
                    c.request("DELETE", path, json={"items": gone}).raise_for_status()
                # One round: every phase, in the headline's order.
                singles, adds = alternate(single, add, args.edits)
                c.post(path, json={"uris": uris[9900:10_000]}).raise_for_status()
                length = c.get(f"/v1/playlists/{pid}?fields=tracks.total").json()
                assert length["tracks"]["total"] == 10_000, length
                more, reorders = alternate(single, reorder, args.edits)
                batches, reads = alternate(batch, read, args.n)
                field_batches, field_reads = alternate(batch, read_fields, args.n)
                rounds.append(
                    {
                        "http_track": singles + more,
                        "http_tracks_50": batches,
                        "add_100_items": adds,
                        "reorder_one": reorders,
                        "read_100_items": reads,
                        "field_batches": field_batches,
                        "read_100_items_with_fields": field_reads,
                    }
                )
            timed.close()
            versions = c.get(f"/api/playlists/{pid}/versions?limit=1").json()["total"]
    finally:
        server.stop()
        if probe is not None:
            probe.close()
        if schema is not None:
            engine = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    result["playlist_items"] = 10_000
    result["versions_kept"] = versions
    pooled = {key: [x for r in rounds for x in r[key]] for key in rounds[0]}
    for key, samples in pooled.items():
        if key != "field_batches":
            result[key] = summary(samples)
    if probe is not None:
        result["commit_probe"] = summary(probe.samples)
    each = [ratios(r) for r in rounds]
    if len(each) > 1:
        result["ratios_per_round"] = each
    # One round: its ratios. Several: each ratio's median over the rounds, so
    # that one round a burst on a shared machine fell on decides nothing alone.
    result["ratios"] = {key: round(statistics.median(r[key] for r in each), 2) for key in each[0]}
    result["targets_met"] = (
        result["ratios"]["add_100_over_track_p50"] <= 5
        and result["ratios"]["reorder_over_track_p50"] <= 5
        and result["ratios"]["read_100_over_tracks_50_p50"] <= 3
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--data-dir", default="/tmp/playdeck-playlists-bench")
    parser.add_argument("--n", type=int, default=300, help="read (and batch) samples")
    parser.add_argument(
        "--edits", type=int, default=200, help="add and reorder samples (one lookup each)"
    )
    parser.add_argument(
        "--block",
        type=int,
        default=0,
        help="timed requests of one kind before switching (0: one phase of each, the headline)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of every phase on one server; ratios are the rounds' medians",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="client that times the requests (raw: stdlib keep-alive, the headline)",
    )
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat needs at least one round")
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
