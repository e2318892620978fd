"""The web app's own checks, run by the Python suite: svelte-check (TypeScript
strict), the Vitest component tests, and the end-to-end run in Debian's Chromium
against a real playdeck server over the demo catalog. Screenshots of the main
pages are saved in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from playdeck.catalog.store import CatalogStore
from playdeck.kit.db import Database, upgrade_database
from tests.conftest import LiveServer, free_port, make_settings
from tests.web.conftest import FRONTEND, ROOT, frontend_lock

E2E_USER = "demo"
E2E_PASSWORD = "demo-password-e2e"
ARTIFACTS = Path(os.environ.get("PLAYDECK_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def _npm(npm: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    # svelte-check, vitest and the build all regenerate frontend/.svelte-kit: one at a time.
    with frontend_lock():
        return subprocess.run(
            [npm, *args], cwd=FRONTEND, capture_output=True, text=True, timeout=timeout
        )


def test_svelte_check(npm: str) -> None:
    r = _npm(npm, "run", "check")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


def test_component_tests(npm: str) -> None:
    r = _npm(npm, "test")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


@pytest.fixture()
def e2e_server(tmp_path: Path, catalog_dir: Path, catalog: CatalogStore) -> Iterator[LiveServer]:
    """A running server on SQLite with the demo user, serving the built web app."""
    from playdeck.accounts import service as accounts
    from playdeck.app import create_app

    port = free_port()
    settings = make_settings(tmp_path, catalog_dir, public_url=f"http://127.0.0.1:{port}")
    upgrade_database(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    with db.session_scope() as session:
        accounts.create_user(
            session, username=E2E_USER, password=E2E_PASSWORD, display_name="Demo Curator"
        )
    db.dispose()
    application = create_app(settings, catalog=catalog)
    server = LiveServer(application, port)
    server.start()
    yield server
    server.stop()
    application.state.db.dispose()


@pytest.mark.browser
def test_end_to_end(web_build: Path, chromium: Path, e2e_server: LiveServer, npm: str) -> None:
    env = {
        **os.environ,
        "PLAYDECK_URL": e2e_server.url,
        "PLAYDECK_USER": E2E_USER,
        "PLAYDECK_PASSWORD": E2E_PASSWORD,
        "ARTIFACTS": str(ARTIFACTS),
        "CHROMIUM_PATH": str(chromium),
    }
    r = subprocess.run(
        ["node", "e2e/run.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=170
    )
    assert r.returncode == 0, f"{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
