"""The demo's disclosed task has a rectification order and its re-check (issue #16): both
published, verified by ``lottery verify`` and shown on the task's results page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from lottery.core.audit import AuditReport
from lottery.demo.rectification import DUE, RECHECKED, REQUIREMENTS, TASK
from lottery.demo.review import GENERAL_REQUIREMENTS


def test_the_demo_task_has_an_order_and_its_recheck(
    demo_city: Path, demo_audit: AuditReport
) -> None:
    export, report = demo_city / "export", demo_audit
    assert report.ok, report.failures
    orders = [r for r in report.records if r.type == "rectification-order"]
    checks = [r for r in report.records if r.type == "rectification-check"]
    assert [o.body["task"] for o in orders] == [TASK] and orders[0].body["due"] == DUE.isoformat()
    assert [c.body["order"] for c in checks] == [orders[0].id]
    assert checks[0].body["date"] == RECHECKED.isoformat()
    page = (demo_city / "site" / "results" / TASK / "index.html").read_text("utf-8")
    # The order went through the 保密审查 (rule PUB-4): its general text, not the original.
    assert orders[0].body["review"]["rules"] == ["PUB-4"]
    assert "整改和复查" in page and GENERAL_REQUIREMENTS in page and REQUIREMENTS not in page
    assert checks[0].body["outcome"] in page
    out = subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(demo_city / "site"), "--key",
         str(export / "keys" / "office.vkey")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "rectification.references" in out.stdout


def test_the_rectified_target_s_own_page_shows_the_order_and_its_recheck(
    demo_city: Path,
) -> None:
    """From the company to its rectification (issue #17): its page at targets/<USCC>/, the
    one the results page's rectification row links to."""
    site = demo_city / "site"
    results = (site / "results" / TASK / "index.html").read_text("utf-8")
    [row] = [r for r in results.split("<tr>") if GENERAL_REQUIREMENTS in r]
    [target] = re.findall(r'href="../../targets/([0-9A-Z]{18})/"', row)
    pages = json.loads((site / "targets" / "data" / "pages.json").read_bytes())["targets"]
    assert target in pages
    html = (site / "targets" / target / "index.html").read_text("utf-8")
    section = html[html.index(">整改和复查<") : html.index(">行政处罚<")]
    assert GENERAL_REQUIREMENTS in section and f'href="../../results/{TASK}/"' in section
    assert RECHECKED.isoformat() in section and DUE.isoformat() in section
    others = [t for t in pages if t != target]
    assert not any(
        GENERAL_REQUIREMENTS in (site / "targets" / t / "index.html").read_text("utf-8")
        for t in others
    )
