"""Screenshots of the public site's main pages, desktop and phone, on the demo city: docs/site/.

    .venv/bin/python scripts/site_screenshots.py [--out docs/site] [--site demo/site] [--only stats]

Without ``--site`` it runs the demo city in a temporary directory (without the PDFs) and builds
its site with the demo office (lottery/demo/office.py); with ``--site`` it shoots a site
already built. The site is served on a free port of 127.0.0.1 and shot in Debian's Chromium
(Playwright, ``/usr/bin/chromium``) at 1280 px and at 390 px (a phone), one PNG a page and
width, the top of each page only (long pages are cut). Nothing here reaches the network. The
pictures are listed in docs/site.md, "Screenshots".
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("LOTTERY_TEST_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"desktop": (1280, 1400), "phone": (390, 2000)}  # name: (width, most height shown)


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    caption: str


SHOTS = (
    Shot("home", "", "首页"),
    Shot("task", "tasks/T2026-001/", "一个已公开的抽查任务"),
    Shot("results", "results/T2026-001/", "该任务的抽查结果和抽查报告"),
    Shot("joint", "tasks/T2026-007/", "部门联合抽查任务（与住建、消防联合）"),
    Shot("penalties", "penalties/", "行政处罚"),
    Shot("stats", "stats/", "统计与考评"),
    Shot("verify", "verify/", "核验说明"),
    Shot("about", "about/", "关于本站"),
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _demo_site(tmp: Path) -> Path:
    from lottery.demo.city import run_demo
    from lottery.demo.office import demo_office
    from publisher.build import build_site

    result = run_demo(tmp / "demo", documents=False)
    build_site(result.export, tmp / "site", work=tmp / "build", office=demo_office())
    return tmp / "site"


def _shoot(site: Path, out: Path, shots: tuple[Shot, ...] = SHOTS) -> None:
    with _served(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for kind, (width, most) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
            for shot in shots:
                page.goto(base + shot.path)
                page.wait_for_load_state("load")
                height = min(most, int(page.evaluate("document.body.scrollHeight")))
                clip = {"x": 0, "y": 0, "width": width, "height": height}
                file = out / f"{shot.name}-{kind}.png"
                page.screenshot(path=str(file), full_page=True, clip=clip)
            page.close()
        browser.close()


def take(out: Path, site: Path | None, only: list[str] | None = None) -> int:
    """Shoot every page of :data:`SHOTS` (those named in ``only``, when given) at each width
    into ``out``; return the count."""
    out.mkdir(parents=True, exist_ok=True)
    shots = tuple(s for s in SHOTS if not only or s.name in only)
    if site is not None:
        _shoot(site, out, shots)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            _shoot(_demo_site(Path(tmp)), out, shots)
    return len(shots) * len(WIDTHS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "site")
    parser.add_argument("--site", type=Path, default=None, help="a site already built")
    parser.add_argument("--only", action="append", help="a shot's name (home, stats...)")
    args = parser.parse_args()
    count = take(args.out, args.site, args.only)
    print(f"{count} screenshots in {args.out}")


if __name__ == "__main__":
    main()
