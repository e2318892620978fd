"""Playlists with Spotify's semantics, every version kept, every change audited.

Each edit runs in the request's transaction in the same order:
1. `repository.lock()` (the transaction's first statement) serialises editors of
   one playlist on both databases, so no edit is lost and positions stay sound
   (on PostgreSQL the owner's item edit of a playlist whose current state this
   process knows starts from that state instead, and its write is conditional on
   that snapshot: `_lock_items_only`);
2. permissions and scopes are checked against the locked row;
3. positions given against an older `snapshot_id` are rebased onto the current
   list through the operations recorded since (`ops.map_position`); an item that
   was removed meanwhile is skipped, a reorder whose range was split is a 409;
4. the operations are applied to the item blocks (`blocks.Edit`: only the blocks
   they cut into or remove from are read and rewritten);
5. a version row stores the operations (the delta) and a checkpoint is written
   when the deltas since the last one outgrow the list, so history grows with the
   size of the changes;
6. an audit entry records who, through which app, what and the snapshots.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any, TypeVar, cast

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from playdeck.audit import service as audit
from playdeck.audit.service import Actor
from playdeck.catalog.schemas import JSON
from playdeck.catalog.service import CatalogService
from playdeck.kit.auth import Principal
from playdeck.kit.db import ON_LOOP, RETRYABLE, UNLOCKED, NeedsDatabase, Reads, StaleWrite
from playdeck.kit.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from playdeck.kit.urls import paging
from playdeck.models import (
    Playlist,
    PlaylistCheckpoint,
    PlaylistFollower,
    PlaylistImage,
    PlaylistVersion,
    User,
    new_id,
    utcnow,
)
from playdeck.playlists import blocks, hints, ops, repository, schemas
from playdeck.playlists.ops import Entry, Insert, Move, Op, Remove
from playdeck.playlists.repository import LockedPlaylist

MAX_ITEMS = 10_000
MAX_PER_REQUEST = 100
MAX_IMAGE_BYTES = 256 * 1024
CHECKPOINT_MIN = 200

_new_entry = functools.partial(tuple.__new__, Entry)
T = TypeVar("T")
_TRACK_URI = re.compile(r"^spotify:track:([0-9A-Za-z]{22})\Z")


def new_snapshot_id(version: int) -> str:
    """An opaque snapshot id (Spotify's are base64 too); the version is its prefix."""
    raw = version.to_bytes(4, "big") + secrets.token_bytes(14)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def validate_uris(uris: Sequence[object], catalog: CatalogService) -> list[str]:
    """Track and local URIs, at most 100, every catalog track known (one store read)."""
    if len(uris) > MAX_PER_REQUEST:
        raise BadRequest(f"You can add a maximum of {MAX_PER_REQUEST} tracks per request.")
    # The usual request, catalog tracks only, checked with C-level string tests on
    # all the ids at once (22 ASCII letters or digits each) rather than a regex each.
    ids = [u[14:] for u in uris if type(u) is str and len(u) == 36 and u.startswith(blocks.TRACK)]
    if ids and len(ids) == len(uris) and (joined := "".join(ids)).isascii() and joined.isalnum():
        if not catalog.all_tracks_known(ids):
            raise BadRequest("Payload contains a non-existing ID")
        return cast(list[str], list(uris))
    out: list[str] = []
    track_ids: list[str] = []
    for uri in uris:
        if not isinstance(uri, str):
            raise BadRequest("Invalid track uri")
        m = _TRACK_URI.match(uri)
        if m:
            track_ids.append(m.group(1))
        elif schemas.parse_local_uri(uri) is None:
            raise BadRequest(f"Invalid track uri: {uri[:80]}")
        out.append(uri)
    if track_ids:
        known = catalog.known_track_ids(track_ids)
        if any(t not in known for t in track_ids):
            raise BadRequest("Payload contains a non-existing ID")
    return out


def _positioned(
    wanted: Sequence[tuple[str, list[int] | None]],
    history: Sequence[tuple[int, Op]],
    base_length: int,
) -> list[tuple[str, int]]:
    """(uri, position now) of every position a delete names, given against a list of
    `base_length` items and carried through the `history` applied since; a position
    whose item was removed since is left out (what was asked is done)."""
    out: list[tuple[str, int]] = []
    for uri, positions in wanted:
        for pos in positions or ():
            if pos >= base_length:
                raise BadRequest("Could not remove tracks, please check parameters.")
            mapped: int | None = pos
            for _, op in history:
                if mapped is not None:
                    mapped = ops.map_position(mapped, op)
            if mapped is not None:
                out.append((uri, mapped))
    return out


class PlaylistService:
    """Playlist reads and edits for one request (its session, catalog and caller)."""

    def __init__(
        self,
        session: Session,
        catalog: CatalogService,
        base: str,
        principal: Principal | None,
    ) -> None:
        self.session = session
        self.catalog = catalog
        self.base = base
        self.principal = principal
        self._actor: Actor | None = None
        # An item edit's starting point: the blocks known at its snapshot and whether
        # that view is current (`_lock_items_only`), and the snapshot a conditional
        # write requires when the edit started from a known state without the lock.
        self._view: tuple[dict[int, list[blocks.Item]], bool] | None = None
        self._expected: str | None = None

    # -- callers, permissions ----------------------------------------------------
    @property
    def user_id(self) -> str | None:
        return self.principal.user_id if self.principal else None

    def actor(self) -> Actor:
        """The caller as an audit actor (the role is read once, when first needed)."""
        if self._actor is None:
            p = self.principal
            self._actor = audit.actor_for(
                self.session, p.user_id if p else None, p.client_id if p else None
            )
        return self._actor

    def actor_for_owner(self, owner_id: str) -> Actor:
        """The actor of a change to `owner_id`'s object: an owner acting on their own
        object needs no role lookup (`as_admin` only marks acting on others')."""
        p = self.principal
        if self._actor is None and p is not None and p.user_id == owner_id:
            return Actor(p.user_id, p.client_id, False)
        return self.actor()

    def _require_user(self) -> str:
        if self.user_id is None:
            raise Unauthorized("This endpoint needs a user token (authorization code flow)")
        return self.user_id

    def _require_scope(self, *alternatives: str) -> None:
        scopes = self.principal.scopes if self.principal else frozenset()
        if not any(s in scopes for s in alternatives):
            raise Forbidden("Insufficient client scope")

    def _modify_scope(self, public: bool) -> None:
        self._require_scope("playlist-modify-public" if public else "playlist-modify-private")

    def _can_edit_items(self, p: Playlist | LockedPlaylist) -> bool:
        uid = self.user_id
        if uid is None:
            return False
        if p.owner_id == uid or self.actor().is_admin:
            return True
        return p.collaborative and repository.get_follower(self.session, p.id, uid) is not None

    def _lock_for_items(self, playlist_id: str) -> Playlist:
        """Lock, load and authorise an item edit (owner, collaborator, or admin)."""
        self._require_user()
        self._off_loop("the edit needs the lock")
        p = repository.lock(self.session, playlist_id)
        if p is None:
            raise NotFound("Resource not found")
        self._authorise_items(p)
        return p

    def _lock_items_only(
        self,
        playlist_id: str,
        near: Sequence[int] = (),
        meanwhile: Callable[[], None] | None = None,
        *,
        unlocked: bool = True,
    ) -> tuple[LockedPlaylist, dict[int, list[blocks.Item]]]:
        """`_lock_for_items` for edits that change items only (add, reorder, remove): the
        same lock, the row as plain values rather than an ORM instance, and the blocks
        known to hold their current items. `meanwhile` is the edit's input check, run
        during the lock's round trip (its errors come before any about the caller or
        the playlist).

        On PostgreSQL the lock's round trip also reads the blocks likely holding the
        positions `near` (by this process's last directory of the playlist,
        `playlists.hints`; the edit reads whatever else it needs), or, when this
        process has lately been the playlist's only writer, every block it does not
        know yet. And when this process knows the playlist's current state
        (`hints.Known`), the owner's edit starts from it without the lock: every
        statement is its own transaction, and the write (`_record`) is conditional on
        the playlist still being at that snapshot; the request edge runs the request
        again under the lock when it is not (`kit.db.StaleWrite`). Work on the event
        loop (`kit.db.ON_LOOP`) can only start so; otherwise it raises `NeedsDatabase`
        before reaching the database, and its edge runs it in the thread pool.
        `unlocked=False`: an edit that will need what only the locked row can give."""
        if self.user_id is None and meanwhile is not None:
            meanwhile()
        self._require_user()
        kept = self._hints()
        known = kept.known(playlist_id)
        if unlocked and known is not None and known.current and self._may_skip_lock(known.state):
            if meanwhile is not None:
                meanwhile()  # its refusal (the request's own input) needs no lock
            self.session.info[UNLOCKED] = True
            self._authorise_items(known.state)
            if not self.session.info.get(ON_LOOP):
                self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            self._expected = known.state.snapshot_id
            self._view = (known.blocks, True)
            return known.state, known.blocks
        self._off_loop("the edit needs the lock")
        if known is not None and known.current:
            directory = blocks.parse_directory(known.state.blocks)
            guess = [b for b, _ in directory if b not in known.blocks]
        else:
            hint = kept.get(playlist_id) if near else None
            guess = blocks.holding(blocks.parse_directory(hint), near) if hint else []
        p, loaded = repository.lock_items(self.session, playlist_id, guess, meanwhile)
        if p is None:
            raise NotFound("Resource not found")
        self._authorise_items(p)
        # Current: nobody else wrote since this process's last edit, so what it knows
        # of the blocks holds at the locked snapshot.
        current = known is not None and known.state.snapshot_id == p.snapshot_id
        have = {**known.blocks, **loaded} if known is not None and current else loaded
        self._view = (have, current)
        return p, have

    def _off_loop(self, why: str) -> None:
        """Work on the event loop (`kit.db.ON_LOOP`) only computes from what this
        process knows: anything needing the database goes back to its edge, which
        runs it in the thread pool."""
        if self.session.info.get(ON_LOOP):
            raise NeedsDatabase(why)

    def _may_skip_lock(self, p: LockedPlaylist) -> bool:
        """Whether this edit may start from a known state: the owner's, on PostgreSQL,
        at a request edge that runs the work again on `StaleWrite`, with nothing of
        the request's transaction begun yet."""
        return (
            p.owner_id == self.user_id
            and bool(self.session.info.get(RETRYABLE))
            and self.session.get_bind().dialect.name == "postgresql"
            and not self.session.in_transaction()
        )

    def _hints(self) -> hints.Directories:
        return hints.directories(self.session.get_bind())

    def _authorise_items(self, p: Playlist | LockedPlaylist) -> None:
        self._modify_scope(p.public)
        if not self._can_edit_items(p):
            raise Forbidden("You cannot edit this playlist")

    def _lock_for_details(self, playlist_id: str) -> Playlist:
        uid = self._require_user()
        p = repository.lock(self.session, playlist_id)
        if p is None:
            raise NotFound("Resource not found")
        self._modify_scope(p.public)
        if p.owner_id != uid and not self.actor().is_admin:
            raise Forbidden("Only the owner can change this playlist")
        return p

    def _get(self, playlist_id: str) -> Playlist:
        p = repository.get(self.session, playlist_id)
        if p is None:
            raise NotFound("Resource not found")
        return p

    # -- versions ----------------------------------------------------------------
    def _details(self, p: Playlist | LockedPlaylist) -> dict[str, Any]:
        return {
            "name": p.name,
            "description": p.description,
            "public": p.public,
            "collaborative": p.collaborative,
        }

    def _record(
        self,
        p: Playlist | LockedPlaylist,
        operation: str,
        changes: list[Op],
        params: dict[str, Any],
        *,
        changed: blocks.Result | None = None,
    ) -> str:
        """Write the new version, maybe a checkpoint, and the audit entry; with
        `changed`, also the item blocks an edit changes (`_change`; on PostgreSQL
        the blocks, playlist, version and audit rows are one statement).

        Plain statements rather than the ORM's unit of work: this runs on every
        edit, and the rows it writes are never read back in the request.
        """
        before = p.snapshot_id
        actor = self.actor_for_owner(p.owner_id)
        now = utcnow()
        length = p.length
        for op in changes:
            length = ops.length_after(length, op)
        number = p.version + 1
        snapshot = new_snapshot_id(number)
        delta = p.delta_since_checkpoint + ops.size(changes)
        # A checkpoint once the deltas since the last one outweigh the list itself:
        # storage stays proportional to the changes, and rebuilding any version
        # replays at most about one list's worth of operations.
        checkpoint = delta >= max(length, CHECKPOINT_MIN)
        if checkpoint and self._expected is not None:
            # A checkpoint reads the whole list in the edit's transaction: under the lock.
            raise StaleWrite("a checkpoint is due")
        state = {
            "version": number,
            "snapshot_id": snapshot,
            "updated_at": now,
            "length": length,
            "delta_since_checkpoint": 0 if checkpoint else delta,
            "blocks": p.blocks if changed is None else blocks.dump_directory(changed.directory),
        }
        repository.write_version(
            self.session,
            p.id,
            state,
            {
                "version": number,
                "snapshot_id": snapshot,
                "created_at": now,
                "user_id": actor.user_id,
                "client_id": actor.client_id,
                "operation": operation,
                "ops": ops.to_json(changes),
                "details": self._details(p),
                "length": length,
            },
            audit.entry(
                actor,
                f"playlist.{operation}",
                "playlist",
                p.id,
                owner_id=p.owner_id,
                params=params,
                snapshot_before=before,
                snapshot_after=snapshot,
            ),
            writes=changed.writes if changed else (),
            deletes=changed.deletes if changed else (),
            expected=self._expected,
        )
        for key, value in state.items():
            if isinstance(p, Playlist):
                # Written above: the unit of work must not write them again.
                set_committed_value(p, key, value)
            else:
                setattr(p, key, value)
        if changed is not None:
            self._remember(p, changed)
        else:
            self._hints().put(p.id, p.blocks)  # new details: the known state is stale
        if checkpoint:
            live = repository.all_entries(self.session, p.id, p.blocks)
            entries = [list(e) for e in live]
            repository.insert_checkpoint(self.session, p.id, number, entries)
        return snapshot

    def _remember(self, p: Playlist | LockedPlaylist, changed: blocks.Result) -> None:
        """Keep the edited playlist's new state (`p`, updated) in `playlists.hints`:
        the blocks known before the edit that it kept, and those it wrote. Kept before
        the commit: should the edit not commit, no row ever has its new snapshot,
        and the next edit finds the state stale."""
        kept = self._hints()
        if not isinstance(p, LockedPlaylist) or self._view is None:
            kept.put(p.id, p.blocks)  # the directory only (replace, restore)
            return
        have, current = self._view
        dropped = set(changed.deletes)
        known = {b: items for b, items in have.items() if b not in dropped}
        known.update(changed.items)
        kept.remember(p, known, current=current)

    def _base_version(self, p: Playlist | LockedPlaylist, snapshot_id: str | None) -> int:
        if snapshot_id is None or snapshot_id == p.snapshot_id:
            return p.version
        self._off_loop("the edit reads an earlier version")
        found = repository.version_by_snapshot(self.session, p.id, snapshot_id)
        if found is None:
            raise BadRequest("Invalid snapshot_id")
        return found.version

    def _ops_since(self, p: Playlist | LockedPlaylist, base: int) -> list[tuple[int, Op]]:
        """Operations applied after version `base`, each with the length it met."""
        out: list[tuple[int, Op]] = []
        if base == p.version:
            return out
        self._off_loop("the edit reads the versions since its snapshot")
        versions = repository.versions_between(self.session, p.id, base, p.version)
        first = repository.version(self.session, p.id, base)
        length = first.length if first else 0
        for v in versions:
            for op in ops.from_json(v.ops):
                out.append((length, op))
                length = ops.length_after(length, op)
        return out

    # -- create, read, details -------------------------------------------------
    def create(self, owner_id: str | None, body: dict[str, Any]) -> JSON:
        uid = self._require_user()
        target = owner_id or uid
        if target != uid and not self.actor().is_admin:
            raise Forbidden("You cannot create a playlist for another user.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("Missing required field: name")
        public = body.get("public", True)
        collaborative = body.get("collaborative", False)
        description = body.get("description") or ""
        if not isinstance(public, bool) or not isinstance(collaborative, bool):
            raise BadRequest("public and collaborative must be booleans")
        if not isinstance(description, str):
            raise BadRequest("description must be a string")
        if collaborative and public:
            raise BadRequest("Collaborative playlists cannot be public")
        self._modify_scope(public)
        repository.begin_write(self.session)
        if self.session.get(User, target) is None:
            raise NotFound("No such user")
        p = Playlist(
            id=new_id(),
            owner_id=target,
            name=name[:300],
            description=description[:300],
            public=public,
            collaborative=collaborative,
            version=0,
            length=0,
            delta_since_checkpoint=0,
            snapshot_id=new_snapshot_id(0),
        )
        repository.add(self.session, p)
        repository.add(
            self.session,
            PlaylistVersion(
                playlist_id=p.id,
                version=0,
                snapshot_id=p.snapshot_id,
                created_at=p.created_at,
                user_id=uid,
                client_id=self.principal.client_id if self.principal else None,
                operation="create",
                ops=[],
                details=self._details(p),
                length=0,
            ),
        )
        repository.add(self.session, PlaylistCheckpoint(playlist_id=p.id, version=0, entries=[]))
        repository.add(
            self.session, PlaylistFollower(playlist_id=p.id, user_id=target, public=public)
        )
        audit.record(
            self.session,
            self.actor(),
            "playlist.create",
            "playlist",
            p.id,
            owner_id=target,
            params=self._details(p),
            snapshot_after=p.snapshot_id,
        )
        return self.playlist(p.id, None, None)

    def playlist(self, playlist_id: str, market: str | None, fields: str | None) -> JSON:
        shown = repository.get_shown(self.session, playlist_id)
        if shown is None:
            raise NotFound("Resource not found")
        p, owner, cover, followers = shown
        state, page = self.run(self._page_reads(p.id, 0, MAX_PER_REQUEST, market, fields))
        obj = schemas.full_playlist(
            self.base,
            p,
            owner,
            cover,
            followers,
            paging(
                self.base,
                f"playlists/{p.id}/tracks",
                page,
                MAX_PER_REQUEST,
                0,
                state.length,
                {"market": market},
            ),
            paging(
                self.base,
                f"playlists/{p.id}/items",
                page,
                MAX_PER_REQUEST,
                0,
                state.length,
                {"market": market},
            ),
        )
        return schemas.apply_fields(obj, fields)

    def change_details(self, playlist_id: str, body: dict[str, Any]) -> None:
        p = self._lock_for_details(playlist_id)
        changes: dict[str, Any] = {}
        for key, kind in (
            ("name", str),
            ("description", str),
            ("public", bool),
            ("collaborative", bool),
        ):
            if key in body and body[key] is not None:
                if not isinstance(body[key], kind):
                    raise BadRequest(f"Invalid value for {key}")
                changes[key] = body[key]
        if "name" in changes and not changes["name"].strip():
            raise BadRequest("name must not be empty")
        public = changes.get("public", p.public)
        collaborative = changes.get("collaborative", p.collaborative)
        if public and collaborative:
            raise BadRequest("Collaborative playlists cannot be public")
        if "public" in changes and changes["public"] != p.public:
            self._modify_scope(changes["public"])
        if not changes:
            return
        for key, value in changes.items():
            setattr(p, key, value[:300] if isinstance(value, str) else value)
        self._record(p, "details", [], changes)

    def _listing(
        self, playlists: list[Playlist], total: int, path: str, limit: int, offset: int
    ) -> JSON:
        owners = repository.users(self.session, [p.owner_id for p in playlists])
        covers = repository.images(self.session, [p.id for p in playlists])
        items: list[object] = [
            schemas.simplified_playlist(self.base, p, owners.get(p.owner_id), covers.get(p.id))
            for p in playlists
        ]
        return paging(self.base, path, items, limit, offset, total)

    def _visibility(self, owner_view: bool) -> tuple[bool, bool]:
        """(private, collaborative) playlists a listing may show: for the user's own
        listing, by `playlist-read-private` / `playlist-read-collaborative` (left out
        rather than refused without them, as on Spotify); others see public ones."""
        scopes = self.principal.scopes if self.principal else frozenset()
        if not owner_view:
            return False, False
        return "playlist-read-private" in scopes, "playlist-read-collaborative" in scopes

    def my_playlists(self, limit: int, offset: int) -> JSON:
        uid = self._require_user()
        private, collaborative = self._visibility(True)
        rows, total = repository.followed_page(
            self.session,
            uid,
            private=private,
            collaborative=collaborative,
            limit=limit,
            offset=offset,
        )
        return self._listing(rows, total, "me/playlists", limit, offset)

    def user_playlists(self, user_id: str, limit: int, offset: int) -> JSON:
        if self.session.get(User, user_id) is None:
            raise NotFound("No such user")
        # Another user's listing shows only public playlists, never private ones.
        private, collaborative = self._visibility(user_id == self.user_id)
        rows, total = repository.followed_page(
            self.session,
            user_id,
            private=private,
            collaborative=collaborative,
            limit=limit,
            offset=offset,
        )
        return self._listing(rows, total, f"users/{user_id}/playlists", limit, offset)

    # -- items: read -----------------------------------------------------------
    def _render_items(
        self,
        rows: Sequence[tuple[str, datetime | str, str | None]],
        market: str | None,
        fields: str | None = None,
    ) -> object:
        """Playlist items as one ready JSON array (`schemas.playlist_items`), or, for
        `fields=` to filter, as objects holding what it may keep (`fields_keep`:
        no items at all, or no market lists): one catalog read for the page's
        tracks."""
        wanted = fields.strip() if fields else ""
        if wanted and not schemas.fields_keep(wanted, "items"):
            return []
        # Stored track URIs were validated on the way in (`validate_uris`): the id is
        # what follows the prefix.
        track_ids = [uri[14:] for uri, _, _ in rows if uri.startswith(blocks.TRACK)]
        tracks = self.catalog.track_objects(
            track_ids,
            market,
            schemas.TRACK_ITEM_MEMBERS,
            market_lists=not wanted or schemas.fields_keep(wanted, "available_markets"),
        )
        heads: dict[tuple[str, str | None], bytes] = {}
        items: list[tuple[bytes, str, bytes | None]] = []
        for uri, added_at, added_by in rows:
            stamp = added_at if isinstance(added_at, str) else schemas.iso(added_at)
            head = heads.get((stamp, added_by))
            if head is None:
                head = heads[stamp, added_by] = schemas.item_head(self.base, stamp, added_by)
            items.append((head, uri, tracks.get(uri[14:])))
        if wanted:
            return [schemas.playlist_item_object(*item) for item in items]
        return schemas.playlist_items(items)

    def _page_reads(
        self, playlist_id: str, offset: int, limit: int, market: str | None, fields: str | None
    ) -> Reads[tuple[repository.Page, object]]:
        """A page of items (`kit.db.Reads`): one statement for the state and the blocks
        holding the page (guessed from `playlists.hints`), a second only for blocks
        the guess missed; then the items rendered from the catalog."""
        kept = self._hints()
        hint = kept.get(playlist_id)
        guess = blocks.covering(blocks.parse_directory(hint), offset, limit) if hint else []
        pg = self.session.get_bind().dialect.name == "postgresql"
        found = yield from repository.page_reads(pg, playlist_id, offset, limit, guess)
        if found is None:
            raise NotFound("Resource not found")
        if found.directory != hint:
            kept.put(playlist_id, found.directory)
        return found, self._render_items(found.items, market, fields)

    def items_reads(
        self,
        playlist_id: str,
        path: str,
        limit: int,
        offset: int,
        market: str | None,
        fields: str | None,
    ) -> Reads[JSON]:
        """A page of a playlist's items as Spotify's paging object (`kit.db.Reads`: the
        edge runs it on the event loop or, through `run`, on the session)."""
        state, items = yield from self._page_reads(playlist_id, offset, limit, market, fields)
        page = paging(
            self.base,
            f"playlists/{playlist_id}/{path}",
            items,
            limit,
            offset,
            state.length,
            {"market": market},
        )
        return schemas.apply_fields(page, fields)

    def run(self, reads: Reads[T]) -> T:
        """`reads` (`items_reads`, say) run on this service's session, in the thread
        pool; the edge runs them on the event loop itself."""
        return repository.run_reads(self.session, reads)

    # -- items: edit -----------------------------------------------------------
    def _change(
        self,
        p: Playlist | LockedPlaylist,
        changes: Sequence[Op],
        loaded: dict[int, list[blocks.Item]] | None = None,
    ) -> blocks.Result:
        """The block writes of `changes` (`blocks.Edit`) on the locked playlist's
        directory, given the blocks already read (`loaded`); the blocks it still
        needs are read (one statement by primary key) and the changes applied again."""
        directory = blocks.parse_directory(p.blocks)
        have = loaded if loaded is not None else {}
        edit = blocks.Edit(directory, have).apply(changes)
        missing = edit.plan()
        if missing:
            have = {**have, **self._read_blocks(p, sorted(missing))}
            edit = blocks.Edit(directory, have).apply(changes)
        return edit.result()

    def _read_blocks(
        self, p: Playlist | LockedPlaylist, ids: Sequence[int], needles: Sequence[str] = ()
    ) -> dict[int, list[blocks.Item]]:
        """`repository.read_blocks` for an edit, the blocks read kept with what the edit
        knows; none are read by an edit that started without the lock (they could be
        newer than the state it knows): it runs again under the lock."""
        if not ids and not needles:
            return {}
        if self._expected is not None:
            raise StaleWrite("the edit needs blocks this process does not know")
        read = repository.read_blocks(self.session, p.id, ids, needles)
        if self._view is not None:
            self._view = ({**self._view[0], **read}, self._view[1])
        return read

    def _all_items(
        self, p: Playlist | LockedPlaylist
    ) -> tuple[dict[int, list[blocks.Item]], list[Entry]]:
        """Every block of the locked playlist (for `_change`) and its items in order."""
        loaded = repository.all_blocks(self.session, p.id)
        return loaded, repository.in_order(blocks.parse_directory(p.blocks), loaded)

    def add(self, playlist_id: str, uris: Sequence[object], position: int | None) -> str:
        # The block the items go into (none when they start a block of their own at
        # a block's end) and, for fewer than a block's minimum, the one before. (The
        # URIs are checked below: valid ones are as many as given, or it refuses.)
        small = len(uris) < blocks.MIN
        if position is None:
            near = [-1] if small else []
        else:
            near = [x for x in (position - 1, position) if x >= 0 and (small or x == position)]
        checked: list[list[str]] = []

        def check() -> None:  # on PostgreSQL, while the lock's round trip is in flight
            clean = validate_uris(uris, self.catalog)
            if not clean:
                raise BadRequest("No uris provided")
            checked.append(clean)

        p, loaded = self._lock_items_only(playlist_id, near, check)
        clean = checked[0]
        at = p.length if position is None else position
        if not 0 <= at <= p.length:
            raise BadRequest("Index out of bounds")
        if p.length + len(clean) > MAX_ITEMS:
            raise BadRequest(f"Playlist size limit reached: at most {MAX_ITEMS} items")
        stamp = schemas.iso(utcnow())
        uid = self.user_id
        # Made from C (`tuple.__new__` over `zip`): a NamedTuple's own constructor is
        # Python, a call per item.
        change = Insert(at, tuple(map(_new_entry, zip(clean, repeat(stamp), repeat(uid)))))
        return self._record(
            p,
            "add",
            [change],
            {"uris": clean, "position": position},
            changed=self._change(p, [change], loaded),
        )

    def reorder(
        self,
        playlist_id: str,
        range_start: int,
        insert_before: int,
        range_length: int,
        snapshot_id: str | None,
    ) -> str:
        if range_start < 0 or insert_before < 0 or range_length < 1:
            raise BadRequest("Invalid range_start, insert_before or range_length")
        # The blocks at the range's ends and on both sides of the gap, as given (the
        # positions are rebased below when snapshot_id is older: then a hint).
        near = [range_start, range_start + range_length - 1, insert_before - 1, insert_before]
        p, loaded = self._lock_items_only(playlist_id, [x for x in near if x >= 0])
        base = self._base_version(p, snapshot_id)
        start, before = range_start, insert_before
        history = self._ops_since(p, base)
        if history:
            first_length = history[0][0]
            if start + range_length > first_length or before > first_length:
                raise BadRequest("Index out of bounds")
            positions: list[int | None] = list(range(start, start + range_length))
            gap: int | None = before
            for length, op in history:
                positions = [None if x is None else ops.map_position(x, op) for x in positions]
                gap = None if gap is None else ops.map_gap(gap, length, op)
            mapped = [x for x in positions if x is not None]
            if (
                gap is None
                or len(mapped) != range_length
                or mapped != list(range(mapped[0], mapped[0] + range_length))
            ):
                raise Conflict(
                    "The playlist changed since snapshot_id and the reorder cannot be rebased"
                )
            start, before = mapped[0], gap
        if start + range_length > p.length or before > p.length:
            raise BadRequest("Index out of bounds")
        if ops.is_noop_move(start, range_length, before):
            return p.snapshot_id
        params = {
            "range_start": range_start,
            "range_length": range_length,
            "insert_before": insert_before,
            "snapshot_id": snapshot_id,
        }
        move = Move(start, range_length, before)
        changed = self._change(p, [move], loaded)
        return self._record(p, "reorder", [move], params, changed=changed)

    def replace(self, playlist_id: str, uris: Sequence[object]) -> str:
        self._off_loop("a replace reads the whole list")  # before checking the URIs twice
        clean = validate_uris(uris, self.catalog)
        p = self._lock_for_items(playlist_id)
        loaded, old = self._all_items(p)
        stamp = schemas.iso(utcnow())
        new = [Entry(uri, stamp, self.user_id) for uri in clean]
        changes = ops.diff(old, new, key=lambda e: e.uri)
        changed = self._change(p, changes, loaded)
        return self._record(p, "replace", changes, {"uris": clean}, changed=changed)

    def remove(self, playlist_id: str, targets: object, snapshot_id: str | None) -> str:
        if not isinstance(targets, list) or not targets:
            raise BadRequest("Missing tracks or items")
        if len(targets) > MAX_PER_REQUEST:
            raise BadRequest(f"You can remove a maximum of {MAX_PER_REQUEST} tracks per request.")
        wanted: list[tuple[str, list[int] | None]] = []
        for t in targets:
            if not isinstance(t, dict) or not isinstance(t.get("uri"), str):
                raise BadRequest("Each item needs a uri")
            positions = t.get("positions")
            if positions is not None and (
                not isinstance(positions, list)
                or not all(isinstance(x, int) and x >= 0 for x in positions)
            ):
                raise BadRequest("positions must be a list of indexes")
            wanted.append((t["uri"], positions))
        # Every occurrence of a URI is found by reading the blocks that hold it, which
        # only the lock can keep current.
        every = {uri for uri, positions in wanted if positions is None}
        p, have = self._lock_items_only(playlist_id, unlocked=not every)
        base = self._base_version(p, snapshot_id)
        history = self._ops_since(p, base)
        base_length = history[0][0] if history else p.length
        mapped_at = _positioned(wanted, history, base_length)
        # Only the blocks holding the named positions that are not known already, and
        # those whose text holds a URI named without positions (every occurrence), are
        # read: one statement.
        directory = blocks.parse_directory(p.blocks)
        first = blocks.starts(directory)
        where = blocks.locate(directory, [at for _, at in mapped_at])
        unknown = sorted({block for block, _ in where.values()} - have.keys())
        loaded = {
            **have,
            **self._read_blocks(p, unknown, [blocks.needle(u) for u in sorted(every)]),
        }
        loaded = {b: items for b, items in loaded.items() if b in first}
        drop: dict[int, str] = {}
        for uri, at in mapped_at:
            block, i = where[at]
            if loaded[block][i][0] != uri:
                raise BadRequest("Could not remove tracks, please check parameters.")
            drop[at] = uri
        for block, items in loaded.items():
            for i, e in enumerate(items):
                if e[0] in every:
                    drop[first[block] + i] = e[0]
        if not drop:
            return p.snapshot_id
        dropped = sorted(drop)
        change = Remove(tuple(dropped), tuple(drop[at] for at in dropped))
        params = {
            "items": [{"uri": u, "positions": ps} for u, ps in wanted],
            "snapshot_id": snapshot_id,
        }
        changed = self._change(p, [change], loaded)
        return self._record(p, "remove", [change], params, changed=changed)

    # -- followers and cover -----------------------------------------------------
    def follow(self, playlist_id: str, public: bool) -> None:
        uid = self._require_user()
        self._modify_scope(public)
        repository.begin_write(self.session)
        p = self._get(playlist_id)
        values = {"playlist_id": p.id, "user_id": uid, "public": public, "created_at": utcnow()}
        dialect = self.session.get_bind().dialect.name
        stmt = (
            pg_insert(PlaylistFollower).values(values).on_conflict_do_nothing()
            if dialect == "postgresql"
            else sqlite_insert(PlaylistFollower).values(values).on_conflict_do_nothing()
        )
        self.session.execute(stmt)
        audit.record(
            self.session,
            self.actor(),
            "playlist.follow",
            "playlist",
            p.id,
            owner_id=p.owner_id,
            params={"public": public},
        )

    def unfollow(self, playlist_id: str) -> None:
        uid = self._require_user()
        repository.begin_write(self.session)
        p = self._get(playlist_id)
        self._modify_scope(p.public)
        repository.delete_follower(self.session, p.id, uid)
        audit.record(
            self.session,
            self.actor(),
            "playlist.unfollow",
            "playlist",
            p.id,
            owner_id=p.owner_id,
        )

    def followers_contain(self, playlist_id: str, ids: list[str] | None) -> list[bool]:
        p = self._get(playlist_id)
        wanted = ids if ids else [self._require_user()]
        if len(wanted) > 5:
            raise BadRequest("Too many ids: at most 5")
        found = repository.followers_among(self.session, p.id, wanted)
        return [u in found for u in wanted]

    def images(self, playlist_id: str) -> list[JSON]:
        p = self._get(playlist_id)
        return schemas.images(self.base, p.id, repository.images(self.session, [p.id]).get(p.id))

    def upload_image(self, playlist_id: str, body: bytes) -> None:
        self._require_scope("ugc-image-upload")
        if len(body) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            raise BadRequest("Image too large: at most 256 KB")
        try:
            data = base64.b64decode(body.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("The image must be Base64-encoded JPEG data") from None
        if not data.startswith(b"\xff\xd8") or len(data) > MAX_IMAGE_BYTES:
            raise BadRequest("The image must be a JPEG of at most 256 KB")
        p = self._lock_for_details(playlist_id)
        size = jpeg_size(data)
        row = repository.image(self.session, p.id)
        if row is None:
            repository.add(
                self.session,
                PlaylistImage(playlist_id=p.id, data=data, width=size, height=size),
            )
        else:
            row.data, row.width, row.height = data, size, size
            row.token = new_id()
            row.updated_at = utcnow()
        audit.record(
            self.session,
            self.actor(),
            "playlist.image",
            "playlist",
            p.id,
            owner_id=p.owner_id,
            params={"bytes": len(data)},
        )

    def cover(self, playlist_id: str, token: str) -> bytes:
        row = repository.image(self.session, playlist_id)
        if row is None or row.token != token:
            raise NotFound("Resource not found")
        return row.data


def jpeg_size(data: bytes) -> int | None:
    """The width of a JPEG from its SOF marker (None when it cannot be found)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big")
        i += 2 + length
    return None
