"""``lottery bench``: benchmarks runnable from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lottery.core.errors import InputError

bench_app = typer.Typer(
    help="Benchmarks (not tests): time the draw pipeline.", no_args_is_help=True
)


@bench_app.command("draw")
def bench_draw(
    targets: Annotated[int, typer.Option(help="Number of synthetic targets.")] = 100_000,
    inspectors: Annotated[int, typer.Option(help="Number of synthetic inspectors.")] = 1_000,
    ratio_bp: Annotated[int, typer.Option(help="Ratio per risk class, basis points.")] = 500,
    regions: Annotated[int, typer.Option(help="Number of regions.")] = 10,
    team_size: Annotated[int, typer.Option(help="Inspectors per target.")] = 2,
    workers: Annotated[
        int, typer.Option(help="Processes for the draw and the verification (1 = serial).")
    ] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object on the last line.")
    ] = False,
) -> None:
    """Announce, draw and verify one task on synthetic registries; report times and memory."""
    from lottery.demo.benchmark import run

    if targets < 1 or inspectors < 2 or regions < 1:
        raise InputError("need at least 1 target, 2 inspectors and 1 region")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    result = run(
        targets,
        inspectors,
        ratio_bp=ratio_bp,
        regions=regions,
        team_size=team_size,
        workers=workers,
    )
    if as_json:
        typer.echo(json.dumps(result, sort_keys=True))
        return
    floors = ", ".join(f"{f:.3f}" for f in result["floors_s"])
    typer.echo(
        f"{result['targets']} targets ({result['candidates']} candidates in "
        f"{result['strata']} strata), {result['inspectors']} inspectors, "
        f"{result['picks']} picks, teams of {result['team_size']}, "
        f"{result['workers']} worker process(es)"
    )
    typer.echo(f"floor (one SHA-256 per target), before and after each phase: {floors} s")
    for phase in ("announce", "draw", "verify"):
        typer.echo(
            f"{phase:>8}: {result[phase + '_s']:.3f} s  ({result[phase + '_x']:.2f} x floor)"
        )
    typer.echo(f"one drand BLS verification: {result['drand_verify_s']:.3f} s")
    typer.echo(
        f"peak memory: {result['peak_rss_mb']:.0f} MB "
        f"(largest worker {result['child_peak_rss_mb']:.0f} MB, pages shared with it)"
    )
    typer.echo(f"verification: {result['checks_passed']} checks passed")


def register(app: typer.Typer) -> None:
    """Add ``lottery bench`` to ``app``."""
    app.add_typer(bench_app, name="bench")
