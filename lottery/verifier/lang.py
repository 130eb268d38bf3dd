"""Which language the verifier and the command line speak: ``--lang``, else the locale."""

from __future__ import annotations

from collections.abc import Mapping

from lottery.core.errors import InputError

LANGS = ("en", "zh")
"""The languages spoken: English (the default, for scripts) and Chinese."""


def resolve_lang(option: str | None, environ: Mapping[str, str]) -> str:
    """``option`` when given (``en`` or ``zh``), else ``zh`` when the locale is Chinese.

    The locale is the first non-empty of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` (POSIX
    order); it is Chinese when it starts with ``zh`` (``zh_CN.UTF-8``, ``zh_TW``...).
    Anything else, or no locale, is English.

    Raises:
        InputError: for an ``option`` other than ``en`` or ``zh``.
    """
    if option is not None:
        value = option.strip().lower()
        if value not in LANGS:
            raise InputError(f"--lang must be en or zh, got {option!r}")
        return value
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = environ.get(name, "")
        if locale:
            return "zh" if locale.lower().startswith("zh") else "en"
    return "en"
