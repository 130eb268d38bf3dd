"""``lottery bench draw``: announce -> draw -> verify on synthetic registries, timed.

The floor is one SHA-256 per target computed with hashlib in the same process (the least work
any per-candidate ticket scheme must do); each phase is reported in seconds and as a ratio to
the floor measured right before and right after it (the mean of the two), so that a shared
machine that speeds up or slows down during the run moves the phase and its baseline alike.
The beacon is a public-numbers beacon so that the fixed ~0.2 s of one drand BLS verification
(timed separately as ``drand_verify_s``) does not blur the per-target cost.

The draw and the verification run with ``workers`` processes (2 by default, as ``lottery
verify`` does; the service draws with 1). ``peak_rss_mb`` is this process's peak;
``child_peak_rss_mb`` is the largest forked worker's, which counts the pages it shares with
this process (copy-on-write), so the two must not simply be added.
"""

from __future__ import annotations

import gc
import hashlib
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from lottery.core.beacon import BeaconSpec, PublicNumbersValue
from lottery.core.draw import TaskParams
from lottery.core.note import Signer
from lottery.core.verify import TaskVerification, verify_task
from lottery.demo.recorded import numbers_beacon, quicknet_verify_sample
from lottery.demo.synthetic import make_registries
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused
from lottery.service import inmemory

T = TypeVar("T")
LOG = "bench.example/lottery"
# A fixed, test-only key and secret: the benchmark publishes nothing.
_BENCH_KEY_SEED = hashlib.sha256(b"lottery bench key (test only)").digest()
_BENCH_SECRET = hashlib.sha256(b"lottery bench secret (test only)").digest()


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _cpu_timed(fn: Callable[[], T]) -> tuple[T, float, float, float]:
    """``fn()``, its wall seconds, this process's CPU seconds and its workers' CPU seconds.

    CPU seconds show the work each process did, which a busy shared machine blurs less than
    wall time does.
    """

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    gc.collect()
    start, cpu, child = time.perf_counter(), time.process_time(), children()
    value = fn()
    wall = time.perf_counter() - start
    return value, wall, time.process_time() - cpu, children() - child


def floor_seconds(ids: list[bytes], repeat: int = 3) -> float:
    """Best of ``repeat`` runs of one SHA-256 per id."""
    sha = hashlib.sha256
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        _ = [sha(i).digest() for i in ids]
        best = min(best, time.perf_counter() - start)
    return best


def bench_beacon() -> tuple[BeaconSpec, PublicNumbersValue]:
    """A public-numbers beacon drawn the day after the announcement (fixed values)."""
    return numbers_beacon("2026-03-02", "基准测试", (527, (3, 9, 14, 21, 28, 33)))


def _office_side(
    targets: int,
    inspectors: int,
    ratio_bp: int,
    regions: int,
    team_size: int,
    seed: int,
    workers: int,
) -> tuple[inmemory.PublishedTask, list[bytes], dict[str, Any]]:
    """Generate registries, then announce, draw and reveal; return what was published, the
    ids the floor hashes, and the figures (with the floors before, between and after)."""
    regs, generate_s = _timed(lambda: make_registries(targets, inspectors, regions, seed))
    ids = [c.id.encode() for c in regs.candidates]
    floors = [floor_seconds(ids)]
    signer = Signer.from_seed(LOG, _BENCH_KEY_SEED)
    spec, value = bench_beacon()
    params = TaskParams(
        task="BENCH-1",
        title="基准测试任务",
        org_units=tuple(regs.org_units),
        window_start="2026-03-10",
        window_end="2026-03-31",
        ratios=dict.fromkeys(("A", "B", "C", "D"), ratio_bp),
        team_size=team_size,
        disclosure="2026-04-01T00:00:00Z",
        beacon=spec,
    )
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    task_run, announce_s = _timed(
        lambda: inmemory.announce(
            LOG,
            signer,
            params,
            regs.candidates,
            regs.inspectors,
            _BENCH_SECRET,
            t0,
            exclusions=regs.exclusions,
            conflicts=regs.conflicts,
            previous=regs.previous,
        )
    )
    floors.append(floor_seconds(ids))
    drawn_at = datetime(2026, 3, 2, 12, tzinfo=UTC)
    _, draw_s, draw_cpu, draw_child = _cpu_timed(
        lambda: inmemory.draw(task_run, value, drawn_at, workers=workers)
    )
    floors.append(floor_seconds(ids))
    inmemory.reveal(task_run, datetime(2026, 4, 1, tzinfo=UTC))
    pool = task_run.prepared.pool
    figures = {
        "candidates": pool.candidates,
        "strata": len(pool.strata),
        "picks": pool.picks,
        "generate_s": generate_s,
        "floors": floors,
        "announce_s": announce_s,
        "draw_s": draw_s,
        "draw_cpu_s": draw_cpu,
        "draw_worker_cpu_s": draw_child,
    }
    return task_run.published, ids, figures


def run(
    targets: int,
    inspectors: int,
    *,
    ratio_bp: int = 500,
    regions: int = 10,
    team_size: int = 2,
    seed: int = 1,
    workers: int = 2,
) -> dict[str, Any]:
    """Run the benchmark; return the figures (seconds, ratios, peak RSS).

    Raises:
        ValueError: for a worker count below 1.
    """
    published, ids, fig = _office_side(
        targets, inspectors, ratio_bp, regions, team_size, seed, workers
    )
    gc.collect()  # the verifier starts from the published bytes alone (and the floor's ids)
    verifier = Signer.from_seed(LOG, _BENCH_KEY_SEED).verifier()

    def verify() -> TaskVerification:
        with gc_paused():  # as `lottery verify` does (a command line runs one thread)
            return verify_task(
                published.notes, published.blobs, [verifier], log=LOG, workers=fork_workers(workers)
            )

    report, verify_s, verify_cpu, verify_child = _cpu_timed(verify)
    floors = [*fig["floors"], floor_seconds(ids)]
    del ids
    quicknet_verify_sample()  # warm-up: py-ecc's import cost
    _, drand_s = _timed(quicknet_verify_sample)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # The baseline of each phase: the mean of the floors measured right before and after it.
    phases = ("announce", "draw", "verify")
    base = {p: (floors[i] + floors[i + 1]) / 2 for i, p in enumerate(phases)}
    return {
        "targets": targets,
        "inspectors": inspectors,
        "candidates": fig["candidates"],
        "strata": fig["strata"],
        "picks": fig["picks"],
        "team_size": team_size,
        "workers": workers,
        "checks_passed": len(report.checks),
        "generate_s": round(fig["generate_s"], 4),
        "floor_s": round(min(floors), 6),
        "floors_s": [round(f, 6) for f in floors],
        "announce_s": round(fig["announce_s"], 4),
        "draw_s": round(fig["draw_s"], 4),
        "verify_s": round(verify_s, 4),
        "announce_x": round(fig["announce_s"] / base["announce"], 2),
        "draw_x": round(fig["draw_s"] / base["draw"], 2),
        "verify_x": round(verify_s / base["verify"], 2),
        "draw_cpu_s": round(fig["draw_cpu_s"], 4),
        "draw_worker_cpu_s": round(fig["draw_worker_cpu_s"], 4),
        "verify_cpu_s": round(verify_cpu, 4),
        "verify_worker_cpu_s": round(verify_child, 4),
        "drand_verify_s": round(drand_s, 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "child_peak_rss_mb": round(child_kb / 1024, 1),
    }
