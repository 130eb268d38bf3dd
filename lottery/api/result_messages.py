"""The results service's refusals in Chinese, each with the form field it belongs to.

``ResultsService`` names what is wrong in English; the console shows the Chinese sentence next
to the field (:mod:`lottery.api.console.result_words`) and the JSON API puts it first in
``detail`` (:func:`api_detail`): the first fragment of the message found below decides.
"""

from __future__ import annotations

import re

from lottery.core.errors import InputError
from lottery.service.result_entry import DIFFERENT_REVIEWER
from lottery.service.results import ResultError

# (fragment of the service's message, field, Chinese sentence); most specific first.
BY_MESSAGE: tuple[tuple[str, str, str], ...] = (
    ("a correction needs a reason", "correction_reason", "请填写更正原因"),
    ("unknown check method", "methods", "请从列出的检查方式中选择"),
    ("at least one check method", "methods", "请至少选择一种检查方式"),
    ("unknown result category", "categories", "请从列出的检查结论中选择"),
    ("at least one result category", "categories", "请至少选择一项检查结论"),
    ("cannot be combined", "categories", "“未发现问题”不能与其他结论同时选择"),
    (
        "needs its sub-reason",
        "pending_reasons",
        "选择“发现问题待后续处理”时须填写待处理原因；未选择时请不要填写",
    ),
    ("needs its findings", "findings", "有问题的检查结论须填写检查发现的问题"),
    ("dates repeat", "dates", "检查日期重复了"),
    ("is in the future", "dates", "检查日期不能晚于今天"),
    ("is before the draw", "dates", "检查日期不能早于抽取之日"),
    ("outside the task's inspection window", "dates", "检查日期须在任务公告的检查期限之内"),
    ("needs its inspection date", "dates", "请填写检查日期（至少一天）"),
    ("listed twice", "inspectors", "同一名人员填写了两次"),
    ("at least 2 inspectors", "inspectors", "到场检查人员不得少于 2 人"),
    ("needs a reason", "inspectors", "替补须写明原因"),
    ("needs a reviewer's approval", "inspectors", "替补须填写批准人"),
    ("must be approved by someone other", "inspectors", "替补的批准人须是录入人和替补人员以外的人"),
    ("not an active registered inspector", "inspectors", "替补人员不是名录中在职的执法检查人员"),
    ("certificate is not valid", "inspectors", "替补人员的执法证在检查日期不在有效期内"),
    ("conflict of interest", "inspectors", "替补人员与该检查对象有回避关系，不能替补"),
    ("already in the drawn team", "inspectors", "替补人员已是本检查组的成员"),
    ("is listed as present", "inspectors", "被替补的人员不能同时填为到场"),
    ("replaced twice", "inspectors", "同一名人员被替补了两次"),
    ("neither present nor replaced", "inspectors", "每位抽中的人员须到场，或由替补人员代替"),
    ("was not drawn for", "inspectors", "填写的人员不是本检查组的成员：请作为替补填写"),
    ("evidence file needs a name", "evidence", "证据文件须有文件名"),
    ("place of the inspection is over", "place", "检查地点太长：最多 500 个字"),
    ("already has a result", "", "该检查对象已有检查结果（等待审核或已公开），请勿重复录入"),
    ("is already waiting", "", "该检查对象已有一份更正在等待审核"),
)


SELF_REVIEW = "您是录入（起草）这项内容的人，须由另一名人员审核，未作任何更改"
"""The refusal of an approval (or review) by the person who entered or drafted what it
approves, whatever the service (:data:`lottery.service.result_entry.DIFFERENT_REVIEWER`)."""

NAMED = re.compile(r"字段「([a-z_]+)」：(.+)\Z", re.S)


def worded_by_message(message: str) -> tuple[str, str] | None:
    """(field, Chinese sentence) for a results-service message this table words; None when
    no fragment matches."""
    for fragment, field, sentence in BY_MESSAGE:
        if fragment in message:
            return field, sentence
    return None


def api_detail(exc: Exception) -> str:
    """The JSON API's ``detail`` for a results-service refusal: the Chinese sentence naming
    the field first, the service's own words after it in brackets (programs and logs that
    match them keep working); any other message as it is."""
    message = str(exc)
    if DIFFERENT_REVIEWER in message and isinstance(exc, InputError):
        # Results, re-checks, penalties, reports, 保密审查: never by their own author.
        return f"{SELF_REVIEW}（{message}）"
    if not isinstance(exc, ResultError) or NAMED.match(message):
        return message
    worded = worded_by_message(message)
    if worded is None:
        return message
    field, sentence = worded
    return (f"字段「{field}」：" if field else "") + f"{sentence}（{message}）"
