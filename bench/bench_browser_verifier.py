"""Benchmark: the in-browser verifier, from pressing 在浏览器中验证 to the verdict.

    .venv/bin/python bench/bench_browser_verifier.py --make-large OUT [--candidates 3000]
    .venv/bin/python bench/bench_browser_verifier.py demo/site:T2026-001 OUT/site:T2026-001 \\
        [--runs 7]

``--make-large OUT`` writes ``OUT/site``: the public site of one disclosed task T2026-001 whose
pool holds about ``--candidates`` targets (lottery/demo/synthetic.py's registry, announced,
drawn and revealed with lottery/service/inmemory.py, exported and built as ``lottery publish``
does), then exits.

Otherwise each ``SITE:TASK`` (a built site, e.g. ``lottery demo --out demo`` writes
``demo/site``) is served on 127.0.0.1 and its task page opened in Debian's Chromium
(tests/browser/chromium.py); the button is pressed ``--runs`` times in the same page load.
Per run: the milliseconds from the click to ``data-state=done`` (measured in the page), and
the block's ``data-timings``: ``log`` (keys, checkpoint, every entry bundle, the Merkle root),
``membership`` (``announcement.registries`` + ``pool.membership`` + ``inspectors.membership``)
and ``rerun`` (seed, selection, teams, outcome bytes). Prints the medians as a Markdown table
for docs/benchmarks.md, each task's total also as a ratio to the first one's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRESS = """() => new Promise((resolve) => {
  const result = document.querySelector('.lottery-verify-result');
  result.removeAttribute('data-state');
  const watch = new MutationObserver(() => {
    if (result.dataset.state !== 'done') return;
    watch.disconnect();
    resolve({
      ms: performance.now() - start,
      verdict: result.dataset.verdict,
      failed: result.dataset.failed,
      timings: JSON.parse(result.dataset.timings || '{}'),
    });
  });
  watch.observe(result, { attributes: true });
  const start = performance.now();
  document.querySelector('.lottery-verify-button').click();
})"""


def make_large(out: Path, candidates: int) -> None:
    """A site of one disclosed task over a synthetic registry of ``candidates`` targets."""
    from dataclasses import replace

    from lottery.demo.synthetic import make_registries
    from lottery.export.write import write_export
    from lottery.service import inmemory
    from publisher.build import build_site
    from tests import lifecycle as lc

    targets = candidates
    while True:  # a few targets are excluded (conflicts, the annual cap): add as many
        regs = make_registries(targets, max(60, targets // 25), n_regions=10, seed=7)
        run = inmemory.announce(
            lc.LOG,
            lc.office_signer(),
            replace(lc.params(regs), items=()),
            regs.candidates,
            regs.inspectors,
            lc.secret_for("T2026-001"),
            lc.T_ANNOUNCE,
            exclusions=regs.exclusions,
            conflicts=regs.conflicts,
            previous=regs.previous,
        )
        short = candidates - run.prepared.fields["pool"]["candidates"]
        if short <= 0:
            break
        targets += short
    inmemory.draw(run, lc.beacon()[1], lc.T_DRAW)
    inmemory.reveal(run, lc.T_REVEAL)
    signer = lc.office_signer()
    export = out / "export"
    write_export(
        export,
        run.published.notes,
        run.published.blobs,
        signer,
        origin=lc.LOG,
        public_keys=[signer.vkey],
    )
    build_site(export, out / "site", work=out / "work")
    pool = run.prepared.fields["pool"]
    print(f"{out / 'site'}: T2026-001, {pool['candidates']} candidates, {pool['picks']} picks")


def measure(site: Path, task: str, runs: int) -> dict[str, list[float]]:
    from tests.browser.chromium import StaticServer, launch, recorded_page

    server = StaticServer(site)
    got: dict[str, list[float]] = {"total": [], "log": [], "membership": [], "rerun": []}
    try:
        with launch() as browser:
            recorded = recorded_page(browser, locale="zh-CN")
            page = recorded.page
            page.goto(f"{server.url}tasks/{task}/")
            for _ in range(runs):
                run = page.evaluate(PRESS)
                if run["verdict"] != "pass":
                    raise SystemExit(f"{site}:{task}: the verifier did not pass: {run['failed']}")
                got["total"].append(round(run["ms"]))
                for key in ("log", "membership", "rerun"):
                    got[key].append(run["timings"][key])
            recorded.context.close()
    finally:
        server.close()
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", nargs="*", metavar="SITE:TASK")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--make-large", type=Path, metavar="OUT")
    parser.add_argument("--candidates", type=int, default=3000)
    args = parser.parse_args()
    if args.make_large:
        make_large(args.make_large, args.candidates)
        return
    if not args.sites:
        parser.error("give at least one SITE:TASK")
    rows = []
    for item in args.sites:
        site, _, task = item.rpartition(":")
        got = measure(Path(site), task, args.runs)
        print(f"{item}: " + json.dumps(got))
        rows.append((item, {k: statistics.median(v) for k, v in got.items()}))
    first = rows[0][1]["total"]
    print(
        "| site:task | total (ms) | log (ms) | membership (ms) | draw re-run (ms) | total / first |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for item, m in rows:
        print(
            f"| {item} | {m['total']:g} | {m['log']:g} | {m['membership']:g} | {m['rerun']:g} "
            f"| {m['total'] / first:.1f} |"
        )


if __name__ == "__main__":
    main()
