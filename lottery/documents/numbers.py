"""Document numbers: ``<prefix>〔<year>〕<seq>号``, one sequence per kind and year (pure)."""

from __future__ import annotations

import re

from lottery.core.errors import InputError

KINDS = ("notice", "record", "result")
"""行政检查通知书, 现场检查笔录, 检查结果告知书 (in the order of an inspection)."""

KIND_NAMES = {"notice": "行政检查通知书", "record": "现场检查笔录", "result": "检查结果告知书"}

DEFAULT_PREFIXES = {"notice": "人防检通", "record": "人防检录", "result": "人防检告"}

_PREFIX = re.compile(r"^[^\s〔〕\[\]]{1,20}\Z")


def check_prefix(kind: str, prefix: str) -> str:
    """A prefix as configured: 1-20 characters, no blanks or 〔〕 brackets.

    Raises:
        InputError: naming the setting.
    """
    if not _PREFIX.match(prefix):
        raise InputError(
            f"设置「document_prefixes.{kind}」：文书编号前缀须为 1～20 个字符，"
            f"不含空格和〔〕，而不是 {prefix!r}"
        )
    return prefix


def format_number(prefix: str, year: int, seq: int) -> str:
    """``人防检通〔2026〕12号``."""
    return f"{prefix}〔{year}〕{seq}号"
