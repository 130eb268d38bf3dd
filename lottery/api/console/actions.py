"""The task transitions the console offers, who may do each, and what it publishes, in words.

Each transition is shown on a confirmation page that says in plain Chinese what will be
published and when; the POST that follows calls the service exactly as the JSON API does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lottery.core.canonical import parse_time
from lottery.service.roles import Perm
from lottery.storage.models import Task

from . import views, words


@dataclass(frozen=True)
class Action:
    """One transition: its URL key, its Chinese name, its permission and the states it leaves."""

    key: str
    label: str
    perm: Perm
    states: tuple[str, ...]
    explain: Callable[[Task, datetime], list[str]]


def _when(m: views.Moment | None) -> str:
    if m is None:
        return "按公告的时间"
    return words.time_zh(m.at) if m.at is not None else words.date_zh(m.day)


def _disclosure(task: Task) -> str:
    return words.time_zh(parse_time(task.params["disclosure"]))


def _announce(task: Task, now: datetime) -> list[str]:
    return [
        "现在冻结本任务的抽查对象名录和检查人员名录：候选对象、因规则排除的对象及原因、"
        "可派的检查人员和回避关系，全部写入公告。",
        "公开的公告记录包括：任务名称和编号、检查期间、各风险等级的抽取比例、每组人数、"
        "抽查事项、随机数来源（" + "；".join(views.beacon_lines(task)) + "）和结果公开时间。",
        "同时公开本办公室秘密的承诺值（不公开秘密本身），保证抽取之后不能更换秘密。",
        f"之后在 {_when(views.draw_moment(task))} 按公告的随机数抽取，"
        f"抽取结果封存到 {_disclosure(task)} 公开。",
    ]


def _draw(task: Task, now: datetime) -> list[str]:
    return [
        "现在用公告的随机数（" + "；".join(views.beacon_lines(task)) + "）抽取检查对象，"
        "并为每个对象分配检查组。",
        "公开的抽取记录只包括所用的随机数和抽取结果的摘要（SHA-256），"
        f"名单本身封存，到 {_disclosure(task)} 才公开。",
        "随机数尚未产生或无法取得时，不会抽取，也不会公开任何记录。",
    ]


def _disclose(task: Task, now: datetime) -> list[str]:
    lines = [
        "现在公开完整的抽取结果（抽中的检查对象和检查组）和本办公室的秘密，"
        "任何人都可据此复核这次抽取。",
        f"公告的结果公开时间是 {_disclosure(task)}。",
        "已审核、待公开后发布的检查结果随之公开。",
    ]
    if now < parse_time(task.params["disclosure"]):
        if task.params.get("disclose_early"):
            lines.append(
                "本任务公告“公开时间：公告时间或全部检查结果审核完毕时（以先到者为准）”："
                "公开时间未到，只有每个抽中对象的检查结果都已审核通过时才能现在公开，"
                "否则会被拒绝，不会公开任何内容。"
            )
        else:
            lines.append("注意：公开时间未到，现在提交会被拒绝，不会公开任何内容。")
    return lines


def cancel_effects(task: Task, *, secret_lost: bool = False) -> list[str]:
    """What a confirmed cancellation publishes besides its reason (the request's page and the
    pending request's confirmation both say it); ``secret_lost``: one that says the secret
    is lost (docs/operations.md)."""
    outcome = "和已抽取的结果" if task.state == "drawn" else ""
    if secret_lost:
        return [
            f"按“秘密值遗失”取消：不公开秘密值{outcome}（系统已无法打开它们），"
            "公开记录写明秘密值遗失；公众将看到本任务的抽取无法核验，核验程序会单独提示。",
            "取消后不能恢复；如需重新抽查，须新建任务。",
        ]
    return [
        f"同时公开本办公室的秘密{outcome}，证明取消不是因为看到了抽取结果。",
        "取消后不能恢复；如需重新抽查，须新建任务。",
    ]


def _cancel(task: Task, now: datetime) -> list[str]:
    return [
        "现在提交取消申请，不会立即取消：须由另一位有取消权限的工作人员确认。"
        "确认之前不公开任何内容，任务照常进行。",
        "另一人确认后，任务取消，并公开您填写的取消原因。",
        *cancel_effects(task),
        "如果确认之前任务的状态变了（例如到时已抽取或已公开），这份申请作废，须重新申请。",
    ]


ACTIONS = (
    Action("announce", "公告", Perm.TASK_PLAN, ("draft",), _announce),
    Action("draw", "抽取", Perm.TASK_DRAW, ("announced",), _draw),
    Action("disclose", "公开结果", Perm.TASK_DISCLOSE, ("drawn",), _disclose),
    Action("cancel", "申请取消任务", Perm.TASK_CANCEL, ("announced", "drawn"), _cancel),
)
BY_KEY = {a.key: a for a in ACTIONS}


def drawn_by_numbers(task: Task) -> bool:
    """Whether the task's beacon is public numbers (drawn by the two-person entry)."""
    moment = views.draw_moment(task)
    return moment is not None and moment.at is None


def offered(task: Task, can: Callable[[Perm], bool]) -> list[Action]:
    """The transitions a user holding ``can`` may start on ``task`` in its state."""
    return [
        a
        for a in ACTIONS
        if task.state in a.states
        and can(a.perm)
        and not (a.key == "draw" and drawn_by_numbers(task))
    ]
