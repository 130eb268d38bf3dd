"""The team draw before and after its decomposition into named steps (issue #22), same run.

    .venv/bin/python bench/bench_refactor_teams.py [--ref 7e2d3f3]

Loads ``lottery/core/teams.py`` as it was at ``--ref`` (git show) next to the current one, checks
both give the same teams, and times each (median of 5) on 40,000 picks and 1,200 inspectors,
with conflicts on one pick in seven and previous inspectors on one in five. Prints the ratio
new / old per team size. Results: docs/benchmarks.md, "Refactoring cost (issue #22)".
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lottery.core import teams as current

ROOT = Path(__file__).resolve().parent.parent


def load_old(ref: str) -> object:
    source = subprocess.run(
        ["git", "show", f"{ref}:lottery/core/teams.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    source = source.replace("from .", "from lottery.core.")
    path = Path(tempfile.mkdtemp()) / "teams_old.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("teams_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["teams_old"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="7e2d3f3", help="git ref of the old teams.py")
    args = parser.parse_args()
    old = load_old(args.ref)
    seed = hashlib.sha256(b"bench").digest()
    picks = [f"T{i:07d}" for i in range(40_000)]
    insp = [f"I{i:05d}" for i in range(1_200)]
    conf = {picks[i]: frozenset({insp[i % 1_200]}) for i in range(0, 40_000, 7)}
    prev = {picks[i]: frozenset({insp[(i * 3) % 1_200]}) for i in range(0, 40_000, 5)}
    for team_size in (2, 3):
        cap = -(-len(picks) * team_size // len(insp)) + 2
        call = (seed, picks, insp, conf, prev, team_size, cap)
        a = old.assign_teams(*call)  # type: ignore[attr-defined]
        b = current.assign_teams(*call)
        assert [(t.target, t.inspectors) for t in a] == [(t.target, t.inspectors) for t in b]
        t_old, t_new = [], []
        for _ in range(5):
            t = time.perf_counter()
            old.assign_teams(*call)  # type: ignore[attr-defined]
            t_old.append(time.perf_counter() - t)
            t = time.perf_counter()
            current.assign_teams(*call)
            t_new.append(time.perf_counter() - t)
        o, n = statistics.median(t_old), statistics.median(t_new)
        print(f"team size {team_size}: old {o:.3f} s, new {n:.3f} s, new/old {n / o:.3f}")


if __name__ == "__main__":
    main()
