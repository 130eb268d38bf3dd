"""我的检查任务 and the results entry form (result.enter), for the inspector's own targets.

The account must be linked to an inspector id (用户管理); the service lists only that
inspector's assignments (sealed ones audited, :func:`assignments.assignments_of`) and refuses
an entry for a target they were not drawn for (``ResultsService.enter(as_inspector=...)``).
Entries and corrections call the functions the JSON API calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import LotteryError
from lottery.core.onsite import ANSWERS, EVIDENCE_KINDS
from lottery.core.records import CHECK_METHODS, PENDING, RESULT_CATEGORIES
from lottery.service import users
from lottery.service.assignments import assignments_of
from lottery.service.lifecycle import Lifecycle
from lottery.service.onsite_record import Point, checklist_of
from lottery.service.results import MAX_EVIDENCE, ResultEntry, ResultsService
from lottery.service.roles import Perm

from .inspector_views import MyRow, my_rows, status_zh
from .render import page
from .result_form import EVIDENCE_SLOTS, MAX_FILES, ResultForm, onsite_defaults, parse, read_form
from .result_words import result_error_zh
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormDep = Annotated[ResultForm, Depends(read_form)]
NO_INSPECTOR = (
    "您的账号尚未关联执法检查人员编号，因此没有检查任务，也不能录入检查结果。"
    "请联系系统管理员在“用户管理”中设置。"
)


def _message(user: ConsoleUser, status: int, heading: str, message: str) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        active="my",
        status=status,
        heading=heading,
        message=message,
        back="/console/my",
        back_label="返回我的检查任务",
    )


def _results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log, service.keeper)


@router.get("/my", response_model=None)
def my_tasks(
    user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr, done: str = ""
) -> Response:
    """The account's own assignments; a listing that shows sealed ones is audited."""
    require(user, Perm.RESULT_ENTER)
    inspector = users.inspector_of(service, user.name)
    rows: list[MyRow] = []
    if inspector is not None:
        mine = assignments_of(service, inspector, now, actor=user.name, remote_addr=addr)
        rows = my_rows(service, _results(service), mine)
    return page(
        "my.html",
        user=user,
        active="my",
        inspector=inspector,
        no_inspector=NO_INSPECTOR,
        rows=rows,
        joint=joint_hints(rows),
        sealed=any(r.assignment.sealed for r in rows),
        status_zh=status_zh,
        done="检查结果已提交，等待审核人员审核。" if done == "entered" else "",
        now=now,
    )


def joint_hints(rows: Sequence[MyRow]) -> dict[tuple[str, str], list[str]]:
    """For each of the inspector's own assignments, the other tasks of the same year in which
    they were drawn for the same target: one visit (the same day) can serve both (联合检查,
    docs/results.md). Only the inspector's own picks are compared, so nothing is shown that
    the listing does not already show (need to know)."""

    def key(r: MyRow) -> tuple[str, str]:
        return r.assignment.target, str(r.assignment.task.params["window_start"])[:4]

    tasks: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        tasks.setdefault(key(r), []).append(r.assignment.task.id)
    hints: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        others = [t for t in tasks[key(r)] if t != r.assignment.task.id]
        if others:
            hints[(r.assignment.task.id, r.assignment.target)] = others
    return hints


def _row(
    service: Lifecycle,
    user: ConsoleUser,
    task_id: str,
    target: str,
    now: datetime,
    addr: str | None,
) -> MyRow | HTMLResponse:
    """The user's own assignment ``(task_id, target)``, or the Chinese refusal page."""
    inspector = users.inspector_of(service, user.name)
    if inspector is None:
        return _message(user, 403, "不能录入检查结果", NO_INSPECTOR)
    mine = [
        a
        for a in assignments_of(service, inspector, now, actor=user.name, remote_addr=addr)
        if (a.task.id, a.target) == (task_id, target)
    ]
    if not mine:
        return _message(
            user,
            403,
            "不能录入检查结果",
            "这个检查对象没有分配给您（您不在它的检查组中），不能录入它的检查结果。",
        )
    [row] = my_rows(service, _results(service), mine)
    if not (row.can_enter or row.can_correct):
        return _message(
            user,
            409,
            "已有检查结果",
            "这个检查对象的检查结果已录入，正在等待审核或待公开后发布，请勿重复录入。",
        )
    return row


def _defaults(row: MyRow) -> dict[str, str]:
    """The empty form: every drawn member present; for a correction, the place and the cap
    exception of the published version (the target registry holds no address to start from;
    a correction over the cap needs its reason again)."""
    values = {f"present_{i + 1}": "1" for i in range(len(row.team))}
    if row.published is not None:
        values["place"] = str(row.published.fields.get("place", ""))
        values["cap_exception"] = str(row.published.fields.get("cap_exception", ""))
        values |= onsite_defaults(row.published.fields)
    return values


def _form_page(
    user: ConsoleUser,
    row: MyRow,
    *,
    status: int = 200,
    form: ResultForm | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    points: Sequence[Point] = (),
) -> HTMLResponse:
    return page(
        "result_form.html",
        user=user,
        active="my",
        status=status,
        row=row,
        form=form or ResultForm(values=_defaults(row)),
        errors=errors or {},
        error=error,
        methods=CHECK_METHODS,
        categories=RESULT_CATEGORIES,
        pending=PENDING,
        max_mb=MAX_EVIDENCE // (1024 * 1024),
        max_files=MAX_FILES,
        points=points,
        answers=ANSWERS,
        evidence_kinds=EVIDENCE_KINDS,
        evidence_slots=EVIDENCE_SLOTS,
    )


@router.get("/my/{task_id}/{target}", response_model=None)
def entry_form(
    task_id: str, target: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """The results form for one of the user's own targets (or its correction)."""
    require(user, Perm.RESULT_ENTER)
    row = _row(service, user, task_id, target, now, addr)
    if isinstance(row, HTMLResponse):
        return row
    return _form_page(user, row, points=checklist_of(service.engine, task_id))


def _save(
    service: Lifecycle,
    row: MyRow,
    entry: ResultEntry,
    form: ResultForm,
    user: ConsoleUser,
    now: datetime,
    addr: str | None,
) -> None:
    results, inspector = _results(service), users.inspector_of(service, user.name)
    if row.can_correct and row.published is not None and row.published.record_id:
        reason = form.get("correction_reason").strip()
        results.correct(
            row.published.record_id,
            entry,
            reason,
            now,
            actor=user.name,
            remote_addr=addr,
            as_inspector=inspector,
        )
    else:
        results.enter(entry, now, actor=user.name, remote_addr=addr, as_inspector=inspector)


@router.post("/my/{task_id}/{target}", response_model=None)
def enter(
    task_id: str,
    target: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    form: FormDep,
) -> Response:
    """Enter (or correct) the result; errors sit next to their field and nothing is saved."""
    if form.too_large:
        limit = MAX_EVIDENCE // (1024 * 1024)
        return _message(
            user, 413, "上传的文件太大", f"每个证据文件最多 {limit} MB，一次最多 {MAX_FILES} 个。"
        )
    check_csrf(user, form.get("csrf"))
    require(user, Perm.RESULT_ENTER)
    row = _row(service, user, task_id, target, now, addr)
    if isinstance(row, HTMLResponse):
        return row
    points = checklist_of(service.engine, task_id)
    entry, errors = parse(
        form, task_id, target, row.assignment.team, correcting=row.can_correct, points=points
    )
    if entry is not None:
        try:
            _save(service, row, entry, form, user, now, addr)
        except LotteryError as exc:
            field, sentence = result_error_zh(exc)
            if not field:
                return _form_page(user, row, status=422, form=form, error=sentence, points=points)
            errors[field] = sentence
        else:
            return RedirectResponse("/console/my?done=entered", status_code=303)
    return _form_page(user, row, status=422, form=form, errors=errors, points=points)
