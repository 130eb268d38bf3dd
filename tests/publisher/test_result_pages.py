"""抽查报告 and 行政处罚 on the site: deadlines shown, withdrawn content gone (issue #5)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from lottery.core.deadline_audit import audit_publications
from lottery.export.holidays import builtin_years
from publisher.model import load_model
from tests.publisher.conftest import BuiltSite
from tests.publisher.factory import WITHDRAWN_PENALTY


def _text(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text("utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    return re.sub(r"<[^>]+>", "", article)


def _forms(text: str) -> list[bytes]:
    """``text`` as UTF-8 and as JSON with ASCII escapes (MkDocs' search index, the feed)."""
    return [text.encode(), json.dumps(text)[1:-1].encode()]


def test_a_withdrawn_penalty_s_content_is_in_no_file_of_the_site(built_site: BuiltSite) -> None:
    """Not in a page, the search index, the feed, the sitemap, nor the site's export copy
    (the sealed blob was withdrawn, docs/spec.md §2.1); the penalty in force is."""
    secrets = [*WITHDRAWN_PENALTY.values(), "12345.00 元", '"fen":1234500']
    export_copy = built_site.site / "export"
    exported = b"".join(p.read_bytes() for p in export_copy.rglob("*") if p.is_file())
    assert "未按规定维护人防工程".encode() in exported  # the content in force is published
    scanned = 0
    for path in built_site.site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        scanned += 1
        for text in secrets:
            for form in _forms(text):
                assert form not in data, f"{text!r} of the withdrawn penalty is in {path}"
    assert scanned > 20
    for page in (built_site.work / "pages").rglob("*.md"):  # the sources too
        if "export" not in page.parts:
            assert not any(s in page.read_text("utf-8") for s in secrets), page


def test_a_withdrawn_penalty_shows_dates_reason_and_record_hash(built_site: BuiltSite) -> None:
    model = load_model(built_site.built.export)
    [penalty] = [r for r in model.penalties if r.id in model.withdrawals]
    page = _text(built_site.site, "penalties")
    withdrawn = page[page.index("已撤回公示") :]
    assert penalty.id in withdrawn  # the full hash: anyone can check it against the log
    assert "武人防罚〔2026〕2号" in withdrawn and "2026-04-02" in withdrawn
    assert _beijing(model.withdrawals[penalty.id].body["time"]) in withdrawn
    assert "已撤销" not in page  # an ended publication is withdrawn (撤回), not annulled
    assert "经行政复议撤销" in withdrawn
    # Its commitment stays in the log; its sealed blob is gone from the site's export.
    digest = penalty.body["sealed"]
    assert not (built_site.site / "export" / "blobs" / digest).exists()
    assert "withdrawn on" in " ".join(c.detail for c in model.report.checks)
    assert "公开时限" in withdrawn and "按时公开" in withdrawn


def test_every_report_and_penalty_shows_its_deadline_as_the_verifier_recomputes_it(
    built_site: BuiltSite,
) -> None:
    model = load_model(built_site.built.export)
    audit = audit_publications(model.records, builtin_years())
    assert not audit.failures  # the synthetic export's claims are true
    assert {p.status for p in audit.publications} == {"on-time", "late"}
    pages = {
        "task-report": _text(built_site.site, "results/T2026-0001"),
        "penalty": _text(built_site.site, "penalties"),
    }
    for publication in audit.publications:
        due = publication.recomputed
        assert due is not None
        status = "按时公开" if due.late_by == 0 else f"逾期 {due.late_by} 个工作日"
        text = pages[publication.kind]
        assert f"{due.due.isoformat()}（自 {due.start.isoformat()} 起 7 个工作日）" in text
        assert f"{status}（{due.published} 公开）" in text, publication.name
    # Known answer: completed Fri 20 Mar 2026, due Tue 31 Mar; published Sun 12 Apr, after
    # Qingming (4-6 Apr): 1-3 and 7-10 Apr are 7 working days, the Sunday makes it 8.
    assert "逾期 8 个工作日（2026-04-12 公开）" in pages["task-report"]
    assert "已公开，逾期 8 个工作日" in _text(built_site.site, "results")


def _beijing(stamp: str) -> str:
    """The record's UTC time as the site shows it: Beijing time (UTC+8), seconds kept."""
    utc = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    return (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def test_a_task_report_reads_as_tables_and_paragraphs_with_its_hashes_folded(
    built_site: BuiltSite,
) -> None:
    """Issue #17: the summary as figures, not JSON; the record's hashes under 技术细节."""
    model = load_model(built_site.built.export)
    [report] = model.task_reports["T2026-0001"]
    html = (built_site.site / "results" / "T2026-0001" / "index.html").read_text("utf-8")
    section = html[html.index('id="抽查报告"') : html.index("</article>")]
    folded = section[section.index('<details class="lottery-evidence">') :]
    shown = section[: section.index('<details class="lottery-evidence">')]
    assert report.id in folded and report.id not in shown
    assert (
        all(r in folded for r in report.body["results"]) and report.body["results"][0] not in shown
    )
    summary = report.body["summary"]
    text = re.sub(r"<[^>]+>", "", shown)
    assert "{" not in text and "by_category" not in text and "picked" not in text
    assert f"抽取检查对象（户）{summary['picked']}" in re.sub(r"\s+", "", text)
    assert f"发现问题已责令改正{summary['by_category']['发现问题已责令改正']}" in re.sub(
        r"\s+", "", text
    )
    assert "<p>本次抽查已完成，未发现重大问题。</p>" in shown


def test_a_report_s_lines_are_paragraphs_and_its_parts_stand_out() -> None:
    from publisher.result_pages import _paragraphs

    text = "某某抽查报告\n\n一、抽查概况\n本次抽查随机抽取检查对象87户。\n  \n"
    text += "二、抽查结果\n未发现问题：80户"
    assert _paragraphs(text) == [
        {"text": "某某抽查报告", "part": False},
        {"text": "一、抽查概况", "part": True},
        {"text": "本次抽查随机抽取检查对象87户。", "part": False},
        {"text": "二、抽查结果", "part": True},
        {"text": "未发现问题：80户", "part": False},
    ]
