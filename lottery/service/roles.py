"""Staff roles and what each may do: the one table the API and the CLI consult.

Roles (issue #3): admin, planner, inspector, reviewer, auditor. A permission names one kind of
action; a route or command needs exactly one permission, and a user holds every permission of
each of their roles. Keeping the matrix here (not scattered over routes) makes it reviewable and
lets the test suite check every route against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """A staff role."""

    ADMIN = "admin"
    PLANNER = "planner"
    INSPECTOR = "inspector"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"


class Perm(StrEnum):
    """A kind of staff action."""

    USERS_MANAGE = "users.manage"
    TASK_READ = "task.read"
    TASK_PLAN = "task.plan"  # create and announce tasks
    TASK_DRAW = "task.draw"
    TASK_DISCLOSE = "task.disclose"
    TASK_CANCEL = "task.cancel"
    OUTCOME_READ = "outcome.read"  # the sealed picked list (R6), always audited
    REGISTRY_READ = "registry.read"
    REGISTRY_WRITE = "registry.write"  # imports, item list versions, snapshots
    BEACON_ENTER = "beacon.enter"  # public numbers, first person
    BEACON_CONFIRM = "beacon.confirm"  # public numbers, second person
    RESULT_ENTER = "result.enter"
    RESULT_REVIEW = "result.review"  # approve results, task reports and penalties
    PUBLICATION_REVIEW = "publication.review"  # 保密审查 of results, orders, re-checks
    REPORT_WRITE = "report.write"  # draft and complete task reports
    PENALTY_WRITE = "penalty.write"  # enter and withdraw penalty decisions
    CALENDAR_WRITE = "calendar.write"  # the office's holiday / adjusted-workday table
    AUDIT_READ = "audit.read"


_STAFF_READ = {Perm.TASK_READ, Perm.REGISTRY_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.PLANNER: frozenset(
        _STAFF_READ
        | {
            Perm.TASK_PLAN,
            Perm.TASK_DRAW,
            Perm.TASK_DISCLOSE,
            Perm.TASK_CANCEL,
            Perm.OUTCOME_READ,
            Perm.REGISTRY_WRITE,
            Perm.BEACON_ENTER,
            Perm.BEACON_CONFIRM,
            Perm.REPORT_WRITE,
            Perm.PENALTY_WRITE,
            Perm.CALENDAR_WRITE,
        }
    ),
    # Inspectors need the sealed list to know where they go; each read is audited.
    Role.INSPECTOR: frozenset(_STAFF_READ | {Perm.OUTCOME_READ, Perm.RESULT_ENTER}),
    # Reviewers may disclose: the outcome is already fixed and sealed, and the person who
    # reveals it need not be the planner who drew it (docs/decisions.md).
    Role.REVIEWER: frozenset(
        _STAFF_READ
        | {Perm.RESULT_REVIEW, Perm.PUBLICATION_REVIEW, Perm.BEACON_CONFIRM, Perm.TASK_DISCLOSE}
    ),
    Role.AUDITOR: frozenset(_STAFF_READ | {Perm.AUDIT_READ}),
}

ROLE_NAMES_ZH = {
    Role.ADMIN: "系统管理员",
    Role.PLANNER: "抽查计划员",
    Role.INSPECTOR: "执法检查人员",
    Role.REVIEWER: "审核人员",
    Role.AUDITOR: "审计监督人员",
}

# What each permission lets a person do, as a refusal names it ("没有权限……").
PERM_NAMES_ZH = {
    Perm.USERS_MANAGE: "管理用户账号",
    Perm.TASK_READ: "查看抽查任务",
    Perm.TASK_PLAN: "新建和公告抽查任务",
    Perm.TASK_DRAW: "抽取抽查对象",
    Perm.TASK_DISCLOSE: "公开抽取结果",
    Perm.TASK_CANCEL: "取消抽查任务",
    Perm.OUTCOME_READ: "查看封存的抽取结果",
    Perm.REGISTRY_READ: "查看名录",
    Perm.REGISTRY_WRITE: "导入名录和发布名录快照",
    Perm.BEACON_ENTER: "录入开奖号码",
    Perm.BEACON_CONFIRM: "复核开奖号码",
    Perm.RESULT_ENTER: "录入检查结果",
    Perm.RESULT_REVIEW: "审核检查结果、抽查报告和行政处罚",
    Perm.PUBLICATION_REVIEW: "对拟公开的检查结果、责令整改和复查记录进行保密审查",
    Perm.REPORT_WRITE: "编写抽查报告",
    Perm.PENALTY_WRITE: "录入和撤回行政处罚",
    Perm.CALENDAR_WRITE: "维护节假日安排",
    Perm.AUDIT_READ: "查看审计日志",
}


def permissions(roles: Iterable[str]) -> frozenset[Perm]:
    """Every permission held through ``roles`` (unknown role names grant nothing)."""
    held: set[Perm] = set()
    for name in roles:
        try:
            held |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(held)


def roles_with(perm: Perm) -> list[Role]:
    """The roles that hold ``perm``, in declaration order."""
    return [role for role in Role if perm in ROLE_PERMISSIONS[role]]
