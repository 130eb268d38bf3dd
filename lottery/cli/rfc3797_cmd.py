"""``lottery rfc3797``: the RFC 3797 selection from a pool file and public numbers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lottery.core import rfc3797
from lottery.core.errors import InputError


def read_pool(path: Path) -> list[str]:
    """Read a pool file: one name per line, in pool order.

    UTF-8 with or without a byte-order mark; trailing whitespace (and CR of CRLF line ends)
    is stripped and blank lines are skipped.

    Raises:
        InputError: when the file is not UTF-8.
        OSError: when it cannot be read.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def rfc3797_command(
    pool_file: Annotated[
        Path, typer.Argument(help="Pool: one name per line, in the published order.")
    ],
    source: Annotated[
        list[str],
        typer.Option(
            "--source",
            "-s",
            help="One randomness source, e.g. 9319 or 2,5,12,8,10; repeat in announced order.",
        ),
    ],
    count: Annotated[int, typer.Option("--count", "-n", help="How many names to select.")],
    show_key: Annotated[
        bool, typer.Option("--show-key", help="Also print the key string on stderr.")
    ] = False,
) -> None:
    """Select COUNT names from POOL_FILE as RFC 3797 specifies; print them in selection order."""
    pool = read_pool(pool_file)
    key = rfc3797.key_string(source)
    selected = rfc3797.select_with_key(pool, key, count)
    if show_key:
        print(f"key string: {key}", file=sys.stderr)
    for name in selected:
        print(name)


def register(app: typer.Typer) -> None:
    """Register ``rfc3797`` on ``app`` (idempotent)."""
    if any(info.name == "rfc3797" for info in app.registered_commands):
        return
    app.command("rfc3797")(rfc3797_command)
