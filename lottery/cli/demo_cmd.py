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

    typer.echo(
        "Demo of the verifiable draw core: the service (lottery serve) and the public site "
        "come with later issues; this runs the draws in memory and publishes a real log export."
    )
    export, lines = run_demo(out)
    for line in lines:
        typer.echo(f"  {line}")
    typer.echo(f"export written to {export}; verifying it as the public would:")
    typer.echo(f"  lottery verify {export}")
    verify_command(str(export), task=None, key=[str(export / "keys" / "office.vkey")])


def register(app: typer.Typer) -> None:
    """Add ``lottery demo`` to ``app``."""
    app.command("demo")(demo_command)
