"""Benchmark: announce -> draw -> verify at the sizes of issue #2; prints a Markdown table.

    .venv/bin/python bench/bench_draw.py            # 1,000,000 targets, 5,000 inspectors
    .venv/bin/python bench/bench_draw.py --quick    # 100,000 targets, 1,000 inspectors

Each size runs in a fresh process (``lottery bench draw --json``) so that one run's heap does
not slow the next; every ratio is against the floor measured in that same process right
before and right after the phase (their mean); the floor column gives the four floors. The draw
and the verification use ``--workers`` processes (2 by default); the CPU columns give this
process's and the worker's CPU seconds, which a busy shared machine blurs less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOTTERY = str(ROOT / ".venv" / "bin" / "lottery")


def run(targets: int, inspectors: int, workers: int) -> dict[str, float]:
    out = subprocess.run(
        [
            LOTTERY,
            "bench",
            "draw",
            "--targets",
            str(targets),
            "--inspectors",
            str(inspectors),
            "--workers",
            str(workers),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    size = (100_000, 1_000) if args.quick else (1_000_000, 5_000)
    rows = [run(*size, args.workers) for _ in range(args.repeat)]
    print(f"python {platform.python_version()}, {platform.machine()}, {sys.platform}")
    print(f"workers {args.workers}, 1-minute load average after the runs {os.getloadavg()[0]:.1f}")
    print(
        "| run | floors s | announce s (x) | draw s (x) | verify s (x) | drand BLS s | peak MB "
        "| draw CPU s (worker) | verify CPU s (worker) | worker peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows, 1):
        floors = "/".join(f"{f:.2f}" for f in r["floors_s"])
        print(
            f"| {i} | {floors} | {r['announce_s']:.3f} ({r['announce_x']:.2f}) | "
            f"{r['draw_s']:.3f} ({r['draw_x']:.2f}) | {r['verify_s']:.3f} ({r['verify_x']:.2f}) | "
            f"{r['drand_verify_s']:.3f} | {r['peak_rss_mb']:.0f} | "
            f"{r['draw_cpu_s']:.3f} ({r['draw_worker_cpu_s']:.3f}) | "
            f"{r['verify_cpu_s']:.3f} ({r['verify_worker_cpu_s']:.3f}) | "
            f"{r['child_peak_rss_mb']:.0f} |"
        )
    keys = ("announce_x", "draw_x", "verify_x")
    best = {k: min(r[k] for r in rows) for k in keys}
    worst = {k: max(r[k] for r in rows) for k in keys}
    print(
        "\nratios, best-worst: "
        + ", ".join(f"{k[:-2]} {best[k]:.2f}-{worst[k]:.2f}x" for k in keys)
        + f"; picks {rows[0]['picks']}, strata {rows[0]['strata']}"
    )


if __name__ == "__main__":
    main()
