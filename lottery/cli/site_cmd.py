"""``lottery site status`` and ``lottery site publish``: the public site the service publishes.

``lottery serve`` with ``LOTTERY_SITE_DIR`` publishes by itself (docs/site-publishing.md);
these commands show where it stands and publish at once (waiting for the build), through the
same lease as the running service, so they never build at the same time as it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.service.lifecycle import Lifecycle
from lottery.service.site_publishing import SiteNotConfigured, SitePublisher, SiteStatus
from lottery.settings import Settings
from lottery.storage.models import SitePublication

from .common import (
    Actor,
    DataDir,
    actor_name,
    open_service,
    require_initialised,
    settings_for,
    utc_now,
)

SiteDir = Annotated[
    Path | None,
    typer.Option(
        "--site-dir",
        help="Where the site is published (a link to the current build).",
        envvar="LOTTERY_SITE_DIR",
    ),
]


def _settings(data_dir: Path, site_dir: Path | None) -> Settings:
    settings = settings_for(data_dir)
    require_initialised(settings)
    if site_dir is not None:
        settings = settings.model_copy(update={"site_dir": site_dir})
    return settings


def _publisher(settings: Settings, service: Lifecycle) -> SitePublisher:
    site = SitePublisher.from_settings(settings, service, utc_now)
    if site is None:
        raise SiteNotConfigured("no site directory: set LOTTERY_SITE_DIR or pass --site-dir")
    return site


def _run_line(run: SitePublication) -> str:
    took = f"{run.duration_s:.1f} s" if run.duration_s is not None else "running"
    what = f"error: {run.error}" if run.error else f"{run.pages} pages, build {run.build}"
    return (
        f"#{run.id} by {run.actor}, started {run.started_at:%Y-%m-%d %H:%M:%S}Z, "
        f"checkpoint {run.size}, {took}: {what}"
    )


def _status_lines(site: SitePublisher, status: SiteStatus) -> list[str]:
    lines = [
        f"site {site.site_dir} (export {site.export_dir})",
        f"log: {status.log_size} records; published: {status.published_size or 0}"
        + (" (up to date)" if status.up_to_date else " (behind)"),
    ]
    if status.running:
        lines.append("a publication is running")
    if status.requested:
        lines.append("a publication was requested")
    if status.last is not None:
        lines.append("last: " + _run_line(status.last))
    good, last = status.last_success, status.last
    if good is not None and (last is None or good.id != last.id):
        lines.append("last good: " + _run_line(good))
    return lines


def status_command(data_dir: DataDir = Path("data"), site_dir: SiteDir = None) -> None:
    """The log against the published site: the last publication, its duration, any error."""
    settings = _settings(data_dir, site_dir)
    service = open_service(data_dir, signs=False, settings=settings)
    try:
        site = _publisher(settings, service)
        for line in _status_lines(site, site.status()):
            typer.echo(line)
    finally:
        service.engine.dispose()


def publish_command(
    data_dir: DataDir = Path("data"), site_dir: SiteDir = None, actor: Actor = None
) -> None:
    """Export the log and rebuild the site now (build beside, then swap); wait for it."""
    settings = _settings(data_dir, site_dir)
    service = open_service(data_dir, settings=settings)  # the fork floors: it may sign
    try:
        run = _publisher(settings, service).publish(actor_name(actor))
    finally:
        service.engine.dispose()
    typer.echo(_run_line(run))
    if run.error:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``lottery site status`` and ``lottery site publish`` to ``app``."""
    site_app = typer.Typer(help="The public site the service publishes (LOTTERY_SITE_DIR).")
    site_app.command("status")(status_command)
    site_app.command("publish")(publish_command)
    app.add_typer(site_app, name="site")
