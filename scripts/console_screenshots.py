"""Screenshots of the staff console's main pages, taken on the demo city: docs/console/.

    .venv/bin/python scripts/console_screenshots.py [--out docs/console]

Runs ``lottery demo`` into a temporary directory, serves its data with ``lottery serve`` on a
free port of 127.0.0.1, logs in with the demo accounts in Debian's Chromium (Playwright,
``/usr/bin/chromium``) and saves one PNG a page, then ``index.md`` listing them. Nothing here
reaches the network; the demo's passwords live only in the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("LOTTERY_TEST_CHROMIUM", "/usr/bin/chromium")
MAX_HEIGHT = 1400  # long lists are cut: the top of a page shows what it is


@dataclass(frozen=True)
class Shot:
    file: str
    account: str
    path: str  # "{target}" is the first target of 我的检查任务
    caption: str
    width: int = 1280


SHOTS = (
    Shot("login.png", "", "/console/login", "登录"),
    Shot("dashboard.png", "planner", "/console/", "工作台：即将进行的公告、抽取和公开，公示期限"),
    Shot("tasks.png", "planner", "/console/tasks", "抽查任务列表"),
    Shot("task.png", "planner", "/console/tasks/T2026-001", "一个已公开任务的详情和公开记录"),
    Shot("outcome.png", "planner", "/console/tasks/T2026-002/outcome", "封存结果（保密）"),
    Shot("sheets.png", "planner", "/console/sheets/T2026-002", "检查任务单（每组一页，可打印）"),
    Shot("registries.png", "planner", "/console/registries", "名录管理：上传、先检查后导入"),
    Shot("targets.png", "planner", "/console/targets?risk_class=high", "检查对象名录，按条件筛选"),
    Shot("items.png", "planner", "/console/items", "抽查事项清单"),
    Shot("risk-rules.png", "planner", "/console/items/risk-rules", "风险规则（抽查比例和频次）"),
    Shot("penalties.png", "planner", "/console/penalties", "行政处罚：待审核、已公开、已撤回"),
    Shot("calendar.png", "planner", "/console/calendar?year=2026", "节假日安排"),
    Shot("my.png", "inspector", "/console/my", "我的检查任务（平板宽度）", 768),
    Shot("result-form.png", "inspector", "{target}", "录入检查结果（平板宽度）", 768),
    Shot("review.png", "reviewer", "/console/review", "结果审核"),
    Shot(
        "publication-review.png",
        "reviewer",
        "/console/publication-review",
        "保密审查：待审查的检查结果、整改通知和复查结果",
    ),
    Shot("users.png", "admin", "/console/users", "用户管理"),
    Shot("audit.png", "auditor", "/console/audit", "审计记录"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _passwords(demo: Path) -> dict[str, str]:
    text = (demo / "demo-accounts.txt").read_text(encoding="utf-8")
    return {m[1]: m[2] for m in re.finditer(r"^(\w+)\s+(\S+)\s+\S+$", text, re.M)}


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"lottery serve stopped (exit {server.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - 127.0.0.1 only
        except OSError:
            time.sleep(0.2)
        else:
            return
    raise SystemExit(f"lottery serve did not answer at {url}")


def _login(page: Page, base: str, name: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/console/login")
    page.fill("#f-name", name)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")


def _first_target(page: Page, base: str) -> str:
    page.goto(f"{base}/console/my")
    link = page.locator("a[href^='/console/my/']").first
    return str(link.get_attribute("href"))


def take(out: Path) -> list[Shot]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        lottery = [sys.executable, "-m", "lottery"]
        demo_run = [*lottery, "demo", "--out", str(demo)]
        subprocess.run(demo_run, check=True, capture_output=True)  # noqa: S603 - our own CLI
        passwords = _passwords(demo)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "LOTTERY_LOG_ORIGIN": "rfb.demo.example/lottery"}
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [*lottery, "serve", "--data-dir", str(demo / "data"), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(f"{base}/console/login", server)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(locale="zh-CN")
                who = ""
                for shot in SHOTS:
                    page.set_viewport_size({"width": shot.width, "height": 900})
                    if shot.account != who:
                        if shot.account:
                            _login(page, base, shot.account, passwords[shot.account])
                        who = shot.account
                    path = shot.path
                    if path == "{target}":
                        path = _first_target(page, base)
                    page.goto(base + path)
                    height = min(MAX_HEIGHT, int(page.evaluate("document.body.scrollHeight")))
                    clip = {"x": 0, "y": 0, "width": shot.width, "height": height}
                    page.screenshot(path=str(out / shot.file), full_page=True, clip=clip)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = ["# The staff console (screenshots)", ""]
    lines.append("Taken on the demo city by `scripts/console_screenshots.py` (docs/console.md).")
    lines.append("")
    for shot in SHOTS:
        who = f"`{shot.account}`" if shot.account else "anyone"
        lines += [f"## {shot.caption}", "", f"As {who}, {shot.width} px wide.", ""]
        lines += [f"![{shot.caption}]({shot.file})", ""]
    (out / "index.md").write_text("\n".join(lines), encoding="utf-8")
    return list(SHOTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    args = parser.parse_args()
    shots = take(args.out)
    print(f"{len(shots)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
