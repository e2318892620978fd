"""Users: creation, password hashing (argon2), sign-in checks, password changes."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from playdeck.accounts import repository
from playdeck.kit.errors import BadRequest, Conflict, NotFound
from playdeck.models import Role, User, utcnow
from playdeck.oauth import repository as oauth_repository

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}\Z")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that answer takes as long
# as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("playdeck-no-such-user")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequest("Password is too long")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role = Role.listener,
    email: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user (username lower-cased and unique); raises 400/409 on bad input."""
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise BadRequest(
            "Username must be 2-32 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    validate_password(password)
    if email is not None:
        email = email.strip() or None
        if email is not None and ("@" not in email or len(email) > 320):
            raise BadRequest("Email address is not valid")
    if repository.get_by_username(session, name) is not None:
        raise Conflict(f"Username {name!r} is taken")
    user = User(
        username=name,
        display_name=(display_name or "").strip() or username.strip(),
        email=email,
        password_hash=hash_password(password),
        role=role,
    )
    return repository.add(session, user)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right; `None` for a wrong password or unknown user alike."""
    user = repository.get_by_username(session, normalize_username(username))
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def set_password(session: Session, user: User, new_password: str) -> int:
    """Set a new password; revokes every token and signs out every web session.

    Returns the number of OAuth grants revoked.
    """
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version += 1
    revoked = oauth_repository.revoke_grants(session, user_id=user.id)
    session.flush()
    return revoked


def change_password(session: Session, user: User, current_password: str, new_password: str) -> int:
    """`set_password` after checking the current one (the web form's rule)."""
    if authenticate(session, user.username, current_password) is None:
        raise BadRequest("Current password is wrong")
    return set_password(session, user, new_password)


def get_user(session: Session, user_id: str) -> User:
    user = repository.get(session, user_id)
    if user is None:
        raise NotFound("No such user")
    return user


def get_by_username(session: Session, username: str) -> User:
    user = repository.get_by_username(session, normalize_username(username))
    if user is None:
        raise NotFound(f"No user {username!r}")
    return user


def list_users(session: Session) -> Sequence[User]:
    return repository.list_all(session)
