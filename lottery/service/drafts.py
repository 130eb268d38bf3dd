"""Editing and deleting a draft task: only while it is a draft, never once announced.

A draft is private to the office (nothing about it is in the public log), so changing or
deleting it changes nothing public. Both operations lock the task row and act only when its
state is ``draft`` and the log holds no record of it; an announcement racing with them either
runs first (then the draft is refused here) or finds the task changed or gone. Each writes an
audit event (``task.update``, ``task.delete``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from lottery.core.canonical import format_time
from lottery.core.draw import TaskParams
from lottery.core.errors import InputError
from lottery.storage.models import LogEntry, OrgUnit, Task, TaskSecret

from .audit_trail import record_audit
from .lifecycle import Lifecycle, StateError, TaskNotFound
from .org_scope import require_task, require_units, task_units
from .params import params_to_json
from .text_input import refuse_unsafe_text


def _locked_draft(session: Session, task_id: str, action: str) -> Task:
    """The task row, locked, when it is a draft never published; else why not."""
    task = session.exec(select(Task).where(col(Task.id) == task_id).with_for_update()).one_or_none()
    if task is None:
        raise TaskNotFound(f"no task {task_id}")
    published = session.exec(select(LogEntry.idx).where(LogEntry.task == task_id)).first()
    if task.state != "draft" or published is not None:
        raise StateError(f"任务 {task_id} 已公告，不能{action}（只有从未公告的草稿可以{action}）")
    return task


def update_draft(
    lc: Lifecycle,
    params: TaskParams,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
    announce_at: datetime | None = None,
) -> Task:
    """Replace a draft's title and parameters (the id stays); checked as :meth:`create_task`.

    Raises:
        TaskNotFound: no task with this id.
        StateError: the task is not a draft (announced, drawn, cancelled...).
        UnsafeTextError: a refused character in a text field.
        InputError: an org unit that does not exist.
    """
    refuse_unsafe_text({"title": params.title, **params_to_json(params)})
    stored = params_to_json(params)
    if announce_at is not None:
        stored["announce_at"] = format_time(announce_at)
    with lc.session() as session, session.begin():
        require_task(session, actor, params.task)
        task = _locked_draft(session, params.task, "修改")
        known = set(session.exec(select(OrgUnit.code)))
        unknown = [u for u in params.org_units if u not in known]
        if unknown:
            raise InputError(f"字段「org_units」含有不存在的组织单位：{'、'.join(unknown)}")
        require_units(session, actor, task_units(session, stored), f"任务 {params.task} ")
        changed = sorted(
            k for k in set(stored) | set(task.params) if stored.get(k) != task.params.get(k)
        )
        if task.title != params.title:
            changed.insert(0, "title")
        task.title = params.title
        task.params = stored
        task.updated_at = now
        session.add(task)
        record_audit(session, now, actor, "task.update", task.id, {"changed": changed}, remote_addr)
    return lc.get_task(params.task)


def delete_draft(
    lc: Lifecycle, task_id: str, now: datetime, *, actor: str, remote_addr: str | None = None
) -> None:
    """Delete a draft (and the office secret an announcement that failed may have left).

    Raises:
        TaskNotFound: no task with this id.
        StateError: the task is not a draft.
    """
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = _locked_draft(session, task_id, "删除")
        detail = {"title": task.title}
        session.expunge(task)
        session.connection().execute(delete(TaskSecret).where(col(TaskSecret.task) == task_id))
        session.connection().execute(
            delete(Task).where(col(Task.id) == task_id, col(Task.state) == "draft")
        )
        record_audit(session, now, actor, "task.delete", task_id, detail, remote_addr)
