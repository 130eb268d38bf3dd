"""The inspector's side (issue #15), SQLite and PostgreSQL: accounts linked to inspectors,
own assignments (sealed ones audited), entering only for one's own targets, the reviewer's
queue, sending a result back with a reason, and the versions of a target's result."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from lottery.core.errors import InputError
from lottery.core.outcome import Outcome
from lottery.service import users
from lottery.service.assignments import assignments_of
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import (
    NotAssigned,
    ResultEntry,
    ResultError,
    ResultsService,
    ReviewError,
)
from lottery.storage.models import AuditEvent, InspectionResult
from tests import lifecycle as lc
from tests.service.results_builder import drawn_task, entry

TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
PASSWORD = "test-only-password"  # noqa: S105 - test-only


def _drawn(service: Lifecycle) -> Outcome:
    return drawn_task(service, TASK)


def _audits(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _entry(outcome: Outcome, i: int = 0) -> ResultEntry:
    return entry(outcome, i, day=date(2026, 3, 25))


def test_an_account_is_linked_to_a_registered_inspector(service: Lifecycle) -> None:
    outcome = _drawn(service)
    first = outcome.teams[0].inspectors[0]
    for name in ("ann", "bob"):
        users.create_user(service, name, PASSWORD, ["inspector"], lc.T_DRAW, actor="admin")
    assert users.inspector_of(service, "ann") is None
    with pytest.raises(users.InspectorLinkError):
        users.set_inspector(service, "ann", "NO-SUCH-ID", lc.T_DRAW, actor="admin")
    with pytest.raises(InputError):
        users.set_inspector(service, "nobody", first, lc.T_DRAW, actor="admin")
    users.set_inspector(service, "ann", first, lc.T_DRAW, actor="admin")
    assert users.inspector_of(service, "ann") == first
    with pytest.raises(users.InspectorLinkError):  # one account per inspector
        users.set_inspector(service, "bob", first, lc.T_DRAW, actor="admin")
    assert users.inspector_of(service, "bob") is None
    [event] = _audits(service, "user.set-inspector")
    assert (event.actor, event.object, event.detail["inspector"]) == ("admin", "ann", first)
    users.set_inspector(service, "ann", "  ", lc.T_DRAW, actor="admin")
    assert users.inspector_of(service, "ann") is None


def test_own_assignments_only_and_sealed_ones_are_audited(service: Lifecycle) -> None:
    outcome = _drawn(service)
    me = outcome.teams[0].inspectors[0]
    expected = [t.target for t in outcome.teams if me in t.inspectors]
    before = len(_audits(service, "outcome.read"))
    mine = assignments_of(service, me, lc.T_DRAW, actor="ann")
    assert [a.target for a in mine] == expected
    assert all(me in a.team and a.sealed for a in mine)
    reads = _audits(service, "outcome.read")
    assert len(reads) == before + 1
    assert reads[-1].actor == "ann" and reads[-1].detail["inspector"] == me
    assert reads[-1].detail["targets"] == len(expected)
    assert assignments_of(service, "NOBODY", lc.T_DRAW, actor="x") == []
    assert len(_audits(service, "outcome.read")) == before + 1  # nothing shown, nothing read
    service.disclose(TASK, lc.T_REVEAL)
    after = assignments_of(service, me, lc.T_REVEAL, actor="ann")
    assert [a.target for a in after] == expected and not any(a.sealed for a in after)
    assert len(_audits(service, "outcome.read")) == before + 1  # public now: not audited


def test_entering_as_an_inspector_needs_their_own_target(service: Lifecycle) -> None:
    outcome = _drawn(service)
    service.disclose(TASK, lc.T_REVEAL)
    results = ResultsService(service.engine, service.log)
    team = outcome.teams[0]
    outsider = next(i for t in outcome.teams for i in t.inspectors if i not in team.inspectors)
    with pytest.raises(NotAssigned):
        results.enter(_entry(outcome), T_ENTER, actor="x", as_inspector=outsider)
    assert results.waiting() == []
    rid = results.enter(_entry(outcome), T_ENTER, actor="ann", as_inspector=team.inspectors[0])
    assert [r.id for r in results.waiting()] == [rid]
    assert [r.id for r in results.waiting(TASK)] == [rid]
    assert results.waiting("OTHER") == []


def test_a_reviewer_sends_a_result_back_with_a_reason(service: Lifecycle) -> None:
    outcome = _drawn(service)
    service.disclose(TASK, lc.T_REVEAL)
    results = ResultsService(service.engine, service.log)
    rid = results.enter(_entry(outcome), T_ENTER, actor="ann")
    with pytest.raises(ResultError):
        results.send_back(rid, "  ", T_ENTER, reviewer="rev")
    with pytest.raises(ResultError):
        results.send_back(rid, "长" * 2001, T_ENTER, reviewer="rev")
    with pytest.raises(ReviewError):
        results.send_back(rid, "自己退回", T_ENTER, reviewer="ANN")
    assert results.get(rid).status == "entered"
    results.send_back(rid, "检查日期有误", T_ENTER, reviewer="rev", remote_addr="10.0.0.1")
    row = results.get(rid)
    assert (row.status, row.review_note) == ("returned", "检查日期有误")
    assert results.waiting() == []
    with pytest.raises(ReviewError):  # neither approved nor sent back twice
        results.approve(rid, T_ENTER, reviewer="rev")
    with pytest.raises(ReviewError):
        results.send_back(rid, "再退", T_ENTER, reviewer="rev")
    [event] = _audits(service, "result.send-back")
    assert event.actor == "rev" and event.detail == {"result": rid, "reason": "检查日期有误"}
    # The inspector enters it anew; the history lists both versions.
    again = results.enter(_entry(outcome), T_ENTER, actor="ann")
    record = results.approve(again, T_ENTER, reviewer="rev")
    target = outcome.teams[0].target
    history = results.versions(TASK, target)
    assert [(r.id, r.status) for r in history] == [(rid, "returned"), (again, "published")]
    assert history[1].record_id == record.id
    with service.session() as s:
        assert s.get(InspectionResult, rid) is not None
