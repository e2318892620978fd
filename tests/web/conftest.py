"""The front-end's toolchain for the web tests: Node, `npm ci`, a current build."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import service_unavailable

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "src" / "playdeck" / "web" / "static"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
BUILD_INPUTS = (
    "src",
    "static",
    "package.json",
    "package-lock.json",
    "svelte.config.js",
    "vite.config.ts",
)


@contextmanager
def frontend_lock() -> Iterator[None]:
    """One `npm ci` or build at a time across pytest-xdist workers."""
    key = hashlib.sha1(str(FRONTEND).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"playdeck-frontend-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for p in paths:
        if p.is_dir():
            for f in p.rglob("*"):
                if f.is_file():
                    newest = max(newest, f.stat().st_mtime)
        elif p.exists():
            newest = max(newest, p.stat().st_mtime)
    return newest


def _run(cmd: list[str], timeout: int) -> None:
    r = subprocess.run(cmd, cwd=FRONTEND, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")


@pytest.fixture(scope="session")
def npm() -> str:
    """The front-end's dependencies installed (`npm ci` when missing or stale)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        service_unavailable("Node.js")
        raise AssertionError("unreachable")
    with frontend_lock():
        marker = FRONTEND / "node_modules" / ".package-lock.json"
        lock = FRONTEND / "package-lock.json"
        if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
            _run([npm, "ci", "--no-audit", "--no-fund"], timeout=600)
    return npm


@pytest.fixture(scope="session")
def web_build(npm: str) -> Path:
    """The web app built into the package's static folder (rebuilt when stale)."""
    with frontend_lock():
        index = STATIC / "index.html"
        inputs = [FRONTEND / name for name in BUILD_INPUTS]
        if not index.exists() or index.stat().st_mtime < _newest_mtime(inputs):
            _run([npm, "run", "build"], timeout=600)
    return STATIC


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        service_unavailable("Chromium")
    return CHROMIUM
