"""Public-numbers beacons: two-person entry, and the drand fallback declaration.

Public numbers (lottery results) reach the service by hand, so one person must not be able to
type them alone: :func:`enter_numbers` stores them as a *pending* entry, and only
:func:`confirm_numbers` by a **different** staff member typing **exactly the same numbers**
draws the task (:meth:`Lifecycle.draw`). A confirmation that differs voids the entry (one of
the two is wrong and nobody can tell which), so the numbers must be entered again. Every
step writes an audit event.

Which numbers: the announced primary beacon when it is public numbers; or the announced
fallback of a drand beacon, but only once the fallback was *declared*
(:func:`declare_fallback`, from :func:`lottery.service.drawing.draw_task`: the relays said the
round was not out at or after the deadline). Staff can never switch to the fallback on their
own.

Staff read these error messages in the console, so they are in Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from lottery.core.beacon import DrandBeacon, PublicNumbersBeacon, PublicNumbersValue
from lottery.core.errors import InputError
from lottery.core.records import Record
from lottery.storage.models import AuditEvent, BeaconEntry, Task

from .audit_trail import record_audit
from .lifecycle import Lifecycle, StateError, TaskNotFound
from .org_scope import require_task
from .params import params_from_task
from .text_input import refuse_unsafe_text

FALLBACK_ACTION = "beacon.fallback"
MAX_REASON = 2000
"""The longest reason for voiding an entry (as for a cancellation through the API)."""


class NumbersMismatch(InputError):
    """The confirmation did not match the entry; the entry was voided."""


def lock_task(session: Session, task_id: str) -> Task:
    """The task row, locked for the rest of the transaction (two-person steps use it).

    FOR UPDATE on PostgreSQL serializes the entries and decisions on one task (and the
    scheduler's transitions, which update the same row); SQLite's BEGIN IMMEDIATE already runs
    one write transaction at a time.

    Raises:
        TaskNotFound: for an unknown task.
    """
    task = session.exec(select(Task).where(col(Task.id) == task_id).with_for_update()).one_or_none()
    if task is None:
        raise TaskNotFound(f"no task {task_id}")
    return task


def fallback_declared(session: Session, task_id: str) -> bool:
    """True once the scheduler has declared the drand fallback for ``task_id``."""
    event = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.action == FALLBACK_ACTION, AuditEvent.object == task_id
        )
    ).first()
    return event is not None


def declare_fallback(
    lc: Lifecycle,
    task_id: str,
    now: datetime,
    detail: dict[str, Any],
    *,
    actor: str = "scheduler",
    remote_addr: str | None = None,
) -> bool:
    """Record that the announced drand round was missing at its deadline (once per task).

    Called only by :func:`lottery.service.drawing.draw_task` (for the scheduler's job or a
    staff draw), after the relays answered "not available" past the deadline: the relays'
    answer decides, never the caller. Returns True when this call recorded it.

    Raises:
        TaskNotFound: for an unknown task.
        StateError: when the task is not announced, or its primary is not a drand beacon
            with a fallback, or the deadline has not passed.
    """
    with lc.session() as session, session.begin():
        task = lock_task(session, task_id)
        if task.state != "announced":
            raise StateError(f"task {task_id} is {task.state}: no fallback to declare")
        spec = params_from_task(task).beacon
        primary = spec.primary
        if not isinstance(primary, DrandBeacon) or spec.fallback is None:
            raise StateError(f"task {task_id} announced no fallback beacon")
        if not primary.deadline_passed(now):
            raise StateError(f"the drand deadline {primary.deadline} has not passed")
        if fallback_declared(session, task_id):
            return False
        record_audit(session, now, actor, FALLBACK_ACTION, task_id, detail, remote_addr)
    return True


def _target(session: Session, task: Task, now: datetime) -> tuple[PublicNumbersBeacon, bool]:
    """The public-numbers beacon staff may enter for ``task`` now, and whether it is the
    fallback."""
    spec = params_from_task(task).beacon
    primary = spec.primary
    if isinstance(primary, PublicNumbersBeacon):
        return primary, False
    if spec.fallback is None:
        raise InputError(f"任务 {task.id} 使用 drand 信标，无需录入公开号码")
    if not primary.deadline_passed(now) or not fallback_declared(session, task.id):
        raise InputError(
            f"任务 {task.id} 的 drand 第 {primary.round} 轮尚未被确认缺失"
            f"（截止时间 {primary.deadline}），不能使用备用信标"
        )
    return spec.fallback, True


def _numbers(value: PublicNumbersValue | Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    raw = value.values if isinstance(value, PublicNumbersValue) else value
    try:
        numbers = tuple(tuple(source) for source in raw)
    except TypeError as exc:
        raise InputError("号码必须是每个来源一组的整数列表") from exc
    for source in numbers:
        for n in source:
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InputError(f"号码必须是非负整数，收到 {n!r}")
    return numbers


def _checked(
    session: Session, task: Task, numbers: tuple[tuple[int, ...], ...], now: datetime
) -> bool:
    """Check ``numbers`` against the beacon staff may enter now; return the fallback flag."""
    if task.state != "announced":
        raise StateError(f"任务 {task.id} 当前状态为 {task.state}，不能录入号码")
    beacon, fallback = _target(session, task, now)
    if now.astimezone(UTC).date().isoformat() < beacon.draw_date:
        raise InputError(f"公开号码在 {beacon.draw_date} 开奖，开奖前不能录入")
    problem = beacon.shape_problem(numbers)
    if problem is not None:
        raise InputError(f"号码与公告的来源不符：{problem}")
    return fallback


def _pending(session: Session, task_id: str) -> BeaconEntry | None:
    return session.exec(
        select(BeaconEntry)
        .where(BeaconEntry.task == task_id, BeaconEntry.status == "pending")
        .order_by(col(BeaconEntry.id).desc())
    ).first()


def pending_entry(lc: Lifecycle, task_id: str) -> BeaconEntry | None:
    """The entry waiting for confirmation, if any."""
    with lc.session() as session:
        return _pending(session, task_id)


def enter_numbers(
    lc: Lifecycle,
    task_id: str,
    value: PublicNumbersValue | Sequence[Sequence[int]],
    actor: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> BeaconEntry:
    """First person: store the observed numbers (one list per announced source) as pending.

    Raises:
        TaskNotFound, StateError: for an unknown task or one not announced.
        InputError: numbers that do not fit the announced sources, entered before the draw
            date, for a drand task (unless its fallback was declared), or when an entry is
            already pending (nothing changes).
    """
    numbers = _numbers(value)
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = lock_task(session, task_id)
        fallback = _checked(session, task, numbers, now)
        waiting = _pending(session, task_id)
        if waiting is not None:
            raise InputError(
                f"任务 {task_id} 已有 {waiting.entered_by} 录入的待确认号码，请由另一人确认"
            )
        entry = BeaconEntry(
            task=task_id,
            numbers=[list(n) for n in numbers],
            fallback=fallback,
            entered_by=actor,
            entered_at=now,
        )
        session.add(entry)
        session.flush()
        detail = {"entry": entry.id, "numbers": entry.numbers, "fallback": fallback}
        record_audit(session, now, actor, "beacon.numbers.enter", task_id, detail, remote_addr)
    return entry


def confirm_numbers(
    lc: Lifecycle,
    task_id: str,
    value: PublicNumbersValue | Sequence[Sequence[int]],
    actor: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> Record:
    """Second person: confirm the pending numbers by typing them again; then draw.

    Returns the draw record (the existing one when the task was already drawn with them).

    Raises:
        TaskNotFound, StateError: for an unknown task or one not announced.
        InputError: no pending entry, or the confirmer is the person who entered it
            (nothing changes).
        NumbersMismatch: the numbers differ from the entry, which is voided.
        VerificationError: when the lifecycle refuses the value (the entry stays pending).
    """
    numbers = _numbers(value)
    mismatch: str | None = None
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = lock_task(session, task_id)
        entry = _pending(session, task_id)
        if entry is None:
            done = _confirmed_draw(lc, session, task, numbers)
            if done is not None:
                return done  # a repeated confirmation: the draw already happened
            raise InputError(f"任务 {task_id} 没有待确认的号码，请先录入")
        if same_person(entry.entered_by, actor):
            raise InputError("录入和确认必须由两个不同的人完成")
        entered = tuple(tuple(n) for n in entry.numbers)
        if entered != numbers:
            entry.status, entry.decided_by, entry.decided_at = "rejected", actor, now
            session.add(entry)
            detail = {"entry": entry.id, "entered": entry.numbers, "confirmed": _lists(numbers)}
            record_audit(session, now, actor, "beacon.numbers.reject", task_id, detail, remote_addr)
            mismatch = f"确认的号码与 {entry.entered_by} 录入的不一致：该录入已作废，请重新录入"
        entry_id, fallback = entry.id, entry.fallback
    if mismatch is not None:
        raise NumbersMismatch(mismatch)
    record = lc.draw(
        task_id,
        PublicNumbersValue.from_values(numbers),
        now,
        fallback=fallback,
        actor=actor,
        remote_addr=remote_addr,
    )
    with lc.session() as session, session.begin():
        marked = session.connection().execute(
            update(BeaconEntry)
            .where(col(BeaconEntry.id) == entry_id, col(BeaconEntry.status) == "pending")
            .values(status="confirmed", decided_by=actor, decided_at=now)
        )
        if marked.rowcount == 1:
            extra: dict[str, Any] = {"entry": entry_id, "record": record.id}
            record_audit(session, now, actor, "beacon.numbers.confirm", task_id, extra, remote_addr)
    return record


def reject_numbers(
    lc: Lifecycle,
    task_id: str,
    actor: str,
    reason: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> BeaconEntry:
    """Void the pending entry (e.g. its author noticed a typo); audited with the reason.

    Its author or any other staff member allowed to handle numbers may void it: voiding
    draws nothing, and a confirmer could void it anyway by typing other numbers.

    Raises:
        TaskNotFound: for an unknown task.
        InputError: when nothing is pending, or the reason is empty, too long or holds a
            character that may not be stored (nothing changes).
    """
    if not reason.strip():
        raise InputError("作废录入需要说明原因")
    if len(reason) > MAX_REASON:
        raise InputError(f"作废原因不能超过 {MAX_REASON} 个字符")
    refuse_unsafe_text({"reason": reason})
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        lock_task(session, task_id)
        entry = _pending(session, task_id)
        if entry is None:
            raise InputError(f"任务 {task_id} 没有待确认的号码")
        entry.status, entry.decided_by, entry.decided_at = "rejected", actor, now
        session.add(entry)
        detail = {"entry": entry.id, "reason": reason}
        record_audit(session, now, actor, "beacon.numbers.reject", task_id, detail, remote_addr)
    return entry


def _confirmed_draw(
    lc: Lifecycle, session: Session, task: Task, numbers: tuple[tuple[int, ...], ...]
) -> Record | None:
    """The draw record when ``task`` was drawn from a confirmed entry of these numbers."""
    if task.state == "announced":
        return None
    confirmed = session.exec(
        select(BeaconEntry).where(BeaconEntry.task == task.id, BeaconEntry.status == "confirmed")
    ).first()
    if confirmed is None or tuple(tuple(n) for n in confirmed.numbers) != numbers:
        return None
    return lc.log.task_record(session, task.id, "draw")


def same_person(a: str, b: str) -> bool:
    """Names compared as the results' approvals compare them: case and outer spaces ignored."""
    return a.strip().casefold() == b.strip().casefold()


def _lists(numbers: tuple[tuple[int, ...], ...]) -> list[list[int]]:
    return [list(n) for n in numbers]
