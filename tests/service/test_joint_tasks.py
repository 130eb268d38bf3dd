"""部门联合抽查 on the service (issue #18), SQLite and PostgreSQL.

Inspectors carry a department (所属部门; empty: the office's own). A task of the office alone
draws only the office's own; a joint task names its departments in the announcement, its team
input gives every inspector's department and the team rule, every team has one inspector of
each department (docs/teams.md §8), and ``lottery verify`` passes on the export, re-deriving
the departments from the inspectors snapshot. A task its departments cannot staff is refused
in Chinese before anything is published.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from lottery.core.audit import audit_export
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.check_names import CheckName
from lottery.core.draw import TaskParams
from lottery.core.errors import InfeasibleError
from lottery.core.joint import Departments
from lottery.core.outcome import decode_outcome
from lottery.core.pool_membership import MembershipAudit
from lottery.core.records import make_record, open_record
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Blob, Inspector, Task
from tests import lifecycle as lc

TASK = "T2026-001"
LEAD, HOUSING, FIRE = "市人防办", "市住建局", "市消防支队"
JOINT = Departments(LEAD, (HOUSING, FIRE), one_per_team=True)


def _assign_departments(service: Lifecycle) -> dict[str, str]:
    """Five inspectors of 住建 and five of 消防; the rest the office's own ("")."""
    with service.session() as s, s.begin():
        rows = list(s.exec(select(Inspector).order_by(col(Inspector.id))))
        for k, row in enumerate(rows[:10]):
            row.department = HOUSING if k < 5 else FIRE
            s.add(row)
        return {r.id: r.department for r in rows}


def _params(departments: Departments | None = JOINT, **changes: Any) -> TaskParams:
    base = lc.params(lc.small_registries(), TASK, team_size=3)
    return dataclasses.replace(base, departments=departments, **changes)


def _blob(service: Lifecycle, digest: str) -> Any:
    with service.session() as s:
        blob = s.get(Blob, digest)
        assert blob is not None
        return json.loads(blob.data)


def test_a_joint_task_staffs_every_team_with_each_department_and_verifies(
    service: Lifecycle, tmp_path: Path
) -> None:
    depts = _assign_departments(service)
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    ann = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    assert ann.body["departments"] == {
        "lead": LEAD,
        "participants": [HOUSING, FIRE],
        "one_per_team": True,
    }
    team_input = _blob(service, ann.body["inspector_pool"]["sha256"])
    assert team_input["team_departments"] == [LEAD, HOUSING, FIRE]
    named = dict(team_input["departments"])
    assert [i for i, _ in team_input["departments"]] == team_input["inspectors"]
    assert all(named[i] == (depts[i] or LEAD) for i in named)
    _, value = lc.beacon()
    service.draw(TASK, value, lc.T_DRAW, actor="planner")
    outcome = decode_outcome(service.read_sealed_outcome(TASK, "test", lc.T_DRAW))
    assert outcome.teams
    for team in outcome.teams:
        assert [named[i] for i in team.inspectors] == [LEAD, HOUSING, FIRE]
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    names = {c.name for c in report.tasks[TASK].checks}
    assert {CheckName.INSPECTORS_DEPARTMENTS, CheckName.INSPECTORS_MEMBERSHIP} <= names
    # The membership rule re-derives each department from the snapshot: a blob that moves
    # an office inspector to 住建 (announcement re-signed over it) fails inspectors.membership.
    blobs = {p.name: p.read_bytes() for p in (tmp_path / "export" / "blobs").iterdir()}
    own = next(i for i in team_input["inspectors"] if not depts[i])
    doc = dict(team_input)
    doc["departments"] = [[i, HOUSING if i == own else d] for i, d in team_input["departments"]]
    blob = canonical_json(doc)
    blobs[sha256_hex(blob)] = blob
    fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    fields["inspector_pool"] = {**fields["inspector_pool"], "sha256": sha256_hex(blob)}
    note = make_record("task-announcement", lc.LOG, lc.T_ANNOUNCE, fields, [service.log.signer])
    forged = open_record(note, [service.log.verifier], log=lc.LOG)
    audit = MembershipAudit(blobs.__getitem__)
    for record in report.records:
        audit.add(forged if record.id == ann.id else record)
    assert [(t, c) for t, c, _ in audit.failures] == [(TASK, CheckName.INSPECTORS_MEMBERSHIP)]
    assert own in audit.failures[0][2]


def test_a_task_of_the_office_alone_draws_none_of_another_department(
    service: Lifecycle,
) -> None:
    depts = _assign_departments(service)
    service.create_task(_params(None), lc.T_ANNOUNCE, actor="planner")
    ann = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    assert "departments" not in ann.body
    team_input = _blob(service, ann.body["inspector_pool"]["sha256"])
    assert "departments" not in team_input and "team_departments" not in team_input
    assert team_input["inspectors"] and all(not depts[i] for i in team_input["inspectors"])


def test_a_joint_task_its_departments_cannot_staff_is_refused_in_plain_words(
    service: Lifecycle,
) -> None:
    _assign_departments(service)
    params = _params(Departments(LEAD, (HOUSING, "市场监管局"), one_per_team=True))
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    with pytest.raises(
        InfeasibleError, match="部门联合抽查（市人防办、市住建局、市场监管局）无法组成"
    ):
        service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    with service.session() as s:
        task = s.get(Task, TASK)
        assert task is not None and task.state == "draft" and task.announcement_record is None
