"""The URIs an add or a replace accepts (`service.validate_uris`): catalog tracks that
exist and well-formed local URIs, at most 100, the first bad one named; the usual
request (catalog tracks only) takes a shorter path with the same answers."""

from __future__ import annotations

import pytest

from playdeck.catalog.service import CatalogService
from playdeck.catalog.store import CatalogStore
from playdeck.kit.errors import BadRequest
from playdeck.playlists.service import validate_uris
from tests.playlists.helpers import track_ids, uris

LOCAL = "spotify:local:Artist:Album:Title:251"


@pytest.fixture()
def service(catalog: CatalogStore) -> CatalogService:
    return CatalogService(catalog, "http://x")


def test_known_tracks_and_local_items_are_accepted(
    catalog: CatalogStore, service: CatalogService
) -> None:
    tracks = uris(track_ids(catalog, 100))
    assert validate_uris(tracks, service) == tracks
    mixed = [tracks[0], LOCAL, tracks[1]]
    assert validate_uris(mixed, service) == mixed
    assert validate_uris([], service) == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("spotify:track:" + "0" * 22, "Payload contains a non-existing ID"),
        ("spotify:track:" + "0" * 21 + "-", "Invalid track uri: spotify:track:" + "0" * 21 + "-"),
        ("spotify:track:" + "ü" * 22, "Invalid track uri: spotify:track:" + "ü" * 22),
        ("spotify:track:" + "0" * 23, "Invalid track uri: spotify:track:" + "0" * 23),
        ("spotify:episode:" + "0" * 20, "Invalid track uri: spotify:episode:" + "0" * 20),
        (42, "Invalid track uri"),
    ],
)
def test_a_bad_uri_among_good_ones_is_refused_by_name(
    catalog: CatalogStore, service: CatalogService, bad: object, message: str
) -> None:
    tracks: list[object] = list(uris(track_ids(catalog, 50)))
    with pytest.raises(BadRequest) as refused:
        validate_uris([*tracks[:25], bad, *tracks[25:]], service)
    assert refused.value.message == message


def test_the_first_bad_uri_is_the_one_named(catalog: CatalogStore, service: CatalogService) -> None:
    track = uris(track_ids(catalog, 1))[0]
    dashed = "spotify:track:" + "0" * 21 + "-"
    with pytest.raises(BadRequest) as refused:
        validate_uris([track, "spotify:local:x", dashed], service)
    assert refused.value.message == "Invalid track uri: spotify:local:x"
    with pytest.raises(BadRequest) as refused:
        validate_uris([track, dashed, "spotify:local:x"], service)
    assert refused.value.message == f"Invalid track uri: {dashed}"
    with pytest.raises(BadRequest, match="maximum of 100"):
        validate_uris([track] * 101, service)
