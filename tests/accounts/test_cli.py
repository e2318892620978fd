"""`playdeck users …`, `playdeck apps …` and `playdeck db upgrade` (both databases)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from playdeck.cli import cli
from playdeck.config import get_settings


@pytest.fixture()
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PLAYDECK_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()  # type: ignore[misc]
    get_settings.cache_clear()


def test_users_commands(run: CliRunner) -> None:
    r = run.invoke(cli, ["users", "create", "Dana", "--password", "pw-123456", "--admin"])
    assert r.exit_code == 0, r.output
    assert "created admin dana" in r.output
    r = run.invoke(cli, ["users", "create", "eve", "--password", "pw-123456", "--email", "e@x.io"])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["users", "create", "dana", "--password", "pw-123456"])
    assert r.exit_code != 0 and "taken" in r.output
    r = run.invoke(cli, ["users", "create", "x y", "--password", "pw-123456"])
    assert r.exit_code != 0 and "Username" in r.output
    listing = run.invoke(cli, ["users", "list"]).output
    assert "dana\tadmin" in listing and "eve\tlistener" in listing and "e@x.io" in listing
    r = run.invoke(cli, ["users", "passwd", "eve"], input="new-pass-1\nnew-pass-1\n")
    assert r.exit_code == 0 and "password changed for eve" in r.output
    r = run.invoke(cli, ["users", "passwd", "nobody"], input="new-pass-1\nnew-pass-1\n")
    assert r.exit_code != 0


def test_apps_commands(run: CliRunner) -> None:
    r = run.invoke(
        cli,
        [
            "apps",
            "create",
            "My app",
            "--redirect-uri",
            "http://127.0.0.1:8080/callback",
            "--redirect-uri",
            "http://localhost:8080/callback",
        ],
    )
    assert r.exit_code == 0, r.output
    client_id = r.output.split("client_id: ")[1].split()[0]
    assert "client_secret: " in r.output
    r = run.invoke(
        cli,
        ["apps", "create", "beets", "--client-id", "fixed-id", "--client-secret", "fixed-secret"],
    )
    assert "client_id: fixed-id" in r.output and "client_secret: fixed-secret" in r.output
    r = run.invoke(cli, ["apps", "create", "spa", "--public", "--redirect-uri", "http://l/cb"])
    assert "no secret" in r.output
    listing = run.invoke(cli, ["apps", "list"]).output
    assert client_id in listing and "fixed-id" in listing and "public" in listing
    r = run.invoke(cli, ["apps", "rotate-secret", "fixed-id"])
    assert r.exit_code == 0 and "fixed-secret" not in r.output
    assert run.invoke(cli, ["apps", "delete", "fixed-id"]).exit_code == 0
    assert "fixed-id" not in run.invoke(cli, ["apps", "list"]).output
    assert run.invoke(cli, ["apps", "delete", "fixed-id"]).exit_code != 0


def test_db_upgrade(run: CliRunner) -> None:
    r = run.invoke(cli, ["db", "upgrade"])
    assert r.exit_code == 0 and "up to date" in r.output
