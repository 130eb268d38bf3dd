"""``lottery beacon``: check public randomness by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from lottery.core import drand
from lottery.core.canonical import hex_to_bytes
from lottery.core.errors import InputError

beacon_app = typer.Typer(
    name="beacon",
    help="Check public randomness beacons.",
    no_args_is_help=True,
    add_completion=False,
)


@beacon_app.command("verify-drand")
def verify_drand(
    round_number: Annotated[int, typer.Option("--round", "-r", help="The drand round.")],
    signature: Annotated[
        str, typer.Option("--signature", help="The round's signature, hex (96 characters).")
    ],
    chain: Annotated[str, typer.Option("--chain", help="A pinned chain name.")] = "quicknet",
) -> None:
    """Verify a drand signature locally (BLS12-381) and print the round's randomness (hex).

    Nothing is printed on stdout when the signature does not verify (exit status 1).
    """
    info = drand.CHAINS.get(chain)
    if info is None:
        raise InputError(f"unknown drand chain {chain!r}; known chains: {', '.join(drand.CHAINS)}")
    raw = hex_to_bytes(signature.strip(), what="--signature")
    print(drand.verify_round(info, round_number, raw).hex())


def register(app: typer.Typer) -> None:
    """Register the ``beacon`` group on ``app`` (idempotent)."""
    if any(info.name == "beacon" for info in app.registered_groups):
        return
    app.add_typer(beacon_app, name="beacon")
