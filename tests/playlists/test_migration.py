"""Migration 0003 carries a playlist's item rows into blocks and back, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from playdeck.kit.db import alembic_config, upgrade_database
from playdeck.playlists import blocks
from tests.playlists.helpers import checked_blocks

NOW = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _uri(i: int) -> str:
    return f"spotify:track:{i:022d}" if i % 5 else f'spotify:local:Art"ist:Al\\bum:T{i}:30'


def test_items_move_into_blocks_and_back(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0002_playlists")
    engine = sa.create_engine(database_url)
    # Three playlists: 450 items whose keys are out of id order (and two sharing a
    # key, ordered by id), one item, none.
    sizes = {"big": 450, "one": 1, "none": 0}
    expected: dict[str, list[tuple[str, str, str | None]]] = {}
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, country,"
                    " session_version, created_at, password_changed_at)"
                    " VALUES ('u1', 'alice', 'x', 'listener', 'US', 0, :now, :now)"
                ),
                {"now": NOW},
            )
            for n, (pid, size) in enumerate(sizes.items()):
                conn.execute(
                    sa.text(
                        "INSERT INTO playlists (id, owner_id, name, description, public,"
                        " collaborative, snapshot_id, version, length, delta_since_checkpoint,"
                        " created_at, updated_at) VALUES (:pid, 'u1', :pid, '', true, false,"
                        " :snap, 0, :size, 0, :now, :now)"
                    ),
                    {"pid": pid, "snap": f"s{n}", "size": size, "now": NOW},
                )
                rows = []
                for i in range(size):
                    key = (size - i) * 10 if i != 7 else (size - 6) * 10  # 6 and 7 tie
                    at = NOW + timedelta(seconds=i // 100)
                    rows.append(
                        {"pid": pid, "key": key, "uri": _uri(i), "at": at,
                         "by": "u1" if i % 3 else None}
                    )  # fmt: skip
                if rows:
                    conn.execute(
                        sa.text(
                            "INSERT INTO playlist_items (playlist_id, position_key, uri,"
                            " added_at, added_by) VALUES (:pid, :key, :uri, :at, :by)"
                        ),
                        rows,
                    )
                ordered = sorted(enumerate(rows), key=lambda r: (r[1]["key"], r[0]))
                expected[pid] = [
                    (r["uri"], r["at"].strftime("%Y-%m-%dT%H:%M:%SZ"), r["by"]) for _, r in ordered
                ]
            conn.execute(
                sa.text(
                    "INSERT INTO playlist_followers (playlist_id, user_id, public, created_at)"
                    " VALUES ('big', 'u1', true, :now)"
                ),
                {"now": NOW},
            )
        upgrade_database(database_url)
        with engine.connect() as conn:
            followers = "SELECT count(*) FROM playlist_followers WHERE playlist_id = 'big'"
            assert conn.execute(sa.text(followers)).scalar_one() == 1
            for pid, size in sizes.items():
                directory = conn.execute(
                    sa.text("SELECT blocks FROM playlists WHERE id = :p"), {"p": pid}
                ).scalar_one()
                found = conn.execute(
                    sa.text("SELECT block, items FROM playlist_blocks WHERE playlist_id = :p"),
                    {"p": pid},
                ).all()
                stored = checked_blocks(directory, {b: blocks.decode(t) for b, t in found}, size)
                assert [tuple(e) for e in stored] == expected[pid]
            assert len(blocks.parse_directory(
                conn.execute(sa.text("SELECT blocks FROM playlists WHERE id = 'big'")).scalar_one()
            )) == 3  # fmt: skip
        # And back: the rows in the same order, `added_at` to the second, and nothing
        # else lost either way (the playlist's follower is still there).
        command.downgrade(alembic_config(database_url), "0002_playlists")
        with engine.connect() as conn:
            followers = "SELECT count(*) FROM playlist_followers WHERE playlist_id = 'big'"
            assert conn.execute(sa.text(followers)).scalar_one() == 1
            for pid in sizes:
                back = conn.execute(
                    sa.text(
                        "SELECT uri, added_at, added_by FROM playlist_items"
                        " WHERE playlist_id = :p ORDER BY position_key, id"
                    ),
                    {"p": pid},
                ).all()
                got = [
                    (u, (a if isinstance(a, datetime) else datetime.fromisoformat(a)), b)
                    for u, a, b in back
                ]
                assert [
                    (u, a.replace(tzinfo=a.tzinfo or UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), b)
                    for u, a, b in got
                ] == expected[pid]
        upgrade_database(database_url)
    finally:
        engine.dispose()


def test_large_values_are_compressed_with_lz4(database_url: str) -> None:
    """On a PostgreSQL server with lz4, an edit's large values (blocks, operations,
    checkpoints, audit parameters) use it; blocks stay inline up to a page."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            try:
                conn.execute(sa.text("SET default_toast_compression = lz4"))
            except sa.exc.DBAPIError:
                pytest.skip("this server has no lz4")
            conn.rollback()
            found = dict(
                conn.execute(
                    sa.text(
                        "SELECT c.relname || '.' || a.attname, a.attcompression FROM pg_attribute a"
                        " JOIN pg_class c ON c.oid = a.attrelid"
                        " WHERE c.relnamespace = to_regnamespace(current_schema())"
                        " AND a.attname IN ('items', 'ops', 'entries', 'params')"
                    )
                ).all()
            )
            options = conn.execute(
                sa.text(
                    "SELECT reloptions FROM pg_class WHERE relname = 'playlist_blocks'"
                    " AND relnamespace = to_regnamespace(current_schema())"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert {k: found[k] for k in sorted(found)} == {
        "audit_entries.params": "l",
        "playlist_blocks.items": "l",
        "playlist_checkpoints.entries": "l",
        "playlist_versions.ops": "l",
    }
    assert options == ["toast_tuple_target=8160"]
