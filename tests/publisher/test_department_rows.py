"""The task page names every department of a joint task (部门联合抽查) in plain Chinese."""

from __future__ import annotations

from publisher.task_pages import _department_rows


def test_every_department_is_named_and_the_team_rule_only_when_announced() -> None:
    assert _department_rows({}) == []
    joint = {
        "departments": {"lead": "青岚市人民防空办公室", "participants": ["住建局", "消防支队"]}
    }
    assert _department_rows(joint) == [
        ["部门联合抽查", "是"],
        ["牵头部门", "青岚市人民防空办公室"],
        ["配合部门", "住建局、消防支队"],
    ]
    joint["departments"]["one_per_team"] = True
    assert _department_rows(joint)[-1] == ["检查组组成", "每个检查组都有以上每个部门的一名检查人员"]
