"""Search quality benchmark: recall, matching accuracy and latency on a demo catalog,
with the peers' approaches run on the same queries in the same run.

    .venv/bin/python bench/search_quality.py --catalog /tmp/pd10m/catalog [--per-set 500]

Query sets are generated from random catalog tracks (seeded):

- `field`: `track:"<title>" artist:"<primary artist>"` (target: recall@1)
- `free`: `<title> <artist>` as free text (recall@5)
- `folded`: the same lower-cased and accent-stripped (recall@5)
- `typo`: one edit (delete, insert, substitute or swap) in a word of 5+ letters (recall@10)
- `suffix`: titles with `(feat. X)` or `- Remastered 2011`, queried without
  it: `<base title> <artist>` (recall@5)
- `beets`: `<title> artist:'<artist>'`, as beets sends it

A result counts when it is the target track or a track with the same name and
the same primary artist: the queries name the title and that artist only, and
the catalog holds the same song on several releases (and by the same artist
with different guests), which nothing in such a query can tell apart.

Peers, on the same queries: exact `lower(name) = lower(q)` (the Rust server
over the dump; an expression index on `lower(name)` is built for it in a
scratch file so it is not penalised with a scan) and `name LIKE '%q%'` (seed
001; a full scan, so it runs on a subset, `--like-per-set`). Both get the title
part of field and beets-style queries and the whole text otherwise, and order
by popularity.

Matching: lines in every accepted form (`Artist - Title`, `Title by Artist`,
`Title - Artist`, `Artist – Title (Official Video)`, lower case, missing feat.,
a typo, URI, URL, ISRC, CSV rows with duration) through `Matcher`; accuracy
and time for the whole list.

Latency: `/v1/search` handled in-process (parse, rank, render the page of
full track objects: `endpoints.run_search`) against a single-track lookup
(`CatalogService.track`) in the same process and run.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playdeck.catalog.service import CatalogService
from playdeck.catalog.store import CatalogStore
from playdeck.search.endpoints import run_search
from playdeck.search.grammar import parse_query
from playdeck.search.match import Matcher
from playdeck.search.service import SearchService
from playdeck.search.text import base_title

TARGETS = {"field": 1, "free": 5, "folded": 5, "typo": 10, "suffix": 5, "beets": 5}
GOALS = {"field": 0.99, "free": 0.97, "folded": 0.97, "typo": 0.92, "suffix": 0.92}


@dataclass
class Track:
    rowid: int
    id: str
    name: str
    artists: list[str]
    album: str
    isrc: str | None
    duration_ms: int | None
    popularity: int


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def latency(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5) * 1000, 3),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3) if samples else 0.0,
    }


def strip_accents(text: str) -> str:
    """What a user typing without accents types: é → e, й → и; other scripts'
    marks (kana voicing, Devanagari vowel signs) are part of their letters."""
    out = []
    for ch in text:
        try:
            european = unicodedata.name(ch).startswith(("LATIN", "GREEK", "CYRILLIC"))
        except ValueError:
            european = False
        if not european:
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        out.extend(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return "".join(out)


def suffix_removed(name: str) -> bool:
    """Titles whose decoration is a feat. credit or a remaster note (the issue's
    "without the feat./remaster suffix"); `- Live` is a version, not a suffix."""
    base = base_title(name)
    if base == name:
        return False
    rest = name[len(base) :].lower() if name.startswith(base) else name.lower()
    return any(w in rest for w in ("feat", "ft.", "with ", "remaster"))


class Catalog:
    """Sampling targets from the catalog and telling equivalent tracks apart."""

    def __init__(self, store: CatalogStore, seed: int) -> None:
        self.conn = store.connection()
        self.rng = random.Random(seed)
        (self.max_rowid,) = self.conn.execute("SELECT max(rowid) FROM tracks").fetchone()
        self._keys: dict[int, tuple[str, str]] = {}

    def track(self, rowid: int) -> Track | None:
        row = self.conn.execute(
            "SELECT t.rowid, t.id, t.name, coalesce(al.name, ''), t.external_id_isrc,"
            " t.duration_ms, t.popularity FROM tracks t"
            " LEFT JOIN albums al ON al.rowid = t.album_rowid WHERE t.rowid = ?",
            (rowid,),
        ).fetchone()
        if row is None or not row[2] or not row[2].strip():
            return None
        artists = [
            r[0]
            for r in self.conn.execute(
                "SELECT a.name FROM track_artists ta JOIN artists a ON a.rowid = ta.artist_rowid"
                " WHERE ta.track_rowid = ? ORDER BY ta.rowid",
                (rowid,),
            )
        ]
        if not artists or not artists[0].strip():
            return None
        return Track(row[0], row[1], row[2], artists, row[3], row[4], row[5], row[6] or 0)

    def sample(self, count: int, want: Any = None, tries: int = 200_000) -> list[Track]:
        out: list[Track] = []
        for _ in range(tries):
            if len(out) >= count:
                break
            t = self.track(self.rng.randint(1, self.max_rowid))
            if t is not None and (want is None or want(t)):
                out.append(t)
        return out

    def key(self, rowid: int) -> tuple[str, str]:
        if rowid not in self._keys:
            t = self.track(rowid)
            self._keys[rowid] = (t.name, t.artists[0]) if t else ("", "")
        return self._keys[rowid]

    def is_hit(self, target: Track, rowid: int) -> bool:
        return rowid == target.rowid or self.key(rowid) == (target.name, target.artists[0])


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    op = rng.choice(("delete", "insert", "substitute", "swap"))
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "delete":
        return word[:i] + word[i + 1 :]
    if op == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    if op == "substitute":
        other = rng.choice([c for c in letters if c != word[i].lower()])
        return word[:i] + other + word[i + 1 :]
    j = min(i + 1, len(word) - 1) if i < len(word) - 1 else i - 1
    chars = list(word)
    chars[i], chars[j] = chars[j], chars[i]
    out = "".join(chars)
    return out if out != word else word[:i] + word[i + 1 :]


def with_typo(t: Track, rng: random.Random) -> str | None:
    words = f"{t.name} {t.artists[0]}".split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.isascii()]
    if not long_words:
        return None
    i = rng.choice(long_words)
    words[i] = typo(words[i], rng)
    return " ".join(words)


def quote(value: str, prefer: str = '"') -> str:
    """A filter value quoted the way a client would: double quotes unless the
    value holds one (then single quotes, as beets always uses)."""
    if prefer == '"' and '"' not in value:
        return f'"{value}"'
    return f"'{value}'"


def build_sets(cat: Catalog, per_set: int) -> dict[str, list[tuple[str, Track]]]:
    rng = random.Random(11)
    base = cat.sample(per_set * 3)
    sets: dict[str, list[tuple[str, Track]]] = {k: [] for k in TARGETS}
    for t in base:
        a = t.artists[0]
        if len(sets["field"]) < per_set:
            sets["field"].append((f"track:{quote(t.name)} artist:{quote(a)}", t))
        if len(sets["free"]) < per_set:
            sets["free"].append((f"{t.name} {a}", t))
        if len(sets["folded"]) < per_set:
            sets["folded"].append((strip_accents(f"{t.name} {a}").lower(), t))
        if len(sets["beets"]) < per_set:
            sets["beets"].append((f"{t.name} artist:{quote(a, prefer=chr(39))}", t))
        if len(sets["typo"]) < per_set:
            q = with_typo(t, rng)
            if q:
                sets["typo"].append((q, t))
    decorated = cat.sample(per_set, want=lambda t: suffix_removed(t.name))
    sets["suffix"] = [(f"{base_title(t.name)} {t.artists[0]}", t) for t in decorated]
    return sets


def run_playdeck(
    search: SearchService, cat: Catalog, sets: dict[str, list[tuple[str, Track]]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, queries in sets.items():
        hits = {1: 0, 5: 0, 10: 0}
        for q, t in queries:
            rowids = search.rank(parse_query(q), "track").rowids[:10]
            for k in hits:
                if any(cat.is_hit(t, r) for r in rowids[:k]):
                    hits[k] += 1
        n = len(queries)
        out[name] = {
            "queries": n,
            **{f"recall@{k}": round(v / n, 4) if n else None for k, v in hits.items()},
            "target": f"recall@{TARGETS[name]}"
            + (f" >= {GOALS[name]:.0%}" if name in GOALS else " (no target)"),
        }
        if name == "suffix":
            # The query names the base title and one artist: any version of
            # that title by that artist answers it as well as the target.
            loose = 0
            for q, t in queries:
                for r in search.rank(parse_query(q), "track").rowids[:5]:
                    got = cat.track(r)
                    same_artist = got is not None and got.artists[0] == t.artists[0]
                    if same_artist and got and base_title(got.name) == base_title(t.name):
                        loose += 1
                        break
            out[name]["recall@5_any_version_by_the_artist"] = round(loose / n, 4) if n else None
    return out


class Peers:
    """The peers' approaches over the same catalog."""

    def __init__(self, catalog_file: Path, scratch: Path) -> None:
        self.conn = sqlite3.connect(scratch / "peers.sqlite3")
        self.conn.execute(f"ATTACH DATABASE 'file:{catalog_file}?mode=ro' AS cat")
        start = time.perf_counter()
        self.conn.execute(
            "CREATE TABLE lower_names AS SELECT rowid AS track_rowid, lower(name) AS lname,"
            " popularity FROM cat.tracks"
        )
        self.conn.execute("CREATE INDEX lower_names_lname ON lower_names (lname)")
        self.index_build_s = time.perf_counter() - start

    @staticmethod
    def text_of(q: str) -> str:
        parsed = parse_query(q)
        raw = q
        if parsed.words and " artist:" in q:  # beets-style: the title, then filters
            raw = q[: q.index(" artist:")]
        if parsed.track_value is not None:
            # the title as typed inside track:"…"
            start = q.index("track:") + len("track:")
            quote = q[start]
            raw = q[start + 1 : q.index(quote, start + 1)]
        return raw

    def exact(self, q: str) -> list[int]:
        text = self.text_of(q).lower()
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT track_rowid FROM lower_names WHERE lname = ?"
                " ORDER BY popularity DESC LIMIT 10",
                (text,),
            )
        ]

    def like(self, q: str) -> list[int]:
        text = self.text_of(q).replace("%", "").replace("_", "")
        return [
            r[0]
            for r in self.conn.execute(
                # NOT INDEXED: one sequential scan, then the few matches sorted
                # (walking the popularity index would read rows at random).
                "SELECT rowid FROM cat.tracks NOT INDEXED WHERE name LIKE ?"
                " ORDER BY popularity DESC LIMIT 10",
                (f"%{text}%",),
            )
        ]


def run_peer(
    fn: Any, cat: Catalog, sets: dict[str, list[tuple[str, Track]]], limit: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, queries in sets.items():
        subset = queries[:limit]
        hits = {1: 0, 5: 0, 10: 0}
        samples: list[float] = []
        for q, t in subset:
            start = time.perf_counter()
            rowids = fn(q)
            samples.append(time.perf_counter() - start)
            for k in hits:
                if any(cat.is_hit(t, r) for r in rowids[:k]):
                    hits[k] += 1
        n = len(subset)
        out[name] = {
            "queries": n,
            **{f"recall@{k}": round(v / n, 4) if n else None for k, v in hits.items()},
            **latency(samples),
        }
    return out


def match_lines_for(cat: Catalog, count: int) -> list[tuple[str, Track, str]]:
    rng = random.Random(23)
    tracks = cat.sample(count)
    lines: list[tuple[str, Track, str]] = []
    forms = [
        "artist - title",
        "title by artist",
        "title - artist",
        "artist – title (official video)",
        "lower",
        "missing feat",
        "typo",
        "uri",
        "url",
        "isrc",
    ]
    for i, t in enumerate(tracks):
        form = forms[i % len(forms)]
        a = t.artists[0]
        title = t.name
        if form == "artist - title":
            line = f"{' & '.join(t.artists[:2])} - {title}"
        elif form == "title by artist":
            line = f"{title} by {a}"
        elif form == "title - artist":
            line = f"{title} - {a}"
        elif form == "artist – title (official video)":
            line = f"{a} – {title} (Official Video)"
        elif form == "lower":
            line = f"{a} - {title}".lower()
        elif form == "missing feat":
            line = f"{a} - {base_title(title)}"
        elif form == "typo":
            line = with_typo(t, rng) or f"{title} {a}"
            words = line.split()
            # keep the artist - title shape: the typo'd text is title words then artist
            line = f"{a} - {' '.join(words[: len(title.split())])}"
        elif form == "uri":
            line = f"spotify:track:{t.id}"
        elif form == "url":
            line = f"https://open.spotify.com/track/{t.id}?si=0123456789abcdef"
        else:
            if not t.isrc:
                line = f"{a} - {title}"
                form = "artist - title"
            else:
                line = t.isrc
        lines.append((line, t, form))
    return lines


def run_matching(store: CatalogStore, cat: Catalog, count: int) -> dict[str, Any]:
    matcher = Matcher(store)
    items = match_lines_for(cat, count)
    # CSV rows (header first) for a fifth of the set
    csv_tracks = cat.sample(max(1, count // 5))
    csv_lines = ["title,artist,album,duration"] + [
        ",".join(
            [
                '"' + t.name.replace('"', '""') + '"',
                '"' + t.artists[0].replace('"', '""') + '"',
                '"' + t.album.replace('"', '""') + '"',
                f"{(t.duration_ms or 0) // 60000}:{(t.duration_ms or 0) // 1000 % 60:02d}",
            ]
        )
        for t in csv_tracks
    ]
    start = time.perf_counter()
    results = matcher.match_lines([line for line, _, _ in items])
    free_s = time.perf_counter() - start
    start = time.perf_counter()
    csv_results = matcher.match_lines(csv_lines)
    csv_s = time.perf_counter() - start
    per_form: dict[str, list[int]] = {}
    isrcs: dict[int, str | None] = {}

    def correct(t: Track, result: dict[str, Any], form: str) -> bool:
        ident = result["id"]
        if ident is None:
            return False
        row = cat.conn.execute(
            "SELECT rowid, external_id_isrc FROM tracks WHERE id = ?", (ident,)
        ).fetchone()
        if row is None:
            return False
        isrcs[row[0]] = row[1]
        if form == "isrc":
            return bool(row[1] == t.isrc)
        if form == "missing feat":
            # the line names the base title: any track with that base title by
            # the same primary artist answers it (the plain one best)
            got = cat.track(row[0])
            return bool(
                got
                and base_title(got.name) == base_title(t.name)
                and got.artists[0] == t.artists[0]
            )
        return cat.is_hit(t, row[0])

    for (_line, t, form), result in zip(items, results, strict=True):
        per_form.setdefault(form, [0, 0])
        per_form[form][1] += 1
        per_form[form][0] += correct(t, result, form)
    per_form["csv"] = [0, 0]
    for t, result in zip(csv_tracks, csv_results, strict=True):
        per_form["csv"][1] += 1
        per_form["csv"][0] += correct(t, result, "csv")
    good = sum(v[0] for v in per_form.values())
    total = sum(v[1] for v in per_form.values())
    lines = len(items) + len(csv_tracks)
    return {
        "lines": lines,
        "accuracy": round(good / total, 4),
        "seconds": round(free_s + csv_s, 2),
        "seconds_per_1000_lines": round((free_s + csv_s) / lines * 1000, 2),
        "by_form": {k: round(v[0] / v[1], 4) for k, v in sorted(per_form.items())},
    }


def compare(search_samples: list[float], lookup_samples: list[float]) -> dict[str, Any]:
    """Search and lookup latency side by side, with the target's ratios."""
    search = latency(search_samples)
    lookup = latency(lookup_samples)
    return {
        "search_page_of_20": search,
        "single_track_lookup": lookup,
        "p95_search_over_p50_lookup": round(search["p95_ms"] / lookup["p50_ms"], 1),
        "p95_search_over_p95_lookup": round(search["p95_ms"] / lookup["p95_ms"], 1),
    }


def run_latency(
    store: CatalogStore, sets: dict[str, list[tuple[str, Track]]], lookups: list[Track]
) -> dict[str, Any]:
    queries = [q for name in ("field", "free", "typo", "beets") for q, _ in sets[name]]
    search_samples: list[float] = []
    for q in queries:
        start = time.perf_counter()
        run_search(store, "http://bench", q, "track", "20", "0", None)
        search_samples.append(time.perf_counter() - start)
    catalog = CatalogService(store, "http://bench")
    lookup_samples: list[float] = []
    for t in lookups:
        start = time.perf_counter()
        catalog.track(t.id, None)
        lookup_samples.append(time.perf_counter() - start)
    return compare(search_samples, lookup_samples)


def run_http(
    catalog: Path, sets: dict[str, list[tuple[str, Track]]], lookups: list[Track], port: int
) -> dict[str, Any]:
    """The same comparison over HTTP against a real `playdeck serve`, timed with the
    catalog bench's stdlib keep-alive client (`raw`, the headline: httpx adds about
    0.7 ms to every request here, which would flatter the ratio) and with httpx."""
    import httpx
    from catalog_bench import RawClient, Server  # bench/ is on sys.path as a script

    queries = [q for name in ("field", "free", "typo", "beets") for q, _ in sets[name]]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pd-search-http-", dir="/tmp") as data_dir:
        server = Server(catalog, port, Path(data_dir))
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                token = client.post(
                    "/api/token",
                    data={"grant_type": "client_credentials"},
                    auth=("bench", "bench"),
                ).json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                raw = RawClient(server.url, token)

                def get_raw(path: str) -> int:
                    return raw.get(path)[0]

                def get_httpx(path: str) -> int:
                    return client.get(path).status_code

                for name, get in (("raw", get_raw), ("httpx", get_httpx)):
                    for t in lookups[:100]:  # warm up
                        get(f"/v1/tracks/{t.id}")
                    lookup_samples: list[float] = []
                    for t in lookups:
                        start = time.perf_counter()
                        status = get(f"/v1/tracks/{t.id}")
                        lookup_samples.append(time.perf_counter() - start)
                        assert status == 200, status
                    search_samples: list[float] = []
                    for q in queries:
                        path = "/v1/search?" + urlencode({"q": q, "type": "track", "limit": 20})
                        start = time.perf_counter()
                        status = get(path)
                        search_samples.append(time.perf_counter() - start)
                        assert status == 200, (status, q)
                    out[name] = compare(search_samples, lookup_samples)
                raw.close()
        finally:
            server.stop()
    return {**out["raw"], "client": "raw", "httpx": out["httpx"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--per-set", type=int, default=500)
    parser.add_argument("--like-per-set", type=int, default=40)
    parser.add_argument("--match-lines", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON summary here")
    parser.add_argument("--http-port", type=int, default=0, help="also measure over HTTP")
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    store = CatalogStore(args.catalog)
    cat = Catalog(store, args.seed)
    search = SearchService(store)
    t0 = time.perf_counter()
    sets = build_sets(cat, args.per_set)
    result: dict[str, Any] = {
        "catalog": str(args.catalog),
        "tracks": store.meta_int("count_tracks"),
        "sets_generated_s": round(time.perf_counter() - t0, 1),
    }
    print("playdeck …", file=sys.stderr)
    result["playdeck"] = run_playdeck(search, cat, sets)
    print("latency …", file=sys.stderr)
    lookups = cat.sample(500)
    result["latency_in_process"] = run_latency(store, sets, lookups)
    if args.http_port:
        print("latency over HTTP …", file=sys.stderr)
        result["latency_http"] = run_http(args.catalog, sets, lookups, args.http_port)
    print("matching …", file=sys.stderr)
    result["matching"] = run_matching(store, cat, args.match_lines)
    with tempfile.TemporaryDirectory(prefix="pd-peers-", dir="/tmp") as scratch:
        if not args.skip_peers:
            run_peers(args, cat, sets, Path(scratch), result)
    store.close()
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


def run_peers(
    args: argparse.Namespace,
    cat: Catalog,
    sets: dict[str, list[tuple[str, Track]]],
    scratch: Path,
    result: dict[str, Any],
) -> None:
    print("peers …", file=sys.stderr)
    peers = Peers(args.catalog / "catalog.sqlite3", scratch)
    result["peer_exact_lower_name"] = {
        "lower_name_index_build_s": round(peers.index_build_s, 1),
        **run_peer(peers.exact, cat, sets, args.per_set),
    }
    result["peer_like_substring"] = run_peer(peers.like, cat, sets, args.like_per_set)
    peers.conn.close()


if __name__ == "__main__":
    main()
