"""Refusing text that may not be stored or published (:mod:`lottery.core.text_safety`).

Every record passes :meth:`lottery.service.log.PublicLog.append`, which calls
:func:`refuse_unsafe_text` on its fields, and drafts are checked when created, so the API and the
command line refuse the same input with the same Chinese message naming the field.
"""

from __future__ import annotations

from typing import Any

from lottery.core.errors import InputError
from lottery.core.text_safety import find_unsafe

KIND_LABELS = {
    "control": "控制字符",
    "bidi": "双向文本控制字符",
    "surrogate": "无效的代理字符",
    "noncharacter": "非字符",
}
# Chinese names of the fields staff type most; others are named by their key.
FIELD_LABELS = {
    "title": "标题",
    "reason": "原因",
    "notice": "说明",
}


class UnsafeTextError(InputError):
    """A text field holds a character that may not be stored or published."""

    def __init__(self, path: str, codepoint: int, kind: str) -> None:
        """Name the field, the character and why it is refused."""
        self.path = path
        self.codepoint = codepoint
        head = path.split(".", 1)[0].split("[", 1)[0]
        label = FIELD_LABELS.get(head)
        field = f"{label}（{path}）" if label else path
        super().__init__(
            f"字段「{field}」含有不允许的字符 U+{codepoint:04X}（{KIND_LABELS[kind]}），"
            "请删除后重新提交"
        )


def refuse_unsafe_text(value: Any, path: str = "") -> None:
    """Raise :class:`UnsafeTextError` for the first disallowed character in ``value``.

    Raises:
        UnsafeTextError: naming the field path (``title``, ``findings[2].text``).
    """
    found = find_unsafe(value, path)
    if found is not None:
        raise UnsafeTextError(found.path, found.codepoint, found.kind)
