"""Benchmark: the audit and model load of an incremental site build, alone (issue #19).

    .venv/bin/python bench/bench_audit_load.py BEFORE GROWN [--runs K]

``BEFORE`` and ``GROWN`` are exports of one log, ``GROWN`` the longer (e.g. the ``before/``
and ``grown/`` that ``bench/bench_site_incremental.py --keep DIR`` leaves). In one process:
``load_model(BEFORE)`` (a first, full audit), the cache a build would keep from it (the task
verifications, the sealed contents and the log's size and root, pickled and read back as
``publisher/site_cache.py`` does), then ``load_model(GROWN, ...)`` with that cache ``K``
times. Prints the wall and CPU seconds of each.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_site import _cpu_s  # noqa: E402
from lottery.core.audit_state import PriorAudit  # noqa: E402
from publisher import site_cache  # noqa: E402
from publisher.model import load_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("grown", type=Path)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), _cpu_s()
    first = load_model(args.before)
    report = first.report
    print(
        f"first load_model ({report.size} records): "
        f"{time.perf_counter() - wall:.2f} s wall, {_cpu_s() - cpu:.2f} s CPU"
    )
    kept = pickle.dumps(
        (
            site_cache.storable(report.tasks, report.verified),
            report.sealed.contents,
            PriorAudit(report.size, {report.size: report.roots[report.size]}, {}),
        ),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    del first, report
    for _ in range(args.runs):
        known, sealed, prior = pickle.loads(kept)  # noqa: S301 - made just above
        wall, cpu = time.perf_counter(), _cpu_s()
        model = load_model(args.grown, None, known, prior, sealed)
        print(
            f"incremental load_model ({model.report.size} records, "
            f"{model.report.reopened} opened in full): "
            f"{time.perf_counter() - wall:.2f} s wall, {_cpu_s() - cpu:.2f} s CPU"
        )


if __name__ == "__main__":
    main()
