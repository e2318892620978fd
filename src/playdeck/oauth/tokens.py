"""Access tokens: HMAC-signed, self-describing, checked against revocation, cached.

An access token is `base64url(payload) "." base64url(hmac_sha256(key, payload))`
where the payload holds the client id, the user id and scopes (user tokens), the
grant id (user tokens), whether the client is registered, and the expiry. The key
is derived from `settings.secret_key`, so every server process verifies tokens
issued by any other without shared state.

Verification runs on every API request (the catalog's target is about 1 ms per
request), so it is made cheap in two layers:

1. the signature and expiry are checked in-process (a few microseconds);
2. revocation (a user token's grant, a registered client's existence) needs the
   database; its answer is cached per token for `cache_ttl` seconds (5 by default),
   so a busy token costs one indexed lookup every few seconds, not one per request.

Revocation is therefore immediate in the process that revoked (it clears the
cache) and takes at most `cache_ttl` seconds to reach other processes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from playdeck.kit.auth import Principal

ACCESS_TOKEN_SECONDS = 3600
DEFAULT_CACHE_TTL = 5.0
_CACHE_MAX = 50_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(secret: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (client secrets, codes, refresh tokens)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    """Constant-time comparison of two digests (or any two strings)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What an access token says about itself, once its signature is checked."""

    client_id: str
    user_id: str | None
    scopes: frozenset[str]
    grant_id: str | None
    registered: bool
    expires_at: int


# Answers "is this still valid?" from the database: called on a cache miss.
RevocationCheck = Callable[[TokenClaims], bool]


class AccessTokens:
    """Issues and verifies access tokens; an instance is `app.state.token_verifier`.

    Calling the instance with a token returns its `Principal`, or `None` when the
    token is malformed, forged, expired or revoked (the `kit.auth.TokenVerifier`
    interface). `still_valid` is consulted for tokens that can be revoked.
    """

    def __init__(
        self,
        secret_key: str,
        still_valid: RevocationCheck | None = None,
        *,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        lifetime: int = ACCESS_TOKEN_SECONDS,
        accept_unregistered: bool = True,
    ) -> None:
        self._key = hmac.new(
            secret_key.encode("utf-8"), b"playdeck access token v1", hashlib.sha256
        ).digest()
        self._still_valid = still_valid
        self.cache_ttl = cache_ttl
        self.lifetime = lifetime
        # False once the operator closes the catalog: tokens issued to
        # unregistered clients while it was open stop working at once.
        self.accept_unregistered = accept_unregistered
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def set_revocation_check(self, still_valid: RevocationCheck) -> None:
        """Install the database-backed revocation check (done by `create_app`)."""
        self._still_valid = still_valid

    def issue(
        self,
        client_id: str,
        *,
        user_id: str | None = None,
        scopes: Iterable[str] = (),
        grant_id: str | None = None,
        registered: bool = True,
    ) -> str:
        """A new signed access token valid for `lifetime` seconds."""
        payload = orjson.dumps(
            {
                "c": client_id,
                "u": user_id,
                "s": " ".join(sorted(set(scopes))),
                "g": grant_id,
                "r": registered,
                "e": int(time.time()) + self.lifetime,
            }
        )
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(signature)}"

    def claims(self, token: str) -> TokenClaims | None:
        """The token's claims if its signature is good and it has not expired."""
        body, sep, sig = token.partition(".")
        if not sep or len(token) > 4096:
            return None
        try:
            payload = _unb64(body)
            signature = _unb64(sig)
        except (binascii.Error, ValueError):
            return None
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            data = orjson.loads(payload)
            claims = TokenClaims(
                client_id=str(data["c"]),
                user_id=None if data["u"] is None else str(data["u"]),
                scopes=frozenset(str(data["s"]).split()),
                grant_id=None if data["g"] is None else str(data["g"]),
                registered=bool(data["r"]),
                expires_at=int(data["e"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        if claims.expires_at <= time.time():
            return None
        if not claims.registered and claims.user_id is None and not self.accept_unregistered:
            return None
        return claims

    def peek(self, token: str) -> Principal | None:
        """The token's Principal if that needs no database: cached, or not revocable.

        `None` means "ask `__call__`" (which may query the database), not "invalid".
        """
        hit = self._cache.get(token)
        if hit is not None and time.monotonic() < hit[1]:
            return hit[0]
        claims = self.claims(token)
        if claims is None or self._revocable(claims):
            return None
        return self._remember(token, claims)

    def __call__(self, token: str) -> Principal | None:
        hit = self._cache.get(token)
        if hit is not None and time.monotonic() < hit[1]:
            return hit[0]
        claims = self.claims(token)
        if claims is None:
            return None
        checker = self._still_valid
        if self._revocable(claims) and checker is not None and not checker(claims):
            return None
        return self._remember(token, claims)

    @staticmethod
    def _revocable(claims: TokenClaims) -> bool:
        return claims.grant_id is not None or claims.registered

    def _remember(self, token: str, claims: TokenClaims) -> Principal:
        now = time.monotonic()
        principal = Principal(claims.client_id, claims.user_id, claims.scopes)
        # Never cache past the token's own expiry.
        until = now + min(self.cache_ttl, claims.expires_at - time.time())
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._evict(now)
            self._cache[token] = (principal, until)
        return principal

    def _evict(self, now: float) -> None:
        expired = [t for t, (_, until) in self._cache.items() if until <= now]
        for t in expired:
            del self._cache[t]
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()

    def forget(self) -> None:
        """Drop every cached verification (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()
