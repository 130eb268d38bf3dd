"""A task cites items of the item list, or it is not created (R1; issue #16)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from lottery.core.errors import InputError
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, Task
from tests import lifecycle as lc


def _tasks(service: Lifecycle) -> list[str]:
    with service.session() as s:
        return list(s.exec(select(Task.id)))


@pytest.mark.parametrize(
    ("items", "says"),
    [
        ((), "须至少选择一项抽查事项"),
        ((("RF-01", 2),), "抽查事项清单没有第 2 版（事项 RF-01）"),
        ((("RF-01", 1), ("RF-09", 1)), "抽查事项清单第 1 版中没有事项 RF-09"),
    ],
)
def test_a_task_citing_no_item_or_an_unknown_one_is_refused(
    service: Lifecycle, items: tuple[tuple[str, int], ...], says: str
) -> None:
    params = replace(lc.params(lc.small_registries()), items=items)
    with pytest.raises(InputError, match="字段「items」") as refused:
        service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    assert says in str(refused.value)
    assert _tasks(service) == []
    with service.session() as s:
        assert not list(s.exec(select(AuditEvent).where(AuditEvent.action == "task.create")))


def test_a_task_citing_the_published_items_is_created(service: Lifecycle) -> None:
    params = lc.params(lc.small_registries())
    assert params.items == (("RF-01", 1),)  # the item list tests/service/conftest.py publishes
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    assert _tasks(service) == ["T2026-001"]
