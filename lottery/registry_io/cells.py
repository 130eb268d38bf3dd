"""Cell parsers and formatters: one cell value in, one typed value out.

A parser takes what a reader gives (``str`` from CSV; ``str``, ``int``, ``float``, ``bool``,
``datetime`` or ``None`` from XLSX) and returns the typed value, or raises `CellError` with a
stable English code and a Chinese message for staff. Formatters are the inverse, for export.
Parsers never see empty cells: the importer handles required/default first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lottery.core.errors import InputError
from lottery.core.text_safety import first_unsafe
from lottery.core.uscc import ALPHABET
from lottery.core.uscc import validate as validate_uscc

Parser = Callable[[object], Any]
Formatter = Callable[[Any], "str | int | date"]

# Characters openpyxl refuses to write (and that no registry field needs).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_SPLIT = re.compile(r"[、,，;；/]")
_USCC_SET = frozenset(ALPHABET)


class CellError(Exception):
    """A cell that does not parse: ``code`` is stable English, ``message`` is for staff."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def as_text(value: object) -> str:
    """The cell as stripped text (numbers from XLSX without a trailing ``.0``)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def is_empty(value: object) -> bool:
    """True for a missing cell, ``None`` or blank text (incl. full-width spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _refuse_unsafe(s: str) -> None:
    """Refuse what no published text may hold (:mod:`lottery.core.text_safety`); a carriage
    return is let through, as spreadsheets write it inside multi-line cells."""
    found = first_unsafe(s.replace("\r", ""))
    if found is None:
        return
    cp = f"U+{found.codepoint:04X}"
    if found.kind == "control":
        raise CellError("text.control", f"含有不可见的控制字符 {cp}，请删除后重新导入")
    if found.kind == "bidi":
        raise CellError("text.bidi", f"含有改变文字显示顺序的双向控制字符 {cp}，请删除后重新导入")
    raise CellError("text.invalid", f"含有无效字符 {cp}，请删除后重新导入")


def text(max_len: int, *, formula_check: bool = True) -> Parser:
    """Free text up to ``max_len`` characters, refusing control characters and formulas."""

    def parse(value: object) -> str:
        s = as_text(value)
        if len(s) > max_len:
            raise CellError("text.too_long", f"内容过长：最多 {max_len} 个字符，实际 {len(s)} 个")
        _refuse_unsafe(s)
        if formula_check and s[0] in "=+-@":
            raise CellError("text.formula", "不能以 = + - @ 开头（Excel 会当作公式）")
        return s

    return parse


_PHONE = re.compile(r"[0-9+\-() 、,，;；/转]{3,64}")


def phone(value: object) -> str:
    """Phone numbers: digits and the usual separators, several allowed."""
    s = as_text(value)
    if not _PHONE.fullmatch(s):
        raise CellError("phone.format", "电话号码只能包含数字、+、-、括号、空格和分隔符，3-64 位")
    return s


def uscc(value: object) -> str:
    """A unified social credit code, check character included (letter-leading codes too)."""
    if isinstance(value, float):
        raise CellError(
            "uscc.numeric_cell", "该单元格是数字格式，会丢失位数：请设为文本格式后重新输入"
        )
    s = as_text(value).upper()
    if len(s) != 18:
        raise CellError("uscc.length", f"统一社会信用代码应为 18 位，实际 {len(s)} 位")
    bad = [ch for ch in s if ch not in _USCC_SET]
    if bad:
        raise CellError("uscc.charset", f"统一社会信用代码含有不允许的字符：{bad[0]}")
    try:
        return validate_uscc(s)
    except InputError as exc:
        raise CellError("uscc.check", "统一社会信用代码校验位错误") from exc


def code(max_len: int) -> Parser:
    """An identifier (registration/staff/item code): text without inner whitespace."""

    def parse(value: object) -> str:
        s = as_text(value)
        if len(s) > max_len or any(ch.isspace() for ch in s) or _CONTROL.search(s):
            raise CellError("code.format", f"编码不能含空格，最多 {max_len} 个字符")
        if s[0] in "=+-@":
            raise CellError("text.formula", "不能以 = + - @ 开头（Excel 会当作公式）")
        return s

    return parse


def iso_date(value: object) -> date:
    """YYYY-MM-DD or YYYY/MM/DD text (one- or two-digit month and day), or an Excel date cell."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError("date.format", "日期不应包含时间")
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CellError("date.format", "日期格式应为 YYYY-MM-DD 或 YYYY/MM/DD")
    m = _DATE.fullmatch(value.strip())
    if m is None:
        raise CellError("date.format", "日期格式应为 YYYY-MM-DD 或 YYYY/MM/DD")
    try:
        return date(int(m[1]), int(m[3]), int(m[4]))
    except ValueError as exc:
        raise CellError("date.invalid", "日期不存在（请检查月份和日）") from exc


def count(value: object) -> int:
    """An integer >= 0 (``3``, ``3.0`` from Excel; not ``3.5``, ``-1`` or ``+3``)."""
    if isinstance(value, bool):
        raise CellError("int.format", "应为不小于 0 的整数")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        s = as_text(value)
        if s.startswith("-") and s[1:].isdecimal():
            raise CellError("int.negative", "不能为负数")
        if not s.isdecimal():
            raise CellError("int.format", "应为不小于 0 的整数")
        n = int(s)
    if n < 0:
        raise CellError("int.negative", "不能为负数")
    return n


def enum(labels: Mapping[str, str], what: str) -> Parser:
    """A closed set: Chinese labels and variants (and the codes themselves) to a code."""
    table = dict(labels)
    for c in set(labels.values()):
        table[c] = c
    table.update({k.upper(): v for k, v in list(table.items())})
    choices = "、".join(dict.fromkeys(labels))

    def parse(value: object) -> str:
        s = as_text(value)
        hit = table.get(s) or table.get(s.upper()) or table.get("".join(s.split()))
        if hit is None:
            raise CellError("enum.unknown", f"{what}“{s}”不在允许的取值中：{choices}")
        return hit

    return parse


def enum_list(labels: Mapping[str, str], what: str) -> Parser:
    """Several values of a closed set, separated by 、 , ; / (full- or half-width)."""
    one = enum(labels, what)

    def parse(value: object) -> tuple[str, ...]:
        parts = [p for p in _SPLIT.split(as_text(value)) if p.strip()]
        return tuple(dict.fromkeys(one(p) for p in parts))

    return parse


def text_list(max_len: int) -> Parser:
    """Several free-text values separated by 、 , ; / (e.g. specialties)."""
    one = text(max_len)

    def parse(value: object) -> tuple[str, ...]:
        parts = [p.strip() for p in _SPLIT.split(as_text(value)) if p.strip()]
        return tuple(dict.fromkeys(one(p) for p in parts))

    return parse


def specialty(value: object) -> str:
    """One specialty (专业要求), as an inspector's 专业领域 names it: no separator in it."""
    s: str = text(50)(value)
    if _SPLIT.search(s):
        raise CellError("specialty.one", "专业要求只能填写一个专业（不能用 、 , ; / 分隔多个）")
    return s


_POINT_SEP = re.compile(r"[｜|]")
MAX_POINTS = 100


def checklist(value: object) -> tuple[tuple[str, str], ...]:
    """A checklist (检查要点): one point per line, ``要点｜依据`` (full- or half-width bar);
    each point needs its legal basis."""
    one_point, one_basis = text(500), text(1000)
    lines = [ln.strip() for ln in as_text(value).replace("\r", "").split("\n") if ln.strip()]
    if len(lines) > MAX_POINTS:
        raise CellError("checklist.too_long", f"检查要点最多 {MAX_POINTS} 条，实际 {len(lines)} 条")
    out: list[tuple[str, str]] = []
    for n, line in enumerate(lines, 1):
        parts = _POINT_SEP.split(line, maxsplit=1)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise CellError(
                "checklist.format",
                f"检查要点第 {n} 条应写成“要点｜依据”（每行一条，要点和依据之间用竖线｜隔开）",
            )
        point, basis = one_point(parts[0]), one_basis(parts[1])
        if any(p == point for p, _ in out):
            raise CellError("checklist.repeat", f"检查要点第 {n} 条“{point}”重复")
        out.append((point, basis))
    return tuple(out)


YES = {
    "是": True,
    "否": False,
    "有": True,
    "无": False,
    "Y": True,
    "N": False,
    "YES": True,
    "NO": False,
    "TRUE": True,
    "FALSE": False,
    "1": True,
    "0": False,
}


def yes_no(value: object) -> bool:
    """是/否 (also 有/无, Y/N, true/false, 1/0 and Excel booleans)."""
    if isinstance(value, bool):
        return value
    hit = YES.get(as_text(value).upper())
    if hit is None:
        raise CellError("enum.unknown", "应填“是”或“否”")
    return hit


_AT_LEAST = ("不低于", "不少于", "至少", "最低", "≥", ">=")
"""Words before a plain percentage that say it is a minimum (an item's ratio always is)."""


def ratio(value: object) -> int:
    """A ratio in basis points: ``5%``, ``2.5%``, ``5`` (percent) -> 500, 250, 500; also
    ``不低于5%``, ``5％`` (an item's 抽查比例 is the least share a task draws)."""
    s = as_text(value).replace("％", "%").replace(" ", "").replace("\u3000", "")
    for word in _AT_LEAST:
        s = s.removeprefix(word)
    try:
        pct = Decimal(s.removesuffix("%"))
    except InvalidOperation as exc:
        raise CellError("ratio.format", "抽查比例应写成百分数，如 5% 或 2.5%") from exc
    bp = pct * 100
    if not pct.is_finite() or bp != bp.to_integral_value():
        raise CellError("ratio.format", "抽查比例最多保留两位小数，如 2.25%")
    if not 0 < bp <= 10000:
        raise CellError("ratio.range", "抽查比例应大于 0% 且不超过 100%")
    return int(bp)


_MONTH = re.compile(r"(?:\d{4}\s*[-年/.]\s*)?(\d{1,2})\s*月?")
_QUARTER = re.compile(
    r"(?:\d{4}\s*[-年/.]?\s*)?(?:第\s*([一二三四1-4])\s*季度?|([一二三四])季度|[Qq]([1-4]))"
)
_QUARTER_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")


def period(value: object) -> str:
    """A plan entry's time (计划时间): a month (``3月``, ``2026-03``, ``3``) -> ``"03"``, or a
    quarter (``第二季度``, ``二季度``, ``Q2``, ``2026-Q2``) -> ``"Q2"``."""
    s = as_text(value).replace(" ", "").replace("\u3000", "")
    q = _QUARTER.fullmatch(s)
    if q is not None:
        return f"Q{_QUARTER_NUM[q[1] or q[2] or q[3]]}"
    m = _MONTH.fullmatch(s)
    if m is not None and 1 <= int(m[1]) <= 12:
        return f"{int(m[1]):02d}"
    raise CellError("period.format", "计划时间应写月份（如 3月）或季度（如 第二季度）")


def fmt_period(value: Any) -> str:
    """``"03"`` -> ``3月``, ``"Q2"`` -> ``第二季度``."""
    text = str(value)
    if text.startswith("Q"):
        return QUARTER_NAMES[int(text[1:]) - 1]
    return f"{int(text)}月"


# --- formatters (export) --------------------------------------------------------------------


def fmt_plain(value: Any) -> str | int | date:
    """Text, integers and dates as they are."""
    return value  # type: ignore[no-any-return]


def fmt_yes_no(value: Any) -> str:
    """True/False -> 是/否."""
    return "是" if value else "否"


def fmt_ratio(value: Any) -> str:
    """Basis points -> ``5%`` / ``2.5%``."""
    pct = f"{Decimal(value) / 100:f}"
    return (pct.rstrip("0").rstrip(".") if "." in pct else pct) + "%"


def fmt_enum(labels: Mapping[str, str]) -> Formatter:
    """Code -> its first (canonical) Chinese label."""
    back: dict[str, str] = {}
    for label, c in labels.items():
        back.setdefault(c, label)

    def fmt(value: Any) -> str:
        # A stored code without a label (written by an older layout) is exported as it is.
        return back.get(value, str(value))

    return fmt


def fmt_enum_list(labels: Mapping[str, str]) -> Formatter:
    """Codes -> canonical labels joined with 、."""
    one = fmt_enum(labels)

    def fmt(value: Any) -> str:
        return "、".join(str(one(v)) for v in value)

    return fmt


def fmt_text_list(value: Any) -> str:
    """Values joined with 、."""
    return "、".join(value)


def fmt_checklist(value: Any) -> str:
    """Checklist points -> one ``要点｜依据`` per line."""
    return "\n".join(f"{point}｜{basis}" for point, basis in value)
