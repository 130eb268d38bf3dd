"""Chinese words for what the console shows: task states, times, refusals and errors.

Staff read these pages: no permission code, exception class or English service message
reaches them. A service message is shown only when it is already Chinese.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from lottery.core.errors import InfeasibleError, InputError, LotteryError, VerificationError
from lottery.core.workdays import CalendarDataMissing
from lottery.service.cancellations import SamePerson
from lottery.service.drand_client import BeaconNotYetAvailable, RelaysUnavailable
from lottery.service.lifecycle import StateError, TaskNotFound
from lottery.service.login_throttle import Throttled
from lottery.service.org_scope import OutOfScope
from lottery.service.result_entry import CST, DIFFERENT_REVIEWER
from lottery.service.roles import PERM_NAMES_ZH, ROLE_NAMES_ZH, Perm, Role, roles_with
from lottery.service.users import Forbidden

STATES_ZH = {
    "draft": "草稿",
    "announced": "已公告",
    "drawn": "已抽取（结果封存中）",
    "disclosed": "已公开",
    "closed": "已办结（报告已公示）",
    "cancelled": "已取消",
}

_CJK = re.compile(r"[\u4e00-\u9fff]")


def state_zh(state: str) -> str:
    """The Chinese name of a task state."""
    return STATES_ZH.get(state, "未知状态")


def role_zh(role: str) -> str:
    """The Chinese name of a role (an unknown one is called so, not shown raw)."""
    try:
        return ROLE_NAMES_ZH[Role(role)]
    except ValueError:
        return "未知角色"


def roles_zh(roles: tuple[str, ...] | list[str]) -> str:
    """A user's roles in Chinese, separated by 、."""
    return "、".join(role_zh(r) for r in roles) or "无角色"


def refusal_zh(perm: Perm) -> tuple[str, str]:
    """(what is not allowed, which roles may do it), for a refusal page."""
    holders = "、".join(ROLE_NAMES_ZH[r] for r in roles_with(perm))
    return PERM_NAMES_ZH[perm], holders


def time_zh(moment: datetime | None) -> str:
    """A moment as Beijing time, to the minute (``2026-04-01 08:00（北京时间）``)."""
    if moment is None:
        return "—"
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def date_zh(day: date | None) -> str:
    """A date as ``2026年4月1日``."""
    if day is None:
        return "—"
    return f"{day.year}年{day.month}月{day.day}日"


def yuan_zh(fen: object) -> str:
    """An amount stored in fen (分) as yuan, e.g. ``5,000.50 元``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return "—"
    return f"{fen // 100:,}.{fen % 100:02d} 元"


def calendar_missing_zh(year: int) -> str:
    """Why a deadline cannot be computed: the office has not entered ``year``'s calendar."""
    return (
        f"无法计算公示期限：缺少 {year} 年的节假日安排，请先在“节假日安排”中录入 {year} 年的"
        "节假日和调休上班日。"
    )


_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ -][A-Za-z]{2,}){2,}")


def _chinese(message: str) -> bool:
    """Chinese text, with at most ids, codes and a word or two of English in it: a message
    in English that quotes a Chinese phrase (three English words in a row) is not."""
    return bool(_CJK.search(message)) and not _ENGLISH_PHRASE.search(message)


# Most specific first; the service's own message is added when it is Chinese.
_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (TaskNotFound, "没有这个抽查任务"),
    (StateError, "任务当前的状态不允许这项操作（可能已由他人或系统定时任务完成）"),
    (Throttled, "操作过于频繁，请稍后再试"),
    (Forbidden, "没有权限进行这项操作"),
    (OutOfScope, "超出本账号所属单位的范围"),
    (SamePerson, "这项操作须由两个不同的人完成"),
    (BeaconNotYetAvailable, "随机数尚未产生，请到时再抽取"),
    (RelaysUnavailable, "暂时无法从随机数中继获取随机数，请稍后再试"),
    (InfeasibleError, "按现有名录和人员无法完成这次抽取（例如检查人员不足以组成检查组）"),
    (VerificationError, "随机数校验未通过，未作任何更改"),
    (InputError, "输入或时间不符合要求，未作任何更改"),
)


def error_zh(exc: LotteryError) -> str:
    """A refusal by the service in plain Chinese.

    The class decides the sentence; the service's message follows when it is Chinese
    (many are, e.g. the password policy's and the text guard's), never when it is English.
    """
    if isinstance(exc, CalendarDataMissing):
        return calendar_missing_zh(exc.year)
    sentence = next((text for cls, text in _ERRORS if isinstance(exc, cls)), "操作未能完成")
    message = str(exc)
    if _chinese(message):
        return f"{sentence}：{message}"
    return sentence + "。"


def own_record_zh(exc: LotteryError, own: str) -> str:
    """A service's refusal in Chinese: ``own`` when it refuses a reviewer who is the author
    (:data:`~lottery.service.result_entry.DIFFERENT_REVIEWER`), else :func:`error_zh`."""
    return own if DIFFERENT_REVIEWER in str(exc) else error_zh(exc)
