"""The web app's typed API client is generated from the server's OpenAPI schema;
these fail when the committed copy is stale (fix: run `scripts/openapi`)."""

from __future__ import annotations

from pathlib import Path

from playdeck.web import openapi

STALE = "the web app's API types are stale: run scripts/openapi and commit the result"


def test_schema_json_is_current() -> None:
    current = openapi.render_json(openapi.current_schema())
    assert openapi.SCHEMA_JSON.read_text() == current, STALE


def test_typescript_types_are_current(npm: str, tmp_path: Path) -> None:
    generated = openapi.render_typescript(openapi.SCHEMA_JSON)
    assert openapi.SCHEMA_TS.read_text() == generated, STALE
