"""``lottery demo``: a fictional city's office on the real service, built and verified."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    out: Annotated[Path, typer.Option(help="Where to write the demo's output.")] = Path("demo"),
    documents: Annotated[
        bool,
        typer.Option(
            "--documents/--no-documents",
            help="Issue the notices and records as PDFs (about 45 s of rendering).",
        ),
    ] = True,
) -> None:
    """Import a sample city's registries, run eight tasks, publish results, build, verify."""
    from lottery.cli.verify_cmd import verify_command
    from lottery.demo.accounts import FILE_NAME
    from lottery.demo.city import run_demo
    from lottery.demo.office import demo_office
    from publisher.build import build_site

    typer.echo(
        f"Demo: 青岚市 (fictional) on the service. Registry files in {out / 'input'} are "
        f"imported through the import service; tasks run through the lifecycle at fixed past "
        f"times; private state stays in {out / 'data'}."
    )
    result = run_demo(out, documents=documents)
    for line in result.lines:
        typer.echo(f"  {line}")
    site = out / "site"
    pages = build_site(result.export, site, work=out / "build", office=demo_office())
    typer.echo(
        f"export: {result.export}; site: {site} ({pages} pages, carrying a copy of the export)"
    )
    typer.echo(
        f"look at: {site / 'index.html'} (or `make demo`, which serves it on 127.0.0.1); "
        f"registry files: {out / 'input'}"
    )
    typer.echo(f"verifying the site as the public would: lottery verify {site}")
    verify_command(str(site), task=None, key=[str(result.export / "keys" / "office.vkey")])
    typer.echo(
        f"staff console: lottery serve --data-dir {result.data} (`make demo` starts it), then "
        f"/console/ with one of these demo logins (also in {out / FILE_NAME}, owner-only):"
    )
    for account in result.accounts:
        typer.echo(f"  {account.line()}")


def register(app: typer.Typer) -> None:
    """Add ``lottery demo`` to ``app``."""
    app.command("demo")(demo_command)
