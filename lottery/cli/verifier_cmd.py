"""``lottery verifier-file [OUT]``: build the single-file verifier the site offers for download.

The same sources give the same bytes (:mod:`lottery.verifier.bundle`), so anyone with the
project's source can check the file a site ships (docs/verifier.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from lottery.verifier.bundle import FILE_NAME, write_pyz

from .common import output_file
from .lang import cli_lang


def verifier_file_command(
    out: Annotated[Path, typer.Argument(help="Where to write it.")] = Path(FILE_NAME),
    lang: Annotated[str | None, typer.Option(help="en or zh (中文); default: the locale.")] = None,
) -> None:
    """Write lottery-verify.pyz (runs on a plain Python 3.11+) and print its size and SHA-256."""
    said = cli_lang(lang)
    data = write_pyz(output_file(out))
    digest = hashlib.sha256(data).hexdigest()
    if said == "zh":
        typer.echo(f"已写入 {out}：{len(data)} 字节，SHA-256 {digest}")
    else:
        typer.echo(f"wrote {out}: {len(data)} bytes, SHA-256 {digest}")


def register(app: typer.Typer) -> None:
    """Add ``lottery verifier-file`` to ``app``."""
    app.command("verifier-file")(verifier_file_command)
