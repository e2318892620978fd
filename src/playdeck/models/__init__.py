"""Every ORM model, in one package (avoids import cycles between domains).

Import a model from here (`from playdeck.models import User`). A new model module
must be imported below so Alembic's autogenerate and `Base.metadata` see it.
"""

from playdeck.models.audit import AuditEntry
from playdeck.models.base import Base, UTCDateTime, new_id, utcnow
from playdeck.models.custom_track import CustomTrack
from playdeck.models.library import LibraryEntry, LibraryKind
from playdeck.models.oauth import App, AuthorizationCode, Consent, Grant
from playdeck.models.playlist import (
    Playlist,
    PlaylistBlock,
    PlaylistCheckpoint,
    PlaylistFollower,
    PlaylistImage,
    PlaylistVersion,
)
from playdeck.models.user import Role, User

__all__ = [
    "App",
    "AuditEntry",
    "AuthorizationCode",
    "Base",
    "Consent",
    "CustomTrack",
    "Grant",
    "LibraryEntry",
    "LibraryKind",
    "Playlist",
    "PlaylistBlock",
    "PlaylistCheckpoint",
    "PlaylistFollower",
    "PlaylistImage",
    "PlaylistVersion",
    "Role",
    "UTCDateTime",
    "User",
    "new_id",
    "utcnow",
]
