"""Version history: any snapshot or point in time, diffs, and restore as a new change.

A version is rebuilt from the nearest checkpoint at or before it plus the
deltas after that checkpoint (`ops.apply`); the checkpoint policy in
`PlaylistService._record` keeps that replay at most about one list long.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playdeck.catalog.schemas import JSON
from playdeck.kit.errors import BadRequest, Forbidden, NotFound
from playdeck.models import Playlist, PlaylistVersion
from playdeck.playlists import ops, repository, schemas
from playdeck.playlists.ops import Entry
from playdeck.playlists.service import PlaylistService


class HistoryService(PlaylistService):
    """History reads and restore, with the same caller and permission rules."""

    def _readable(self, playlist_id: str) -> Playlist:
        """History is for the people who may edit the playlist (and admins)."""
        self._require_user()
        p = self._get(playlist_id)
        if not self._can_edit_items(p):
            raise Forbidden("Only the owner, collaborators and admins can read history")
        return p

    def _version(self, p: Playlist, snapshot_id: str) -> PlaylistVersion:
        found = repository.version_by_snapshot(self.session, p.id, snapshot_id)
        if found is None:
            raise NotFound("No such snapshot")
        return found

    def entries_at(self, p: Playlist, version: int) -> list[Entry]:
        checkpoint = repository.checkpoint_before(self.session, p.id, version)
        start = checkpoint.version if checkpoint else -1
        entries = [Entry(*e) for e in checkpoint.entries] if checkpoint else []
        for v in repository.versions_between(self.session, p.id, start, version):
            entries = ops.apply(ops.from_json(v.ops), entries)
        return entries

    @staticmethod
    def _version_json(v: PlaylistVersion) -> JSON:
        return {
            "version": v.version,
            "snapshot_id": v.snapshot_id,
            "created_at": schemas.iso(v.created_at),
            "user_id": v.user_id,
            "client_id": v.client_id,
            "operation": v.operation,
            "changes": ops.size(ops.from_json(v.ops)),
            "length": v.length,
            "details": v.details,
        }

    def versions(self, playlist_id: str, limit: int, offset: int) -> JSON:
        p = self._readable(playlist_id)
        rows = repository.versions_page(self.session, p.id, limit, offset)
        return {
            "items": [self._version_json(v) for v in rows],
            "limit": limit,
            "offset": offset,
            "total": p.version + 1,
        }

    def as_of(
        self,
        playlist_id: str,
        snapshot_id: str | None,
        at: datetime | None,
        limit: int,
        offset: int,
        market: str | None,
    ) -> JSON:
        """The playlist as it was at a snapshot or a point in time (items paged)."""
        p = self._readable(playlist_id)
        if snapshot_id is not None:
            v = self._version(p, snapshot_id)
        elif at is not None:
            found = repository.version_at_time(self.session, p.id, at)
            if found is None:
                raise NotFound("The playlist did not exist at that time")
            v = found
        else:
            raise BadRequest("Give a snapshot_id or a time")
        entries = self.entries_at(p, v.version)
        page = entries[offset : offset + limit]
        items = self._render_items([(e.uri, e.added_at, e.added_by) for e in page], market)
        return {
            **self._version_json(v),
            **v.details,
            "id": p.id,
            "items": {"items": items, "limit": limit, "offset": offset, "total": len(entries)},
        }

    def diff(self, playlist_id: str, from_snapshot: str, to_snapshot: str) -> JSON:
        p = self._readable(playlist_id)
        a = self._version(p, from_snapshot)
        b = self._version(p, to_snapshot)
        old, new = self.entries_at(p, a.version), self.entries_at(p, b.version)
        changes = ops.diff(old, new)
        added = [e for op in changes if isinstance(op, ops.Insert) for e in op.entries]
        removed = [
            {"position": pos, "uri": uri}
            for op in changes
            if isinstance(op, ops.Remove)
            for pos, uri in zip(op.positions, op.uris, strict=True)
        ]
        details = {
            k: {"from": a.details.get(k), "to": v}
            for k, v in b.details.items()
            if a.details.get(k) != v
        }
        return {
            "from": a.snapshot_id,
            "to": b.snapshot_id,
            "operations": ops.to_json(changes),
            "added": [
                {"uri": e.uri, "added_at": e.added_at, "added_by": e.added_by} for e in added
            ],
            "removed": sorted(removed, key=lambda r: int(str(r["position"]))),
            "details": details,
        }

    def restore(self, playlist_id: str, snapshot_id: str) -> str:
        """Make an earlier snapshot current again, as a new change (undo)."""
        p = self._lock_for_items(playlist_id)
        target = self._version(p, snapshot_id)
        wanted = self.entries_at(p, target.version)
        loaded, live = self._all_items(p)
        changes = ops.diff(live, wanted)
        changed = self._change(p, changes, loaded)
        params: dict[str, Any] = {"snapshot_id": snapshot_id, "version": target.version}
        details = {k: v for k, v in target.details.items() if getattr(p, k) != v}
        if details:
            if p.owner_id != self.user_id and not self.actor().is_admin:
                # Collaborators restore items; details stay the owner's to change.
                details = {}
            for k, v in details.items():
                setattr(p, k, v)
            params["details"] = details
        return self._record(p, "restore", changes, params, changed=changed)
