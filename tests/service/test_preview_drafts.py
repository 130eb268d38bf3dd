"""The announcement preview (counts, exclusions, feasibility; nothing written) and editing or
deleting a draft (only while it was never announced). SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from lottery.core.errors import InputError
from lottery.core.pool_blob import decode_pool
from lottery.service import drafts
from lottery.service.lifecycle import Lifecycle, StateError, TaskNotFound
from lottery.service.preview import preview_params, preview_task
from lottery.storage.models import (
    AuditEvent,
    InspectionHistory,
    Inspector,
    LogEntry,
    Task,
    TaskSecret,
)
from tests import lifecycle as lc

TASK = "T2026-301"


def _params(task: str = TASK, **changes: object):  # type: ignore[no-untyped-def]
    return dataclasses.replace(lc.params(lc.small_registries(), task), **changes)


def _checked_twice(service: Lifecycle) -> set[str]:
    """Two candidates already checked twice this year (R4): excluded from the pool."""
    ids = {c.id for c in lc.small_registries().candidates[:2]}
    with service.session() as s, s.begin():
        for target in ids:
            for month in (1, 2):
                s.add(InspectionHistory(target=target, date=date(2026, month, 15)))
    return ids


def _counts(service: Lifecycle) -> tuple[int, int, int]:
    with service.session() as s:
        return (
            len(list(s.exec(select(AuditEvent)))),
            len(list(s.exec(select(LogEntry)))),
            len(list(s.exec(select(TaskSecret)))),
        )


def test_the_preview_counts_are_those_the_announcement_publishes(service: Lifecycle) -> None:
    _checked_twice(service)
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    before = _counts(service)
    preview = preview_task(service, TASK, lc.T_ANNOUNCE)
    assert _counts(service) == before  # nothing written: no audit, no record, no secret
    assert preview.feasible and preview.problem == ""
    record = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    body = record.body
    assert preview.candidates == body["pool"]["candidates"]
    assert preview.picks == body["pool"]["picks"]
    assert len(preview.strata) == body["pool"]["strata"]
    assert preview.cap == body["cap"]
    assert preview.eligible_inspectors == body["inspector_pool"]["inspectors"]
    assert len(preview.excluded_targets) == body["exclusions"]["count"] > 0
    assert list(preview.org_units) == body["org_units"]
    with service.session() as s:
        blob = service.log.blobs_by_digest(s, [body["pool"]["sha256"]])[body["pool"]["sha256"]]
    pool = decode_pool(blob)
    assert [(p.region, p.risk, p.candidates, p.picks) for p in preview.strata] == [
        (st.region, st.risk, len(st.candidates), st.count) for st in pool.strata
    ]


def test_the_preview_explains_exclusions_in_chinese(service: Lifecycle) -> None:
    regs = lc.small_registries()
    excluded = _checked_twice(service)
    with service.session() as s, s.begin():
        first = s.get(Inspector, regs.inspectors[0].id)
        assert first is not None
        first.cert_valid_to = date(2026, 3, 20)  # expires inside the window
        s.add(first)
    preview = preview_params(service, _params(), lc.T_ANNOUNCE)
    reasons = {e.id: e.reason for e in preview.excluded_inspectors}
    assert "到期" in reasons[regs.inspectors[0].id]
    assert {e.id for e in preview.excluded_targets} == excluded
    assert all("上限" in e.reason and "2026年" in e.reason for e in preview.excluded_targets)
    assert all(e.name.startswith("企业") for e in preview.excluded_targets)


def test_an_infeasible_task_is_previewed_with_the_reason(service: Lifecycle) -> None:
    with service.session() as s, s.begin():
        for row in list(s.exec(select(Inspector).order_by(col(Inspector.id))))[1:]:
            row.status = "retired"
            s.add(row)
    preview = preview_params(service, _params(), lc.T_ANNOUNCE)
    assert not preview.feasible
    assert preview.eligible_inspectors == 1
    assert any("在岗" in e.reason for e in preview.excluded_inspectors)
    assert "检查人员不足" in preview.problem
    assert preview.picks > 0  # the counts are still shown
    empty = preview_params(service, _params(window_start="2026-01-01"), lc.T_ANNOUNCE)
    assert empty.feasible or empty.problem  # either way no exception
    late = preview_params(service, _params(), lc.T_ANNOUNCE + timedelta(days=400))
    assert late.warnings  # the beacon's date is past: announcing would be refused


def test_unknown_org_unit_is_refused(service: Lifecycle) -> None:
    with pytest.raises(InputError):
        preview_params(service, _params(org_units=("nowhere",)), lc.T_ANNOUNCE)


def test_a_draft_is_edited_and_audited(service: Lifecycle) -> None:
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    later = lc.T_ANNOUNCE + timedelta(minutes=3)
    task = drafts.update_draft(
        service, _params(title="改过的标题", team_size=3), later, actor="planner2"
    )
    assert task.title == "改过的标题" and task.params["team_size"] == 3
    assert task.updated_at == later
    with service.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "task.update")).one()
    assert event.actor == "planner2" and event.detail == {"changed": ["title", "team_size"]}
    with pytest.raises(InputError):
        drafts.update_draft(service, _params(org_units=("nowhere",)), later, actor="p")
    assert service.get_task(TASK).params["team_size"] == 3  # the refusal changed nothing


def test_a_draft_is_deleted_with_a_leftover_secret(service: Lifecycle) -> None:
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    service.ensure_secret(TASK, lc.T_ANNOUNCE)  # as an announcement refused after it
    drafts.delete_draft(service, TASK, lc.T_ANNOUNCE, actor="planner")
    with pytest.raises(TaskNotFound):
        service.get_task(TASK)
    with service.session() as s:
        assert s.get(TaskSecret, TASK) is None
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "task.delete")).one()
    assert event.object == TASK
    with pytest.raises(TaskNotFound):
        drafts.delete_draft(service, TASK, lc.T_ANNOUNCE, actor="planner")
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")  # the id is free again


def test_an_announced_task_can_be_neither_edited_nor_deleted(service: Lifecycle) -> None:
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    before = _counts(service)
    with pytest.raises(StateError, match="已公告"):
        drafts.update_draft(service, _params(title="x"), lc.T_ANNOUNCE, actor="planner")
    with pytest.raises(StateError):
        drafts.delete_draft(service, TASK, lc.T_ANNOUNCE, actor="planner")
    assert _counts(service) == before
    with service.session() as s:
        task = s.exec(select(Task).where(col(Task.id) == TASK)).one()
    assert task.state == "announced" and task.title != "x"
