"""``lottery publish``: build the static site from the public export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def publish_command(
    export: Annotated[Path, typer.Option(help="The public export directory.")],
    out: Annotated[Path, typer.Option(help="Where to write the site.")] = Path("site"),
) -> None:
    """Audit the export, then build the MkDocs Material site from it alone."""
    from publisher.build import build_site

    count = build_site(export, out)
    typer.echo(f"site built in {out} ({count} pages, export copied to {out / 'export'})")


def register(app: typer.Typer) -> None:
    """Add ``lottery publish`` to ``app``."""
    app.command("publish")(publish_command)
