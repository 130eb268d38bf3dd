"""A worker process for the concurrency test (importable under the spawn start method)."""

from __future__ import annotations

from typing import Any

from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc


def draw_all(settings: dict[str, Any], tasks: list[str], barrier: Any, results: Any) -> None:
    """For each task: wait for the other process, then both call draw at once."""
    service = Lifecycle.open(get_settings(**settings))
    try:
        for task in tasks:
            barrier.wait(timeout=60)
            record = service.draw(task, lc.beacon()[1], lc.T_DRAW)
            results.put((task, record.id))
    finally:
        service.engine.dispose()
