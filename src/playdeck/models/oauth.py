"""OAuth 2.0 state: registered apps (clients), consents, codes and grants.

Nothing secret is stored in the clear: client secrets, authorization codes and
refresh tokens are kept as SHA-256 digests (they are long random strings, so a
fast hash is enough; passwords use argon2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from playdeck.models.base import Base, new_id, utcnow


class App(Base):
    """A registered OAuth client: confidential (with a secret) or public (PKCE only)."""

    __tablename__ = "apps"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """The scopes a user has agreed to give an app (remembered consent)."""

    __tablename__ = "oauth_consents"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("apps.client_id", ondelete="CASCADE"), primary_key=True
    )
    scopes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuthorizationCode(Base):
    """A single-use, short-lived authorization code (stored hashed)."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("apps.client_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The grant the code was exchanged for: revoked if the code is replayed.
    grant_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_oauth_codes_expires_at", "expires_at"),)


class Grant(Base):
    """What a user authorized an app to do: one refresh token and its access tokens.

    Access tokens are signed and carry the grant id; revoking the grant (password
    change, app deletion, code replay) makes its refresh token and every access
    token issued from it invalid.
    """

    __tablename__ = "oauth_grants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("apps.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(Text, default="")
    uses_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
