"""A cancellation that says the secret is lost (docs/spec.md §7 "Cancelled, secret lost";
docs/operations.md), on SQLite and PostgreSQL: allowed only when the service really cannot open
the task's secret (no row, or a row that does not decrypt with the secrets key), refused
otherwise; both people make the same choice; the record publishes no secret and no outcome
blob, and the public audit passes with the task counted as cancelled with its secret lost."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from lottery.core.audit import audit_export
from lottery.core.errors import InputError
from lottery.core.verify import secret_lost
from lottery.export.read import file_getter
from lottery.service import cancellations as cx
from lottery.service.lifecycle import Lifecycle
from lottery.service.secrets import SecretKeeper
from lottery.storage.models import AuditEvent, LogEntry, TaskSecret
from tests import lifecycle as lc

REASON = "数据库从备份恢复后秘密值无法恢复，本任务取消"
LATER = lc.T_DRAW + timedelta(hours=1)


def _task(service: Lifecycle, drawn: bool, task: str = "T2026-L01") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE)
    if drawn:
        service.draw(task, lc.beacon()[1], lc.T_DRAW)
    return task


def _lose_row(service: Lifecycle, task: str) -> None:
    with service.session() as s, s.begin():
        row = s.get(TaskSecret, task)
        assert row is not None
        s.delete(row)


def _steps(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(select(LogEntry.step).where(LogEntry.task == task).order_by(LogEntry.idx))
        return [r or "" for r in rows]


@pytest.mark.parametrize("drawn", [False, True], ids=["announced", "drawn"])
def test_a_secret_the_service_opens_cannot_be_declared_lost(
    service: Lifecycle, drawn: bool
) -> None:
    task = _task(service, drawn)
    with pytest.raises(InputError, match="仍可打开"):
        cx.request_cancel(service, task, REASON, "planner-wang", LATER, secret_lost=True)
    with pytest.raises(InputError, match="仍可打开"):
        service.cancel(task, REASON, LATER, secret_lost=True)
    assert cx.pending_request(service, task) is None
    assert service.get_task(task).state == ("drawn" if drawn else "announced")
    assert "cancel" not in _steps(service, task)


@pytest.mark.parametrize("drawn", [False, True], ids=["announced", "drawn"])
def test_a_lost_secret_row_is_cancelled_without_reveal(
    service: Lifecycle, drawn: bool, tmp_path: Path
) -> None:
    task = _task(service, drawn)
    _lose_row(service, task)
    # The ordinary way is refused, with the way to take.
    with pytest.raises(InputError, match="--secret-lost"):
        cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    cx.request_cancel(service, task, REASON, "planner-wang", LATER, secret_lost=True)
    # The second person must make the same choice.
    with pytest.raises(InputError, match="秘密值遗失"):
        cx.confirm_cancel(service, task, "director-zhao", LATER)
    assert "cancel" not in _steps(service, task)
    record = cx.confirm_cancel(service, task, "director-zhao", LATER, secret_lost=True)
    body = record.body
    assert body["secret"] is None and body["secret_lost"] is True
    assert service.get_task(task).state == "cancelled"
    with service.session() as s:
        draw = service.log.task_record(s, task, "draw")
        events = s.exec(
            select(AuditEvent)
            .where(AuditEvent.object == task, AuditEvent.action == "task.cancel")
            .order_by(col(AuditEvent.id))
        ).all()
    assert (body["draw"], body["outcome"]) == (
        (draw.id, draw.body["outcome"]) if draw is not None else (None, None)
    )
    assert [e.detail.get("secret_lost") for e in events] == [True]
    # A repeated confirmation cancels nothing twice.
    assert cx.confirm_cancel(service, task, "director-zhao", LATER, secret_lost=True) == record
    # Published: no secret and no outcome blob; the public audit passes and counts it.
    service.export_to(tmp_path / "export")
    if draw is not None:
        assert not (tmp_path / "export" / "blobs" / draw.body["outcome"]).exists()
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    assert report.tasks[task].status == "cancelled" and secret_lost(report.tasks[task])


def test_a_secret_that_does_not_decrypt_is_lost(service: Lifecycle) -> None:
    """The lost secrets key (docs/operations.md): the row is there, the key is another."""
    task = _task(service, drawn=True)
    other = _task(service, drawn=False, task="T2026-L02")
    service.keeper = SecretKeeper(os.urandom(32))
    with pytest.raises(InputError, match="--secret-lost"):
        service.cancel(task, REASON, LATER)
    record = service.cancel(task, REASON, LATER, actor="director-zhao", secret_lost=True)
    assert record.body["secret_lost"] is True and record.body["secret"] is None
    # An ordinary request of a task whose secret is lost the same way is refused too.
    with pytest.raises(InputError, match=r"无法用当前的 secrets\.key 解密"):
        cx.request_cancel(service, other, REASON, "planner-wang", LATER)


def test_a_confirmer_cannot_declare_lost_what_was_asked_ordinary(service: Lifecycle) -> None:
    task = _task(service, drawn=False)
    cx.request_cancel(service, task, REASON, "planner-wang", LATER)
    with pytest.raises(InputError, match="不是按"):
        cx.confirm_cancel(service, task, "director-zhao", LATER, secret_lost=True)
    record = cx.confirm_cancel(service, task, "director-zhao", LATER)
    assert isinstance(record.body["secret"], str) and "secret_lost" not in record.body
