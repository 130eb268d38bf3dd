"""Two-person public-numbers entry and the declared drand fallback (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from lottery.core.beacon import PublicNumbersValue
from lottery.core.errors import InputError
from lottery.service import beacons
from lottery.service.lifecycle import Lifecycle, StateError
from lottery.storage.models import AuditEvent, BeaconEntry, LogEntry
from tests import lifecycle as lc
from tests.service import drand_tasks as dt

NUMBERS = [list(v) for v in lc.beacon()[1].values]  # [[408], [2, 7, 11, 19, 26, 30]]


def _announced(service: Lifecycle, task: str = "T2026-B01") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE)
    return task


def _actions(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(
            select(AuditEvent.action)
            .where(AuditEvent.object == task, col(AuditEvent.action).startswith("beacon."))
            .order_by(col(AuditEvent.id))
        )
        return list(rows)


def _entries(service: Lifecycle, task: str) -> list[tuple[str, str]]:
    with service.session() as s:
        rows = s.exec(select(BeaconEntry).where(BeaconEntry.task == task).order_by(BeaconEntry.id))
        return [(e.status, e.entered_by) for e in rows]


def test_second_person_confirms_and_draws(service: Lifecycle) -> None:
    task = _announced(service)
    entry = beacons.enter_numbers(service, task, NUMBERS, "clerk-wang", lc.T_DRAW)
    assert entry.status == "pending" and not entry.fallback
    assert service.get_task(task).state == "announced"  # one person alone draws nothing
    for same in ("clerk-wang", " Clerk-Wang "):
        with pytest.raises(InputError, match="两个不同的人"):
            beacons.confirm_numbers(service, task, NUMBERS, same, lc.T_DRAW)
    assert service.get_task(task).state == "announced"
    record = beacons.confirm_numbers(service, task, NUMBERS, "clerk-li", lc.T_DRAW)
    assert service.get_task(task).state == "drawn"
    assert record.body["beacon_value"] == lc.beacon()[1].to_dict()
    # The same draw as the lifecycle computes from those numbers (the in-memory reference).
    assert record.body["beacon_value"]["key_string"] == "408./2.7.11.19.26.30./"
    assert _entries(service, task) == [("confirmed", "clerk-wang")]
    assert _actions(service, task) == ["beacon.numbers.enter", "beacon.numbers.confirm"]
    with service.session() as s:
        audit = s.exec(select(AuditEvent).where(AuditEvent.action == "task.draw")).one()
    assert audit.actor == "clerk-li"
    # A repeated confirmation answers with the same draw; it never draws again.
    again = beacons.confirm_numbers(service, task, NUMBERS, "clerk-li", lc.T_DRAW)
    assert again.note == record.note
    with pytest.raises(InputError, match="没有待确认"):
        beacons.confirm_numbers(service, task, [[409], NUMBERS[1]], "clerk-li", lc.T_DRAW)


def test_mismatch_voids_the_entry(service: Lifecycle) -> None:
    task = _announced(service)
    beacons.enter_numbers(service, task, NUMBERS, "clerk-wang", lc.T_DRAW)
    typo = [[480], NUMBERS[1]]
    with pytest.raises(beacons.NumbersMismatch, match="不一致"):
        beacons.confirm_numbers(service, task, typo, "clerk-li", lc.T_DRAW)
    assert service.get_task(task).state == "announced"
    assert _entries(service, task) == [("rejected", "clerk-wang")]
    # Order matters too: "exactly the entered value".
    beacons.enter_numbers(service, task, NUMBERS, "clerk-zhao", lc.T_DRAW)
    reordered = [NUMBERS[0], list(reversed(NUMBERS[1]))]
    with pytest.raises(beacons.NumbersMismatch):
        beacons.confirm_numbers(service, task, reordered, "clerk-li", lc.T_DRAW)
    beacons.enter_numbers(service, task, NUMBERS, "clerk-zhao", lc.T_DRAW)
    beacons.confirm_numbers(service, task, NUMBERS, "clerk-wang", lc.T_DRAW)
    assert service.get_task(task).state == "drawn"
    assert _actions(service, task) == [
        "beacon.numbers.enter",
        "beacon.numbers.reject",
        "beacon.numbers.enter",
        "beacon.numbers.reject",
        "beacon.numbers.enter",
        "beacon.numbers.confirm",
    ]


def test_bad_entries_change_nothing(service: Lifecycle) -> None:
    draft = "T2026-B02"
    service.create_task(lc.params(lc.small_registries(), draft), lc.T_ANNOUNCE, actor="p")
    with pytest.raises(StateError, match="draft"):
        beacons.enter_numbers(service, draft, NUMBERS, "a", lc.T_DRAW)
    task = _announced(service)
    cases = [
        ([[408]], "来源不符"),  # one source where two were announced
        ([[408], [1, 2, 3]], "来源不符"),  # three red balls where six were announced
        ([[-1], NUMBERS[1]], "非负整数"),
        ([[True], NUMBERS[1]], "非负整数"),
    ]
    for numbers, why in cases:
        with pytest.raises(InputError, match=why):
            beacons.enter_numbers(service, task, numbers, "a", lc.T_DRAW)
    with pytest.raises(InputError, match="开奖前"):
        beacons.enter_numbers(service, task, NUMBERS, "a", lc.T_ANNOUNCE)
    assert _entries(service, task) == []
    beacons.enter_numbers(service, task, NUMBERS, "a", lc.T_DRAW)
    with pytest.raises(InputError, match="已有 a 录入"):
        beacons.enter_numbers(service, task, NUMBERS, "b", lc.T_DRAW)
    with pytest.raises(InputError, match="原因"):
        beacons.reject_numbers(service, task, "a", " ", lc.T_DRAW)
    beacons.reject_numbers(service, task, "a", "录错了", lc.T_DRAW)
    assert _entries(service, task) == [("rejected", "a")]
    assert _actions(service, task) == ["beacon.numbers.enter", "beacon.numbers.reject"]
    with service.session() as s:
        assert (
            s.exec(select(func.count()).select_from(LogEntry).where(LogEntry.task == task)).one()
            == 1
        )


def test_fallback_numbers_only_after_the_scheduler_declared_it(service: Lifecycle) -> None:
    task = "T2026-B03"
    announce_at = dt.ROUND_DUE - timedelta(seconds=10)
    service.create_task(dt.drand_params(task), announce_at, actor="planner")
    service.announce(task, announce_at)
    numbers = [list(v) for v in dt.fallback_numbers()[1].values]
    on_fallback_day = dt.DEADLINE + timedelta(hours=12)
    # Before the declaration staff cannot switch to the fallback, even after the deadline.
    with pytest.raises(InputError, match="尚未被确认缺失"):
        beacons.enter_numbers(service, task, numbers, "a", on_fallback_day)
    with pytest.raises(StateError, match="has not passed"):
        beacons.declare_fallback(service, task, dt.DEADLINE - timedelta(seconds=1), {})
    assert beacons.declare_fallback(service, task, dt.DEADLINE, {"why": "test"})
    assert not beacons.declare_fallback(service, task, dt.DEADLINE, {"why": "again"})
    # The fallback's public draw is on the day after the deadline: not before it.
    with pytest.raises(InputError, match="开奖前"):
        beacons.enter_numbers(service, task, numbers, "a", dt.DEADLINE)
    entry = beacons.enter_numbers(service, task, numbers, "a", on_fallback_day)
    assert entry.fallback
    record = beacons.confirm_numbers(service, task, numbers, "b", on_fallback_day)
    assert record.body["fallback"] is True
    assert record.body["beacon_value"] == PublicNumbersValue.from_values(numbers).to_dict()
    assert _actions(service, task) == [
        "beacon.fallback",
        "beacon.numbers.enter",
        "beacon.numbers.confirm",
    ]


def test_drand_task_without_fallback_takes_no_numbers(service: Lifecycle) -> None:
    task = "T2026-B04"
    announce_at = dt.ROUND_DUE - timedelta(seconds=10)
    service.create_task(dt.drand_params(task, fallback=False), announce_at, actor="planner")
    service.announce(task, announce_at)
    with pytest.raises(InputError, match="无需录入"):
        beacons.enter_numbers(service, task, NUMBERS, "a", dt.DEADLINE)
    with pytest.raises(StateError, match="no fallback"):
        beacons.declare_fallback(service, task, dt.DEADLINE, {})


def test_confirmation_interrupted_after_the_draw_is_completed_by_a_retry(
    service: Lifecycle,
) -> None:
    # A crash between the draw and marking the entry confirmed: the task is drawn, the entry
    # still pending. Confirming again answers with that draw and closes the entry.
    task = _announced(service)
    beacons.enter_numbers(service, task, NUMBERS, "clerk-wang", lc.T_DRAW)
    drawn = service.draw(task, PublicNumbersValue.from_values(NUMBERS), lc.T_DRAW, actor="clerk-li")
    assert _entries(service, task) == [("pending", "clerk-wang")]
    again = beacons.confirm_numbers(service, task, NUMBERS, "clerk-li", lc.T_DRAW)
    assert again.note == drawn.note
    assert _entries(service, task) == [("confirmed", "clerk-wang")]
    with service.session() as s:
        draws = select(func.count()).select_from(LogEntry).where(LogEntry.step == "draw")
        assert s.exec(draws).one() == 1
