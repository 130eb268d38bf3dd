"""Benchmark: the incremental site build (issue #19) against a full one, and the full build
against a plain ``mkdocs build`` of as many pages, all in one run.

    .venv/bin/python bench/bench_site_incremental.py            # issue #4's sizes
    .venv/bin/python bench/bench_site_incremental.py --quick    # a tenth
    .venv/bin/python bench/bench_site_incremental.py --tasks 300 --results 15000 --targets 30000

Steps, each in a fresh process (CPU s is that process's user + system time):

1. the synthetic export of bench/bench_site.py (tests/publisher/factory.py); from its log,
   the export as it was before the last publication (the log up to the last disclosed
   task's inspection results: the factory's log ends with them, a task report, two
   penalties and a withdrawal), and that export grown to the whole log, both written with
   ``write_export`` as the service would;
2. ``build_site`` of the export before, with the cache (a first build: full, cache written);
3. **incremental**: ``build_site`` of the grown export with that cache into a new folder;
4. **full**: ``build_site`` of the grown export without a cache;
5. the baseline: a plain ``mkdocs build`` of as many one-paragraph pages as step 4 wrote
   (bench/bench_site.py's);
6. what follows the incremental build's swap: the site before becomes the cache's spare
   tree, brought up to date with the incremental site (``site_cache.adopt``).

Then checks that steps 3 and 4 wrote the same files, byte for byte, and prints a Markdown
table with the two ratios for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_site import _cpu_s, _peak_mb, _size, child_baseline, run_child  # noqa: E402

# One build time for every build: the sitemap's dates and its .gz header are the same.
EPOCH = "1767225600"


def _last_publication(entries: list[bytes]) -> int:
    """Where the inspection results of the last disclosed task start: the factory's log
    ends with them (then a correction, a task report, penalties and a withdrawal); at the
    full size all results come after the tasks, task by task, so the cut is the start of
    the last task's run of results."""
    task = re.compile(rb'"task":"([^"]+)"')
    correction = re.compile(rb'"supersedes":"[0-9a-f]{64}"')

    def of(entry: bytes) -> bytes:
        found = task.search(entry)
        return found.group(1) if found else b""

    def result(entry: bytes) -> bool:
        return b'"type":"inspection-result"' in entry and not correction.search(entry)

    last = max(i for i, e in enumerate(entries) if result(e))
    name = of(entries[last])
    cut = last
    while cut > 0 and result(entries[cut - 1]) and of(entries[cut - 1]) == name:
        cut -= 1
    return cut


def child_export(work: Path, tasks: int, targets: int, results: int) -> dict[str, float]:
    from lottery.export.read import file_getter
    from tests.export_prefix import log_entries, write_prefix
    from tests.lifecycle import office_signer
    from tests.publisher.factory import build_office_export

    start = time.perf_counter()
    full = build_office_export(work / "full", tasks=tasks, targets=targets, results=results)
    entries = log_entries(full.export)
    size = len(entries)
    cut = _last_publication(entries)
    signer = office_signer()
    origin = file_getter(full.export)("checkpoint").split(b"\n", 1)[0].decode()
    grown = work / "grown"
    write_prefix(full.export, grown, entries[:cut], signer, origin=origin, later=entries[cut:])
    # The export before as the same files (hard links): growing it replaces the files that
    # change and adds the new ones (never writing into one), as the service's export folder
    # grows between two builds; the incremental build links only those into its site.
    shutil.copytree(grown, work / "before", copy_function=os.link)
    write_prefix(full.export, grown, entries, signer, origin=origin)
    files, nbytes = _size(work / "grown")
    return {
        "seconds": time.perf_counter() - start,
        "records": size,
        "new_records": size - cut,
        "files": files,
        "bytes": nbytes,
        "cpu_s": _cpu_s(),
        "peak_mb": _peak_mb(),
    }


def child_build(work: Path, export: str, out: str, cached: int) -> dict[str, float]:
    from publisher.build import build_site

    start = time.perf_counter()
    cache = work / "site.cache" if cached else None
    pages = build_site(work / export, work / out, work=work / f"{out}-work", cache=cache)
    return {
        "seconds": time.perf_counter() - start,
        "pages": pages,
        "cpu_s": _cpu_s(),
        "peak_mb": _peak_mb(),
    }


def child_adopt(work: Path, old: str, served: str) -> dict[str, float]:
    """After the swap: the site no longer served becomes the cache's spare tree, brought up
    to date with the served one (publisher/site_cache.py ``adopt``)."""
    from publisher.site_cache import adopt

    start = time.perf_counter()
    adopt(work / "site.cache", work / old, work / served)
    return {"seconds": time.perf_counter() - start, "cpu_s": _cpu_s(), "peak_mb": _peak_mb()}


def _child(*args: str) -> dict[str, float]:
    return run_child(__file__, *args, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})


def _same(a: Path, b: Path) -> bool:
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    if names != sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--tasks", type=int)
    parser.add_argument("--results", type=int)
    parser.add_argument("--targets", type=int)
    parser.add_argument("--json", action="store_true", help="also print the raw numbers")
    parser.add_argument("--keep", type=Path, help="build under this directory and keep it")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, work, *rest = args.child
        if step == "export":
            print(json.dumps(child_export(Path(work), *map(int, rest))))
        elif step == "build":
            print(json.dumps(child_build(Path(work), rest[0], rest[1], int(rest[2]))))
        elif step == "adopt":
            print(json.dumps(child_adopt(Path(work), rest[0], rest[1])))
        else:
            print(json.dumps(child_baseline(Path(work), int(rest[0]))))
        return
    tasks, results, targets = (100, 5_000, 10_000) if args.quick else (1_000, 50_000, 100_000)
    tasks, results, targets = args.tasks or tasks, args.results or results, args.targets or targets
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        export = _child("export", str(work), str(tasks), str(targets), str(results))
        first = _child("build", str(work), "before", "site-before", "1")
        incremental = _child("build", str(work), "grown", "site-incremental", "1")
        full = _child("build", str(work), "grown", "site-full", "0")
        baseline = _child("baseline", str(work), str(int(full["pages"])))
        # After the incremental build is swapped in, the site before is the next spare.
        adopted = _child("adopt", str(work), "site-before", "site-incremental")
        same = _same(work / "site-incremental", work / "site-full")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"{tasks} tasks, {results} results, {targets} targets: {export['records']:.0f} records, "
        f"the last publication {export['new_records']:.0f} of them; {platform.platform()}; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print("| step | wall s | CPU s | pages | peak MB |")
    print("|---|---|---|---|---|")
    for name, row in (
        ("first build, cache written (the log before the last publication)", first),
        ("**incremental** after the last publication", incremental),
        ("**full** build of the same export, no cache", full),
        ("baseline: plain `mkdocs build` of as many pages", baseline),
        ("after the incremental build's swap: the site before made the spare", adopted),
    ):
        print(
            f"| {name} | {row['seconds']:.1f} | {row['cpu_s']:.1f} | {row.get('pages', 0):.0f} | "
            f"{row['peak_mb']:.0f} |"
        )
    print()
    print(
        f"incremental / full: {incremental['seconds'] / full['seconds']:.1%} wall, "
        f"{incremental['cpu_s'] / full['cpu_s']:.1%} CPU; full / plain mkdocs: "
        f"{full['seconds'] / baseline['seconds']:.2f}x wall, "
        f"{full['cpu_s'] / baseline['cpu_s']:.2f}x CPU; incremental site byte-identical to "
        f"the full one: {'yes' if same else 'NO'}"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "export": export,
                    "first": first,
                    "incremental": incremental,
                    "full": full,
                    "baseline": baseline,
                    "adopt": adopted,
                    "same": same,
                }
            )
        )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
