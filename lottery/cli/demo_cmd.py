"""``lottery demo``: run the sample city end to end and verify what it published."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    out: Annotated[Path, typer.Option(help="Where to write the demo's output.")] = Path("demo"),
) -> None:
    """Run five sample tasks in every state, export the log, then verify it."""
    from lottery.cli.verify_cmd import verify_command
    from lottery.demo import run_demo
    from publisher.build import build_site

    typer.echo(
        "Demo: the draws run in memory (the service, `lottery serve`, comes with a later "
        "issue); what they publish is the real signed log export, and the site is built from it."
    )
    export, lines = run_demo(out)
    for line in lines:
        typer.echo(f"  {line}")
    site = out / "site"
    pages = build_site(export, site, work=out / "build")
    typer.echo(f"export: {export}; site: {site} ({pages} pages, carrying a copy of the export)")
    typer.echo(f"verifying the site as the public would: lottery verify {site}")
    verify_command(str(site), task=None, key=[str(export / "keys" / "office.vkey")])


def register(app: typer.Typer) -> None:
    """Add ``lottery demo`` to ``app``."""
    app.command("demo")(demo_command)
