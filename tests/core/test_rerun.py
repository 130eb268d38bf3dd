"""The verifier's speculative re-run (lottery/core/rerun.py) and the pipe it uses.

Its answer must be used when it is right (else the speed-up is gone unnoticed), and nothing it
does wrong (a crash, a wrong answer, a parent that gives up) may change a verdict.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from lottery.core import rerun, selection, sharing
from lottery.core.errors import VerificationError
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.records import open_record
from lottery.core.verify import TaskVerification, verify_task
from lottery.runtime import forking
from lottery.service import inmemory
from tests.core.conftest import forks, guard
from tests.core.test_parallel import VERIFIERS, _disclosed, forge_outcome
from tests.lifecycle import LOG, T_DRAW, T_REVEAL, announced, beacon

pytestmark = pytest.mark.usefixtures("no_threads_left")


@pytest.fixture
def confirmed(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each verification took the worker's answer (``Rerun.confirm`` not ``None``)."""
    seen: list[bool] = []
    real = rerun.Rerun.confirm

    def spy(self: rerun.Rerun, *args: Any) -> Callable[[], Outcome] | None:
        got = real(self, *args)
        seen.append(got is not None)
        return got

    monkeypatch.setattr(rerun.Rerun, "confirm", spy)
    return seen


def _verify(run: inmemory.TaskRun, workers: int) -> TaskVerification:
    return verify_task(
        run.published.notes,
        run.published.blobs,
        VERIFIERS,
        log=LOG,
        workers=forking.workers(workers),
    )


def _published_outcome(run: inmemory.TaskRun) -> Outcome:
    assert run.result is not None
    return decode_outcome(run.published.blobs[run.result.outcome_sha256])


def test_the_workers_answer_is_used(small_parallel: None, confirmed: list[bool]) -> None:
    run = _disclosed("T2026-R1")
    serial = _verify(run, 1)
    assert confirmed == []  # one worker: no speculation
    forked = _verify(run, 2)
    assert confirmed == [True]
    assert forked == serial
    # The outcome, built from the re-run's parts when asked for, is the published one.
    assert forked.outcome == serial.outcome == _published_outcome(run)


def test_a_cancelled_draw_is_re_run_by_the_worker_too(
    small_parallel: None, confirmed: list[bool]
) -> None:
    run = announced("T2026-R2")
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.cancel(run, "检查计划调整", T_REVEAL)
    serial, forked = _verify(run, 1), _verify(run, 2)
    assert confirmed == [True]
    assert forked == serial and forked.status == "cancelled"
    assert forked.outcome == serial.outcome == _published_outcome(run)


def _child_only(fn: Callable[..., Any], parent: int, wrong: Callable[..., Any]) -> Any:
    def patched(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == parent:
            return fn(*args, **kwargs)
        return wrong(*args, **kwargs)

    return patched


def _dies(real: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a, **k: os._exit(3)


def _raises(real: Callable[..., Any]) -> Callable[..., Any]:
    def fail(*a: Any, **k: Any) -> Any:
        raise ValueError("bad input")

    return fail


def _reverses_teams(real: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a, **k: [type(t)(t.target, t.inspectors[::-1]) for t in real(*a, **k)]


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("assign_teams", _dies),  # after the parent's picks came
        ("decode_team_input", _dies),  # before drawing anything
        ("decode_team_input", _raises),
        ("teams_text", lambda real: lambda teams: "[]"),  # a wrong answer
        ("assign_teams", _reverses_teams),  # another wrong answer
    ],
)
def test_a_failing_worker_changes_nothing(
    small_parallel: None,
    confirmed: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    wrong: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> None:
    run = _disclosed("T2026-R3")
    serial = _verify(run, 1)
    real = getattr(rerun, name)
    monkeypatch.setattr(rerun, name, _child_only(real, os.getpid(), wrong(real)))
    forked = _verify(run, 2)
    assert confirmed == [False]  # the in-process re-run gave the verdict
    assert forked == serial and forked.outcome == serial.outcome


def test_a_forged_team_fails_the_same_way(small_parallel: None) -> None:
    run = _disclosed("T2026-R4")
    notes, blobs = list(run.published.notes), dict(run.published.blobs)
    assert run.result is not None
    outcome = json.loads(blobs[run.result.outcome_sha256])
    outcome["teams"][3]["inspectors"].reverse()
    forged_notes, forged_blobs = forge_outcome(notes, blobs, outcome)
    errors = []
    for workers in (1, 2):
        with pytest.raises(VerificationError) as err:
            verify_task(
                forged_notes, forged_blobs, VERIFIERS, log=LOG, workers=forking.workers(workers)
            )
        errors.append((err.value.check, err.value.detail))
    assert errors[0] == errors[1]
    assert errors[0][0] == "draw.teams" and outcome["teams"][3]["target"] in errors[0][1]


def test_no_speculation_without_a_reveal_or_a_worker(small_parallel: None) -> None:
    run = announced("T2026-R5")
    inmemory.draw(run, beacon()[1], T_DRAW)
    records = [open_record(n, VERIFIERS, log=LOG) for n in run.published.notes]
    blobs = run.published.blobs
    assert (
        rerun.start(records[0], records[1:], blobs, forking.workers(2)) is None
    )  # sealed: nothing to re-run
    inmemory.reveal(run, T_REVEAL)
    records = [open_record(n, VERIFIERS, log=LOG) for n in run.published.notes]
    assert rerun.start(records[0], records[1:], blobs, sharing.SERIAL) is None
    without_pool = {k: v for k, v in blobs.items() if k != records[0].body["pool"]["sha256"]}
    assert rerun.start(records[0], records[1:], without_pool, forking.workers(2)) is None
    started = rerun.start(records[0], records[1:], blobs, forking.workers(2))
    assert started is not None and started.job.forked
    started.abandon()


def _echo(inbox: sharing.Inbox[bytes], parent: int) -> tuple[bool, int]:
    return os.getpid() != parent, len(inbox.get())


def test_inbox_carries_a_message_to_the_child() -> None:
    assert forks(), "fork must be possible here"
    inbox: forking.PipeInbox[bytes] = forking.PipeInbox()
    parent = os.getpid()
    job = forking.Background(lambda: _echo(inbox, parent), inbox=inbox)
    assert inbox.put(b"x" * 3_000_000)  # far more than a pipe holds
    assert job.delivered() == (True, 3_000_000)


def test_a_send_to_a_dead_child_fails_at_once() -> None:
    inbox: forking.PipeInbox[bytes] = forking.PipeInbox()
    job = forking.Background(lambda: os._exit(3), inbox=inbox)
    assert job.forked
    assert job.delivered() is None  # no value and nothing recomputed here
    with guard(60, "a send to a dead child"):  # with a reader left, it would block forever
        assert not inbox.put(b"x" * 3_000_000)


def test_the_child_reads_end_of_file_when_the_parent_sends_nothing() -> None:
    inbox: forking.PipeInbox[bytes] = forking.PipeInbox()

    def read() -> str:
        try:
            inbox.get()
        except EOFError:
            return "eof"
        return "message"

    job = forking.Background(read, inbox=inbox)
    inbox.close()
    assert job.delivered() == "eof"


def test_inbox_in_process() -> None:
    inbox: sharing.Inbox[int] = sharing.SERIAL.inbox()
    job = sharing.SERIAL.start(lambda: inbox.get() * 2, inbox)
    assert not job.forked
    assert inbox.put(21)
    assert job.delivered() is None  # nothing ran in a child
    assert job.result() == 42
    with pytest.raises(EOFError):
        inbox.get()


def test_a_shared_inbox_without_a_fork_refuses_messages() -> None:
    inbox: forking.PipeInbox[int] = forking.PipeInbox()
    forking.Background(lambda: 0, fork=False, inbox=inbox)
    assert not inbox.put(1)  # nobody could ever read it: refused, never blocking


def test_delivered_returns_the_childs_value() -> None:
    parent = os.getpid()
    job = forking.Background(lambda: (os.getpid() != parent, selection.TAG_STRATUM))
    assert job.forked
    assert job.delivered() == (True, selection.TAG_STRATUM)
    assert job.delivered() is None  # delivered once
