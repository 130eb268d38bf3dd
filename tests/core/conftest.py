"""Fixtures for the tests of the forked-worker paths (test_parallel.py, test_rerun.py)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from lottery.runtime import forking


def forks() -> bool:
    """Whether forking is possible now (a test elsewhere in the suite may leave a thread)."""
    return forking.can_fork()


@contextmanager
def guard(seconds: float, what: str) -> Iterator[None]:
    """Fail, never hang, when the block is still blocked after ``seconds`` (main thread only).

    A guard against a hang, not a measurement: give it a generous value; the assertion of the
    test is about what the block did, never how long it took.
    """

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(f"{what}: still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def small_parallel(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let pools of any size take the parallel path."""
    monkeypatch.setattr(forking, "MIN_PARALLEL", 1)
    yield
