"""Branch coverage per package, checked against the floors CI enforces.

Run by ``make pytest`` after ``coverage run -m pytest`` and ``coverage combine`` (see
docs/testing.md, "Coverage"). It reads the combined data file (``.coverage`` in the repository
root, as configured in pyproject.toml's ``[tool.coverage.run]``) through coverage's own API,
prints one line per package (statements, branches, percent, floor) and exits 1 naming every
package under its floor. Not a test module: pytest does not collect it (no ``test_`` prefix).

The percent is coverage.py's own branch-coverage figure: covered statements plus covered branch
destinations over statements plus branch destinations.

Usage: ``python tests/coverage_floors.py [--data-file PATH]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Floors in percent of branch coverage, per package: a file belongs to the longest prefix that
# matches its path; "lottery/" holds the modules of lottery/ outside the named subpackages.
# Set about two points under the full suite's figures of 2026-12-06 (in the comments); raise
# one in the commit that raises its package's coverage for good (docs/testing.md, "Coverage").
FLOORS: dict[str, float] = {
    "lottery/core/": 93,  # measured 95.2
    "lottery/service/": 91,  # 93.3
    "lottery/api/": 92,  # 94.6 with the server-rendered console (was 98.3 before it)
    "lottery/cli/": 86,  # 88.5
    "lottery/storage/": 83,  # 85.5
    "lottery/registry_io/": 91,  # 93.6
    "lottery/": 94,  # 96.7
    "publisher/": 94,  # 96.5
}


@dataclass
class Tally:
    """Statement and branch counts summed over the files of one package."""

    statements: int = 0
    missing: int = 0
    branches: int = 0
    missing_branches: int = 0

    @property
    def percent(self) -> float:
        """Covered statements and branches over all of them (100 for an empty package)."""
        total = self.statements + self.branches
        if total == 0:
            return 100.0
        return 100.0 * (total - self.missing - self.missing_branches) / total

    def add(self, other: Tally) -> None:
        """Add ``other``'s counts to this one."""
        self.statements += other.statements
        self.missing += other.missing
        self.branches += other.branches
        self.missing_branches += other.missing_branches


def package_of(path: str) -> str | None:
    """The key of :data:`FLOORS` a repository-relative path belongs to, if any."""
    matches = [p for p in FLOORS if path.startswith(p)]
    return max(matches, key=len) if matches else None


def read_files(data_file: Path) -> dict[str, Tally]:
    """Per-file counts from the combined data, keyed by path relative to the repository.

    Files of the measured packages that no test imported are included (with everything
    missed): coverage lists them because pyproject.toml names the package directories in
    ``source``.

    Raises:
        FileNotFoundError: when the data file does not exist.
        coverage.exceptions.CoverageException: when coverage cannot read it.
    """
    import coverage  # here, not at the top: the error for a missing dev install is clearer

    if not data_file.is_file():
        raise FileNotFoundError(f"no coverage data at {data_file}")
    cov = coverage.Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        report = json.loads(out.read_text(encoding="utf-8"))
    files: dict[str, Tally] = {}
    for name, entry in report["files"].items():
        path = Path(name) if os.path.isabs(name) else ROOT / name
        rel = path.resolve().relative_to(ROOT).as_posix()
        summary = entry["summary"]
        files[rel] = Tally(
            statements=summary["num_statements"],
            missing=summary["missing_lines"],
            branches=summary.get("num_branches", 0),
            missing_branches=summary.get("missing_branches", 0),
        )
    return files


def by_package(files: dict[str, Tally]) -> dict[str, Tally]:
    """The counts of ``files`` summed per package of :data:`FLOORS`.

    Raises:
        ValueError: for a measured file outside every package (the floors must cover all).
    """
    packages = {key: Tally() for key in FLOORS}
    for path, tally in files.items():
        key = package_of(path)
        if key is None:
            raise ValueError(f"{path} belongs to no package of FLOORS in {__file__}")
        packages[key].add(tally)
    return packages


def render(packages: dict[str, Tally]) -> list[str]:
    """The table: one line per package, then the total."""
    lines = [
        f"{'branch coverage':<22}{'stmts':>7}{'miss':>7}{'branches':>10}{'miss':>7}"
        f"{'cover':>9}{'floor':>7}"
    ]
    total = Tally()
    for key, t in packages.items():
        total.add(t)
        lines.append(
            f"{key:<22}{t.statements:>7}{t.missing:>7}{t.branches:>10}{t.missing_branches:>7}"
            f"{t.percent:>8.1f}%{FLOORS[key]:>7.0f}"
        )
    lines.append(
        f"{'TOTAL':<22}{total.statements:>7}{total.missing:>7}{total.branches:>10}"
        f"{total.missing_branches:>7}{total.percent:>8.1f}%"
    )
    return lines


def under_floor(packages: dict[str, Tally]) -> list[str]:
    """One message per package whose coverage is below its floor."""
    return [
        f"{key} {t.percent:.1f}% < floor {FLOORS[key]:g}%"
        for key, t in packages.items()
        if t.percent < FLOORS[key]
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the table; 1 when a package is under its floor, 2 when the data is unusable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-file", type=Path, default=ROOT / ".coverage")
    args = parser.parse_args(argv)
    data_file = args.data_file.resolve()
    try:
        # pyproject.toml's relative paths (source, data_file) are the repository's.
        with contextlib.chdir(ROOT):
            packages = by_package(read_files(data_file))
    except Exception as exc:  # one line, no traceback: missing file, unreadable data
        print(f"coverage floors: {exc}", file=sys.stderr)
        return 2
    print("\n".join(render(packages)))
    failures = under_floor(packages)
    if failures:
        print("coverage under the floor: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
