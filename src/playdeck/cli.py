"""The `playdeck` command: demo data, ingest, serve, and (later) users, apps, match."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from playdeck.config import Settings, get_settings


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
    from playdeck.catalog.schema import CATALOG_FILE

    target = settings.resolved_catalog_dir
    if (target / CATALOG_FILE).exists() or settings.catalog_dir is not None:
        return
    dump = settings.data_dir / "demo-dump"
    click.echo(f"No catalog yet: building a demo catalog ({settings.demo_tracks} tracks) …")
    write_demo(dump, tracks=settings.demo_tracks, seed=settings.demo_seed, progress=True)
    run_ingest(dump / "spotify_clean_parquet", target, progress=True)


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


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
