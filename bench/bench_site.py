"""Benchmark: build the public site for 1,000 tasks, 50,000 results and 100,000 targets.

    .venv/bin/python bench/bench_site.py            # the sizes of issue #4
    .venv/bin/python bench/bench_site.py --quick    # 100 tasks, 5,000 results, 10,000 targets

Steps, each build in a fresh process (peak memory is that process's maximum RSS):

1. a synthetic export, written straight with ``write_export`` and ``make_record``
   (tests/publisher/factory.py), not through the database;
2. ``lottery publish``'s ``build_site``: audit the export, write the pages, the target shards
   and the feed, copy the export, ``mkdocs build --strict``, then the company pages into the
   theme's shell (``publisher/target_shell.py``);
3. the baseline: a plain ``mkdocs build`` (same theme, plugins and nav settings) of as many
   one-paragraph pages as step 2 wrote.

Prints a Markdown table for docs/benchmarks.md and, with ``--json``, the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process: on a shared machine, wall time also counts the others."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def child_export(work: Path, tasks: int, targets: int, results: int) -> dict[str, float]:
    from tests.publisher.factory import build_office_export

    start = time.perf_counter()
    built = build_office_export(work / "export", tasks=tasks, targets=targets, results=results)
    files, size = _size(built.export)
    return {
        "seconds": time.perf_counter() - start,
        "files": files,
        "bytes": size,
        "cpu_s": _cpu_s(),
        "peak_mb": _peak_mb(),
    }


def child_build(work: Path) -> dict[str, float]:
    from publisher import build
    from publisher.model import load_model

    phases: dict[str, float] = {}
    start = time.perf_counter()
    real_load = build.load_model

    def timed_load(*args: object, **kwargs: object) -> object:
        t = time.perf_counter()
        model = real_load(*args, **kwargs)  # type: ignore[arg-type]
        phases["audit_s"] = time.perf_counter() - t
        return model

    build.load_model = timed_load  # type: ignore[assignment]
    real_write = build.write_pages

    def timed_write(*args: object, **kwargs: object) -> object:
        t = time.perf_counter()
        written = real_write(*args, **kwargs)  # type: ignore[arg-type]
        phases["pages_s"] = time.perf_counter() - t
        return written

    build.write_pages = timed_write  # type: ignore[assignment]
    real_fill = build.target_shell.fill

    def timed_fill(*args: object, **kwargs: object) -> None:
        t = time.perf_counter()
        real_fill(*args, **kwargs)  # type: ignore[arg-type]
        phases["companies_s"] = time.perf_counter() - t

    build.target_shell.fill = timed_fill  # type: ignore[assignment]
    pages = build.build_site(work / "export", work / "site", work=work / "build")
    total = time.perf_counter() - start
    del load_model
    files, size = _size(work / "site")
    index = work / "site" / "search" / "search_index.json"
    phases.setdefault("companies_s", 0.0)
    return {
        "seconds": total,
        **phases,
        "mkdocs_s": total - phases["audit_s"] - phases["pages_s"] - phases["companies_s"],
        "pages": pages,
        "files": files,
        "bytes": size,
        "search_index_bytes": index.stat().st_size,
        "cpu_s": _cpu_s(),
        "peak_mb": _peak_mb(),
    }


def child_baseline(work: Path, pages: int) -> dict[str, float]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs = work / "plain"
    shutil.rmtree(docs, ignore_errors=True)
    (docs / "p").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n\n[页面](p/0.md)\n", "utf-8")
    for n in range(pages - 1):
        (docs / "p" / f"{n}.md").write_text(f"# 页面 {n}\n\n这是第 {n} 个普通页面。\n", "utf-8")
    config = work / "plain.yml"
    config.write_text(
        "\n".join(
            [
                "site_name: baseline",
                "site_url: https://example.invalid/",
                f"docs_dir: {docs}",
                f"site_dir: {work / 'plain-site'}",
                "theme: {name: material, language: zh, font: false}",
                "nav: [{首页: index.md}]",
                "not_in_nav: /p/*.md",
                # As in mkdocs.yml: Material names an external Mermaid script (no diagrams here).
                "plugins: [search, {privacy: {assets_exclude: [unpkg.com/mermaid@*]}}]",
                "validation: {nav: {omitted_files: ignore}}",
                "",
            ]
        ),
        "utf-8",
    )
    start = time.perf_counter()
    build(load_config(str(config), strict=True))
    files, size = _size(work / "plain-site")
    return {
        "seconds": time.perf_counter() - start,
        "pages": pages,
        "files": files,
        "bytes": size,
        "cpu_s": _cpu_s(),
        "peak_mb": _peak_mb(),
    }


def run_child(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``script --child ARGS`` in a fresh interpreter; its last line is its JSON result."""
    out = subprocess.run(
        [sys.executable, script, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    if out.returncode != 0:
        sys.exit(f"child {args[0]} failed:\n{out.stdout}\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _child(*args: str) -> dict[str, float]:
    return run_child(__file__, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--json", action="store_true", help="also print the raw numbers")
    parser.add_argument("--keep", type=Path, help="build under this directory and keep it")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, work, *rest = args.child
        fn = {"export": child_export, "build": child_build, "baseline": child_baseline}[step]
        print(json.dumps(fn(Path(work), *map(int, rest))))
        return
    tasks, results, targets = (100, 5_000, 10_000) if args.quick else (1_000, 50_000, 100_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        export = _child("export", str(work), str(tasks), str(targets), str(results))
        site = _child("build", str(work))
        baseline = _child("baseline", str(work), str(int(site["pages"])))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    mb = 1024 * 1024
    print(f"{tasks} tasks, {results} results, {targets} targets; {platform.platform()}")
    print()
    print("| step | wall s | CPU s | pages | files | size MB | peak MB |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| synthetic export | {export['seconds']:.1f} | {export['cpu_s']:.1f} | | "
        f"{export['files']:.0f} | {export['bytes'] / mb:.1f} | {export['peak_mb']:.0f} |"
    )
    print(
        f"| site build (audit {site['audit_s']:.1f} + pages {site['pages_s']:.1f} + "
        f"mkdocs {site['mkdocs_s']:.1f} + company pages into the shell "
        f"{site['companies_s']:.1f}) | {site['seconds']:.1f} | {site['cpu_s']:.1f} | "
        f"{site['pages']:.0f} | {site['files']:.0f} | {site['bytes'] / mb:.1f} "
        f"(search index {site['search_index_bytes'] / mb:.1f}) | {site['peak_mb']:.0f} |"
    )
    print(
        f"| baseline: plain mkdocs build | {baseline['seconds']:.1f} | {baseline['cpu_s']:.1f} | "
        f"{baseline['pages']:.0f} | {baseline['files']:.0f} | {baseline['bytes'] / mb:.1f} | "
        f"{baseline['peak_mb']:.0f} |"
    )
    if args.json:
        print(json.dumps({"export": export, "site": site, "baseline": baseline}))


if __name__ == "__main__":
    main()
