"""The demo's early disclosure (issue #16, need to know): T2026-005's results were entered and
approved while it was sealed, published with its reveal before the announced time, and its
report was on time; ``lottery verify`` checks the early reveal (``reveal.early``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from lottery.core.canonical import parse_time
from lottery.core.records import open_record
from lottery.demo.city import demo_settings
from lottery.demo.early import DISCLOSURE, TASK
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, LogEntry


@pytest.fixture(scope="module")
def service(demo_city: Path) -> Iterator[Lifecycle]:
    lc = Lifecycle.open(demo_settings(demo_city))
    yield lc
    lc.engine.dispose()


def test_the_results_follow_the_early_reveal_and_the_report_is_on_time(
    service: Lifecycle,
) -> None:
    with service.session() as s:
        rows = list(s.exec(select(LogEntry).order_by(col(LogEntry.idx))))
        reads = s.exec(
            select(AuditEvent).where(AuditEvent.action == "outcome.read", AuditEvent.object == TASK)
        ).all()
    records = [open_record(r.note, [service.log.verifier]) for r in rows]
    mine = [r for r in records if r.body.get("task") == TASK]
    kinds = [r.type for r in mine]
    reveal = kinds.index("task-reveal")
    assert kinds[:reveal] == ["task-announcement", "task-draw"]  # nothing before the reveal
    results = kinds[reveal + 1 : -1]
    assert results and set(results) == {"inspection-result"} and kinds[-1] == "task-report"
    assert mine[0].body["disclose_early"] is True
    assert parse_time(mine[reveal].body["time"]) < parse_time(DISCLOSURE)
    assert mine[-1].body["deadline"]["on_time"] is True
    # Each entry read the sealed outcome, audited, naming the target it was for.
    entries = [e for e in reads if e.detail.get("purpose") == "result"]
    assert {e.detail["target"] for e in entries} == {
        r.body["target"] for r in mine[reveal + 1 : -1]
    }
    assert service.get_task(TASK).state == "closed"


def test_verify_checks_the_early_reveal(demo_city: Path) -> None:
    site = demo_city / "site"
    key = site / "export" / "keys" / "office.vkey"
    out = subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(site), "--key", str(key), "--task", TASK],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    early = [line for line in out.stdout.splitlines() if "reveal.early" in line]
    assert len(early) == 1 and f"[{TASK}]" in early[0] and early[0].startswith("ok")


def test_the_site_says_when_the_task_may_be_disclosed(demo_city: Path) -> None:
    page = (demo_city / "site" / "tasks" / TASK / "index.html").read_text(encoding="utf-8")
    assert "或全部检查结果审核完毕时（以先到者为准）" in page
    other = (demo_city / "site" / "tasks" / "T2026-002" / "index.html").read_text("utf-8")
    assert "审核完毕时" not in other
