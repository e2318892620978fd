"""What authentication and rate limiting cost per API request.

Measures, in-process (no HTTP client noise):
- access-token verification: cache hit, a miss for an unrevocable token
  (signature and expiry only), a miss that checks revocation in the database
  (SQLite, and PostgreSQL when reachable);
- the rate limiter: in-process, and Redis when reachable;
- the whole `/v1` middleware path (token + per-app and per-user limits) around
  a no-op app, the fixed cost every catalog request pays.

Run: .venv/bin/python bench/auth_bench.py [--postgres URL] [--redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from playdeck.accounts import service as accounts
from playdeck.kit.db import Database, upgrade_database
from playdeck.kit.ratelimit import (
    Limit,
    MemoryRateLimiter,
    RateLimiter,
    RateLimitMiddleware,
    RedisRateLimiter,
)
from playdeck.oauth import service as oauth
from playdeck.oauth.tokens import AccessTokens


def per_call_us(fn: Callable[[], object], n: int = 20_000, repeat: int = 5) -> float:
    """Median over `repeat` runs of the mean time per call, in microseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def db_tokens(url: str) -> tuple[Database, AccessTokens, str]:
    upgrade_database(url)
    db = Database(url)
    tokens = AccessTokens("bench-key", oauth.make_revocation_check(db), cache_ttl=0.0)
    with db.session_scope() as session:
        user = accounts.create_user(session, username=f"bench{time.time_ns()}", password="p" * 12)
        token = oauth.issue_user_token(
            session, tokens, user, ["user-read-private"], client_id="bench", create_app=True
        )
    return db, tokens, token


async def middleware_us(limiter: RateLimiter, token: str, tokens: AccessTokens, n: int) -> float:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        return None

    settings = SimpleNamespace(
        rate_limit_window_seconds=30, rate_limit_per_app=10**9, rate_limit_per_user=10**9
    )
    state = SimpleNamespace(token_verifier=tokens, rate_limiter=limiter, settings=settings)
    app = SimpleNamespace(state=state)
    middleware = RateLimitMiddleware(inner)  # type: ignore[arg-type]
    headers = [(b"authorization", f"Bearer {token}".encode())]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    def scope() -> dict[str, Any]:
        return {
            "type": "http",
            "path": "/v1/tracks/x",
            "headers": headers,
            "app": app,
            "method": "GET",
            "query_string": b"",
        }

    for _ in range(100):
        await middleware(scope(), receive, send)
    start = time.perf_counter()
    for _ in range(n):
        await middleware(scope(), receive, send)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()

    rows: list[tuple[str, float]] = []
    tokens = AccessTokens("bench-key")
    user_token = tokens.issue("app", user_id="u", scopes=["a", "b"], grant_id="g")
    catalog_token = tokens.issue("beets", registered=False)
    tokens(user_token)
    tokens.set_revocation_check(lambda claims: True)
    rows.append(("verify: cache hit", per_call_us(lambda: tokens(user_token))))
    fresh = AccessTokens("bench-key", cache_ttl=0.0)
    rows.append(
        ("verify: miss, signature + expiry only", per_call_us(lambda: fresh(catalog_token)))
    )

    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db, dbt, token = db_tokens(sqlite_url)
        rows.append(
            ("verify: miss + revocation check, SQLite", per_call_us(lambda: dbt(token), 2000))
        )
        db.dispose()
    try:
        db, dbt, token = db_tokens(args.postgres)
        rows.append(
            ("verify: miss + revocation check, PostgreSQL", per_call_us(lambda: dbt(token), 1000))
        )
        db.dispose()
    except Exception as exc:
        print(f"(PostgreSQL skipped: {exc.__class__.__name__})")

    memory = MemoryRateLimiter()
    limits = [Limit("app:x", 10**9, 30), Limit("user:y", 10**9, 30)]
    rows.append(("rate limit: in-process, app + user", per_call_us(lambda: memory.hit(limits))))
    redis_limiter: RedisRateLimiter | None = None
    try:
        redis_limiter = RedisRateLimiter(args.redis, prefix="playdeck:bench:")
        redis_limiter._sync.ping()
        rows.append(
            (
                "rate limit: Redis (sync), app + user",
                per_call_us(lambda: redis_limiter.hit(limits) if redis_limiter else None, 2000),
            )
        )
    except Exception as exc:
        redis_limiter = None
        print(f"(Redis skipped: {exc.__class__.__name__})")

    cached = AccessTokens("bench-key", lambda claims: True)
    rows.append(
        (
            "/v1 middleware: cached token + in-process limits",
            asyncio.run(middleware_us(memory, user_token, cached, 20_000)),
        )
    )
    if redis_limiter is not None:
        rows.append(
            (
                "/v1 middleware: cached token + Redis limits",
                asyncio.run(middleware_us(redis_limiter, user_token, cached, 2000)),
            )
        )

    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  µs per call")
    for name, value in rows:
        print(f"{name:<{width}}  {value:8.1f}")


if __name__ == "__main__":
    main()
