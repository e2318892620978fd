"""Wire models of the OAuth server: token answers and app management under /api/apps."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from playdeck.models import App


class TokenResponse(BaseModel):
    """`POST /api/token`'s answer (refresh_token only for user grants)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str | None = None
    scope: str = ""


class AppCreate(BaseModel):
    """Register an app; the client id and secret are generated when not given."""

    name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(default_factory=list)
    client_id: str | None = None
    client_secret: str | None = None
    public: bool = False


class AppUpdate(BaseModel):
    """Change an app's name or redirect URIs (the secret has its own endpoint)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    redirect_uris: list[str] | None = None


class AppOut(BaseModel):
    """A registered app; `client_secret` appears only when it was just created or rotated."""

    client_id: str
    name: str
    public: bool
    redirect_uris: list[str]
    owner_id: str | None
    created_at: datetime
    client_secret: str | None = None

    @classmethod
    def of(cls, app: App, secret: str | None = None) -> AppOut:
        return cls(
            client_id=app.client_id,
            name=app.name,
            public=app.is_public,
            redirect_uris=list(app.redirect_uris),
            owner_id=app.owner_id,
            created_at=app.created_at,
            client_secret=secret,
        )


class AppList(BaseModel):
    items: list[AppOut]
