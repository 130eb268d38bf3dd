"""The durable lifecycle on SQLite and PostgreSQL: announce -> draw -> disclose, cancel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from lottery.core.audit import audit_export
from lottery.core.beacon import PublicNumbersValue
from lottery.core.errors import InputError, VerificationError
from lottery.core.outcome import decode_outcome
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle, StateError, TaskNotFound
from lottery.storage.models import AuditEvent, Blob, LogEntry, SealedOutcome, Task
from tests import lifecycle as lc


def _create(service: Lifecycle, task: str = "T2026-001") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    return task


def _audit(service: Lifecycle, path: Path) -> None:
    service.export_to(path)
    report = audit_export(file_getter(path), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures


def _steps(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(
            select(LogEntry.step).where(LogEntry.task == task).order_by(col(LogEntry.idx))
        )
        return [r or "" for r in rows]


def test_full_lifecycle_exports_and_verifies(service: Lifecycle, tmp_path: Path) -> None:
    task = _create(service)
    ann = service.announce(task, lc.T_ANNOUNCE, actor="planner")
    assert service.get_task(task).state == "announced"
    # The pools frozen from the database are those of the registries they were loaded from.
    mem = lc.announced(task)
    assert ann.body["pool"] == mem.announcement.body["pool"]
    assert ann.body["inspector_pool"] == mem.announcement.body["inspector_pool"]
    assert ann.body["exclusions"]["count"] == len(lc.small_registries().exclusions)

    draw = service.draw(task, lc.beacon()[1], lc.T_DRAW)
    assert service.get_task(task).state == "drawn"
    outcome_sha = draw.body["outcome"]
    # Sealed: the outcome is in neither the public blobs nor the export.
    with service.session() as s:
        assert s.get(Blob, outcome_sha) is None
    export = tmp_path / "export"
    _audit(service, export)
    assert not (export / "blobs" / outcome_sha).exists()

    reveal = service.disclose(task, lc.T_REVEAL)
    assert reveal.body["outcome"] == outcome_sha
    _audit(service, export)  # the same export directory grows
    assert (export / "blobs" / outcome_sha).exists()
    assert _steps(service, task) == ["announce", "draw", "reveal"]
    with service.session() as s:
        actions = list(s.exec(select(AuditEvent.action).where(AuditEvent.object == task)))
    assert actions == [
        "task.create",
        "secret.create",
        "task.announce",
        "task.draw",
        "task.disclose",
    ]


def test_each_transition_is_idempotent(service: Lifecycle, tmp_path: Path) -> None:
    task = _create(service)
    again = service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="x")
    assert again.state == "draft"
    a1 = service.announce(task, lc.T_ANNOUNCE)
    a2 = service.announce(task, lc.T_ANNOUNCE + timedelta(minutes=5))
    assert a1.note == a2.note
    d1 = service.draw(task, lc.beacon()[1], lc.T_DRAW)
    d2 = service.draw(task, lc.beacon()[1], lc.T_DRAW + timedelta(hours=1))
    assert d1.note == d2.note
    assert service.announce(task, lc.T_DRAW).note == a1.note  # earlier steps still answer
    r1 = service.disclose(task, lc.T_REVEAL)
    r2 = service.disclose(task, lc.T_REVEAL + timedelta(days=1))
    assert r1.note == r2.note
    assert _steps(service, task) == ["announce", "draw", "reveal"]
    with pytest.raises(StateError, match="disclosed"):
        service.cancel(task, "too late", lc.T_REVEAL)
    _audit(service, tmp_path / "export")


@pytest.mark.parametrize("drawn", [False, True], ids=["announced", "drawn"])
def test_cancellation_reveals_secret_and_outcome(
    service: Lifecycle, tmp_path: Path, drawn: bool
) -> None:
    task = _create(service)
    service.announce(task, lc.T_ANNOUNCE)
    d = service.draw(task, lc.beacon()[1], lc.T_DRAW) if drawn else None
    c1 = service.cancel(task, "发现参数错误", lc.T_DRAW + timedelta(hours=2))
    c2 = service.cancel(task, "again", lc.T_DRAW + timedelta(hours=3))
    assert c1.note == c2.note
    assert service.get_task(task).state == "cancelled"
    assert len(c1.body["secret"]) == 64
    assert (c1.body["outcome"] is not None) == drawn
    if d is not None:  # the draw happened: asking again answers with it, never draws anew
        assert service.draw(task, lc.beacon()[1], lc.T_DRAW).note == d.note
    else:
        with pytest.raises(StateError, match="cancelled"):
            service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with pytest.raises(StateError, match="cancelled"):
        service.disclose(task, lc.T_REVEAL)
    export = tmp_path / "export"
    _audit(service, export)
    if drawn:
        assert (export / "blobs" / c1.body["outcome"]).exists()


def test_refusals_change_nothing(service: Lifecycle) -> None:
    with pytest.raises(TaskNotFound):
        service.announce("T-missing", lc.T_ANNOUNCE)
    task = _create(service)
    with pytest.raises(StateError, match="draft"):
        service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with pytest.raises(StateError, match="draft"):
        service.cancel(task, "why", lc.T_DRAW)
    # An announcement on or after the beacon's draw date is refused and rolled back.
    with pytest.raises(InputError, match="after the announcement"):
        service.announce(task, lc.T_DRAW)
    assert service.get_task(task).state == "draft"
    service.announce(task, lc.T_ANNOUNCE)
    # A beacon value that does not fit the announced sources is refused.
    bad = PublicNumbersValue.from_values([[408]])  # one source where two were announced
    with pytest.raises(VerificationError, match="beacon"):
        service.draw(task, bad, lc.T_DRAW)
    assert service.get_task(task).state == "announced"
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with pytest.raises(InputError, match="不能提前公开"):
        service.disclose(task, lc.T_DRAW)
    assert service.get_task(task).state == "drawn"
    assert _steps(service, task) == ["announce", "draw"]


def test_sealed_outcome_read_is_audited(service: Lifecycle) -> None:
    task = _create(service)
    service.announce(task, lc.T_ANNOUNCE)
    draw = service.draw(task, lc.beacon()[1], lc.T_DRAW)
    blob = service.read_sealed_outcome(task, "reviewer-li", lc.T_DRAW, remote_addr="10.0.0.7")
    outcome = decode_outcome(blob)
    assert outcome.task == task
    with service.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "outcome.read")).one()
        row = s.get(SealedOutcome, task)
        assert row is not None
    assert (event.actor, event.object, event.remote_addr) == ("reviewer-li", task, "10.0.0.7")
    assert event.detail == {"sha256": draw.body["outcome"]}
    assert blob not in row.ciphertext


def test_secret_and_outcome_not_in_database_in_clear(
    service: Lifecycle, tmp_path: Path, database_url: str
) -> None:
    task = _create(service)
    service.announce(task, lc.T_ANNOUNCE)
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with service.session() as s:
        secret = service._secret(s, task)
    outcome = service.read_sealed_outcome(task, "auditor", lc.T_DRAW)
    needles = [secret, secret.hex().encode(), outcome[:64]]
    with service.session() as s:
        for table in ("task_secret", "sealed_outcome", "log_entry", "blob", "task", "audit_event"):
            for row in s.connection().exec_driver_sql(f"SELECT * FROM {table}"):  # noqa: S608
                flat = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
                for needle in needles:
                    assert needle not in flat, table
        task_row = s.get(Task, task)
        assert task_row is not None
    if database_url.startswith("sqlite"):
        service.engine.dispose()
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("lottery.db*"))
        assert raw
        for needle in needles:
            assert needle not in raw
