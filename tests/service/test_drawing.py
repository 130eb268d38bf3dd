"""The draw decided in one place (``draw_task``), on SQLite and PostgreSQL.

Tasks use the recorded quicknet round 123 (a real drand round, due 2023-08-23T15:15:33Z, its
signature verified by the BLS code) with a public-numbers fallback and a deadline an hour
later (``tests/service/drand_tasks.py``). The round is given as a signature, returned by a
fake fetch, or served by a relay on 127.0.0.1 to the real relay client; never the internet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.core.canonical import format_time
from lottery.core.errors import InputError, VerificationError
from lottery.demo.recorded import QUICKNET_SIGNATURE, quicknet_round_123
from lottery.service import beacons
from lottery.service.drand_client import BeaconNotYetAvailable, DrandClient, RelaysUnavailable
from lottery.service.drawing import (
    DrawStatus,
    FallbackDeclared,
    PublicNumbersDraw,
    draw_task,
)
from lottery.service.lifecycle import Lifecycle, StateError, TaskNotFound
from lottery.storage.models import AuditEvent
from tests import lifecycle as lc
from tests.service import drand_tasks as dt

AFTER_ROUND = dt.ROUND_DUE + timedelta(seconds=30)
PAST_DEADLINE = dt.DEADLINE + timedelta(minutes=1)


class Fetch:
    """A fetch stub: counts calls; raises ``error`` when set, else returns round 123."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    def __call__(self, beacon: DrandBeacon) -> DrandValue:
        self.calls += 1
        assert beacon.round == 123
        if self.error is not None:
            raise self.error
        return quicknet_round_123()


def _announced(service: Lifecycle, task: str, *, fallback: bool = True) -> str:
    at = dt.ROUND_DUE - timedelta(seconds=10)
    service.create_task(dt.drand_params(task, fallback=fallback), at, actor="planner")
    service.announce(task, at)
    return task


def _events(service: Lifecycle, task: str, action: str) -> list[AuditEvent]:
    with service.session() as s:
        rows = s.exec(
            select(AuditEvent)
            .where(AuditEvent.object == task, AuditEvent.action == action)
            .order_by(col(AuditEvent.id))
        )
        return list(rows)


def test_a_given_signature_draws_and_a_second_call_fetches_nothing(service: Lifecycle) -> None:
    task = _announced(service, "T-D01")
    never = Fetch(RuntimeError("a signature was given: nothing may be fetched"))
    outcome = draw_task(
        service,
        task,
        AFTER_ROUND,
        actor="clerk-wang",
        signature=QUICKNET_SIGNATURE,
        fetch=never,
        remote_addr="10.0.0.7",
    )
    assert outcome.status is DrawStatus.DRAWN and outcome.record is not None
    assert outcome.record.body["beacon_value"] == quicknet_round_123().to_dict()
    assert outcome.record.body["fallback"] is False
    assert service.get_task(task).state == "drawn"
    [event] = _events(service, task, "task.draw")
    assert (event.actor, event.remote_addr) == ("clerk-wang", "10.0.0.7")
    # Drawn already: the same record, answered from the log, without any fetch.
    again = draw_task(service, task, AFTER_ROUND, actor="scheduler", fetch=never)
    assert again.status is DrawStatus.DRAWN and again.drawn().id == outcome.drawn().id
    assert never.calls == 0
    assert len(_events(service, task, "task.draw")) == 1


def test_a_signature_that_does_not_verify_draws_nothing(service: Lifecycle) -> None:
    task = _announced(service, "T-D02")
    flipped = bytearray(QUICKNET_SIGNATURE)
    flipped[-1] ^= 1
    with pytest.raises(VerificationError, match="beacon"):
        draw_task(service, task, AFTER_ROUND, actor="clerk", signature=bytes(flipped))
    assert service.get_task(task).state == "announced"


def test_a_fetched_round_draws_at_the_clock_after_the_fetch(service: Lifecycle) -> None:
    task = _announced(service, "T-D03")
    fetch = Fetch()
    after_fetch = AFTER_ROUND + timedelta(seconds=7)
    outcome = draw_task(
        service, task, AFTER_ROUND, actor="scheduler", fetch=fetch, clock=lambda: after_fetch
    )
    assert fetch.calls == 1
    assert outcome.drawn().body["beacon_value"] == quicknet_round_123().to_dict()
    assert outcome.drawn().body["time"] == format_time(after_fetch)


def test_before_the_round_is_due_no_relay_is_asked(service: Lifecycle) -> None:
    task = _announced(service, "T-D04")
    fetch = Fetch()
    outcome = draw_task(service, task, dt.ROUND_DUE - timedelta(seconds=1), actor="s", fetch=fetch)
    assert outcome.status is DrawStatus.NOT_YET and fetch.calls == 0
    with pytest.raises(BeaconNotYetAvailable, match="not due before"):
        outcome.drawn()
    assert service.get_task(task).state == "announced"


@pytest.mark.parametrize(
    ("now", "error", "fallback", "status"),
    [
        # Before the deadline "not yet" means wait, even with a fallback announced.
        (AFTER_ROUND, BeaconNotYetAvailable("425 from every relay"), True, DrawStatus.NOT_YET),
        # Relays down say nothing about the round: never the fallback, even past the deadline.
        (PAST_DEADLINE, RelaysUnavailable("all relays down"), True, DrawStatus.RELAYS_DOWN),
        # Past the deadline without an announced fallback: the draw waits for the round.
        (PAST_DEADLINE, BeaconNotYetAvailable("425"), False, DrawStatus.NOT_YET),
    ],
)
def test_no_round_and_no_fallback_yet(
    service: Lifecycle, now: datetime, error: Exception, fallback: bool, status: DrawStatus
) -> None:
    task = _announced(service, "T-D05", fallback=fallback)
    outcome = draw_task(service, task, now, actor="scheduler", fetch=Fetch(error))
    assert outcome.status is status and outcome.record is None
    with pytest.raises(type(error)):
        outcome.drawn()
    assert service.get_task(task).state == "announced"
    assert _events(service, task, "beacon.fallback") == []


def test_missing_round_past_the_deadline_declares_the_fallback_once(service: Lifecycle) -> None:
    task = _announced(service, "T-D06")
    fetch = Fetch(BeaconNotYetAvailable("425 from every relay"))
    first = draw_task(service, task, dt.DEADLINE, actor="clerk-li", fetch=fetch, remote_addr="::1")
    assert first.status is DrawStatus.FALLBACK and first.fallback_recorded
    with pytest.raises(FallbackDeclared, match="备用信标") as refused:
        first.drawn()
    assert isinstance(refused.value, StateError)  # the API answers 409
    second = draw_task(service, task, PAST_DEADLINE, actor="scheduler", fetch=fetch)
    assert second.status is DrawStatus.FALLBACK and not second.fallback_recorded
    [event] = _events(service, task, "beacon.fallback")
    assert (event.actor, event.remote_addr) == ("clerk-li", "::1")
    assert event.detail["round"] == 123 and "425" in event.detail["relays"]
    assert service.get_task(task).state == "announced"
    # The declaration is what lets staff enter the fallback's numbers.
    numbers = [list(v) for v in dt.fallback_numbers()[1].values]
    entry = beacons.enter_numbers(service, task, numbers, "a", dt.DEADLINE + timedelta(hours=12))
    assert entry.fallback


def test_public_numbers_go_through_the_two_person_entry(service: Lifecycle) -> None:
    numbers_task = "T-D07"
    service.create_task(lc.params(lc.small_registries(), numbers_task), lc.T_ANNOUNCE, actor="p")
    service.announce(numbers_task, lc.T_ANNOUNCE)
    fetch = Fetch()
    with pytest.raises(PublicNumbersDraw, match="另一人"):
        draw_task(service, numbers_task, lc.T_DRAW, actor="clerk", fetch=fetch)
    drand_task = _announced(service, "T-D08")
    with pytest.raises(PublicNumbersDraw):  # asking for the fallback directly: refused too
        draw_task(service, drand_task, PAST_DEADLINE, actor="c", fetch=fetch, use_fallback=True)
    assert fetch.calls == 0
    assert service.get_task(drand_task).state == "announced"


def test_states_and_missing_input_are_refused_without_a_fetch(service: Lifecycle) -> None:
    fetch = Fetch()
    with pytest.raises(TaskNotFound, match="NOPE"):
        draw_task(service, "NOPE", AFTER_ROUND, actor="c", fetch=fetch)
    service.create_task(dt.drand_params("T-D09"), dt.ROUND_DUE, actor="planner")
    with pytest.raises(StateError, match="draft"):
        draw_task(service, "T-D09", AFTER_ROUND, actor="c", fetch=fetch)
    task = _announced(service, "T-D10")
    service.cancel(task, "计划有误", AFTER_ROUND, actor="planner")
    with pytest.raises(StateError, match="cancelled"):
        draw_task(service, task, AFTER_ROUND, actor="c", fetch=fetch)
    assert fetch.calls == 0
    other = _announced(service, "T-D11")
    with pytest.raises(InputError, match="no drand signature"):
        draw_task(service, other, AFTER_ROUND, actor="c")


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("ok", DrawStatus.DRAWN),
        ("not-yet", DrawStatus.FALLBACK),
        ("down", DrawStatus.RELAYS_DOWN),
        ("tampered", DrawStatus.RELAYS_DOWN),
    ],
)
def test_with_the_relay_client_on_a_local_relay(
    service: Lifecycle, mode: str, status: DrawStatus
) -> None:
    task = _announced(service, "T-D12")
    relay = dt.LocalRelay(mode)
    client = DrandClient([relay.url], passes=1, sleep=lambda _: None, clock=lambda: PAST_DEADLINE)
    try:
        outcome = draw_task(service, task, PAST_DEADLINE, actor="scheduler", fetch=client.fetch_for)
    finally:
        client.close()
        relay.close()
    assert relay.requests == 1
    assert outcome.status is status
    drawn = status is DrawStatus.DRAWN
    assert service.get_task(task).state == ("drawn" if drawn else "announced")
    assert len(_events(service, task, "beacon.fallback")) == (status is DrawStatus.FALLBACK)
