"""The penalty entry form: checked field by field (Chinese errors), turned into a
:class:`~lottery.service.penalties.PenaltyEntry`, and the service's refusals placed next to
the field they concern.

The checks here only make the form's errors readable; the service checks everything again
(:meth:`PenaltyService.enter`), so nothing passes the console that the API would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from lottery.core import uscc
from lottery.core.errors import InputError
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyError

# (name, label, max length, required); the order of the form.
TEXT_FIELDS: tuple[tuple[str, str, int, bool], ...] = (
    ("decision", "处罚决定书文号", 100, True),
    ("target", "当事人统一社会信用代码", 64, True),
    ("facts", "违法事实", 20_000, True),
    ("basis", "处罚依据", 5_000, True),
    ("kind", "处罚类别", 100, True),
    ("content", "处罚内容", 5_000, True),
    ("authority", "处罚机关", 200, True),
    ("amount_kind", "金额类别", 50, False),
    ("amount_yuan", "金额（元）", 20, False),
    ("amount_text", "金额大写", 200, False),
    ("result", "所依据的检查结果记录编号", 64, False),
    # 双公示 (issue #18): sealed with the content when given.
    ("address", "当事人住所（经营场所）", 500, False),
    ("representative", "法定代表人（负责人）", 100, False),
    ("authority_code", "处罚机关统一社会信用代码", 18, False),
    ("violation", "违法行为类型", 200, False),
    ("licence", "暂扣或吊销证照名称及编号", 500, False),
)
DATE_FIELDS = (("decided", "处罚决定日期"), ("publish_until", "公示截止日期"))
FORM_KEYS = tuple(name for name, *_ in TEXT_FIELDS) + tuple(name for name, _ in DATE_FIELDS)
_USCC = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}\Z")
_YUAN = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?\Z")
_RECORD = re.compile(r"^[0-9a-f]{64}\Z")


@dataclass
class PenaltyForm:
    """The submitted values (as typed) and the errors found, by field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def _date(text: str, label: str, errors: dict[str, str], key: str) -> date | None:
    if not text.strip():
        errors[key] = f"请填写{label}"
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors[key] = f"{label}格式应为 年-月-日，例如 2026-04-01"
        return None


def _fen(yuan: str, errors: dict[str, str]) -> int | None:
    match = _YUAN.match(yuan.strip())
    if match is None:
        errors["amount_yuan"] = "金额应为不带逗号的数字，最多两位小数，例如 5000 或 5000.50"
        return None
    cents = (match.group(2) or "").ljust(2, "0")
    return int(match.group(1)) * 100 + int(cents)


def _check_texts(values: Mapping[str, str], errors: dict[str, str]) -> None:
    for name, label, limit, required in TEXT_FIELDS:
        text = values[name].strip()
        if required and not text:
            errors[name] = f"请填写{label}"
        elif len(text) > limit:
            errors[name] = f"{label}太长：最多 {limit} 个字"
    if "target" not in errors and not _USCC.match(values["target"].strip()):
        errors["target"] = "统一社会信用代码只能由字母和数字组成"
    if values["result"].strip() and not _RECORD.match(values["result"].strip()):
        errors.setdefault("result", "记录编号应为 64 位小写十六进制字符，可不填")
    code = values["authority_code"].strip()
    if code and "authority_code" not in errors:
        try:
            uscc.validate(code)
        except InputError:
            errors["authority_code"] = "不是有效的统一社会信用代码（18 位，末位为校验码），可不填"


def _amounts(values: Mapping[str, str], errors: dict[str, str]) -> list[Amount]:
    yuan, kind = values["amount_yuan"].strip(), values["amount_kind"].strip()
    if not yuan:
        if values["amount_text"].strip():
            errors["amount_yuan"] = "填写了金额大写，请同时填写金额"
        return []
    fen = _fen(yuan, errors)
    if not kind:
        errors["amount_kind"] = "请填写金额类别，例如 罚款"
    if fen is None or not kind:
        return []
    return [Amount(kind, fen, values["amount_text"].strip() or None)]


def read_form(raw: Mapping[str, str]) -> tuple[PenaltyForm, PenaltyEntry | None]:
    """Check the submitted form; the entry when every field is acceptable, else None."""
    values = {key: str(raw.get(key, ""))[:20_100] for key in FORM_KEYS}
    form = PenaltyForm(values)
    _check_texts(values, form.errors)
    decided = _date(values["decided"], "处罚决定日期", form.errors, "decided")
    until = _date(values["publish_until"], "公示截止日期", form.errors, "publish_until")
    if decided and until and until <= decided:
        form.errors["publish_until"] = "公示截止日期须晚于处罚决定日期"
    amounts = _amounts(values, form.errors)
    if form.errors or decided is None or until is None:
        return form, None
    entry = PenaltyEntry(
        decision=values["decision"].strip(),
        target=values["target"].strip(),
        decided=decided,
        facts=values["facts"].strip(),
        basis=values["basis"].strip(),
        kind=values["kind"].strip(),
        content=values["content"].strip(),
        authority=values["authority"].strip(),
        publish_until=until,
        amounts=amounts,
        result=values["result"].strip() or None,
        address=values["address"].strip(),
        representative=values["representative"].strip(),
        authority_code=values["authority_code"].strip(),
        violation=values["violation"].strip(),
        licence=values["licence"].strip(),
    )
    return form, entry


# The service's refusals of an entry, by the field they name (``处罚依据（basis）：…``).
_REFUSALS: tuple[tuple[str, str, str], ...] = (
    ("（target）", "target", "名录中没有这个统一社会信用代码的检查对象"),
    ("已经录入过", "decision", "这个文号的处罚决定已经录入过"),
    ("（decided）", "decided", "处罚决定日期不能晚于今天"),
    ("（publish_until）", "publish_until", "公示截止日期须晚于处罚决定日期"),
    ("（result）", "result", "这不是该检查对象已公开的检查结果记录"),
    ("（authority_code）", "authority_code", "不是有效的统一社会信用代码（18 位，末位为校验码）"),
)


def place_refusal(form: PenaltyForm, exc: PenaltyError) -> bool:
    """Put the service's refusal next to its field; False when it concerns no single field."""
    message = str(exc)
    for words, key, text in _REFUSALS:
        if words in message:
            form.errors[key] = text
            return True
    return False
