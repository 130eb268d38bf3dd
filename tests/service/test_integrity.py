"""Missing stored state is a named fault of the service: 500 at the API, never a bare error.

A drawn task's sealed outcome and an announced task's secret are promised by its state; when
the database has lost one, the step says which (``StoredDataMissing``), changes nothing, and
the API maps it to 500 (a fault of the service, not of the caller). The check is not an
``assert``, so it stays under ``python -O``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import delete

from lottery.api.errors import status_of
from lottery.service.integrity import StoredDataMissing, stored
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import SealedOutcome, TaskSecret
from tests import lifecycle as lc
from tests.service.test_lifecycle import _create


def test_a_lost_secret_stops_the_draw_and_changes_nothing(service: Lifecycle) -> None:
    task = _create(service)
    service.announce(task, lc.T_ANNOUNCE, actor="planner")
    with service.session() as s, s.begin():
        s.exec(delete(TaskSecret).where(TaskSecret.task == task))  # type: ignore[arg-type]
    with pytest.raises(StoredDataMissing, match=f"task {task} has no office secret"):
        service.draw(task, lc.beacon()[1], lc.T_DRAW)
    assert service.get_task(task).state == "announced"


def test_a_lost_sealed_outcome_stops_the_disclosure(service: Lifecycle) -> None:
    task = _create(service)
    service.announce(task, lc.T_ANNOUNCE, actor="planner")
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with service.session() as s, s.begin():
        s.exec(delete(SealedOutcome).where(SealedOutcome.task == task))  # type: ignore[arg-type]
    with pytest.raises(StoredDataMissing, match=f"task {task} has no sealed outcome"):
        service.disclose(task, lc.T_REVEAL)
    assert service.get_task(task).state == "drawn"


def test_the_api_answers_500_for_a_fault_and_4xx_for_the_callers_errors() -> None:
    from lottery.core.errors import InputError

    assert status_of(StoredDataMissing("the database lacks x")) == 500
    assert status_of(InputError("bad")) == 422


def test_stored_names_what_is_missing_and_passes_values_through() -> None:
    assert stored(0, "a count") == 0  # a falsy value is present
    with pytest.raises(StoredDataMissing, match="the database lacks the record"):
        stored(None, "the record")


def test_the_check_survives_python_optimize() -> None:
    code = (
        "from lottery.service.integrity import stored, StoredDataMissing\n"
        "try:\n    stored(None, 'x')\nexcept StoredDataMissing:\n    print('raised')\n"
    )
    out = subprocess.run(
        [sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "raised"
