"""What is wrong with a 统一社会信用代码 reaches the API user in Chinese first (issue #18), the
check's English kept after it in brackets. Pure: the messages come from lottery.core.uscc."""

from __future__ import annotations

import pytest

from lottery.api.uscc_words import with_uscc_words
from lottery.core import uscc
from lottery.core.errors import InputError


def _english(code: str) -> str:
    with pytest.raises(InputError) as refused:
        uscc.validate(code)
    return str(refused.value)


def test_a_bare_refusal_gets_its_sentence_before_it() -> None:
    # GB 32100-2015: 91350100M000100Y4 + check character 3 (MOD 31-3).
    english = _english("91350100M000100Y4X")
    assert with_uscc_words(f"target: {english}") == (
        "target: 统一社会信用代码的最后一位（校验码）与前 17 位不符（应为 3），请核对是否抄错"
        f"（{english}）"
    )


def test_a_refusal_in_brackets_is_worded_after_a_colon() -> None:
    english = _english("9135")
    worded = with_uscc_words(
        f"处罚机关统一社会信用代码（authority_code）：不是有效的统一社会信用代码（{english}）"
    )
    assert worded == (
        "处罚机关统一社会信用代码（authority_code）：不是有效的统一社会信用代码："
        f"统一社会信用代码应为 18 位，填写的是 4 位（{english}）"
    )


def test_other_messages_are_left_as_they_are() -> None:
    assert with_uscc_words("字段「dates」：检查日期重复了") == "字段「dates」：检查日期重复了"
