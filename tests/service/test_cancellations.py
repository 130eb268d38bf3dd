"""Two-person cancellation (lottery/service/cancellations.py) on SQLite and PostgreSQL: a
request changes nothing, a different person confirms it, the author may not, either may void
it, one pending at a time, and a request the task has moved past (the scheduler drew or
disclosed it) is void. The scheduler never cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from lottery.core.errors import InputError
from lottery.service import cancellations as cx
from lottery.service import scheduler as sch
from lottery.service.lifecycle import Lifecycle, StateError, TaskNotFound
from lottery.service.text_input import UnsafeTextError
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, CancelRequest, LogEntry
from tests import lifecycle as lc
from tests.service import drand_tasks as dt
from tests.service.test_scheduler import Clock, Fetch, _create, _paused, started  # noqa: F401

REASON = "抽查事项调整，本次任务取消"
LATER = lc.T_ANNOUNCE + timedelta(hours=1)


def _announced(service: Lifecycle, task: str = "T2026-C01") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE)
    return task


def _requests(service: Lifecycle, task: str) -> list[tuple[str, str, str | None]]:
    with service.session() as s:
        rows = s.exec(
            select(CancelRequest).where(CancelRequest.task == task).order_by(CancelRequest.id)
        )
        return [(r.status, r.requested_by, r.decided_by) for r in rows]


def _events(service: Lifecycle, task: str) -> list[tuple[str, str]]:
    with service.session() as s:
        rows = s.exec(
            select(AuditEvent)
            .where(AuditEvent.object == task, col(AuditEvent.action).startswith("task.cancel"))
            .order_by(col(AuditEvent.id))
        )
        return [(e.action, e.actor) for e in rows]


def _steps(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(select(LogEntry.step).where(LogEntry.task == task).order_by(LogEntry.idx))
        return [r or "" for r in rows]


@pytest.mark.parametrize("drawn", [False, True], ids=["announced", "drawn"])
def test_a_second_person_confirms_and_the_task_is_cancelled(
    service: Lifecycle, drawn: bool
) -> None:
    task = _announced(service)
    if drawn:
        service.draw(task, lc.beacon()[1], lc.T_DRAW)
    state = service.get_task(task).state
    request = cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    assert (request.status, request.task_state) == ("pending", state)
    # A request alone publishes nothing and changes nothing.
    assert service.get_task(task).state == state
    assert "cancel" not in _steps(service, task)
    pending = cx.pending_request(service, task)
    assert pending is not None and pending.requested_by == "planner-wang"
    assert [(t.id, r.reason) for t, r in cx.pending_requests(service)] == [(task, REASON)]

    record = cx.confirm_cancel(service, task, "head-li", LATER + timedelta(minutes=5))
    assert service.get_task(task).state == "cancelled"
    assert service.get_task(task).cancel_reason == REASON
    # The usual cancellation record: the requested reason, the secret, the outcome if drawn;
    # it names nobody.
    assert record.body["reason"] == REASON
    assert (record.body["outcome"] is not None) == drawn
    assert b"planner-wang" not in record.note and b"head-li" not in record.note
    assert _steps(service, task)[-1] == "cancel"
    assert _requests(service, task) == [("confirmed", "planner-wang", "head-li")]
    assert _events(service, task) == [
        ("task.cancel.request", "planner-wang"),
        ("task.cancel", "head-li"),
        ("task.cancel.confirm", "head-li"),
    ]
    with service.session() as s:
        cancel = s.exec(select(AuditEvent).where(AuditEvent.action == "task.cancel")).one()
    assert cancel.detail["requested_by"] == "planner-wang"
    assert cancel.detail["record"] == record.id
    assert cx.pending_request(service, task) is None and cx.pending_requests(service) == []
    # A repeated confirmation answers with the same record; it never cancels twice.
    again = cx.confirm_cancel(service, task, "head-li", LATER + timedelta(minutes=6))
    assert again.note == record.note
    assert _steps(service, task).count("cancel") == 1


def test_the_person_who_asked_cannot_confirm(service: Lifecycle) -> None:
    task = _announced(service)
    cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    for same in ("planner-wang", " Planner-Wang "):
        with pytest.raises(cx.SamePerson, match="两人"):
            cx.confirm_cancel(service, task, same, LATER)
    assert service.get_task(task).state == "announced"
    assert _requests(service, task) == [("pending", "planner-wang", None)]
    assert _events(service, task) == [("task.cancel.request", "planner-wang")]


def test_the_author_withdraws_or_another_refuses_with_a_reason(service: Lifecycle) -> None:
    task = _announced(service)
    cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    with pytest.raises(InputError, match="原因"):
        cx.reject_cancel(service, task, "planner-wang", "  ", LATER)
    withdrawn = cx.reject_cancel(service, task, "planner-wang", "写错了任务", LATER)
    assert (withdrawn.status, withdrawn.decision_reason) == ("rejected", "写错了任务")
    with pytest.raises(InputError, match="没有待确认"):
        cx.confirm_cancel(service, task, "head-li", LATER)
    cx.request_cancel(service, task, REASON, "planner-zhao", LATER)
    cx.reject_cancel(service, task, "reviewer-sun", "理由不成立", LATER)
    with pytest.raises(InputError, match="没有待确认"):
        cx.reject_cancel(service, task, "reviewer-sun", "再驳回", LATER)
    assert service.get_task(task).state == "announced"
    assert "cancel" not in _steps(service, task)
    assert _requests(service, task) == [
        ("rejected", "planner-wang", "planner-wang"),
        ("rejected", "planner-zhao", "reviewer-sun"),
    ]
    with service.session() as s:
        rejects = s.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "task.cancel.reject")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(e.actor, e.detail["reason"], e.detail["withdrawn"]) for e in rejects] == [
        ("planner-wang", "写错了任务", True),
        ("reviewer-sun", "理由不成立", False),
    ]


def test_one_pending_request_at_a_time(service: Lifecycle) -> None:
    task = _announced(service)
    cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    with pytest.raises(StateError, match="已有 planner-wang"):
        cx.request_cancel(service, task, "另一个原因", "head-li", LATER)
    assert _requests(service, task) == [("pending", "planner-wang", None)]
    other = _announced(service, "T2026-C02")  # another task has its own
    cx.request_cancel(service, other, REASON, "head-li", LATER)
    assert sorted(t.id for t, _ in cx.pending_requests(service)) == [task, other]


def test_a_request_the_scheduler_overtook_is_void(
    service: Lifecycle,
    settings: Settings,
    started: list[sch.Scheduler],  # noqa: F811 - the imported fixture
) -> None:
    task = "T-C-sched"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    cx.request_cancel(service, task, REASON, "planner-wang", dt.ROUND_DUE - timedelta(seconds=4))
    clock, fetch = Clock(dt.ROUND_DUE + timedelta(minutes=5)), Fetch()
    scheduler = _paused(settings, service, clock, fetch, started)
    sch.schedule_task(scheduler, service.get_task(task))
    # The scheduler draws on time, whatever is pending; it never cancels.
    sch.run_draw(task, scheduler)
    assert service.get_task(task).state == "drawn"
    assert cx.pending_request(service, task) is None  # asked while announced: no longer shown
    assert cx.pending_requests(service) == []
    with pytest.raises(StateError, match="已作废"):
        cx.confirm_cancel(service, task, "head-li", dt.ROUND_DUE + timedelta(minutes=6))
    assert service.get_task(task).state == "drawn"
    assert _requests(service, task) == [("void", "planner-wang", "system")]
    assert _events(service, task) == [
        ("task.cancel.request", "planner-wang"),
        ("task.cancel.void", "system"),
    ]
    # Asked again now that it is drawn, and disclosed by the scheduler before anyone confirms:
    # void too (a disclosed task cannot be cancelled anyway).
    cx.request_cancel(service, task, REASON, "planner-wang", dt.ROUND_DUE + timedelta(minutes=7))
    clock.set(dt.ROUND_DUE + timedelta(days=30))
    sch.run_disclose(task, scheduler)
    assert service.get_task(task).state == "disclosed"
    with pytest.raises(StateError, match="已公开"):
        cx.confirm_cancel(service, task, "head-li", dt.ROUND_DUE + timedelta(days=30))
    assert service.get_task(task).state == "disclosed"
    assert "cancel" not in _steps(service, task)
    assert [r[0] for r in _requests(service, task)] == ["void", "void"]


def test_a_stale_request_gives_way_to_a_new_one(service: Lifecycle) -> None:
    task = _announced(service)
    cx.request_cancel(service, task, "抽取前的原因", "planner-wang", LATER)
    service.draw(task, lc.beacon()[1], lc.T_DRAW)  # staff drew it meanwhile
    with pytest.raises(InputError, match="没有待确认"):
        cx.reject_cancel(service, task, "head-li", "已过时", lc.T_DRAW)
    request = cx.request_cancel(service, task, "抽取后发现名录错误", "planner-wang", lc.T_DRAW)
    assert request.task_state == "drawn"
    assert _requests(service, task) == [
        ("void", "planner-wang", "system"),
        ("pending", "planner-wang", None),
    ]
    record = cx.confirm_cancel(service, task, "head-li", lc.T_DRAW + timedelta(hours=1))
    assert record.body["reason"] == "抽取后发现名录错误" and record.body["outcome"] is not None


def test_bad_requests_change_nothing(service: Lifecycle) -> None:
    with pytest.raises(TaskNotFound):
        cx.request_cancel(service, "T-missing", REASON, "a", LATER)
    draft = "T2026-C03"
    service.create_task(lc.params(lc.small_registries(), draft), lc.T_ANNOUNCE, actor="p")
    with pytest.raises(StateError, match="草稿"):
        cx.request_cancel(service, draft, REASON, "a", LATER)
    task = _announced(service)
    with pytest.raises(InputError, match="原因"):
        cx.request_cancel(service, task, " \n", "a", LATER)
    with pytest.raises(InputError, match="2000"):
        cx.request_cancel(service, task, "长" * 2001, "a", LATER)
    with pytest.raises(UnsafeTextError):
        cx.request_cancel(service, task, "名录\u202e错误", "a", LATER)
    with pytest.raises(InputError, match="没有待确认"):
        cx.confirm_cancel(service, task, "b", LATER)
    assert _requests(service, task) == [] and _requests(service, draft) == []
    assert _events(service, task) == []
    # A cancelled task takes no new request.
    cx.request_cancel(service, task, REASON, "a", LATER)
    cx.confirm_cancel(service, task, "b", LATER)
    with pytest.raises(StateError, match="已取消"):
        cx.request_cancel(service, task, REASON, "a", LATER)
