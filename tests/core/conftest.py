"""Fixtures for the tests of the forked-worker paths (test_parallel.py, test_rerun.py)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from lottery.core import parallel


def forks() -> bool:
    """Whether forking is possible now (a test elsewhere in the suite may leave a thread)."""
    return parallel.can_fork()


@pytest.fixture(scope="module")
def no_threads_left() -> None:
    """Wait for threads other tests left behind (AnyIO keeps idle workers for 10 s), so that
    these tests really take the forked path; fail, never skip, if some thread stays."""
    deadline = time.monotonic() + 30
    while hasattr(os, "fork") and not forks() and time.monotonic() < deadline:
        time.sleep(0.2)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert not hasattr(os, "fork") or forks(), f"threads still running: {others}"


@pytest.fixture
def small_parallel(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let pools of any size take the parallel path."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    yield
