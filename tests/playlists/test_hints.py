"""What a process keeps of the playlists it edits (`playlists.hints`): bounded, and
never handed out for changing."""

from __future__ import annotations

from playdeck.playlists.hints import Directories
from playdeck.playlists.repository import LockedPlaylist


def state(pid: str, snapshot: str = "s1") -> LockedPlaylist:
    return LockedPlaylist(pid, "u1", "Mix", "", False, False, snapshot, 1, 3, 0, "[[1, 3]]")


def items(n: int) -> list[tuple[str, str, str | None]]:
    return [(f"spotify:track:{i:022d}", "2026-12-07T00:00:00Z", None) for i in range(n)]


def test_known_states_are_bounded_by_items_least_recently_used_first() -> None:
    kept = Directories(known_items=10)
    kept.remember(state("a"), {1: items(4)}, current=True)
    kept.remember(state("b"), {1: items(4)}, current=True)
    assert kept.known("a") is not None  # now the most recently used
    kept.remember(state("c"), {1: items(4)}, current=False)
    assert kept.known("b") is None  # dropped: 12 items > 10
    a, c = kept.known("a"), kept.known("c")
    assert a is not None and a.current and a.items == 4
    assert c is not None and not c.current
    # The directory hint outlives the known state.
    assert kept.get("b") == "[[1, 3]]"


def test_a_new_directory_drops_the_known_state_and_copies_are_handed_out() -> None:
    kept = Directories()
    kept.remember(state("a"), {1: items(3)}, current=True)
    known = kept.known("a")
    assert known is not None
    known.state.snapshot_id = "changed by an edit"  # an edit updates its own copy
    again = kept.known("a")
    assert again is not None and again.state.snapshot_id == "s1"
    kept.put("a", "[[2, 3]]")  # a page read saw another directory
    assert kept.known("a") is None and kept.get("a") == "[[2, 3]]"
