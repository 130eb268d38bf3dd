"""The command line's one-line errors in Chinese (``--lang zh`` or a Chinese locale).

The common messages (usage errors, a data directory not initialised, a file that cannot be
written, a missing file) are said in Chinese; any other message keeps its English text after
the Chinese ``错误：`` (docs/service.md, "Language").
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"No such option: (\S+?)\.?(?: Did you mean (\S+?)\?)?"), "没有选项 {0}"),
    (re.compile(r"No such command '(.+)'\."), "没有命令 {0}"),
    (re.compile(r"Missing argument '(.+)'\."), "缺少参数 {0}"),
    (re.compile(r"Missing option '(.+)'\.(?: .*)?"), "缺少选项 {0}"),
    (re.compile(r"Option '(.+)' requires an argument\."), "选项 {0} 需要一个值"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "多余的参数：{0}"),
    (re.compile(r"Invalid value for '(.+?)': (.+)", re.S), "{0} 的值无效：{1}"),
    (
        re.compile(
            r"(.+) is not an initialised data directory \(no (?:office key|keys/secrets\.key)\).*",
            re.S,
        ),
        "{0} 不是已初始化的数据目录（其中没有本单位的密钥）：请检查 --data-dir，"
        "或先运行 lottery init --data-dir {0}",
    ),
    (
        re.compile(r"cannot write (.+): the directory (.+) does not exist"),
        "无法写入 {0}：目录 {1} 不存在",
    ),
    (
        re.compile(r"cannot write (.+): the directory (.+) is not a directory"),
        "无法写入 {0}：{1} 不是目录",
    ),
    (re.compile(r"cannot write (.+): it is a directory"), "无法写入 {0}：这是一个目录"),
    (re.compile(r"No such file or directory: (.+)"), "文件或目录不存在：{0}"),
    (re.compile(r"Permission denied: (.+)"), "没有权限：{0}"),
    (re.compile(r"Is a directory: (.+)"), "这是一个目录：{0}"),
    (re.compile(r"--workers must be at least 1, got (.+)"), "--workers 至少为 1，而不是 {0}"),
]


def error_zh(message: str) -> str:
    """``message`` in Chinese when it is a common one, else unchanged."""
    for pattern, words in _PATTERNS:
        match = pattern.fullmatch(message.strip())
        if match:
            return words.format(*match.groups())
    return message


def error_line(message: str, lang: str, hint: str | None = None) -> str:
    """The one line printed for an error: ``error: ...`` or ``错误：...``, with the help hint
    (a command path such as ``lottery verify``) when there is one."""
    if lang == "zh":
        tail = f"（参见：{hint} --help）" if hint else ""
        return f"错误：{error_zh(message)}{tail}"
    tail = f" (see: {hint} --help)" if hint else ""
    return f"error: {message}{tail}"
