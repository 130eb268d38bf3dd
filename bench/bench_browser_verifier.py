"""Benchmark: the in-browser verifier's pool re-derivation against its draw re-run.

    .venv/bin/python bench/bench_browser_verifier.py SITE [--task T2026-001] [--runs 5]

SITE is a built public site (``lottery demo --out demo`` writes ``demo/site``). Serves it on
127.0.0.1, opens the task page in Debian's Chromium (tests/browser/chromium.py), presses
在浏览器中验证 ``--runs`` times and reads the block's ``data-timings``: milliseconds of
``announcement.registries`` + ``pool.membership`` + ``inspectors.membership`` (the three
snapshot blobs fetched, parsed and compared) and of the draw re-run (seed, selection, teams,
outcome bytes), both from the same page load. Prints the medians and their ratio as a
Markdown table row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from tests.browser.chromium import TIMEOUT_MS, StaticServer, launch, recorded_page

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--task", default="T2026-001")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = StaticServer(args.site)
    membership: list[int] = []
    rerun: list[int] = []
    try:
        with launch() as browser:
            recorded = recorded_page(browser, locale="zh-CN")
            page = recorded.page
            page.goto(f"{server.url}tasks/{args.task}/")
            for _ in range(args.runs):
                page.get_by_role("button", name="在浏览器中验证").click()
                done = page.locator(".lottery-verify-result[data-state=done]")
                done.wait_for(timeout=TIMEOUT_MS)
                result = page.locator(".lottery-verify-result")
                if result.get_attribute("data-verdict") != "pass":
                    raise SystemExit(f"the verifier did not pass: {result.inner_text()[:500]}")
                timings = json.loads(result.get_attribute("data-timings") or "{}")
                membership.append(timings["membership"])
                rerun.append(timings["rerun"])
                page.evaluate(
                    "document.querySelector('.lottery-verify-result').removeAttribute('data-state')"
                )
            recorded.context.close()
    finally:
        server.close()
    m, r = statistics.median(membership), statistics.median(rerun)
    print(f"membership ms: {membership}; re-run ms: {rerun}")
    print("| task | membership (ms) | draw re-run (ms) | membership / re-run |")
    print("|---|---:|---:|---:|")
    print(f"| {args.task} | {m:g} | {r:g} | {m / r:.1f} |")


if __name__ == "__main__":
    main()
