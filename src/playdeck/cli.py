"""The `playdeck` command: demo data, ingest, serve, and (later) users, apps, match."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from playdeck.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from playdeck.kit.db import Database


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="playdeck")
def cli() -> None:
    """playdeck: a self-hosted Spotify."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--tracks", "tracks", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo(out: Path, tracks: int, seed: int) -> None:
    """Write a deterministic synthetic dump (parquet folder and SQLite files) to OUT."""
    from playdeck.catalog.demo import write_demo

    write_demo(out, tracks=tracks, seed=seed, progress=True)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True))
@click.option("--catalog", "catalog_dir", type=click.Path(path_type=Path), default=None)
def ingest(source: Path, catalog_dir: Path | None) -> None:
    """Build the serving catalog in --catalog from a parquet folder or spotify_clean.sqlite3."""
    from playdeck.catalog.ingest import IngestError
    from playdeck.catalog.ingest import ingest as run_ingest

    settings = get_settings()
    target = catalog_dir or settings.resolved_catalog_dir
    try:
        run_ingest(source, target, progress=True)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc


def ensure_demo_catalog(settings: Settings) -> None:
    """Build a demo catalog in the data directory on first run (no catalog configured)."""
    from playdeck.catalog.demo import write_demo
    from playdeck.catalog.ingest import ingest as run_ingest
    from playdeck.catalog.schema import CATALOG_FILE, SCHEMA_VERSION
    from playdeck.catalog.store import read_meta
    from playdeck.search.index import SEARCH_VERSION

    target = settings.resolved_catalog_dir
    if settings.catalog_dir is not None:
        return
    dump = settings.data_dir / "demo-dump"
    if (target / CATALOG_FILE).exists():
        found = catalog_schema_version(target / CATALOG_FILE)
        index = read_meta(target / CATALOG_FILE, "version", "search_meta")
        if found == SCHEMA_VERSION and index == SEARCH_VERSION:
            return
        # The demo catalog is ours to rebuild: a newer playdeck changed the
        # schema or the search index, and the server refuses (or searches
        # answer 503 for) a catalog built by another version.
        click.echo(
            f"The demo catalog has schema {found!r} and search index {index!r}, not"
            f" {SCHEMA_VERSION!r} and {SEARCH_VERSION!r}: rebuilding it …"
        )
    else:
        click.echo(f"No catalog yet: building a demo catalog ({settings.demo_tracks} tracks) …")
    if not (dump / "spotify_clean_parquet").is_dir():
        write_demo(dump, tracks=settings.demo_tracks, seed=settings.demo_seed, progress=True)
    run_ingest(dump / "spotify_clean_parquet", target, progress=True)


def catalog_schema_version(path: Path) -> str | None:
    """The `schema_version` a catalog file records (None when it has none)."""
    from playdeck.catalog.store import read_meta

    return read_meta(path, "schema_version")


@cli.command()
@click.option("--catalog", "catalog_dir", type=click.Path(path_type=Path), default=None)
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--public-url", default=None)
@click.option("--workers", type=int, default=1, show_default=True)
def serve(
    catalog_dir: Path | None,
    host: str | None,
    port: int | None,
    public_url: str | None,
    workers: int,
) -> None:
    """Run the server (builds a demo catalog on first run when none is configured)."""
    import os

    import uvicorn

    overrides = {
        "PLAYDECK_CATALOG_DIR": str(catalog_dir) if catalog_dir else None,
        "PLAYDECK_HOST": host,
        "PLAYDECK_PORT": str(port) if port else None,
        "PLAYDECK_PUBLIC_URL": public_url,
    }
    for key, value in overrides.items():
        if value is not None:
            os.environ[key] = value
    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _upgrade_database(settings)
    ensure_demo_catalog(settings)
    click.echo(
        f"playdeck serving {settings.resolved_catalog_dir} at {settings.resolved_public_url}"
    )
    uvicorn.run(
        "playdeck.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--catalog", "catalog_dir", type=click.Path(path_type=Path), default=None)
def match(file: IO[str], catalog_dir: Path | None) -> None:
    """Match song lines (FILE or standard input) to catalog tracks: one JSON line each."""
    from playdeck.search.cli import run_match

    run_match(file, catalog_dir or get_settings().resolved_catalog_dir)


# --- accounts: the app database, users and apps --------------------------------


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _upgrade_database(settings: Settings) -> None:
    from playdeck.kit.db import upgrade_database

    upgrade_database(settings.resolved_database_url)


def _database(settings: Settings) -> Database:
    from playdeck.kit.db import Database

    _upgrade_database(settings)
    return Database(settings.resolved_database_url)


@contextmanager
def _session() -> Iterator[Session]:
    """A unit of work for one command; service errors become click errors."""
    from playdeck.kit.errors import PlaydeckError

    db = _database(_settings())
    try:
        with db.session_scope() as session:
            yield session
    except PlaydeckError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        db.dispose()


@cli.group()
def db() -> None:
    """The app database (users, apps, playlists)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (serve does this at start too)."""
    settings = _settings()
    _upgrade_database(settings)
    click.echo(f"database at {settings.resolved_database_url} is up to date")


@cli.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--role", type=click.Choice(["admin", "curator", "listener"]), default=None)
@click.option("--email", default=None)
@click.option("--display-name", default=None)
def users_create(
    name: str,
    password: str,
    admin: bool,
    role: str | None,
    email: str | None,
    display_name: str | None,
) -> None:
    """Create user NAME."""
    from playdeck.accounts import service as accounts
    from playdeck.models import Role

    chosen = Role.admin if admin else Role(role or "listener")
    with _session() as session:
        user = accounts.create_user(
            session,
            username=name,
            password=password,
            role=chosen,
            email=email,
            display_name=display_name,
        )
        click.echo(f"created {user.role.value} {user.username} (id {user.id})")


@users.command("list")
def users_list() -> None:
    """List users."""
    from playdeck.accounts import service as accounts

    with _session() as session:
        for user in accounts.list_users(session):
            click.echo(f"{user.username}\t{user.role.value}\t{user.id}\t{user.email or ''}")


@users.command("passwd")
@click.argument("name")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
def users_passwd(name: str, password: str) -> None:
    """Set NAME's password (revokes the user's tokens and web sessions)."""
    from playdeck.accounts import service as accounts

    with _session() as session:
        user = accounts.get_by_username(session, name)
        revoked = accounts.set_password(session, user, password)
        click.echo(f"password changed for {user.username}; {revoked} app grant(s) revoked")


@cli.group()
def apps() -> None:
    """Manage registered apps (OAuth clients)."""


@apps.command("create")
@click.argument("name")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeat for several.")
@click.option("--client-id", default=None)
@click.option("--client-secret", default=None)
@click.option("--public", is_flag=True, help="A public client: PKCE, no secret.")
def apps_create(
    name: str,
    redirect_uris: tuple[str, ...],
    client_id: str | None,
    client_secret: str | None,
    public: bool,
) -> None:
    """Register app NAME; prints its client id and secret."""
    from playdeck.oauth import service as oauth

    with _session() as session:
        new = oauth.register_app(
            session,
            name=name,
            redirect_uris=list(redirect_uris),
            client_id=client_id,
            client_secret=client_secret,
            public=public,
        )
        click.echo(f"client_id: {new.app.client_id}")
        if new.client_secret is not None:
            click.echo(f"client_secret: {new.client_secret}")
        else:
            click.echo("public client (PKCE): no secret")


@apps.command("list")
def apps_list() -> None:
    """List registered apps."""
    from playdeck.oauth import service as oauth

    with _session() as session:
        for app in oauth.list_apps(session):
            kind = "public" if app.is_public else "confidential"
            uris = " ".join(app.redirect_uris)
            click.echo(f"{app.client_id}\t{app.name}\t{kind}\t{uris}")


@apps.command("delete")
@click.argument("client_id")
def apps_delete(client_id: str) -> None:
    """Delete an app (revokes every token it holds)."""
    from playdeck.oauth import service as oauth

    with _session() as session:
        oauth.delete_app(session, client_id)
        click.echo(f"deleted {client_id}")


@apps.command("rotate-secret")
@click.argument("client_id")
def apps_rotate_secret(client_id: str) -> None:
    """Give an app a new client secret (the old one stops working)."""
    from playdeck.oauth import service as oauth

    with _session() as session:
        secret = oauth.rotate_secret(session, client_id)
        click.echo(f"client_secret: {secret}")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
