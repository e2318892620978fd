"""Every ORM model, in one package (avoids import cycles between domains).

Import a model from here (`from playdeck.models import User`). A new model module
must be imported below so Alembic's autogenerate and `Base.metadata` see it.
"""

from playdeck.models.base import Base, UTCDateTime, new_id, utcnow
from playdeck.models.oauth import App, AuthorizationCode, Consent, Grant
from playdeck.models.user import Role, User

__all__ = [
    "App",
    "AuthorizationCode",
    "Base",
    "Consent",
    "Grant",
    "Role",
    "UTCDateTime",
    "User",
    "new_id",
    "utcnow",
]
