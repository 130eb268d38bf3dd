"""Benchmark: from a disclosure to the public site showing it, with no command run.

    .venv/bin/python bench/bench_publish_latency.py           # the demo city and 1,000 tasks
    .venv/bin/python bench/bench_publish_latency.py --quick   # 100 synthetic tasks

For each case the service runs its real scheduler with ``LOTTERY_SITE_DIR`` set (the ``site``
job every 5 s, as ``lottery serve`` does); the site is published once first, then a task is
disclosed just after the job's run (aiming at the worst case, a whole interval's wait; on a
loaded machine the next run may come sooner) and the benchmark polls the served task page
(every 20 ms) until it shows "已公开". Measured in the same run:

- **latency**: from the disclosure's commit to the page showing it: the wait for the job's
  next run (0 to 5 s) plus the run;
- **run**: the publication itself (export, build beside, swap), from ``site_publication``;
- **baseline**: a plain ``build_site`` of the same export into a fresh folder (what
  ``lottery publish`` does by hand), timed right after.

Cases: the demo city (``lottery.demo.city.run_demo``; its sealed task T2026-002 is
disclosed), and a synthetic log of ``--tasks`` tasks (tests/publisher/factory.py, as
bench/bench_site.py makes it) loaded into a service database: everything before its last
``task-reveal`` record is published first, then that reveal (and the few records after it)
is appended, which is the disclosure. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lottery.core.canonical import parse_time  # noqa: E402 - after the path set-up
from lottery.core.records import open_record  # noqa: E402
from lottery.service import scheduler as sch  # noqa: E402
from lottery.service.drand_client import RelaysUnavailable  # noqa: E402
from lottery.service.lifecycle import Lifecycle  # noqa: E402
from lottery.service.site_publishing import SitePublisher, build_site  # noqa: E402
from lottery.settings import Settings  # noqa: E402
from lottery.storage.models import SitePublication  # noqa: E402
from publisher.pages import STATUS  # noqa: E402

POLL_S = 0.02
GUARD_S = 1800.0  # only stops a hang


def _cpu_s() -> float:
    """CPU seconds of this process (all threads): on a shared machine wall time counts the
    other processes too."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _offline(_: object) -> object:
    raise RelaysUnavailable("benchmark: no network")


def _last_run(lc: Lifecycle) -> SitePublication:
    from sqlmodel import col, select

    with lc.session() as s:
        run = s.exec(select(SitePublication).order_by(col(SitePublication.id).desc())).first()
    if run is None or run.error is not None:
        raise SystemExit(f"publication failed: {run.error if run else 'none ran'}")
    return run


def measure(
    lc: Lifecycle,
    settings: Settings,
    clock: Callable[[], datetime],
    task: str,
    disclose: Callable[[], None],
    work: Path,
) -> dict[str, float]:
    """Publish once, start the scheduler, disclose, wait for the page; then the baseline."""
    site = SitePublisher.from_settings(settings, lc, clock)
    assert site is not None
    t = time.perf_counter()
    first = site.publish("bench")
    first_s = time.perf_counter() - t
    if first.error:
        raise SystemExit(f"first publication failed: {first.error}")
    page = (settings.site_dir or Path()) / "tasks" / task / "index.html"
    assert STATUS["disclosed"] not in page.read_text(encoding="utf-8")
    rt = sch.start_scheduler(settings, lc, clock=clock, fetch=_offline)  # type: ignore[arg-type]
    try:
        _after_a_tick(rt)
        disclose()
        start, cpu = time.perf_counter(), _cpu_s()
        while STATUS["disclosed"] not in page.read_text(encoding="utf-8"):
            if time.perf_counter() - start > GUARD_S:
                raise SystemExit("the site never showed the disclosure")
            time.sleep(POLL_S)
        latency, run_cpu = time.perf_counter() - start, _cpu_s() - cpu
    finally:
        sch.stop_scheduler(rt, wait=True)
    run = _last_run(lc)
    out = work / "baseline-site"
    shutil.rmtree(out, ignore_errors=True)
    t, cpu = time.perf_counter(), _cpu_s()
    pages = build_site(settings.site_export, out, work / "baseline-work")
    baseline, baseline_cpu = time.perf_counter() - t, _cpu_s() - cpu
    return {
        "first_publication_s": first_s,
        "latency_s": latency,
        "run_s": run.duration_s or 0.0,
        "baseline_s": baseline,
        "run_cpu_s": run_cpu,
        "baseline_cpu_s": baseline_cpu,
        "pages": pages,
        "records": run.size or 0,
    }


def _after_a_tick(rt: sch.Scheduler) -> None:
    """Wait until the ``site`` job has just run (and found nothing to do): a disclosure now
    waits up to the whole interval for the next run."""
    while True:
        job = rt.aps.get_job("site")
        if job is not None and job.next_run_time > datetime.now(UTC):
            break
        time.sleep(0.005)
    time.sleep(0.2)  # its check (the log is published) ends


def demo_case(work: Path) -> dict[str, float]:
    from lottery.demo.city import demo_settings, run_demo

    out = work / "demo"
    run_demo(out)
    settings = demo_settings(out).model_copy(update={"site_dir": work / "demo-www" / "site"})
    lc = Lifecycle.open(settings)
    try:
        task = "T2026-002"  # drawn, sealed until 2026-12-31
        at = parse_time(lc.get_task(task).params["disclosure"])
        clock = _fixed(datetime(2026, 12, 1, tzinfo=UTC))  # nothing else falls due
        return measure(lc, settings, clock, task, lambda: _disclose(lc, task, at), work)
    finally:
        lc.engine.dispose()


def _disclose(lc: Lifecycle, task: str, at: datetime) -> None:
    lc.disclose(task, at, actor="bench")


def synthetic_case(work: Path, tasks: int, targets: int, results: int) -> dict[str, float]:
    notes, blobs = _synthetic_log(work, tasks, targets, results)
    reveals = [i for i, n in enumerate(notes) if _open(n).type == "task-reveal"]
    cut = reveals[-1]
    reveal = _open(notes[cut])
    held = {reveal.body["outcome"]}
    settings, lc = _synthetic_service(work)
    try:
        _append(lc, notes[:cut], {k: v for k, v in blobs.items() if k not in held})
        rest = {k: v for k, v in blobs.items() if k in held}
        clock = _fixed(parse_time(reveal.body["time"]))
        task = str(reveal.body["task"])
        out = measure(lc, settings, clock, task, lambda: _append(lc, notes[cut:], rest), work)
        out["tasks"] = tasks
        return out
    finally:
        lc.engine.dispose()


def _open(note: bytes) -> Any:
    from tests.lifecycle import office_signer

    return open_record(note, [office_signer().verifier()])


def _synthetic_log(
    work: Path, tasks: int, targets: int, results: int
) -> tuple[list[bytes], dict[str, bytes]]:
    """The factory's records and blobs, in log order (caught on their way to the export)."""
    from tests.publisher import factory

    caught: dict[str, Any] = {}
    real = factory.write_export

    def catch(out: Path, entries: list[bytes], blobs: dict[str, bytes], *a: Any, **k: Any) -> Any:
        caught["entries"], caught["blobs"] = list(entries), dict(blobs)
        return real(out, entries, blobs, *a, **k)

    factory.write_export = catch  # type: ignore[assignment]
    factory.build_office_export(
        work / "synthetic-export", tasks=tasks, targets=targets, results=results
    )
    factory.write_export = real  # type: ignore[assignment]
    return caught["entries"], caught["blobs"]


def _synthetic_service(work: Path) -> tuple[Settings, Lifecycle]:
    """A service database holding the test office's log (the factory signs with its key)."""
    from lottery.service.log import PublicLog
    from lottery.service.secrets_check import open_secrets_keeper
    from lottery.settings import get_settings
    from lottery.storage.engine import make_engine
    from lottery.storage.migrate import upgrade_to_head
    from tests.lifecycle import LOG, office_signer

    data = work / "synthetic-data"
    settings = get_settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'lottery.db'}",
        log_origin=LOG,
        site_dir=work / "synthetic-www" / "site",
    )
    engine = make_engine(settings)
    upgrade_to_head(engine)
    log = PublicLog(LOG, office_signer())
    keeper = open_secrets_keeper(engine, data, datetime.now(UTC))  # a new office: makes the key
    return settings, Lifecycle(engine, log, keeper)


def _append(lc: Lifecycle, notes: list[bytes], blobs: dict[str, bytes]) -> None:
    """Append records and blobs, then sign a checkpoint: one commit, as a lifecycle step."""
    with lc.session() as s, s.begin():
        for data in blobs.values():
            lc.log.put_blob(s, data)
        for note in notes:
            lc.log.append(s, note)
        lc.log.sign_checkpoint(s, parse_time(_open(notes[-1]).body["time"]))


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        "| case | records | pages | latency (wall) | of which waiting for the job | run (wall) "
        "| baseline `build_site` (wall) | latency / baseline (wall) "
        "| run CPU | baseline CPU | run / baseline (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['records']:,.0f} | {r['pages']:,.0f} | {r['latency_s']:.1f} s | "
            f"{max(0.0, r['latency_s'] - r['run_s']):.1f} s | {r['run_s']:.1f} s | "
            f"{r['baseline_s']:.1f} s | {r['latency_s'] / r['baseline_s']:.2f} | "
            f"{r['run_cpu_s']:.1f} s | {r['baseline_cpu_s']:.1f} s | "
            f"{r['run_cpu_s'] / r['baseline_cpu_s']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 synthetic tasks")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=5_000)
    parser.add_argument("--json", action="store_true", help="also print the raw numbers")
    args = parser.parse_args()
    tasks = 100 if args.quick else args.tasks
    logging.basicConfig(level=logging.ERROR, force=True)
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        rows = [
            ("demo city (青岚市)", demo_case(work)),
            (
                f"{tasks:,} tasks, {args.targets:,} targets, {args.results:,} results",
                synthetic_case(work, tasks, args.targets, args.results),
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Python {platform.python_version()} on {platform.machine()}, site job every 5 s\n")
    print(table(rows))
    if args.json:
        print(json.dumps(dict(rows), indent=2))


if __name__ == "__main__":
    main()
