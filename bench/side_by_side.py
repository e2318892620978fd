"""Two versions of the code side by side: the same playlist reads against two server
processes at once, interleaved, so a slow minute on a shared machine falls on both.

    .venv/bin/python bench/side_by_side.py --catalog /tmp/pl30k/cat \
        --before /tmp/before/src [--database-url postgresql+psycopg://…] [--rounds 8]

`--before` is the `src` directory of another checkout (a `git worktree` of the
starting commit, say), put first on the `PYTHONPATH` of the first server; the
second runs this checkout. Each server gets its own data directory (and schema, on
PostgreSQL) and a 10,000-item playlist filled the same way. Each round times 25
requests of every kind on each server, alternating which goes first; one untimed
request of the kind leads each block. Prints each kind's p50 for both and the
difference. Kinds: a 100-item page, the same with `fields=`, the playlist object,
and the playlist object with `fields=` (see `KINDS`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa
from catalog_bench import Server  # bench/ is on sys.path when run as a script
from playlists_bench import READ_FIELDS, Timer, fresh_schema, server_env, track_ids, user_token

PAGE = "limit=100&offset={offset}"
KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "page of 100": lambda pid, rng: (
        f"/v1/playlists/{pid}/items?" + PAGE.format(offset=rng.randrange(9901))
    ),
    "page of 100, fields=": lambda pid, rng: (
        f"/v1/playlists/{pid}/items?"
        + PAGE.format(offset=rng.randrange(9901))
        + f"&fields={READ_FIELDS}"
    ),
    "playlist": lambda pid, rng: f"/v1/playlists/{pid}",
    "playlist, fields=": lambda pid, rng: (
        f"/v1/playlists/{pid}?fields=name,tracks.items(track(id,name)),tracks.next"
    ),
}


def start(
    args: argparse.Namespace, n: int, python_path: str | None, ids: list[str], schemas: list[str]
) -> tuple[Server, Timer, str]:
    """A server on a fresh data directory (and schema), with its filled playlist."""
    data = Path(args.data_dir) / f"server{n}"
    env = server_env(data)
    if args.database_url:
        schema, env["PLAYDECK_DATABASE_URL"] = fresh_schema(args.database_url, "side")
        schemas.append(schema)
    token = user_token(env)
    saved = os.environ.get("PYTHONPATH")
    if python_path:
        os.environ["PYTHONPATH"] = python_path  # the server process inherits it
    try:
        server = Server(Path(args.catalog), args.port + n, data, env)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    http = httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
    )
    pid = http.post("/v1/me/playlists", json={"name": "Side by side"}).json()["id"]
    for k in range(100):
        uris = [f"spotify:track:{i}" for i in ids[k * 100 : (k + 1) * 100]]
        http.post(f"/v1/playlists/{pid}/items", json={"uris": uris}).raise_for_status()
    return server, Timer("raw", server.url, token, http), pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--before", required=True, help="src directory of the other code")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--data-dir", default="/tmp/playdeck-side-by-side")
    args = parser.parse_args()
    ids = track_ids(Path(args.catalog), 10_000)
    schemas: list[str] = []
    servers: list[Server] = []
    try:
        sides = []
        for n, python_path in enumerate((args.before, None)):
            server, timer, pid = start(args, n, python_path, ids, schemas)
            servers.append(server)
            sides.append((timer, pid))
        rng = random.Random(7)
        times: dict[tuple[int, str], list[float]] = {(n, k): [] for n in (0, 1) for k in KINDS}
        for r in range(args.rounds):
            for n in (0, 1) if r % 2 == 0 else (1, 0):
                timer, pid = sides[n]
                for kind, path in KINDS.items():
                    timer("GET", path(pid, rng))
                    times[n, kind] += [timer("GET", path(pid, rng))[0] for _ in range(25)]
        print(f"{'p50 ms':24} {'before':>8} {'this':>8} {'this - before':>14}")
        for kind in KINDS:
            before, this = (statistics.median(times[n, kind]) * 1000 for n in (0, 1))
            print(f"{kind:24} {before:8.3f} {this:8.3f} {this - before:+14.3f}")
    finally:
        for server in servers:
            server.stop()
        for schema in schemas:
            with sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT").connect() as c:
                c.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
