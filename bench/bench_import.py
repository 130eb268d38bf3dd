"""Benchmark: import a 1,000,000-row target CSV (issue #3: under 2 minutes, under 2 GB).

    .venv/bin/python bench/bench_import.py               # 1,000,000 rows
    .venv/bin/python bench/bench_import.py --rows 100000

Generates a UTF-8 (BOM) CSV with valid USCCs (lottery.synthetic.make_uscc), Chinese headers and
every column filled, then times in this one process: a bare ``csv.reader`` pass over the file
(the floor) and ``import_file`` (detect encoding, parse, validate, build the rows). Peak RSS is
the process high-water mark (``ru_maxrss``) after the import.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from lottery.registry_io import TARGETS, import_file
from lottery.synthetic import make_uscc, regions

TYPES = ("防护设备生产安装", "工程设计", "工程监理", "质量检测", "施工图审查", "平时使用")


def generate(path: Path, n: int, seed: int = 1) -> list[str]:
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
                    f"某某人防工程有限公司{i}",
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.csv"
        t0 = time.perf_counter()
        regs = generate(path, args.rows)
        gen = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6

        t0 = time.perf_counter()
        with open(path, encoding="utf-8-sig", newline="") as fh:
            floor_rows = sum(1 for _ in csv.reader(fh)) - 1
        floor = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = import_file(path, "targets", known_regions=regs)
        took = time.perf_counter() - t0
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    assert result.ok, result.errors[:5]
    assert len(result.rows) == floor_rows == args.rows
    print("| rows | file MB | csv.reader s | import s | ratio | rows/s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.rows:,} | {size_mb:.0f} | {floor:.2f} | {took:.2f} | {took / floor:.1f}x "
        f"| {args.rows / took:,.0f} | {rss_mb:,.0f} |"
    )
    print(f"(encoding detected: {result.encoding}; generating the file took {gen:.1f} s)")


if __name__ == "__main__":
    main()
