"""The annual cap is "原则上" (R4): an office may keep a capped target in the pool, with a reason
the announcement publishes (issue #16), on SQLite and PostgreSQL; `lottery verify` checks that
each exception names a pooled, non-excluded target."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lottery.core.audit import audit_export
from lottery.core.check_names import CheckName
from lottery.core.errors import VerificationError
from lottery.core.records import make_record
from lottery.core.verify import verify_task
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.text_input import UnsafeTextError
from lottery.storage.models import Blob, InspectionHistory
from tests import lifecycle as lc

TASK = "T2026-001"
REASON = "群众投诉集中<script>x</script>，需再次检查"


def _capped(service: Lifecycle, which: int) -> str:
    """A candidate checked twice this year (the window's year)."""
    target = lc.small_registries().candidates[which].id
    with service.session() as s, s.begin():
        for month in (1, 2):
            s.add(InspectionHistory(target=target, date=date(2026, month, 15)))
    return target


def _announce(service: Lifecycle, exceptions: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    params = dataclasses.replace(lc.params(lc.small_registries(), TASK), cap_exceptions=exceptions)
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    return dict(service.announce(TASK, lc.T_ANNOUNCE, actor="planner").body)


def _blob(service: Lifecycle, digest: str) -> Any:
    with service.session() as s:
        blob = s.get(Blob, digest)
        assert blob is not None
        return json.loads(blob.data)


def test_a_listed_capped_target_stays_in_the_pool_with_its_reason(
    service: Lifecycle, tmp_path: Path
) -> None:
    kept, capped = _capped(service, 0), _capped(service, 1)
    uncapped = lc.small_registries().candidates[2].id
    ann = _announce(service, ((kept, REASON), (uncapped, "未到上限，不公布")))
    # Only the exception the cap applied to is published, with its reason.
    assert ann["cap_exceptions"] == [{"target": kept, "reason": REASON}]
    excluded = {e["target"] for e in _blob(service, ann["exclusions"]["sha256"])["exclusions"]}
    pooled = {c for st in _blob(service, ann["pool"]["sha256"])["strata"] for c in st["candidates"]}
    assert kept in pooled and kept not in excluded
    assert capped in excluded and capped not in pooled  # not listed: the cap applies
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    assert CheckName.EXCLUSIONS_CAP_EXCEPTIONS in {c.name for c in report.tasks[TASK].checks}
    # The site shows the reason, escaped.
    from publisher.model import load_model
    from publisher.task_pages import task_page

    model = load_model(tmp_path / "export")
    page = task_page(model, model.tasks[TASK])
    assert "保留理由" in page and "&lt;script&gt;" in page and "<script>x" not in page


def test_without_exceptions_the_member_is_absent(service: Lifecycle) -> None:
    _capped(service, 0)
    assert "cap_exceptions" not in _announce(service, ())


def test_a_reason_with_a_control_character_is_refused(service: Lifecycle) -> None:
    target = _capped(service, 0)
    with pytest.raises(UnsafeTextError):
        _announce(service, ((target, "理由\u202e"),))
    assert service.list_tasks() == []


def test_verify_refuses_an_exception_naming_an_excluded_target(
    service: Lifecycle, tmp_path: Path
) -> None:
    kept, capped = _capped(service, 0), _capped(service, 1)
    ann = _announce(service, ((kept, "理由"),))
    service.export_to(tmp_path / "e")
    blobs = {p.name: p.read_bytes() for p in (tmp_path / "e" / "blobs").iterdir()}
    fields = {k: v for k, v in ann.items() if k not in ("type", "v", "log", "time")}
    fields["cap_exceptions"] = sorted(
        [{"target": kept, "reason": "理由"}, {"target": capped, "reason": "伪造"}],
        key=lambda e: e["target"],
    )
    forged = make_record("task-announcement", lc.LOG, lc.T_ANNOUNCE, fields, [service.log.signer])
    with pytest.raises(VerificationError) as failed:
        verify_task([forged], blobs, [service.log.verifier], log=lc.LOG)
    assert failed.value.check == CheckName.EXCLUSIONS_CAP_EXCEPTIONS
    assert capped in str(failed.value)
