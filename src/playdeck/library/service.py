"""A user's library: saved tracks and albums, followed artists and users, and the
2026 `/me/library` that takes any of them (and playlists) as URIs.

Every change is audited (`library.save` / `library.remove`, one entry per request).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from playdeck.audit import service as audit
from playdeck.catalog.schemas import JSON
from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import Principal
from playdeck.kit.errors import BadRequest, Forbidden, Unauthorized
from playdeck.kit.ids import parse_ref, require_id
from playdeck.kit.urls import api_href, paging
from playdeck.library import repository
from playdeck.models import LibraryKind, User
from playdeck.playlists import repository as playlist_repository
from playdeck.playlists import schemas as playlist_schemas
from playdeck.playlists.service import PlaylistService

MAX_IDS = 50
MAX_URIS = 40

READ_SCOPE = {
    LibraryKind.track: "user-library-read",
    LibraryKind.album: "user-library-read",
    LibraryKind.artist: "user-follow-read",
    LibraryKind.user: "user-follow-read",
}
MODIFY_SCOPE = {
    LibraryKind.track: "user-library-modify",
    LibraryKind.album: "user-library-modify",
    LibraryKind.artist: "user-follow-modify",
    LibraryKind.user: "user-follow-modify",
}


def parse_id_list(raw: str | None, body: Any, maximum: int) -> list[str]:
    """Ids from the query string (comma list) or a JSON body `{"ids": [...]}`."""
    ids: list[str] = []
    if raw:
        ids = [i.strip() for i in raw.split(",") if i.strip()]
    elif isinstance(body, dict) and isinstance(body.get("ids"), list):
        ids = [str(i) for i in body["ids"]]
    elif isinstance(body, dict) and isinstance(body.get("timestamped_ids"), list):
        ids = [str(t.get("id")) for t in body["timestamped_ids"] if isinstance(t, dict)]
    if not ids:
        raise BadRequest("Missing ids")
    if len(ids) > maximum:
        raise BadRequest(f"Too many ids requested (at most {maximum})")
    return ids


class LibraryService:
    """Library reads and edits for one request's user."""

    def __init__(
        self, session: Session, catalog: CatalogService, base: str, principal: Principal
    ) -> None:
        self.session = session
        self.catalog = catalog
        self.base = base
        self.principal = principal

    def _user(self, scope: str) -> str:
        if self.principal.user_id is None:
            raise Unauthorized("This endpoint needs a user token (authorization code flow)")
        if scope not in self.principal.scopes:
            raise Forbidden("Insufficient client scope")
        return self.principal.user_id

    def _audit(self, user_id: str, operation: str, kind: str, ids: Sequence[str]) -> None:
        audit.record(
            self.session,
            audit.actor_for(self.session, user_id, self.principal.client_id),
            operation,
            "library",
            user_id,
            owner_id=user_id,
            params={"type": kind, "ids": list(ids)},
        )

    def _check_exist(self, kind: LibraryKind, ids: Sequence[str]) -> None:
        for i in ids:
            if kind != LibraryKind.user:
                require_id(i)
        if kind == LibraryKind.track:
            known: set[str] = self.catalog.known_track_ids(list(ids))
        elif kind == LibraryKind.album:
            known = set(self.catalog.repo.albums_by_ids(list(ids)))
        elif kind == LibraryKind.artist:
            known = set(self.catalog.repo.artists_by_ids(list(ids)))
        else:
            known = set(self.session.scalars(select(User.id).where(User.id.in_(list(ids)))))
        if any(i not in known for i in ids):
            raise BadRequest("Payload contains a non-existing ID")

    # -- generic ------------------------------------------------------------------
    def save(self, kind: LibraryKind, ids: Sequence[str]) -> None:
        uid = self._user(MODIFY_SCOPE[kind])
        playlist_repository.begin_write(self.session)
        self._check_exist(kind, ids)
        repository.save(self.session, uid, kind, ids)
        self._audit(uid, "library.save", kind.value, ids)

    def remove(self, kind: LibraryKind, ids: Sequence[str]) -> None:
        uid = self._user(MODIFY_SCOPE[kind])
        playlist_repository.begin_write(self.session)
        repository.remove(self.session, uid, kind, ids)
        self._audit(uid, "library.remove", kind.value, ids)

    def contains(self, kind: LibraryKind, ids: Sequence[str]) -> list[bool]:
        uid = self._user(READ_SCOPE[kind])
        found = repository.contains(self.session, uid, kind, ids)
        return [i in found for i in ids]

    # -- listings -----------------------------------------------------------------
    def saved_tracks(self, limit: int, offset: int, market: str | None) -> JSON:
        uid = self._user("user-library-read")
        rows, total = repository.page(self.session, uid, LibraryKind.track, limit, offset)
        tracks = self.catalog.tracks([i for i, _ in rows], market)
        items: list[object] = [
            {"added_at": playlist_schemas.iso(at), "track": t}
            for (_, at), t in zip(rows, tracks, strict=True)
            if t is not None
        ]
        return paging(self.base, "me/tracks", items, limit, offset, total, {"market": market})

    def saved_albums(self, limit: int, offset: int, market: str | None) -> JSON:
        uid = self._user("user-library-read")
        rows, total = repository.page(self.session, uid, LibraryKind.album, limit, offset)
        albums = self.catalog.albums([i for i, _ in rows], market)
        items: list[object] = [
            {"added_at": playlist_schemas.iso(at), "album": a}
            for (_, at), a in zip(rows, albums, strict=True)
            if a is not None
        ]
        return paging(self.base, "me/albums", items, limit, offset, total, {"market": market})

    def followed_artists(self, after: str | None, limit: int) -> JSON:
        uid = self._user("user-follow-read")
        ids, total = repository.after_cursor(self.session, uid, LibraryKind.artist, after, limit)
        artists = [a for a in self.catalog.artists(ids) if a is not None]
        last = ids[-1] if len(ids) == limit else None
        return {
            "artists": {
                "href": api_href(
                    self.base, "me/following", {"type": "artist", "after": after, "limit": limit}
                ),
                "items": artists,
                "limit": limit,
                "next": api_href(
                    self.base, "me/following", {"type": "artist", "after": last, "limit": limit}
                )
                if last
                else None,
                "cursors": {"after": last},
                "total": total,
            }
        }

    # -- /me/library (2026): URIs of any kind -----------------------------------------
    def _split_uris(self, raw: str | None) -> list[tuple[str, str]]:
        uris = [u.strip() for u in (raw or "").split(",") if u.strip()]
        if not uris:
            raise BadRequest("Missing uris")
        if len(uris) > MAX_URIS:
            raise BadRequest(f"Too many uris (at most {MAX_URIS})")
        out: list[tuple[str, str]] = []
        for uri in uris:
            ref = parse_ref(uri)
            if ref is None or ref.type not in ("track", "album", "artist", "user", "playlist"):
                raise BadRequest(f"Unsupported uri: {uri[:80]}")
            out.append((ref.type, ref.id))
        return out

    def library_change(self, raw: str | None, save: bool, playlists: PlaylistService) -> None:
        by_kind: dict[str, list[str]] = {}
        for kind, ident in self._split_uris(raw):
            by_kind.setdefault(kind, []).append(ident)
        for kind, ids in by_kind.items():
            if kind == "playlist":
                for pid in ids:
                    if save:
                        playlists.follow(pid, True)
                    else:
                        playlists.unfollow(pid)
            elif save:
                self.save(LibraryKind(kind), ids)
            else:
                self.remove(LibraryKind(kind), ids)

    def library_contains(self, raw: str | None) -> list[bool]:
        refs = self._split_uris(raw)
        answers: dict[tuple[str, str], bool] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, ident in refs:
            by_kind.setdefault(kind, []).append(ident)
        for kind, ids in by_kind.items():
            if kind == "playlist":
                uid = self._user("playlist-read-private")
                for pid in ids:
                    answers[(kind, pid)] = (
                        playlist_repository.get_follower(self.session, pid, uid) is not None
                    )
            else:
                for ident, yes in zip(ids, self.contains(LibraryKind(kind), ids), strict=True):
                    answers[(kind, ident)] = yes
        return [answers[r] for r in refs]
