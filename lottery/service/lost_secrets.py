"""Tasks whose office secret the service cannot open, for the scheduler and for staff.

After ``lottery recover`` (it rebuilds announced and drawn task rows from the log, without
their secrets) or a lost secrets key (docs/operations.md, "Incidents: lost secrets key"), an
announced or drawn task can never be drawn or disclosed: the draw needs the secret for the
seed, the reveal publishes it. The scheduler skips such a task instead of failing every run
(lottery/service/scheduler.py), and staff see it on the 工作台 and in ``GET /api/alerts`` with
the way out: the two-person cancellation that says the secret is lost (spec §7). A draft whose
stored secret does not open (the key lost before it was announced) cannot be announced either;
its secret was never published, so deleting the draft and creating it again is enough.

A draft without a secret row is normal (the secret is made at the announcement), so only a
draft *with* a row that does not open counts. When the key file was rotated after this process
read it (``lottery secrets rotate``), nothing can be said about any row: those tasks are left
out (the process must restart anyway). A row that does not open with the key in force but
with an archived one (``keys/archive/secrets-<n>.key``) is listed too (the scheduler cannot
use it), but as not lost: the alert names the file to put back and offers no cancellation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, col, select

from lottery.storage.models import Task, TaskSecret

from .lifecycle import NO_SECRET_ROW, SECRET_DOES_NOT_OPEN, Lifecycle
from .secrets import SecretStoreError

BLOCKED_STATES = ("draft", "announced", "drawn")
"""States whose next step needs the secret (announce, draw, disclose)."""
PURPOSE = "office-secret"
SECRET_IN_ARCHIVED_KEY = (
    "该任务的秘密值无法用当前的 secrets.key 解密，但能用已存档的密钥解密（没有遗失）"  # noqa: S105
)


@dataclass(frozen=True)
class LostSecret:
    """One task the service cannot carry on: why, and what staff do about it."""

    task: str
    title: str
    state: str
    reason: str
    archived_key: str | None = None
    """The archived key file that opens the secret: then it is not lost (put the key back)."""

    @property
    def draft(self) -> bool:
        """A draft: delete and re-create it (nothing was published)."""
        return self.state == "draft"

    @property
    def console_action(self) -> str:
        """The console page that starts the way out (the task's page when an archived key
        opens the secret: nothing to cancel)."""
        if self.archived_key is not None:
            return f"/console/tasks/{self.task}"
        action = "delete" if self.draft else "cancel"
        return f"/console/tasks/{self.task}/{action}"

    @property
    def commands(self) -> list[str]:
        """The command lines that do the same (two people for a cancellation)."""
        if self.draft or self.archived_key is not None:
            return []
        return [
            f"lottery task cancel {self.task} --secret-lost --reason 理由 --actor 申请人",
            f"lottery task cancel-confirm {self.task} --secret-lost --actor 确认人",
        ]

    @property
    def message(self) -> str:
        """The alert, in plain Chinese (the title is staff's text: escape it in HTML)."""
        if self.archived_key is not None:
            return (
                f"任务 {self.task}（{self.title}）的秘密值不能用当前的 secrets.key 解密，但能用"
                f"已存档的 {self.archived_key} 解密：秘密值没有遗失，不要取消。请停止服务，把"
                f" keys/secrets.key 移到别处保存，用 cp -p {self.archived_key} keys/secrets.key "
                "放回该密钥后重新启动（docs/operations.md“Incidents: lost secrets key”）。"
            )
        if self.draft:
            return (
                f"草稿 {self.task}（{self.title}）的秘密值无法打开（{self.reason}），无法公告，"
                "定时任务不再处理它。该秘密值从未公开：删除这份草稿后重新创建即可。"
            )
        return (
            f"任务 {self.task}（{self.title}）的秘密值无法打开（{self.reason}；数据库恢复或"
            "密钥遗失后会这样），无法抽取或公开，定时任务不再处理它。请按程序以“秘密值遗失”"
            "取消：在任务页申请取消并勾选“秘密值遗失”，由另一人确认；或用命令 "
            f"lottery task cancel {self.task} --secret-lost，再由另一人 "
            f"lottery task cancel-confirm {self.task} --secret-lost。"
            "然后公布说明，并另行公告替代任务。"
        )


def _reason(
    lc: Lifecycle, task_id: str, state: str, sealed: bytes | None
) -> tuple[str, str | None] | None:
    """Why the secret cannot be used, and the archived key file that opens it (if any)."""
    if sealed is None:
        return None if state == "draft" else (NO_SECRET_ROW, None)
    try:
        if lc.keeper.opens(PURPOSE, task_id, sealed):
            return None
    except SecretStoreError:  # the key file was rotated under this process: unknown
        return None
    archived = lc.keeper.archived_opening(PURPOSE, task_id, sealed)
    if archived is not None:
        return SECRET_IN_ARCHIVED_KEY, str(archived)
    return SECRET_DOES_NOT_OPEN, None


def task_secret_lost(lc: Lifecycle, session: Session, task: Task) -> str | None:
    """Why ``task``'s next step cannot run for want of its secret, or ``None`` (module
    docstring: a draft only when its row does not open; other states never)."""
    if task.state not in BLOCKED_STATES:
        return None
    row = session.get(TaskSecret, task.id)
    why = _reason(lc, task.id, task.state, None if row is None else row.ciphertext)
    return None if why is None else why[0]


def lost_secrets(
    lc: Lifecycle, session: Session, *, task_ids: Collection[str] | None = None
) -> list[LostSecret]:
    """Every draft, announced or drawn task whose secret the service cannot open, by id (one
    query); with ``task_ids``, among those only (the caller's org unit)."""
    rows = session.exec(
        select(Task.id, Task.title, Task.state, TaskSecret.ciphertext)
        .join(TaskSecret, col(TaskSecret.task) == col(Task.id), isouter=True)
        .where(col(Task.state).in_(BLOCKED_STATES))
        .order_by(col(Task.id))
    ).all()
    found = []
    for task_id, title, state, sealed in rows:
        if task_ids is not None and task_id not in task_ids:
            continue
        why = _reason(lc, task_id, state, sealed)
        if why is not None:
            found.append(LostSecret(task_id, title, state, *why))
    return found


def lost_secret_tasks(
    lc: Lifecycle, *, task_ids: Collection[str] | None = None
) -> list[LostSecret]:
    """:func:`lost_secrets` in its own session."""
    with lc.session() as session:
        return lost_secrets(lc, session, task_ids=task_ids)
