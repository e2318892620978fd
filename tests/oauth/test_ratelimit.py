"""Sliding-window rate limits per app and per user, in-process and shared through Redis."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.kit.ratelimit import Limit, MemoryRateLimiter, RedisRateLimiter, _retry_after
from playdeck.models import User
from tests.conftest import UserToken, make_settings


def catalog_token(c: TestClient, client_id: str) -> dict[str, str]:
    r = c.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, "s"))
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_per_app_limit_answers_429_with_retry_after(
    tmp_path: Path, catalog_dir: Path, catalog: CatalogStore, database_url: str
) -> None:
    settings = make_settings(tmp_path, catalog_dir, database_url=database_url, rate_limit_per_app=3)
    app = create_app(settings, catalog=catalog)
    with TestClient(app) as c:
        headers = catalog_token(c, "busy-app")
        assert [c.get("/v1/markets", headers=headers).status_code for _ in range(3)] == [200] * 3
        r = c.get("/v1/markets", headers=headers)
        assert r.status_code == 429
        assert r.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
        retry_after = r.headers["retry-after"]
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
        # Another app has its own budget; the token endpoint is not limited.
        assert c.get("/v1/markets", headers=catalog_token(c, "quiet-app")).status_code == 200
        # Requests without a valid token are not counted: they get their 401.
        assert c.get("/v1/markets").status_code == 401
    app.state.db.dispose()


def test_per_user_limit(
    tmp_path: Path,
    catalog_dir: Path,
    catalog: CatalogStore,
    database_url: str,
) -> None:
    from playdeck.accounts import service as accounts
    from playdeck.oauth import service as oauth

    settings = make_settings(
        tmp_path, catalog_dir, database_url=database_url, rate_limit_per_user=2
    )
    app = create_app(settings, catalog=catalog)
    with app.state.db.session_scope() as session:
        user = accounts.create_user(session, username="heavy", password="p4ssword!")
        tokens = [
            oauth.issue_user_token(
                session, app.state.token_verifier, user, [], client_id=f"app{i}", create_app=True
            )
            for i in range(2)
        ]
    with TestClient(app) as c:
        first = {"Authorization": f"Bearer {tokens[0]}"}
        second = {"Authorization": f"Bearer {tokens[1]}"}
        assert c.get("/v1/me", headers=first).status_code == 200
        assert c.get("/v1/me", headers=second).status_code == 200
        # The user's budget is spent whichever app asks.
        assert c.get("/v1/me", headers=first).status_code == 429
        assert c.get("/v1/me", headers=second).status_code == 429
    app.state.db.dispose()


def test_sliding_window_counts_the_previous_window() -> None:
    limiter = MemoryRateLimiter()
    window = 1.0
    limit = Limit(f"k{uuid.uuid4()}", 4, window)
    # Start just after a window boundary, spend the budget.
    time.sleep(window - (time.time() % window) + 0.01)
    assert [limiter.hit([limit]) for _ in range(4)] == [None] * 4
    assert limiter.hit([limit]) is not None
    # Early in the next window most of the previous window still counts.
    time.sleep(window - (time.time() % window) + 0.05)
    assert limiter.hit([limit]) is not None
    # Two windows later the budget is back.
    time.sleep(window * 2)
    assert limiter.hit([limit]) is None


def test_retry_after_is_a_whole_number_of_seconds() -> None:
    limit = Limit("k", 100, 30)
    assert _retry_after(0, 100, 10.0, limit) == 21  # next window, then fully decayed
    assert _retry_after(100, 50, 0.0, limit) == 15  # previous window decays
    assert _retry_after(100, 99, 29.9, limit) >= 1


def test_redis_counters_are_shared_between_processes(
    redis_url: str,
    tmp_path: Path,
    catalog_dir: Path,
    catalog: CatalogStore,
    database_url: str,
) -> None:
    settings = make_settings(
        tmp_path, catalog_dir, database_url=database_url, redis_url=redis_url, rate_limit_per_app=4
    )
    first, second = create_app(settings, catalog=catalog), create_app(settings, catalog=catalog)
    assert isinstance(first.state.rate_limiter, RedisRateLimiter)
    client_id = f"shared-{uuid.uuid4().hex}"
    with TestClient(first) as a, TestClient(second) as b:
        headers = catalog_token(a, client_id)
        statuses = [
            (a if i % 2 else b).get("/v1/markets", headers=headers).status_code for i in range(4)
        ]
        assert statuses == [200] * 4
        assert a.get("/v1/markets", headers=headers).status_code == 429
        r = b.get("/v1/markets", headers=headers)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    # The synchronous path (sign-in throttling) shares the same counters.
    limit = Limit(f"app:{client_id}", 4, float(settings.rate_limit_window_seconds))
    assert first.state.rate_limiter.hit([limit]) is not None
    for app in (first, second):
        app.state.db.dispose()


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_refused_hits_do_not_spend_budget(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "redis":
        limiter: MemoryRateLimiter | RedisRateLimiter = RedisRateLimiter(
            request.getfixturevalue("redis_url")
        )
    else:
        limiter = MemoryRateLimiter()
    limit = Limit(f"k{uuid.uuid4()}", 2, 60)
    results = [limiter.hit([limit]) for _ in range(5)]
    assert results[:2] == [None, None]
    assert all(r is not None for r in results[2:])


def test_user_token_fixture_works_with_rate_limits(
    api: TestClient, user: User, user_token: UserToken
) -> None:
    r = api.get("/v1/me", headers={"Authorization": f"Bearer {user_token(user)}"})
    assert r.status_code == 200
