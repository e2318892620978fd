"""Shared fixtures: a small demo catalog built once per session, the app over it,
a live server for real client libraries, and the external services (PostgreSQL,
Redis, Chromium) with their skip-or-fail rule.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from playdeck.app import create_app
from playdeck.catalog.store import CatalogStore
from playdeck.config import Settings
from playdeck.kit.db import Database
from playdeck.models import Role, User

DEMO_TRACKS = 3000
DEMO_SEED = 7
REQUIRE_SERVICES = os.environ.get("PLAYDECK_TEST_REQUIRE_SERVICES") == "1"


def service_unavailable(what: str) -> None:
    """Skip (locally) or fail (in CI) a test whose external service is absent."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (PLAYDECK_TEST_REQUIRE_SERVICES=1) but unavailable")
    pytest.skip(f"{what} unavailable: skipped (CI runs it)")


@pytest.fixture(scope="session")
def demo_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deterministic demo dump in both layouts (see `playdeck demo`)."""
    from playdeck.catalog.demo import write_demo

    out = tmp_path_factory.mktemp("dump")
    write_demo(out, tracks=DEMO_TRACKS, seed=DEMO_SEED, progress=False)
    return out


@pytest.fixture(scope="session")
def catalog_dir(demo_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A serving catalog ingested from the demo dump's parquet folder."""
    from playdeck.catalog.ingest import ingest

    target = tmp_path_factory.mktemp("catalog")
    ingest(demo_dump / "spotify_clean_parquet", target, progress=False)
    return target


@pytest.fixture(scope="session")
def catalog(catalog_dir: Path) -> Iterator[CatalogStore]:
    store = CatalogStore(catalog_dir)
    yield store
    store.close()


def make_settings(tmp: Path, catalog_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": tmp,
        "catalog_dir": catalog_dir,
        "public_url": "http://testserver",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture()
def settings(tmp_path: Path, catalog_dir: Path, _sqlite_template: Path) -> Settings:
    # A migrated (empty) app database in the data directory: the token endpoint
    # looks client ids up in it.
    shutil.copyfile(_sqlite_template, tmp_path / "playdeck.sqlite3")
    return make_settings(tmp_path, catalog_dir)


@pytest.fixture()
def app(settings: Settings, catalog: CatalogStore) -> FastAPI:
    return create_app(settings, catalog=catalog)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    """A test client holding a client-credentials token for catalog reads."""
    with TestClient(app) as c:
        r = c.post(
            "/api/token",
            data={"grant_type": "client_credentials"},
            auth=("test-client", "test-secret"),
        )
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server in a background thread, for real client libraries."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def live_server(
    tmp_path: Path, catalog_dir: Path, catalog: CatalogStore, _sqlite_template: Path
) -> Iterator[LiveServer]:
    shutil.copyfile(_sqlite_template, tmp_path / "playdeck.sqlite3")
    port = free_port()
    settings = make_settings(tmp_path, catalog_dir, public_url=f"http://127.0.0.1:{port}")
    server = LiveServer(create_app(settings, catalog=catalog), port)
    server.start()
    yield server
    server.stop()


# --- App database, users, apps and tokens (accounts issue) --------------------
# Every test that touches the app database takes `database_url` (directly or
# through `db_app`, `db`, `make_user`, `user_token`, …) and so runs twice: on
# SQLite and on PostgreSQL. On PostgreSQL each test gets a fresh schema, so the
# xdist workers never see each other's rows.

POSTGRES_URL = os.environ.get(
    "PLAYDECK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PLAYDECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_PASSWORD = "correct horse battery staple"


def _postgres_reachable() -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters in tests (production's take ~0.3 s per hash here)."""
    from argon2 import PasswordHasher

    from playdeck.accounts import service as accounts

    saved = accounts._hasher, accounts._DUMMY_HASH
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._DUMMY_HASH = accounts._hasher.hash("playdeck-no-such-user")
    yield
    accounts._hasher, accounts._DUMMY_HASH = saved


@pytest.fixture(scope="session")
def _postgres_ok() -> bool:
    return _postgres_reachable()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (faster than migrating each)."""
    from playdeck.kit.db import upgrade_database

    path = tmp_path_factory.mktemp("dbtemplate") / "app.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _postgres_ok: bool, _sqlite_template: Path
) -> Iterator[str]:
    """The URL of a freshly migrated, empty app database: SQLite, then PostgreSQL."""
    import uuid

    import sqlalchemy as sa

    from playdeck.kit.db import upgrade_database

    if request.param == "sqlite":
        path = tmp_path / "app.sqlite3"
        shutil.copyfile(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if not _postgres_ok:
        service_unavailable("PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


@pytest.fixture()
def redis_url() -> str:
    """The test Redis (`PLAYDECK_TEST_REDIS_URL`); skips locally / fails in CI when absent."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        service_unavailable("Redis")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture()
def db_settings(tmp_path: Path, catalog_dir: Path, database_url: str) -> Settings:
    """Test settings pointing at the per-test app database."""
    return make_settings(tmp_path, catalog_dir, database_url=database_url)


@pytest.fixture()
def db_app(db_settings: Settings, catalog: CatalogStore) -> Iterator[FastAPI]:
    """The app over the demo catalog and a fresh app database (both backends)."""
    application = create_app(db_settings, catalog=catalog)
    yield application
    application.state.db.dispose()


@pytest.fixture()
def db(db_app: FastAPI) -> Database:
    """The app's `Database` (use `db.session_scope()` to arrange rows)."""
    database: Database = db_app.state.db
    return database


@pytest.fixture()
def api(db_app: FastAPI) -> Iterator[TestClient]:
    """A test client of `db_app` with no credentials."""
    with TestClient(db_app) as c:
        yield c


MakeUser = Callable[..., User]


@pytest.fixture()
def make_user(db: Database) -> MakeUser:
    """Create a user: `make_user("alice", role="admin", email=…, password=…)`."""
    from playdeck.accounts import service as accounts

    def factory(
        username: str = "alice",
        *,
        password: str = TEST_PASSWORD,
        role: str = "listener",
        email: str | None = None,
        display_name: str | None = None,
    ) -> User:
        with db.session_scope() as session:
            return accounts.create_user(
                session,
                username=username,
                password=password,
                role=Role(role),
                email=email,
                display_name=display_name,
            )

    return factory


@pytest.fixture()
def user(make_user: MakeUser) -> User:
    """A listener called alice (password `TEST_PASSWORD`, email alice@example.com)."""
    return make_user("alice", email="alice@example.com", display_name="Alice")


UserToken = Callable[..., str]


@pytest.fixture()
def user_token(db_app: FastAPI) -> UserToken:
    """Issue a user access token without the HTTP dance: `user_token(user, "scope-a scope-b")`.

    The token belongs to a registered app (`client_id`, created when missing) and
    a real grant, so it is verified and revoked like one from `/api/token`.
    """
    from playdeck.oauth import service as oauth

    def factory(who: User, scopes: str | Iterable[str] = "", *, client_id: str = "test-app") -> str:
        scope_set = scopes.split() if isinstance(scopes, str) else list(scopes)
        with db_app.state.db.session_scope() as session:
            return oauth.issue_user_token(
                session,
                db_app.state.token_verifier,
                who,
                scope_set,
                client_id=client_id,
                create_app=True,
            )

    return factory


@pytest.fixture()
def db_live_server(
    tmp_path: Path, catalog_dir: Path, catalog: CatalogStore, database_url: str
) -> Iterator[LiveServer]:
    """A running server over the demo catalog and a fresh app database (both backends)."""
    port = free_port()
    settings = make_settings(
        tmp_path, catalog_dir, public_url=f"http://127.0.0.1:{port}", database_url=database_url
    )
    application = create_app(settings, catalog=catalog)
    server = LiveServer(application, port)
    server.start()
    yield server
    server.stop()
    application.state.db.dispose()


class HTMLForms:
    """The forms of an HTML page: `forms[i] = (action, method, {name: value})`.

    Hidden inputs keep their values; submit buttons are left out (add
    `decision=allow` yourself). Enough to drive the sign-in and consent pages.
    """

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.forms: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class _Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                a = {k: v or "" for k, v in attrs}
                if tag == "form":
                    outer.forms.append((a.get("action", ""), a.get("method", "get"), {}))
                elif tag == "input" and outer.forms and a.get("name"):
                    outer.forms[-1][2][a["name"]] = a.get("value", "")

        _Parser().feed(html)

    def with_field(self, name: str) -> tuple[str, dict[str, str]]:
        """The first form that has an input called `name`: (action, fields)."""
        for action, _method, fields in self.forms:
            if name in fields:
                return action, dict(fields)
        raise AssertionError(f"no form with a {name!r} input")


AuthorizeFlow = Callable[..., str]


@pytest.fixture()
def authorize_flow() -> AuthorizeFlow:
    """Drive /authorize like a browser: sign in, agree, and return the final redirect URL.

    `authorize_flow(http, authorize_url, "alice", TEST_PASSWORD)` where `http` is
    an httpx.Client (or TestClient) that keeps cookies; the redirect to the app's
    redirect URI is returned, not followed.
    """
    from urllib.parse import urljoin

    def flow(
        http: object,
        authorize_url: str,
        username: str = "alice",
        password: str = TEST_PASSWORD,
        *,
        decision: str = "allow",
    ) -> str:
        import httpx

        assert isinstance(http, httpx.Client)
        url = authorize_url
        for _ in range(10):
            r = http.get(url, follow_redirects=False)
            if r.status_code in (302, 303, 307):
                location = urljoin(str(r.url), r.headers["location"])
                if "/accounts/login" in location or "/authorize" in location:
                    url = location
                    continue
                return location
            assert r.status_code == 200, (r.status_code, r.text[:500])
            forms = HTMLForms(r.text)
            if any("password" in f for _, _, f in forms.forms):
                action, fields = forms.with_field("password")
                fields.update(username=username, password=password)
            else:
                action, fields = forms.with_field("client_id")
                fields["decision"] = decision
            r = http.post(urljoin(str(r.url), action), data=fields, follow_redirects=False)
            assert r.status_code in (302, 303), (r.status_code, r.text[:500])
            location = urljoin(str(r.url), r.headers["location"])
            if location.startswith(urljoin(str(r.url), "/")) and (
                "/authorize" in location or "/accounts" in location
            ):
                url = location
                continue
            return location
        raise AssertionError("authorize flow did not finish")

    return flow
