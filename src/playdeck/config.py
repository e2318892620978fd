"""Settings, read once from `PLAYDECK_*` environment variables (and CLI flags).

The CLI and the server read the same settings, so an operator can manage users
with `playdeck users …` while the server runs against the same data directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "playdeck-development-secret-key-change-me"


class Settings(BaseSettings):
    """Every knob of a playdeck deployment; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="PLAYDECK_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    catalog_dir: Path | None = None
    database_url: str | None = None
    redis_url: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None

    secret_key: str = DEFAULT_SECRET_KEY
    # Open catalog: any client id/secret gets a client-credentials token for
    # catalog reads, so tools with built-in credentials (beets) work unchanged.
    open_catalog: bool = True
    signup_enabled: bool = True

    # Sliding-window rate limits, requests per window, per app and per user.
    rate_limit_window_seconds: int = 30
    rate_limit_per_app: int = 6000
    rate_limit_per_user: int = 3000

    demo_tracks: int = Field(default=20_000, ge=100)
    demo_seed: int = 1

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "PLAYDECK_SECRET_KEY must be set outside development "
                "(refusing to run production with the default secret key)"
            )
        return self

    @property
    def resolved_catalog_dir(self) -> Path:
        return self.catalog_dir if self.catalog_dir is not None else self.data_dir / "catalog"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'playdeck.sqlite3').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        """The base URL clients reach this server at, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
