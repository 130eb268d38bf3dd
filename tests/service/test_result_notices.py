"""The 检查结果告知书 of held results never holds up the disclosure (issue #16), SQLite and
PostgreSQL: issued at the held approval when it can be rendered, traced by the disclosure
without rendering; otherwise owed, and issued (once, one number) after the disclosure commits
and by the scheduler's sweep once rendering works again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from lottery.documents.render import DocumentError
from lottery.service import document_issue
from lottery.service import scheduler as sch
from lottery.service.documents import DocumentsService
from lottery.service.lifecycle import Lifecycle
from lottery.service.result_notices import issue_owed, owed
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, Document
from tests import lifecycle as lc
from tests.service.results_builder import REVIEWER, TASK, drawn_task, entry, hold, results_of
from tests.service.test_documents import CONFIG
from tests.service.test_scheduler import Clock, Fetch

NOTICE_AT = datetime(2026, 3, 19, 2, 0, tzinfo=UTC)  # drawn, before the inspection


def _pdf(kind: str, data: dict[str, Any], *_: Any) -> bytes:
    """A stand-in for Typst (the rendering is tested in test_documents.py): fast, and as
    distinct as the data it is given."""
    return b"%PDF-1.7 " + json.dumps([kind, data], ensure_ascii=False, sort_keys=True).encode()


@pytest.fixture(autouse=True)
def _renders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_issue, "render_pdf", _pdf)


def _fail(*_: Any, **__: Any) -> bytes:
    raise DocumentError("没有中文字体：请安装 fonts-noto-cjk")


def _no_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering fails from now on, as on a machine without a CJK font."""
    monkeypatch.setattr(document_issue, "render_pdf", _fail)


def _results_docs(service: Lifecycle) -> list[Document]:
    with service.session() as s:
        return list(s.exec(select(Document).where(Document.kind == "result")))


def _issued_for(service: Lifecycle, target: str) -> list[str]:
    with service.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "document.issue"))
        return [e.detail["number"] for e in events if e.object == f"{TASK}/{target}"]


def _noticed(service: Lifecycle) -> tuple[Any, Document]:
    outcome = drawn_task(service)
    notice = DocumentsService(service, CONFIG).issue(
        TASK, outcome.teams[0].target, "notice", NOTICE_AT, actor="planner"
    )
    return outcome, notice


def test_a_held_result_notice_issued_at_approval_is_traced_without_rendering(
    service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome, notice = _noticed(service)
    [rid] = hold(service, outcome, 1)
    [told] = _results_docs(service)
    assert (told.result, told.number) == (rid, "人防检告〔2026〕1号")

    def no_render(*_: Any, **__: Any) -> bytes:
        raise AssertionError("the disclosure rendered a document")

    monkeypatch.setattr(document_issue, "render_pdf", no_render)
    reveal = service.disclose(TASK, lc.T_REVEAL)
    assert service.get_task(TASK).state == "disclosed" and reveal.type == "task-reveal"
    [published] = [r for r in _published(service) if r.body["target"] == notice.target]
    assert published.body["documents"] == [
        {"kind": "notice", "number": notice.number, "sha256": notice.sha256},
        {"kind": "result", "number": told.number, "sha256": told.sha256},
    ]
    assert [d.id for d in _results_docs(service)] == [told.id]


def _published(service: Lifecycle) -> list[Any]:
    from lottery.service.results import ResultsService

    results = ResultsService(service.engine, service.log)
    return [results.record(r.record_id or "") for r in results.current(TASK)]


def test_without_fonts_the_disclosure_commits_and_the_notice_follows_once(
    service: Lifecycle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome, notice = _noticed(service)
    _no_fonts(monkeypatch)
    target = notice.target
    [rid] = hold(service, outcome, 1)  # the approval holds though nothing renders
    with service.session() as s:
        approval = s.exec(select(AuditEvent).where(AuditEvent.action == "result.approve")).one()
    assert approval.detail == {"result": rid, "held": True, "result_notice": "pending"}
    # The disclosure commits and publishes; the result's record traces the notice only.
    service.disclose(TASK, lc.T_REVEAL)
    assert service.get_task(TASK).state == "disclosed"
    [published] = [r for r in _published(service) if r.body["target"] == target]
    assert published.body["documents"] == [
        {"kind": "notice", "number": notice.number, "sha256": notice.sha256}
    ]
    assert _results_docs(service) == []
    with service.session() as s:
        assert owed(s, TASK) == [rid]
    # Rendering works again: the scheduler's sweep issues it, and only once.
    monkeypatch.setattr(document_issue, "render_pdf", _pdf)
    scheduler = sch.start_scheduler(
        settings, service, clock=Clock(lc.T_REVEAL), fetch=Fetch(), start=False
    )
    scheduler.aps.start(paused=True)
    try:
        sch.run_sweep(scheduler)
        sch.run_sweep(scheduler)
    finally:
        sch.stop_scheduler(scheduler)
    [told] = _results_docs(service)
    assert (told.result, told.number, told.status) == (rid, "人防检告〔2026〕1号", "current")
    assert told.issued_by == sch.ACTOR and told.office == notice.office
    assert _issued_for(service, target) == [notice.number, told.number]  # audited, once
    assert issue_owed(service.engine, service.log, lc.T_REVEAL).issued == 0
    with service.session() as s:
        assert owed(s) == []


def test_owed_notices_stop_at_the_first_failure_and_report_what_is_left(
    service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome, notice = _noticed(service)
    docs = DocumentsService(service, CONFIG)
    second = docs.issue(TASK, outcome.teams[1].target, "notice", NOTICE_AT, actor="planner")
    _no_fonts(monkeypatch)
    hold(service, outcome, 2)
    service.disclose(TASK, lc.T_REVEAL)  # its follow-up cannot render either
    told = issue_owed(service.engine, service.log, lc.T_REVEAL, task=TASK)
    assert (told.issued, told.owed) == (0, 2) and told.error and "fonts-noto-cjk" in told.error
    monkeypatch.setattr(document_issue, "render_pdf", _pdf)
    assert issue_owed(service.engine, service.log, lc.T_REVEAL, task=TASK).issued == 2
    numbers = sorted(d.number for d in _results_docs(service))
    assert numbers == ["人防检告〔2026〕1号", "人防检告〔2026〕2号"]
    assert {d.target for d in _results_docs(service)} == {notice.target, second.target}


def test_a_correction_that_says_the_same_is_told_by_the_same_notice(
    service: Lifecycle,
) -> None:
    outcome, _ = _noticed(service)
    [rid] = hold(service, outcome, 1)
    service.disclose(TASK, lc.T_REVEAL)
    [told] = _results_docs(service)
    assert told.result == rid
    # Only the place changes: nothing the 告知书 says, so no new number...
    results = results_of(service)
    [first] = [r for r in _published(service) if r.body["target"] == told.target]
    fixed = results.correct(
        first.id,
        entry(outcome, 0, place="青岚市云台区某路 1 号"),
        "地点录错",
        lc.T_REVEAL,
        actor="planner",
    )
    assert results.approve(fixed, lc.T_REVEAL, reviewer=REVIEWER) is not None
    [again] = _results_docs(service)
    assert (again.id, again.number, again.result) == (told.id, told.number, fixed)
    # ...and the correction is not owed one for ever (each sweep would take the log's lock).
    with service.session() as s:
        assert owed(s) == []
    assert issue_owed(service.engine, service.log, lc.T_REVEAL).owed == 0
