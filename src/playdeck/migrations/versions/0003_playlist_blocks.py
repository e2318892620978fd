"""playlist items in blocks

Revision ID: 0003_playlist_blocks
Revises: 0002_playlists
Create Date: 2026-12-07 04:00:00

A playlist's items move from a row each (`playlist_items`) to a row per run of up
to 200 items (`playlist_blocks`), ordered by a directory on the playlist row
(`playlists.blocks`); see `playdeck.playlists.blocks`. Existing items are carried
over in order, playlist by playlist; the downgrade carries them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from playdeck.models.base import UTCDateTime
from playdeck.playlists import blocks
from playdeck.playlists.ops import Entry

revision: str = '0003_playlist_blocks'
down_revision: str | Sequence[str] | None = '0002_playlists'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_items = sa.table(
    'playlist_items',
    sa.column('id', sa.BigInteger()),
    sa.column('playlist_id', sa.String()),
    sa.column('position_key', sa.BigInteger()),
    sa.column('uri', sa.String()),
    sa.column('added_at', UTCDateTime()),
    sa.column('added_by', sa.String()),
)
_blocks = sa.table(
    'playlist_blocks',
    sa.column('playlist_id', sa.String()),
    sa.column('block', sa.Integer()),
    sa.column('items', sa.Text()),
)
_playlists = sa.table('playlists', sa.column('id', sa.String()), sa.column('blocks', sa.Text()))


_LZ4 = (
    ('playlist_blocks', 'items'),
    ('playlist_versions', 'ops'),
    ('playlist_checkpoints', 'entries'),
    ('audit_entries', 'params'),
)


def _stamp(value: datetime) -> str:
    """Spotify's form of `added_at` (UTC, seconds), as the app stores it in blocks."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upgrade() -> None:
    op.create_table('playlist_blocks',
    sa.Column('playlist_id', sa.String(length=22), nullable=False),
    sa.Column('block', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['playlist_id'], ['playlists.id'], name=op.f('fk_playlist_blocks_playlist_id_playlists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('playlist_id', 'block', name=op.f('pk_playlist_blocks'))
    )
    # A plain ALTER TABLE (never a batch rebuild of `playlists`: see downgrade()).
    op.add_column('playlists', sa.Column('blocks', sa.Text(), server_default='[]', nullable=False))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # A block (up to 200 items, ~5 KB) stays inline and uncompressed in its row
        # rather than being compressed and moved into TOAST chunks on every write.
        op.execute('ALTER TABLE playlist_blocks SET (toast_tuple_target = 8160)')
        # What an edit writes that is still large (an add's operations in its version
        # row and its audit parameters, ~9 and ~4 KB for 100 items; a checkpoint) is
        # compressed with lz4 rather than pglz: ~0.08 ms less per add. Skipped on a
        # server built without lz4.
        for table, column in _LZ4:
            op.execute(
                "DO $$ BEGIN EXECUTE 'ALTER TABLE " + table + " ALTER COLUMN " + column
                + " SET COMPRESSION lz4'; EXCEPTION WHEN OTHERS THEN NULL; END $$"
            )

    rows = bind.execute(
        sa.select(_items.c.playlist_id, _items.c.uri, _items.c.added_at, _items.c.added_by)
        .order_by(_items.c.playlist_id, _items.c.position_key, _items.c.id)
    )
    current: str | None = None
    entries: list[Entry] = []

    def flush() -> None:
        if current is None:
            return
        directory, writes = blocks.rechunk(entries)
        if writes:
            bind.execute(
                _blocks.insert(),
                [{'playlist_id': current, 'block': b, 'items': t} for b, t in writes],
            )
        bind.execute(
            _playlists.update()
            .where(_playlists.c.id == current)
            .values(blocks=blocks.dump_directory(directory))
        )

    for pid, uri, added_at, added_by in rows.all():
        if pid != current:
            flush()
            current, entries = pid, []
        entries.append(Entry(uri, _stamp(added_at), added_by))
    flush()

    with op.batch_alter_table('playlist_items', schema=None) as batch_op:
        batch_op.drop_index('ix_playlist_items_order')
    op.drop_table('playlist_items')


def downgrade() -> None:
    op.create_table('playlist_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('playlist_id', sa.String(length=22), nullable=False),
    sa.Column('position_key', sa.BigInteger(), nullable=False),
    sa.Column('uri', sa.String(length=600), nullable=False),
    sa.Column('added_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['playlist_id'], ['playlists.id'], name=op.f('fk_playlist_items_playlist_id_playlists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playlist_items'))
    )
    with op.batch_alter_table('playlist_items', schema=None) as batch_op:
        batch_op.create_index('ix_playlist_items_order', ['playlist_id', 'position_key', 'id'], unique=False)
    bind = op.get_bind()
    stored = {
        (pid, block): text
        for pid, block, text in bind.execute(
            sa.select(_blocks.c.playlist_id, _blocks.c.block, _blocks.c['items'])
        )
    }
    directories = bind.execute(sa.select(_playlists.c.id, _playlists.c.blocks)).all()
    if bind.dialect.name == 'postgresql':
        for table, column in _LZ4[1:]:
            op.execute(
                "DO $$ BEGIN EXECUTE 'ALTER TABLE " + table + " ALTER COLUMN " + column
                + " SET COMPRESSION default'; EXCEPTION WHEN OTHERS THEN NULL; END $$"
            )
    # A plain ALTER TABLE on SQLite too (3.35+): a batch operation would rebuild
    # `playlists`, and dropping the old copy cascades to every table referring to it.
    op.drop_column('playlists', 'blocks')
    for pid, directory in directories:
        rows: list[dict[str, object]] = []
        for block, _ in blocks.parse_directory(directory):
            for uri, added_at, added_by in blocks.decode(stored[pid, block]):
                rows.append({
                    'playlist_id': pid,
                    'position_key': (len(rows) + 1) << 32,
                    'uri': uri,
                    'added_at': datetime.fromisoformat(added_at.replace('Z', '+00:00')),
                    'added_by': added_by,
                })  # fmt: skip
        if rows:
            bind.execute(_items.insert(), rows)
    op.drop_table('playlist_blocks')

