"""Sliding-window rate limits, in-process or shared through Redis.

The algorithm is the sliding-window counter: time is cut into fixed windows of
`window` seconds, each key counts its requests in the current and the previous
window, and the estimated number of requests in the last `window` seconds is

    previous * (1 - elapsed / window) + current

where `elapsed` is the time since the current window began. It needs two
integers per key (no per-request log), is exact when traffic is even, and never
lets a burst at a window boundary through twice, unlike a fixed window.

`MemoryRateLimiter` keeps the counters in the process (the default: one server
process, no other service). `RedisRateLimiter` keeps them in Redis, so every
server process of a deployment draws on the same budget; it is used when
`settings.redis_url` is set, and fails open (allows the request and logs a
warning) when Redis is unreachable, rather than failing every request. Both
have the same interface: `hit(...)` from synchronous code (a threadpool route)
and `ahit(...)` from the event loop.

`RateLimitMiddleware` applies the per-app and per-user limits to `/v1`: it
resolves the bearer token through `app.state.token_verifier` (leaving the
`Principal` on the request for `kit.auth.authenticate`) and answers 429 in
Spotify's envelope with an integer `Retry-After` when a budget is spent.
Requests without a valid token pass through untouched: the route answers 401.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from playdeck.kit.auth import Principal, _bearer
from playdeck.kit.errors import PlaydeckError, error_response

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    """A budget: at most `limit` hits on `key` in any `window` seconds."""

    key: str
    limit: int
    window: float


def _estimate(previous: float, current: float, elapsed: float, window: float) -> float:
    return previous * max(0.0, 1.0 - elapsed / window) + current


def _retry_after(previous: int, current: int, elapsed: float, limit: Limit) -> int:
    """Seconds until the estimate drops below the limit again (at least 1)."""
    w = limit.window
    if current < limit.limit and previous > 0:
        # previous * (1 - (elapsed + t) / w) + current < limit
        t = w * (1.0 - (limit.limit - current) / previous) - elapsed
    else:
        # Wait for the next window; there `current` becomes the previous count.
        rest = w - elapsed
        t = rest + (w * (1.0 - (limit.limit - 1) / current) if current else 0.0)
    return max(1, math.ceil(t))


_MAX_KEYS = 100_000


class RateLimiter(Protocol):
    """Counts hits; returns `None` when all budgets allow it, else seconds to wait."""

    def hit(self, limits: Sequence[Limit]) -> int | None: ...

    async def ahit(self, limits: Sequence[Limit]) -> int | None: ...


class MemoryRateLimiter:
    """Sliding-window counters in this process (thread-safe)."""

    def __init__(self) -> None:
        # key -> [window index, current count, previous count, window seconds]
        self._counters: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, limits: Sequence[Limit]) -> int | None:
        """Count one hit on every budget; the wait in seconds if any is spent."""
        now = time.time()
        wait: int | None = None
        with self._lock:
            for limit in limits:
                index = int(now // limit.window)
                elapsed = now - index * limit.window
                counter = self._counters.get(limit.key)
                if counter is None:
                    counter = self._counters[limit.key] = [index, 0, 0, limit.window]
                elif counter[0] != index:
                    counter[2] = counter[1] if counter[0] == index - 1 else 0
                    counter[1] = 0
                    counter[0] = index
                counter[1] += 1
                if _estimate(counter[2], counter[1], elapsed, limit.window) > limit.limit:
                    # A refused request does not spend budget.
                    counter[1] -= 1
                    after = _retry_after(int(counter[2]), int(counter[1]), elapsed, limit)
                    wait = after if wait is None else max(wait, after)
            if len(self._counters) > _MAX_KEYS:
                self._prune(now)
        return wait

    async def ahit(self, limits: Sequence[Limit]) -> int | None:
        """`hit` for the event loop (pure CPU, so it runs inline)."""
        return self.hit(limits)

    def _prune(self, now: float) -> None:
        # Keys idle for two windows count nothing any more.
        stale = [k for k, c in self._counters.items() if (c[0] + 2) * c[3] <= now]
        for k in stale:
            del self._counters[k]


class RedisRateLimiter:
    """Sliding-window counters in Redis, shared by every process using the same server.

    Each budget uses one key per window, `{prefix}{key}:{window index}`, expiring
    after two windows. A hit is one round trip (a MULTI pipeline of INCR, EXPIRE
    and GET of the previous window); a refused hit is given back with DECR.
    """

    def __init__(self, url: str, *, prefix: str = "playdeck:rl:") -> None:
        import redis

        self.url = url
        self.prefix = prefix
        self._sync = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        # redis.asyncio connections belong to one event loop; tests and
        # uvicorn may run several, so keep a client per loop.
        self._async: dict[int, Any] = {}

    def _keys(self, limit: Limit, now: float) -> tuple[str, str, int, float]:
        index = int(now // limit.window)
        elapsed = now - index * limit.window
        base = f"{self.prefix}{limit.key}:"
        return f"{base}{index}", f"{base}{index - 1}", index, elapsed

    def _decide(
        self, limits: Sequence[Limit], results: list[Any], now: float
    ) -> tuple[int | None, list[str]]:
        wait: int | None = None
        refunds: list[str] = []
        for i, limit in enumerate(limits):
            current = int(results[3 * i])
            previous = int(results[3 * i + 2] or 0)
            key, _, _, elapsed = self._keys(limit, now)
            if _estimate(previous, current, elapsed, limit.window) > limit.limit:
                refunds.append(key)
                after = _retry_after(previous, current - 1, elapsed, limit)
                wait = after if wait is None else max(wait, after)
        return wait, refunds

    def hit(self, limits: Sequence[Limit]) -> int | None:
        """Count one hit on every budget; the wait in seconds if any is spent."""
        if not limits:
            return None
        now = time.time()
        pipe = self._sync.pipeline(transaction=True)
        for limit in limits:
            key, previous_key, _, _ = self._keys(limit, now)
            pipe.incr(key)
            pipe.expire(key, math.ceil(limit.window * 2) + 1)
            pipe.get(previous_key)
        try:
            wait, refunds = self._decide(limits, pipe.execute(), now)
            for key in refunds:
                self._sync.decr(key)
        except self._errors as exc:
            # Fail open: an unreachable Redis must not take the API down with it.
            log.warning("rate limiter: Redis unavailable (%s); request allowed", exc)
            return None
        return wait

    async def ahit(self, limits: Sequence[Limit]) -> int | None:
        """`hit` without blocking the event loop (redis.asyncio)."""
        if not limits:
            return None
        client = self._client_for_loop()
        now = time.time()
        pipe = client.pipeline(transaction=True)
        for limit in limits:
            key, previous_key, _, _ = self._keys(limit, now)
            pipe.incr(key)
            pipe.expire(key, math.ceil(limit.window * 2) + 1)
            pipe.get(previous_key)
        try:
            wait, refunds = self._decide(limits, await pipe.execute(), now)
            for key in refunds:
                await client.decr(key)
        except self._errors as exc:
            log.warning("rate limiter: Redis unavailable (%s); request allowed", exc)
            return None
        return wait

    def _client_for_loop(self) -> Any:
        import redis.asyncio

        loop_id = id(asyncio.get_running_loop())
        client = self._async.get(loop_id)
        if client is None:
            if len(self._async) > 8:
                self._async.clear()
            client = self._async[loop_id] = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=2, socket_connect_timeout=2
            )
        return client


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    """Redis-backed when `redis_url` is set (shared between processes), else in-process."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()


class RateLimitMiddleware:
    """Per-app and per-user sliding-window limits on every `/v1` request.

    Budgets come from `app.state.settings` (`rate_limit_per_app`,
    `rate_limit_per_user`, `rate_limit_window_seconds`); the limiter is
    `app.state.rate_limiter`.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/v1") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        principal = await self._principal(scope, state)
        if principal is not None:
            settings = state.settings
            window = float(settings.rate_limit_window_seconds)
            limits = [Limit(f"app:{principal.client_id}", settings.rate_limit_per_app, window)]
            if principal.user_id is not None:
                limits.append(
                    Limit(f"user:{principal.user_id}", settings.rate_limit_per_user, window)
                )
            wait = await state.rate_limiter.ahit(limits)
            if wait is not None:
                response = error_response(
                    429, "API rate limit exceeded", {"Retry-After": str(wait)}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _principal(self, scope: Scope, state: Any) -> Principal | None:
        from starlette.requests import Request

        request = Request(scope)
        try:
            token = _bearer(request)
        except PlaydeckError:
            return None
        verifier = state.token_verifier
        # The verifier may query the database on a cache miss: keep that off the loop.
        peek = getattr(verifier, "peek", None)
        principal: Principal | None = peek(token) if peek is not None else None
        if principal is None:
            principal = await run_in_threadpool(verifier, token)
        if principal is not None:
            # `kit.auth.authenticate` reuses it instead of verifying again.
            request.state.principal = principal
        return principal
