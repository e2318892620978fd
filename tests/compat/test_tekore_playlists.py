"""tekore (from PyPI), the strict client: playlist and library models parse with no
unknown or missing fields, through the whole lifecycle, against a live server.

Local items are left out here: tekore 6.2 cannot parse Spotify's own local-track
shape (`album.album_type: null` crashes its enum before the union tries
`LocalPlaylistTrack`); they are covered by the HTTP and spotipy tests.
"""

from __future__ import annotations

import base64
import warnings

import tekore as tk

from playdeck.catalog.store import CatalogStore
from tests.compat.test_tekore_catalog import LocalSender
from tests.conftest import LiveServer, MakeUser, UserToken
from tests.playlists.helpers import ALL_SCOPES, album_ids, artist_ids, track_ids, uris


def test_tekore_playlist_and_library_lifecycle(
    db_live_server: LiveServer, make_user: MakeUser, user_token: UserToken, catalog: CatalogStore
) -> None:
    token = user_token(make_user("alice", display_name="Alice"), ALL_SCOPES)
    sp = tk.Spotify(token, sender=LocalSender(db_live_server.url))
    t = uris(track_ids(catalog, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error", tk.model.UnknownModelAttributeWarning)
        me = sp.current_user()
        made = sp.playlist_create(me.id, "Strict", public=True, description="tekore")
        assert isinstance(made, tk.model.FullPlaylist) and made.snapshot_id
        pid = made.id
        sp.playlist_add(pid, t[:4])
        sp.playlist_add(pid, t[4:6], position=0)
        full = sp.playlist(pid)
        assert full.tracks.total == 6 and full.items.total == 6 and full.primary_color is None
        first = full.tracks.items[0]
        assert first.track.uri == t[4] and first.is_local is False and first.added_by.id == me.id
        snap = sp.playlist_reorder(pid, range_start=0, insert_before=3, range_length=2)
        page = sp.playlist_items(pid, limit=3)
        assert [i.track.uri for i in page.items] == [t[0], t[4], t[5]]
        snap = sp.playlist_remove(pid, [t[0]], snapshot_id=snap)
        sp.playlist_replace(pid, t[6:8])
        assert [i.track.uri for i in sp.playlist_items(pid).items] == t[6:8]
        sp.playlist_change_details(pid, name="Strict 2", description="changed")
        jpeg = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x08\x00\x08\x03\x01\x22\x00" + b"\x00" * 32
        sp.playlist_cover_image_upload(pid, base64.b64encode(jpeg).decode())
        assert sp.playlist_cover_image(pid)[0].width == 8
        listed = sp.followed_playlists()
        assert [p.id for p in listed.items] == [pid] and listed.items[0].name == "Strict 2"
        assert sp.playlists(me.id).total == 1
        sp.playlist_clear(pid)
        assert sp.playlist(pid).tracks.total == 0
        # Library and following.
        ids, albums, artists = track_ids(catalog, 3), album_ids(catalog, 2), artist_ids(catalog, 2)
        sp.saved_tracks_add(ids)
        saved = sp.saved_tracks()
        assert [s.track.id for s in saved.items] == ids[::-1]
        assert sp.saved_tracks_contains(ids[:1]) == [True]
        sp.saved_tracks_delete(ids[:1])
        sp.saved_albums_add(albums)
        assert [s.album.id for s in sp.saved_albums().items] == albums[::-1]
        assert sp.saved_albums_contains(albums) == [True, True]
        sp.artists_follow(artists)
        followed = sp.followed_artists(limit=1)
        assert followed.total == 2 and followed.cursors.after == followed.items[0].id
        assert sp.artists_is_following(artists) == [True, True]
        sp.artists_unfollow(artists[:1])
        assert sp.artists_is_following(artists) == [False, True]
        sp.playlist_unfollow(pid)
        sp.playlist_follow(pid)
        assert sp.playlist_is_following(pid, [me.id]) == [True]
