"""Benchmark: import a 1,000,000-row target CSV (issue #3: under 2 minutes, under 2 GB).

    .venv/bin/python bench/bench_import.py                       # 1,000,000 rows, SQLite
    .venv/bin/python bench/bench_import.py --rows 100000 --postgres postgresql://postgres@127.0.0.1:5432/postgres

Generates a UTF-8 (BOM) CSV with valid USCCs (lottery.demo.synthetic.make_uscc), Chinese headers and
every column filled, then times, each in a fresh child process (so that each peak RSS is its
own, ``ru_maxrss`` of the child) that first times its own ``csv.reader`` pass over the file,
the baseline its ratio is taken against (the machine is shared and its load drifts):

- ``csv.reader``: a bare pass over the file (the baseline);
- ``parse``: ``registry_io.import_file`` (detect encoding, parse, validate, build the rows);
- ``sqlite`` / ``postgres``: ``service.registries.import_registry`` from the file into a new
  database (the org units are imported first, untimed), one transaction; with ``--reimport``
  the same file again (every row unchanged), and once more with every name changed.

``--postgres URL`` names a server; a database is created for the run and dropped after.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from lottery.demo.synthetic import make_uscc, regions
from lottery.registry_io import TARGETS, import_file

TYPES = ("防护设备生产安装", "工程设计", "工程监理", "质量检测", "施工图审查", "平时使用")
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def generate(path: Path, n: int, seed: int = 1, name: str = "某某人防工程有限公司") -> list[str]:
    """Write ``n`` distinct valid targets; returns the regions used."""
    rng = random.Random(seed)  # noqa: S311 - test data, never a draw
    regs = regions(10)
    seen: set[str] = set()
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(col.headers[0] for col in TARGETS.columns)
        for i in range(n):
            region = regs[i % len(regs)]
            code = make_uscc(rng, region)
            while code in seen:
                code = make_uscc(rng, region)
            seen.add(code)
            w.writerow(
                (
                    code,
                    f"{name}{i}",
                    TYPES[i % len(TYPES)],
                    region,
                    "ABCD"[i % 4],
                    i % 3,
                    i % 2,
                    "否" if i % 50 else "是",
                    "正常",
                    f"0731-{8000000 + i % 1000000}",
                    "",
                )
            )
    return regs


def _org_units(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["机构代码", "机构名称", "层级", "上级机构代码", "行政区划代码"])
        w.writerow(["city", "市人防办", "市级", "", ""])
        for r in regions(10):
            w.writerow([f"county-{r}", f"{r}人防办", "县级", "city", r])
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _csv_pass(path: Path) -> float:
    t0 = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for _ in csv.reader(fh):
            pass
    return time.perf_counter() - t0


def phase(name: str, path: Path, url: str | None, extra: list[Path]) -> dict[str, object]:
    """Run one measurement in this (child) process, after its own baseline pass."""
    base = _csv_pass(path)  # the machine is shared: each step gets a baseline of its own
    result = _measure(name, path, url, extra)
    result["base_s"] = base
    return result


def _measure(name: str, path: Path, url: str | None, extra: list[Path]) -> dict[str, object]:
    if name == "csv.reader":
        return {"s": _csv_pass(path), "rss_mb": _rss_mb()}
    if name == "parse":
        t0 = time.perf_counter()
        result = import_file(path, "targets", known_regions=regions(10))
        took = time.perf_counter() - t0
        assert result.ok, result.errors[:5]
        return {"s": took, "rows": len(result.rows), "rss_mb": _rss_mb()}
    from lottery.service.lifecycle import Lifecycle
    from lottery.service.registries import import_registry
    from lottery.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings(data_dir=Path(tmp), database_url=url)
        lc = Lifecycle.open(settings)
        import_registry(lc, "org-units", _org_units(Path(tmp) / "org.csv"), actor="bench", now=NOW)
        out: dict[str, object] = {}
        for label, source in [("first", path), *[(f"again{i}", p) for i, p in enumerate(extra)]]:
            t0 = time.perf_counter()
            r = import_registry(lc, "targets", source, actor="bench", now=NOW)
            out[label] = {
                "s": time.perf_counter() - t0,
                "inserted": r.inserted,
                "updated": r.updated,
                "unchanged": r.unchanged,
            }
        lc.engine.dispose()
    out["rss_mb"] = _rss_mb()
    return out


def _child(name: str, path: Path, url: str | None, extra: list[Path]) -> dict[str, object]:
    args = [sys.executable, __file__, "--phase", name, "--file", str(path)]
    if url:
        args += ["--url", url]
    for p in extra:
        args += ["--extra", str(p)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _postgres_db(base: str) -> tuple[str, object]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from lottery.storage.engine import normalize_url

    url = make_url(normalize_url(base))
    name = f"lottery_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--postgres", help="a PostgreSQL server URL (a database is created)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--reimport", action="store_true")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--extra", type=Path, action="append", default=[], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.file, args.url, args.extra)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        extra: list[Path] = []
        if args.reimport:
            renamed = Path(tmp) / "renamed.csv"
            generate(renamed, args.rows, name="改名后的人防工程有限公司")
            extra = [path, renamed]
        gen = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        floor = _child("csv.reader", path, None, [])
        parse = _child("parse", path, None, [])
        dbs: dict[str, dict[str, object]] = {}
        if not args.no_sqlite:
            dbs["SQLite"] = _child("db", path, None, extra)
        if args.postgres:
            url, handle = _postgres_db(args.postgres)
            try:
                dbs["PostgreSQL"] = _child("db", path, url, extra)
            finally:
                _drop(handle)
    print(f"{args.rows:,} rows, {size_mb:.0f} MB UTF-8 CSV (generated in {gen:.0f} s)")
    print("| step | s | baseline s | x baseline | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")

    def line(label: str, s: float, base: object, rss: object) -> None:
        b = float(base)  # type: ignore[arg-type]
        print(f"| {label} | {s:.1f} | {b:.2f} | {s / b:.1f}x | {args.rows / s:,.0f} | {rss:,.0f} |")

    line("`csv.reader` pass", float(floor["s"]), floor["base_s"], floor["rss_mb"])  # type: ignore[arg-type]
    line("parse + validate (`import_file`)", float(parse["s"]), parse["base_s"], parse["rss_mb"])  # type: ignore[arg-type]
    labels = {
        "first": "new database",
        "again0": "re-import, unchanged",
        "again1": "re-import, all changed",
    }
    for db, res in dbs.items():
        for key, label in labels.items():
            if key in res:
                r = res[key]
                line(f"file -> {db}, {label}", float(r["s"]), res["base_s"], res["rss_mb"])  # type: ignore[index]


if __name__ == "__main__":
    main()
