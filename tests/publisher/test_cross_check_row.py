"""The task page names the announced cross-check rule (交叉检查) in plain words."""

from __future__ import annotations

from publisher.task_pages import _cross_check_rows


def test_the_rule_is_shown_only_when_announced() -> None:
    assert _cross_check_rows({}) == []
    both = {"cross_check": {"own_district": True, "specialty": True}}
    assert _cross_check_rows(both) == [["交叉检查", "不得检查本辖区、专业对口"]]
    one = {"cross_check": {"own_district": False, "specialty": True}}
    assert _cross_check_rows(one) == [["交叉检查", "专业对口"]]
