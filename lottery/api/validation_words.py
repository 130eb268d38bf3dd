"""FastAPI's request validation errors, worded in Chinese and naming the field.

The body keeps FastAPI's documented shape (``{"detail": [{"loc", "msg", "type"}, ...]}``, the
``HTTPValidationError`` schema every route's 422 declares), so clients and the schema checks
are unchanged; only ``msg`` says in Chinese what is wrong, e.g.
``字段「cross_check.own_district」：应为 true 或 false``. The pydantic error ``type`` is kept
for programs; an error type without a wording here keeps pydantic's English after the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# pydantic v2 error types -> what is wrong, in plain Chinese.
_WORDS: Mapping[str, str] = {
    "missing": "必须填写",
    "extra_forbidden": "不是可以填写的字段",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为对象（键值对）",
    "model_type": "应为对象（键值对）",
    "date_type": "应为日期（如 2026-05-01）",
    "date_parsing": "应为日期（如 2026-05-01）",
    "date_from_datetime_parsing": "应为日期（如 2026-05-01）",
    "datetime_type": "应为时间（如 2026-05-01T09:00:00+08:00）",
    "datetime_parsing": "应为时间（如 2026-05-01T09:00:00+08:00）",
    "datetime_from_date_parsing": "应为时间（如 2026-05-01T09:00:00+08:00）",
    "json_invalid": "不是有效的 JSON",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "too_short": "项数太少",
    "too_long": "项数太多",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "string_pattern_mismatch": "格式不对",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
}

_PLACES = {"body": "", "query": "查询参数 ", "path": "路径参数 ", "header": "请求头 "}


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "cross_check", "own_district")`` -> ``cross_check.own_district``; list
    positions as ``[n]`` (counted from 1, as staff count)."""
    parts: list[str] = []
    for part in loc[1:] if loc and loc[0] in _PLACES else loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def worded(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error with its ``msg`` in Chinese, naming the field."""
    loc = tuple(error.get("loc", ()))
    place = _PLACES.get(str(loc[0]), "") if loc else ""
    name = field_name(loc) or "请求正文"
    kind = str(error.get("type", ""))
    what = _WORDS.get(kind)
    if what is None:
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        what = f"不符合要求（{text}）"
    if kind in ("enum", "literal_error") and error.get("ctx", {}).get("expected"):
        what += f"：应为 {error['ctx']['expected']}"
    return {"loc": list(loc), "msg": f"{place}字段「{name}」：{what}", "type": kind}


def worded_all(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every error of a request, worded (the order FastAPI gave)."""
    return [worded(e) for e in errors]
