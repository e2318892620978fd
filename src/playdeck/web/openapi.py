"""The OpenAPI schema the web app's typed client is generated from.

`scripts/openapi` writes the server's schema to `frontend/src/lib/api/openapi.json`
and turns it into TypeScript types (`schema.d.ts`) with `openapi-typescript`; both
are committed, and `tests/web/test_openapi.py` fails when either is stale.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
FRONTEND = ROOT / "frontend"
SCHEMA_JSON = FRONTEND / "src" / "lib" / "api" / "openapi.json"
SCHEMA_TS = FRONTEND / "src" / "lib" / "api" / "schema.d.ts"


def current_schema() -> dict[str, Any]:
    """The schema of the app as `create_app` builds it (no catalog needs to exist)."""
    from playdeck.app import create_app
    from playdeck.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), public_url="http://127.0.0.1:8000")
        return create_app(settings).openapi()


def render_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_typescript(json_file: Path) -> str:
    """Run the front-end's `openapi-typescript` over `json_file` (needs `npm ci`)."""
    binary = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if not binary.exists() or shutil.which("node") is None:
        raise RuntimeError("openapi-typescript is not installed: run `npm ci` in frontend/")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "schema.d.ts"
        subprocess.run(
            [str(binary), str(json_file), "-o", str(out)],
            check=True,
            cwd=FRONTEND,
            capture_output=True,
        )
        return out.read_text()


def main() -> int:
    SCHEMA_JSON.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_JSON.write_text(render_json(current_schema()))
    print(f"wrote {SCHEMA_JSON.relative_to(ROOT)}")
    try:
        SCHEMA_TS.write_text(render_typescript(SCHEMA_JSON))
    except RuntimeError as exc:
        print(f"not regenerating {SCHEMA_TS.name}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {SCHEMA_TS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
