"""The demo's objections (issue #18): one upheld with its correction, one dismissed with its
reason; both verified by ``lottery verify`` and shown on the results page and the companies'
pages, while what the parties wrote is nowhere on the site or in the export."""

from __future__ import annotations

from pathlib import Path

from lottery.core.audit import AuditReport
from lottery.demo.objections import (
    CORRECTION_REASON,
    DISMISSAL_REASON,
    OBJECTION_DISMISSED,
    OBJECTION_UPHELD,
    TASK,
)


def test_one_upheld_one_dismissed_verified_and_shown(
    demo_city: Path, demo_audit: AuditReport
) -> None:
    export, report = demo_city / "export", demo_audit
    assert report.ok, report.failures
    checks = {c.name: c.detail for c in report.checks}
    assert checks["objection.references"] == "2 objection references verify"
    assert checks["objection.period"] == "2 objections received within their period"
    records = {r.id: r for r in report.records}
    upheld, dismissed = [r for r in report.records if r.type == "objection-outcome"]
    assert (upheld.body["outcome"], dismissed.body["outcome"]) == ("upheld", "dismissed")
    fix = records[upheld.body["correction"]]
    assert fix.body["supersedes"] == upheld.body["result"]
    assert fix.body["correction_reason"] == CORRECTION_REASON
    assert dismissed.body["reason"] == DISMISSAL_REASON
    page = (demo_city / "site" / "results" / TASK / "index.html").read_text("utf-8")
    assert "异议成立，已更正检查结果" in page and DISMISSAL_REASON in page
    assert "异议成立，据此更正（2026-04-30 处理）" in page
    target = dismissed.body["target"]
    own = (demo_city / "site" / "targets" / target / "index.html").read_text("utf-8")
    section = own[own.index(">异议<") :]
    assert DISMISSAL_REASON in section and "暂无公开的异议记录" not in own
    everything = b"".join(
        p.read_bytes() for d in (export, demo_city / "site") for p in d.rglob("*") if p.is_file()
    )
    for text in (OBJECTION_UPHELD, OBJECTION_DISMISSED):
        assert text.encode() not in everything
