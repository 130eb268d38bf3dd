"""The demo's results, correction, penalties (one expired, one revoked) and late task report
(issues #5, #24).

The demo is run in-process and its site built once; ``lottery verify`` is then run on the site
as the public would, and the site's pages and the service's rows are checked for what the
demo must show: results in several categories entered and approved by different people, a
substitute, an evidence file published by its hash only, a correction superseding a published
result, a penalty in force, two withdrawn penalties (one at the end of its period, one within 3
working days of the decision's revocation) whose content is in no file of the site, the
export or any ``/log/`` answer, and a task report published late.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from lottery.core.canonical import sha256_hex
from lottery.core.records import NO_PROBLEM
from lottery.demo.city import demo_settings
from lottery.demo.results import CORRECTION_REASON, TASK
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyService
from lottery.storage.models import EvidenceFile, InspectionResult, Penalty, Target, TaskReport


@pytest.fixture(scope="module")
def demo(demo_city: Path) -> Path:
    return demo_city


@pytest.fixture(scope="module")
def service(demo: Path) -> Iterator[Lifecycle]:
    lc = Lifecycle.open(demo_settings(demo))
    yield lc
    lc.engine.dispose()


def _verify(site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    key = site / "export" / "keys" / "office.vkey"
    return subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(site), "--key", str(key), *extra],
        capture_output=True,
        text=True,
        check=False,
    )


def _html(demo: Path, page: str) -> str:
    return (demo / "site" / page / "index.html").read_text(encoding="utf-8")


def test_verify_passes_and_reports_the_late_report(demo: Path) -> None:
    out = _verify(demo / "site")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("VERIFIED")
    # T2026-006's cross-check, joint visit and cap exception (tests/test_demo_cross_check.py).
    lines = out.stdout.splitlines()
    assert any(line.startswith("ok    [T2026-006] inspectors.cross_check") for line in lines)
    assert any(line.startswith("ok    result.joint_with    1 joint visits") for line in lines)
    assert any(line.startswith("ok    result.visit_cap") for line in lines)
    late = [line for line in out.stdout.splitlines() if "[deadline] task-report" in line]
    # T2026-005's and T2026-006's: tests/test_demo_early.py, tests/test_demo_cross_check.py
    late = [line for line in late if "T2026-005" not in line and "T2026-006" not in line]
    assert len(late) == 1 and f"task-report {TASK}" in late[0]
    assert "late by 2 working days" in late[0]
    report = _verify(demo / "site", "--json")
    assert report.returncode == 0, report.stderr
    pubs = json.loads(report.stdout)["publications"]
    by_type = sorted(
        (p["type"], p["status"]) for p in pubs if p.get("task") not in ("T2026-005", "T2026-006")
    )
    assert by_type == [
        ("penalty", "on-time"),
        ("penalty", "on-time"),
        ("penalty", "on-time"),
        ("penalty-withdrawal", "on-time"),  # the revoked decision's, within 3 working days
        ("task-report", "late"),
    ]
    withdrawn = [line for line in out.stdout.splitlines() if "withdrawn on" in line]
    assert len(withdrawn) == 2
    assert "青人防罚〔2026〕4号: withdrawn on 2026-10-12: 公示期满（至2026-10-09）" in withdrawn[0]
    assert (
        "青人防罚〔2026〕5号: withdrawn on 2026-10-12: 青岚市人民政府行政复议决定" in withdrawn[1]
    )
    (rep,) = [p for p in pubs if p["type"] == "task-report" and p["task"] == TASK]
    # Inspections completed Tue 31 Mar 2026; Qingming (4-6 Apr) and a weekend are not counted.
    assert rep["recomputed"]["due"] == "2026-04-10"
    assert rep["recomputed"]["published"] == "2026-04-14"
    assert rep["recomputed"]["late_by"] == 2 and rep["claimed"] == rep["recomputed"]


def test_every_pick_has_a_reviewed_result_in_several_categories(service: Lifecycle) -> None:
    with service.session() as s:
        current = list(
            s.exec(
                select(InspectionResult).where(
                    InspectionResult.task == TASK, InspectionResult.status == "published"
                )
            )
        )
        report = s.get(TaskReport, TASK)
        picked = {r.target for r in current}
        types = {t.type for t in s.exec(select(Target).where(col(Target.uscc).in_(picked)))}
    assert report is not None and report.status == "published"
    # The task cites RF-005 alone, which covers 平时使用 only: every pick is of that type.
    assert types == {"peacetime_use"}
    assert len(current) == report.summary["picked"] == report.summary["checked"] > 50
    assert "（待填写）" not in report.text  # the staff completed the draft
    categories = {c for r in current for c in r.fields["categories"]}
    assert NO_PROBLEM in categories and len(categories) >= 5
    assert "发现问题待后续处理" in categories
    assert all(
        r.fields["pending_reasons"]
        for r in current
        if "发现问题待后续处理" in r.fields["categories"]
    )
    for r in current:
        assert r.approved_by and r.approved_by != r.entered_by
        assert r.entered_by.startswith("检查员 ")
    substitutes = [p for r in current for p in r.fields["inspectors"] if p["role"] == "substitute"]
    assert len(substitutes) == 1
    assert substitutes[0]["reason"] and substitutes[0]["approved_by"]


def test_evidence_is_published_by_hash_only(demo: Path, service: Lifecycle) -> None:
    with service.session() as s:
        files = s.exec(select(EvidenceFile)).all()
    assert len(files) > 1  # a 笔录 for each result with findings, a photo as well (issue #16)
    # T2026-001's and the early-disclosed T2026-005's results list their evidence.
    page = _html(demo, f"results/{TASK}") + _html(demo, "results/T2026-005")
    published = b"".join(p.read_bytes() for p in (demo / "site").rglob("*") if p.is_file())
    for evidence in files:
        assert sha256_hex(evidence.data) == evidence.sha256
        assert evidence.sha256 in page
        assert evidence.data not in published


def test_the_correction_supersedes_a_published_result(demo: Path, service: Lifecycle) -> None:
    with service.session() as s:
        superseded = s.exec(select(InspectionResult).where(InspectionResult.status == "superseded"))
        pairs = [
            (
                old,
                s.exec(select(InspectionResult).where(InspectionResult.supersedes == old.id)).one(),
            )
            for old in superseded
        ]
    # The office's own correction; the other follows an upheld objection (test_demo_objections).
    [(old, new)] = [p for p in pairs if p[1].fields["correction_reason"] == CORRECTION_REASON]
    assert new.status == "published" and new.fields["supersedes"] == old.record_id
    assert new.fields["correction_reason"] == CORRECTION_REASON
    assert old.fields["categories"] == [NO_PROBLEM] != new.fields["categories"]
    page = _html(demo, f"results/{TASK}")
    assert old.record_id and old.record_id in page and CORRECTION_REASON in page
    assert f"{len(pairs)} 条检查结果已被更正" in page and len(pairs) == 2
    for category in ("未发现问题", "发现问题已责令改正", "通过登记的住所（经营场所）无法联系"):
        assert category in page
    assert "逾期 2 个工作日" in page  # the task report's publication status


def test_penalties_one_in_force_two_withdrawn(demo: Path, service: Lifecycle) -> None:
    with service.session() as s:
        rows = list(s.exec(select(Penalty).order_by(Penalty.decision)))
    assert [p.status for p in rows] == ["published", "withdrawn", "withdrawn"]
    live, expired, revoked = rows
    assert all(p.fields["result"] and p.record_id for p in rows)  # each follows a result
    assert expired.withdrawal_record and revoked.withdrawal_record
    page = _html(demo, "penalties")
    assert live.decision in page and live.fields["facts"] in page
    # 双公示: the address, the 法定代表人 and the authority's code, while in force.
    for key in ("address", "representative", "authority_code", "violation"):
        assert live.fields[key] in page, key
    # The withdrawn ones: number, withdrawal, reason and record hash; none of the content.
    for gone, why in ((expired, "公示期满"), (revoked, "决定被撤销")):
        assert gone.decision in page and gone.record_id in page and why in page
        for content in (gone.fields["facts"], gone.fields["content"], gone.fields["address"]):
            assert content not in page
    assert "撤回时限" in page  # the revoked decision's 3-working-day deadline


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_no_byte_of_site_export_or_log_service_holds_withdrawn_content(
    demo: Path, service: Lifecycle
) -> None:
    """Every file of the site (its export copy, search index, feed and sitemap included), of
    the office's export, and every ``/log/`` answer (bundles included) is searched."""
    from lottery.core.tiles import decode_entry_bundle
    from lottery.service.logview import LogView
    from lottery.storage.models import Target

    site, export = _files(demo / "site"), _files(demo / "export")
    view = LogView(service)
    answers = {path: view.get(path) for path in export}
    assert all(answers.values()) and len(answers) == len(export)
    with service.session() as s:
        rows = [p for p in s.exec(select(Penalty)) if p.status == "withdrawn"]
        parties = {p.decision: s.get(Target, p.target) for p in rows}
    haystacks = [*site.values(), *export.values(), *(a for a in answers.values() if a)]
    assert len(rows) == 2 and len(haystacks) > 100
    for row in rows:  # /log/blobs/<the sealed blob>: nothing, and the route answers 410 Gone
        digest = PenaltyService(service.engine, service.log).record(str(row.record_id))
        digest = digest.body["sealed"]
        assert view.get(f"blobs/{digest}") is None and view.withdrawn(f"blobs/{digest}")
    for row in rows:
        amount = row.fields["amounts"][0]
        needles = [row.fields["facts"], row.fields["content"], amount["text"]]
        needles += [row.fields["address"], row.fields["representative"]]
        needles += [f'"fen":{amount["fen"]}', f"{amount['fen'] / 100:.2f} 元"]
        for needle in needles:
            for form in (needle.encode(), json.dumps(needle)[1:-1].encode()):
                assert not any(form in data for data in haystacks), needle
    # Nothing links a withdrawn decision to its party any more: no log entry names both, no
    # sealed blob left names the party, and the penalties page does not name it. (The party
    # stays public as a registered entity and in its own inspection result.)
    from lottery.core.sealed import is_sealed_blob

    entries = [
        e
        for path, data in export.items()
        if "tile/entries/" in path
        for e in decode_entry_bundle(data)
    ]
    blobs = [d for path, d in [*site.items(), *export.items()] if "/blobs/" in f"/{path}"]
    page = _html(demo, "penalties").encode()
    for decision, target in parties.items():
        assert target is not None
        party = (target.uscc.encode(), target.name.encode())
        assert not any(decision.encode() in e and party[0] in e for e in entries), decision
        assert not any(is_sealed_blob(b) and party[0] in b for b in blobs), decision
        assert not any(p in page for p in party), decision


def test_the_item_list_page_shows_the_types_each_item_covers(demo: Path) -> None:
    page = _html(demo, "items/v2")
    section = page.split("RF-005 人防工程平时使用和维护管理情况检查</h3>", 1)[1]
    section = section.split("</table>", 1)[0]
    assert "适用对象类型</td><td>平时使用</td>" in section


def test_the_disclosed_task_has_checklists_and_on_site_records(
    demo: Path, service: Lifecycle
) -> None:
    """Issue #16: RF-005 carries its 检查要点 with their legal basis; every result of the
    disclosed task answers each point, records the time of the check and types its evidence;
    the result without evidence says why; the site shows the answers, verify checks them."""
    page = _html(demo, "items/v1")
    section = page.split("RF-005 人防工程平时使用和维护管理情况检查</h3>", 1)[1]
    section = section.split("<h3", 1)[0]
    assert (
        "<td>建立维护管理制度并落实管理责任</td><td>《中华人民共和国人民防空法》第二十五条</td>"
        in section
    )
    with service.session() as s:
        current = list(
            s.exec(
                select(InspectionResult).where(
                    InspectionResult.task == TASK, InspectionResult.status == "published"
                )
            )
        )
    for r in current:
        answers = r.fields["checklist"]
        assert [a["item"] for a in answers] == ["RF-005"] * 4
        assert r.fields["started"] < r.fields["ended"]
        failed = [a for a in answers if a["answer"] == "不符合"]
        assert all(a["note"] for a in failed)
        if failed:
            assert r.fields["categories"] != [NO_PROBLEM]
        if r.fields["categories"] != [NO_PROBLEM]:
            assert r.fields["evidence"] or r.fields["no_evidence_reason"]
        assert all(e["kind"] in ("笔录", "照片") and e["source"] for e in r.fields["evidence"])
    assert sum(bool(r.fields.get("no_evidence_reason")) for r in current) == 1
    assert {"笔录", "照片"} <= {e["kind"] for r in current for e in r.fields["evidence"]}
    results = _html(demo, f"results/{TASK}")
    assert "检查要点情况" in results and "：不符合（" in results and "无证据说明" in results
    out = _verify(demo / "site")
    assert "result.onsite" in out.stdout and "on-site records agree" in out.stdout


def test_the_platform_exports_are_logged_with_their_hash_and_sent_mark(
    demo: Path, service: Lifecycle
) -> None:
    import hashlib

    from openpyxl import load_workbook

    from lottery.storage.models import ExchangeExport

    with service.session() as s:
        log = list(s.exec(select(ExchangeExport).order_by(ExchangeExport.id)))
    files = {p.name: p.read_bytes() for p in (demo / "exchange").iterdir()}
    assert len(log) == len(files) == 4
    for row in log:
        data = files[f"exchange-{row.format}-{row.kind}-{row.year}-{row.id}.{row.file_type}"]
        assert hashlib.sha256(data).hexdigest() == row.sha256 and row.size == len(data)
    sent = [(r.format, r.kind, str(r.sent_on)) for r in log if r.sent_on]
    assert sent == [("national", "results", "2026-10-13")]
    picks = next(r for r in log if r.kind == "picks")
    sheet = load_workbook(
        demo / "exchange" / f"exchange-national-picks-2026-{picks.id}.xlsx"
    ).active
    assert sheet is not None
    tasks = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "T2026-001" in tasks and "T2026-002" not in tasks  # T2026-002 is drawn: sealed
