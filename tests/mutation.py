"""Mutation testing of the rules that decide who is drawn, who may act and what is shown.

A thin driver around mutmut 3 (docs/testing.md, "Mutation testing"):

    python tests/mutation.py run [--changed] [--base REF] [--max-children N] [MODULE ...]
    python tests/mutation.py report [--survivors] [MODULE ...]

``run`` mutates the scope below (or the named modules, or with ``--changed`` the in-scope
modules that differ from ``--base``), runs each mutant against the tests that reach the
mutated function, and prints the score per module. ``report`` prints the last results.

mutmut's own configuration is ``[tool.mutmut]`` in pyproject.toml (files, tests). This driver
adds what mutmut cannot express there:

- the scope inside a file: only the listed functions' mutants are run and counted (pool.py's
  strata and count rules, not its blob codecs; the registry import's rules that keep removed
  targets out, not the whole import);
- test files listed in the configuration that do not exist (yet) are dropped.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Module -> the functions in scope (mutmut's mangled names: ``x_func`` for a function,
# ``xǁClassǁmethod`` for a method; globs allowed). ``*``: the whole file.
SCOPE: dict[str, list[str]] = {
    "lottery.core.verify": ["*"],
    "lottery.core.selection": ["*"],
    "lottery.core.pool": [
        "x_stratum_count",
        "x_build_pool",
        "x__excluded_by_target",
        "x__stratum",
        "x__encode_sorted",
        "x__first_duplicate",
        "x_check_counts",
    ],
    "lottery.core.teams": ["*"],
    "lottery.service.pool_rules": ["*"],
    "lottery.service.registries": ["x__upsert", "x__org_unit_dicts", "x__batches"],
    "lottery.service.roles": ["*"],
    "lottery.api.deps": [
        "x_token_of",
        "x_session_user",
        "x_current_user",
        "x_require",
        "x_permission_of",
    ],
    "publisher.pages": ["x_md", "x_h", "x_link", "x__part", "x_cell"],
    "publisher.render": [
        "x_visible",
        "x_plain",
        "x_escape",
        "x_safe_href",
        "x_link",
        "x_code",
        "x_verbatim",
        "x_url_part",
        "x__finalize",
    ],
}

STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    None: "not checked",
}
STATUS.update(dict.fromkeys((24, -24, 36, 152, 255), "timeout"))
KILLED = {"killed", "timeout"}


def module_path(module: str) -> Path:
    """``lottery.core.pool`` -> ``lottery/core/pool.py``."""
    return Path(*module.split(".")).with_suffix(".py")


def patterns(module: str) -> list[str]:
    """mutmut mutant-name globs for the in-scope functions of ``module``."""
    return [f"{module}.{fn}__mutmut_*" for fn in SCOPE[module]]


def in_scope(key: str) -> bool:
    """Whether a mutant (``module.x_func__mutmut_N``) belongs to the scope."""
    module, _, _ = key.rpartition(".")
    return module in SCOPE and any(fnmatch.fnmatch(key, p) for p in patterns(module))


def changed_modules(base: str) -> list[str]:
    """In-scope modules whose source differs from ``base`` (committed or not).

    Raises:
        SystemExit: when git cannot compare against ``base``.
    """
    proc = subprocess.run(
        ["git", "diff", "--name-only", base, "--"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"mutation: cannot diff against {base}: {proc.stderr.strip()}")
    touched = set(proc.stdout.split())
    return [m for m in SCOPE if str(module_path(m)) in touched]


def default_base() -> str:
    """``origin/main`` when that ref exists, else ``HEAD`` (uncommitted changes only)."""
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "origin/main"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return "origin/main" if proc.returncode == 0 else "HEAD"


def _drop_missing_tests(without: Sequence[str] = ()) -> None:
    """Drop configured test files that do not exist, keeping the cache key of the list.

    mutmut resets every cached verdict when the test selection changes; a listed file that
    appears later only adds tests, which mutmut picks up by itself ("new tests"), so the
    cache key stays that of the configured list.
    """
    from mutmut.configuration import Config, config

    cfg = config()
    configured = tuple(cfg.pytest_add_cli_args_test_selection)
    kept = [a for a in configured if a.startswith("-") or (Path(a).exists() and a not in without)]
    cfg.pytest_add_cli_args_test_selection = kept
    fingerprint = Config.config_fingerprint

    def stable(self: Config) -> dict[str, str]:
        groups = fingerprint(self)
        shown = self.pytest_add_cli_args_test_selection
        self.pytest_add_cli_args_test_selection = list(configured)
        groups["test_selection"] = fingerprint(self)["test_selection"]
        self.pytest_add_cli_args_test_selection = shown
        return groups

    Config.config_fingerprint = stable  # type: ignore[method-assign]


def run(
    modules: list[str],
    max_children: int,
    *,
    unkilled: bool = False,
    without: Sequence[str] = (),
    only: Sequence[str] = (),
) -> None:
    """Generate and run the mutants of ``modules``' in-scope functions (with ``unkilled``,
    only those the last run did not kill: new tests cannot revive a killed mutant).

    ``without``: configured test files to leave out (to measure a score before they existed).
    ``only``: exact mutant names to run instead of whole modules.

    Raises:
        SystemExit: with mutmut's status when it stops early.
    """
    os.chdir(ROOT)
    _drop_missing_tests(without)
    from mutmut.__main__ import _run

    names = list(only) or [p for m in modules for p in patterns(m)]
    if unkilled:
        last = results(modules)
        names = [k for st in last.values() for k, v in st.items() if v not in KILLED]
        if not names:
            print("mutation: every in-scope mutant of these modules is killed")
            return
    _run(names, max_children)


def results(modules: list[str]) -> dict[str, dict[str, str]]:
    """The last run's status of every in-scope mutant, by module."""
    out: dict[str, dict[str, str]] = {}
    for module in modules:
        meta = ROOT / "mutants" / (str(module_path(module)) + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        out[module] = {
            k: STATUS.get(c, "suspicious") for k, c in sorted(codes.items()) if in_scope(k)
        }
    return out


def report(modules: list[str], survivors: bool) -> None:
    """Print killed / survived / timeout / other / total and the score, per module."""
    print(f"{'module':32} {'killed':>6} {'surv':>5} {'tmout':>5} {'other':>5} {'total':>5}  score")
    totals: Counter[str] = Counter()
    for module, status in results(modules).items():
        c = Counter(status.values())
        other = len(status) - c["killed"] - c["survived"] - c["timeout"]
        score = (c["killed"] + c["timeout"]) / len(status) * 100 if status else 0.0
        print(
            f"{module:32} {c['killed']:6} {c['survived']:5} {c['timeout']:5} {other:5} "
            f"{len(status):5}  {score:5.1f}%"
        )
        totals.update(c)
        totals["total"] += len(status)
        if survivors:
            for key, st in status.items():
                if st not in KILLED and st != "not checked":
                    print(f"    {st:12} {key}")
    n = totals["total"]
    if n:
        k, sv, t = totals["killed"], totals["survived"], totals["timeout"]
        score = (k + t) / n * 100
        print(f"{'all':32} {k:6} {sv:5} {t:5} {n - k - sv - t:5} {n:5}  {score:5.1f}%")


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="tests/mutation.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="generate and run the mutants")
    p_run.add_argument("modules", nargs="*", help="dotted module names (default: the scope)")
    p_run.add_argument("--changed", action="store_true", help="only modules changed vs --base")
    p_run.add_argument("--base", default=None, help="git ref (default: origin/main, else HEAD)")
    p_run.add_argument("--max-children", type=int, default=1)
    p_run.add_argument(
        "--unkilled", action="store_true", help="only mutants the last run did not kill"
    )
    p_run.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="TEST_FILE",
        help="leave out a configured test file (repeatable)",
    )
    p_run.add_argument(
        "--fresh", action="store_true", help="start from a new copy (drops cached results)"
    )
    p_rep = sub.add_parser("report", help="print the last results")
    p_rep.add_argument("modules", nargs="*")
    p_rep.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args(argv)
    # A run may also name single mutants (as the report lists them), to re-test just those.
    mutants = [m for m in args.modules if "__mutmut_" in m and in_scope(m)]
    unknown = [m for m in args.modules if m not in SCOPE and m not in mutants]
    if unknown:
        parser.error(f"not in the mutation scope: {', '.join(unknown)} (see SCOPE)")
    modules = [m for m in args.modules if m in SCOPE] or list(SCOPE)
    if args.command == "report":
        report(modules, args.survivors)
        return
    if mutants:
        try:
            run(modules, args.max_children, only=mutants, without=args.without)
        finally:
            os.chdir(ROOT)
            report(sorted({m.rpartition(".")[0] for m in mutants}), survivors=True)
        return
    if args.changed:
        base = args.base or default_base()
        modules = [m for m in changed_modules(base) if m in modules]
        if not modules:
            print(f"mutation: no in-scope module changed since {base}; nothing to do")
            return
        print(f"mutation: modules changed since {base}: {', '.join(modules)}")
    if args.fresh:
        # mutmut never deletes or refreshes non-Python files in its copy of the tree.
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    try:
        run(modules, args.max_children, unkilled=args.unkilled, without=args.without)
    finally:
        os.chdir(ROOT)
        report(modules, survivors=False)


if __name__ == "__main__":
    main()
