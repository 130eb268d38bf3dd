"""What is wrong with a 统一社会信用代码, in Chinese, for the JSON API's ``detail``.

:mod:`lottery.core.uscc` says it in English (``USCC 'X' must have 18 characters, has 5``);
services wrap it (``处罚机关统一社会信用代码（authority_code）：不是有效的统一社会信用代码（USCC
…）``). :func:`with_uscc_words` puts the Chinese sentence before the English, which stays in
brackets for programs and logs that match it, as :mod:`lottery.api.result_messages` does.
"""

from __future__ import annotations

import re

ALLOWED = "数字 0-9 和除 I、O、S、V、Z 以外的大写英文字母"

# (the core's English message, the Chinese sentence with the message's groups)
USCC_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"USCC .+? must have 18 characters, has (?P<n>\d+)"),
        "统一社会信用代码应为 18 位，填写的是 {n} 位",
    ),
    (
        re.compile(r"USCC .+? holds a character outside the standard's set: '(?P<ch>[^']*)'"),
        "统一社会信用代码中有不能使用的字符“{ch}”：只能是" + ALLOWED,
    ),
    (
        re.compile(r"USCC .+? has a wrong check character \(expected (?P<want>[0-9A-Z])\)"),
        "统一社会信用代码的最后一位（校验码）与前 17 位不符（应为 {want}），请核对是否抄错",
    ),
    (
        re.compile(r"a USCC body must be 17 characters from 0-9 and A-Y without I O S V Z"),
        "统一社会信用代码的前 17 位只能是" + ALLOWED,
    ),
)


def with_uscc_words(message: str) -> str:
    """``message`` with the Chinese sentence before the first USCC refusal it quotes (then
    in brackets); unchanged when it quotes none."""
    for pattern, words in USCC_WORDS:
        found = pattern.search(message)
        if found is None:
            continue
        sentence = words.format(**found.groupdict())
        start, end = found.span()
        if message[start - 1 : start] == "（" and message[end : end + 1] == "）":
            return f"{message[: start - 1]}：{sentence}（{found.group(0)}）{message[end + 1 :]}"
        return f"{message[:start]}{sentence}（{found.group(0)}）{message[end:]}"
    return message


__all__ = ["USCC_WORDS", "with_uscc_words"]
