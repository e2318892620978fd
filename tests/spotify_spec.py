"""Validate responses against Spotify's OpenAPI description (tests/spec/, MIT, sonallux).

`assert_matches_spec(response, "GET", "/tracks/{id}")` looks the operation up in
the 2025 (classic) or 2026 description and validates the JSON body against the
schema of the response's status code. OpenAPI 3.0's `nullable` is turned into
JSON Schema's `null` type first.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).parent / "spec"


def _convert(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example")}
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_convert(v) for v in node]
    return node


@cache
def load_spec(version: str = "2025") -> dict[str, Any]:
    with open(SPEC_DIR / f"spotify-openapi-{version}.yml", encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@cache
def _registry(version: str) -> tuple[Registry, str]:
    root = _convert(load_spec(version))
    uri = f"urn:spotify-openapi-{version}"
    resource = Resource.from_contents(root, default_specification=DRAFT202012)
    return Registry().with_resource(uri, resource), uri


def _deref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def response_schema_pointer(version: str, method: str, path: str, status: int) -> str:
    spec = load_spec(version)
    operation = spec["paths"][path][method.lower()]
    response = operation["responses"][str(status)]
    ref = response.get("$ref")
    if ref:
        return f"{ref}/content/application~1json/schema"
    _deref(spec, response)
    encoded = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{encoded}/{method.lower()}/responses/{status}/content/application~1json/schema"


def validate(body: Any, version: str, method: str, path: str, status: int) -> None:
    registry, uri = _registry(version)
    pointer = response_schema_pointer(version, method, path, status)
    validator = Draft202012Validator({"$ref": f"{uri}{pointer}"}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        detail = "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:10])
        raise AssertionError(f"{method} {path} ({version}) does not match the spec:\n{detail}")


def assert_matches_spec(
    response: httpx.Response, method: str, path: str, version: str = "2025"
) -> Any:
    """Assert the response's JSON body matches Spotify's schema; return the body."""
    body = response.json()
    validate(body, version, method, path, response.status_code)
    return body
