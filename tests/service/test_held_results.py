"""Need to know (issue #16), SQLite and PostgreSQL: results of a drawn (sealed) task are
entered by its inspectors and reviewed, held unpublished, and published by the disclosure in
its own transaction; an early disclosure when the task allows it and every result is in."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.errors import InputError
from lottery.core.outcome import Outcome
from lottery.core.records import open_record
from lottery.export.read import file_getter
from lottery.service.assignments import assignments_of
from lottery.service.lifecycle import Lifecycle
from lottery.service.reports import ReportService
from lottery.service.results import (
    NotAssigned,
    ResultEntry,
    ResultError,
    ResultsService,
    ReviewError,
)
from lottery.storage.models import AuditEvent, InspectionHistory, LogEntry, Task
from tests import lifecycle as lc
from tests.service.results_builder import (
    T_HELD,
    TASK,
    drawn_task,
    entry,
    hold,
    results_of,
)

T_EARLY = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)  # still before 2026-04-01


def _drawn(service: Lifecycle, *, early: bool = False) -> Outcome:
    return drawn_task(service, early=early)


def _entry(outcome: Outcome, i: int) -> ResultEntry:
    """Pick 0 with findings, the others without."""
    if i:
        return entry(outcome, i)
    findings = {"findings": "防护密闭门未按规定维护", "no_evidence_reason": "测试：笔录另行归档"}
    return entry(outcome, 0, categories=["发现问题已责令改正"], **findings)


def _hold(service: Lifecycle, outcome: Outcome, count: int | None = None) -> list[int]:
    """Enter (as a drawn inspector) and approve the results of the first ``count`` picks."""
    picks = range(len(outcome.teams[:count]))
    return hold(service, outcome, entries=[_entry(outcome, i) for i in picks])


def _size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


def _audits(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _types_after(service: Lifecycle, record_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The records logged after ``record_id`` (type, body), in log order."""
    with service.session() as s:
        rows = list(s.exec(select(LogEntry).order_by(LogEntry.idx)))  # type: ignore[arg-type]
    ids = [r.record_id for r in rows]
    later = rows[ids.index(record_id) + 1 :]
    records = [open_record(r.note, [service.log.verifier], log=lc.LOG) for r in later]
    return [(r.type, r.body) for r in records]


def _verify(service: Lifecycle, tmp_path: Path) -> Any:
    export = tmp_path / "export"
    service.export_to(export)
    return audit_export(
        file_getter(export),
        [service.log.verifier],
        origin=lc.LOG,
        deadlines=True,
    )


def test_an_inspector_sees_only_the_targets_of_their_own_teams(service: Lifecycle) -> None:
    outcome = _drawn(service)
    for inspector in {i for t in outcome.teams for i in t.inspectors}:
        mine = {a.target for a in assignments_of(service, inspector, lc.T_DRAW, actor="x")}
        assert mine == {t.target for t in outcome.teams if inspector in t.inspectors}
    # ...and enters nothing for another team's target, even while the task is sealed.
    team = outcome.teams[0]
    outsider = next(i for t in outcome.teams for i in t.inspectors if i not in team.inspectors)
    with pytest.raises(NotAssigned):
        results_of(service).enter(_entry(outcome, 0), T_HELD, actor="x", as_inspector=outsider)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_entered_and_approved_while_drawn_publishes_nothing(
    service: Lifecycle, tmp_path: Path
) -> None:
    outcome = _drawn(service)
    results = results_of(service)
    before, reads = _size(service), len(_audits(service, "outcome.read"))
    service.export_to(tmp_path / "before")
    [rid] = _hold(service, outcome, 1)
    service.export_to(tmp_path / "after")  # what the public site is built from
    assert _files(tmp_path / "after") == _files(tmp_path / "before")
    row = results.get(rid)
    assert (row.status, row.approved_by, row.record_id) == ("held", "reviewer-li", None)
    assert _size(service) == before  # the log (and so the site built from it) is unchanged
    with service.session() as s:
        assert s.exec(select(InspectionHistory).where(InspectionHistory.task == TASK)).all() == []
    # The read of the sealed outcome to check the entry is audited, naming the target.
    [read] = _audits(service, "outcome.read")[reads:]
    assert (read.object, read.detail["target"]) == (TASK, outcome.teams[0].target)
    assert read.detail["purpose"] == "result"
    [approval] = [e for e in _audits(service, "result.approve") if e.detail["result"] == rid]
    assert approval.detail["held"] is True
    # A held result is not entered twice; a reviewer sends it back to change it.
    with pytest.raises(ResultError, match="held until the disclosure"):
        results.enter(_entry(outcome, 0), T_HELD, actor="insp")
    results.send_back(rid, "检查日期有误", T_HELD, reviewer="reviewer-zhao")
    assert results.get(rid).status == "returned"
    again = results.enter(_entry(outcome, 0), T_HELD, actor="insp")
    assert results.approve(again, T_HELD, reviewer="reviewer-li") is None
    assert _size(service) == before


def test_without_the_secret_keeper_a_drawn_task_takes_no_result(service: Lifecycle) -> None:
    outcome = _drawn(service)
    with pytest.raises(ResultError, match="results need a disclosed task"):
        ResultsService(service.engine, service.log).enter(_entry(outcome, 0), T_HELD, actor="i")


def test_the_disclosure_publishes_the_held_results_right_after_the_reveal(
    service: Lifecycle, tmp_path: Path
) -> None:
    outcome = _drawn(service)
    _hold(service, outcome)
    reveal = service.disclose(TASK, lc.T_REVEAL, actor="reviewer-li")
    after = _types_after(service, reveal.id)
    assert [kind for kind, _ in after] == ["inspection-result"] * len(outcome.teams)
    assert [body["target"] for _, body in after] == outcome.picks()  # selection order
    assert all(body["time"] == reveal.body["time"] for _, body in after)
    results = results_of(service)
    current = results.current(TASK)
    assert {r.target for r in current} == set(outcome.picks())
    assert all(r.status == "published" and r.published_at for r in current)
    with service.session() as s:
        history = s.exec(select(InspectionHistory).where(InspectionHistory.task == TASK)).all()
    assert {h.target for h in history} == set(outcome.picks())
    assert len(_audits(service, "result.publish-held")) == len(outcome.teams)
    # A second disclosure finds the reveal and publishes nothing again.
    size = _size(service)
    assert service.disclose(TASK, lc.T_REVEAL).id == reveal.id
    assert _size(service) == size
    # The report can be drafted at once: every result is published with the reveal.
    report = ReportService(service.engine, service.log).draft(TASK, lc.T_REVEAL, actor="p")
    assert report.summary["checked"] == len(outcome.teams)
    audit = _verify(service, tmp_path)
    assert audit.ok, audit.failures
    assert "reveal.early" not in [c.name for c in audit.checks]  # on time: not concerned


def test_a_failed_disclosure_loses_no_held_result_and_publishes_none_twice(
    service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = _drawn(service)
    ids = _hold(service, outcome)
    before = _size(service)
    real = ResultsService.publish_row
    calls: list[int] = []

    def crash_on_the_second(self: ResultsService, *args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died mid-disclosure")
        return real(self, *args, **kw)

    monkeypatch.setattr(ResultsService, "publish_row", crash_on_the_second)
    with pytest.raises(RuntimeError):
        service.disclose(TASK, lc.T_REVEAL)
    # All or nothing: still drawn, nothing logged, every result still held.
    assert service.get_task(TASK).state == "drawn"
    assert _size(service) == before
    results = results_of(service)
    assert [results.get(i).status for i in ids] == ["held"] * len(ids)
    monkeypatch.setattr(ResultsService, "publish_row", real)
    reveal = service.disclose(TASK, lc.T_REVEAL)
    assert len(_types_after(service, reveal.id)) == len(ids)
    assert [results.get(i).status for i in ids] == ["published"] * len(ids)


def test_early_disclosure_only_when_allowed_and_every_result_is_held(
    service: Lifecycle, tmp_path: Path
) -> None:
    outcome = _drawn(service, early=True)
    with service.session() as s:
        ann = service.log.task_record(s, TASK, "announce")
    assert ann is not None and ann.body["disclose_early"] is True
    _hold(service, outcome, len(outcome.teams) - 1)
    before = _size(service)
    with pytest.raises(InputError, match="没有审核通过的检查结果"):
        service.disclose(TASK, T_EARLY, actor="reviewer-li")
    assert service.get_task(TASK).state == "drawn" and _size(service) == before
    results = results_of(service)
    last = outcome.teams[-1]
    rid = results.enter(_entry(outcome, len(outcome.teams) - 1), T_EARLY, actor="i")
    with pytest.raises(InputError):  # entered but not yet approved: still refused
        service.disclose(TASK, T_EARLY)
    results.approve(rid, T_EARLY, reviewer="reviewer-li")
    reveal = service.disclose(TASK, T_EARLY, actor="reviewer-li")
    after = _types_after(service, reveal.id)
    assert [body["target"] for _, body in after] == outcome.picks()
    assert last.target in {body["target"] for _, body in after}
    with service.session() as s:
        assert (s.get(Task, TASK) or Task()).state == "disclosed"
    audit = _verify(service, tmp_path)
    assert audit.ok, audit.failures
    assert "reveal.early" in [c.name for c in audit.checks]


def test_no_early_disclosure_for_a_task_that_did_not_opt_in(service: Lifecycle) -> None:
    outcome = _drawn(service)
    _hold(service, outcome)  # every result is in, but the announcement fixed the time
    before = _size(service)
    with pytest.raises(InputError, match="不能提前公开"):
        service.disclose(TASK, T_EARLY)
    assert service.get_task(TASK).state == "drawn" and _size(service) == before


def test_an_approval_racing_the_disclosure_publishes_the_result_once(
    service: Lifecycle, tmp_path: Path
) -> None:
    outcome = _drawn(service)
    last = len(outcome.teams) - 1
    _hold(service, outcome, last)
    results = results_of(service)
    rid = results.enter(_entry(outcome, last), T_HELD, actor="insp")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(step: Any) -> None:
        barrier.wait()
        try:
            step()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(lambda: service.disclose(TASK, lc.T_REVEAL),)),
        threading.Thread(
            target=run, args=(lambda: results.approve(rid, lc.T_REVEAL, reviewer="rev"),)
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with service.session() as s:
        kinds = [r.type for r in s.exec(select(LogEntry))]
    assert kinds.count("inspection-result") == len(outcome.teams)
    assert results.get(rid).status == "published"
    assert {r.target for r in results.current(TASK)} == set(outcome.picks())
    audit = _verify(service, tmp_path)
    assert audit.ok, audit.failures


def test_cancelling_a_sealed_task_voids_its_held_and_waiting_results(service: Lifecycle) -> None:
    outcome = _drawn(service)
    [held] = _hold(service, outcome, 1)
    results = results_of(service)
    waiting = results.enter(_entry(outcome, 1), T_HELD, actor="insp")
    service.cancel(TASK, "上级通知暂停本次抽查", T_HELD, actor="planner")
    assert [results.get(i).status for i in (held, waiting)] == ["void", "void"]
    # Never published: the cancellation publishes the outcome, not the results.
    with service.session() as s:
        kinds = [r.type for r in s.exec(select(LogEntry))]
    assert "inspection-result" not in kinds and kinds[-1] == "task-cancellation"
    with pytest.raises(ReviewError, match="void, not waiting"):
        results.approve(waiting, T_HELD, reviewer="reviewer-li")
    with pytest.raises(ReviewError, match="void, not waiting"):
        results.send_back(held, "改", T_HELD, reviewer="reviewer-zhao")
    [cancel] = _audits(service, "task.cancel")
    assert cancel.detail["results_void"] == [held, waiting]
