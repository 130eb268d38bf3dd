"""The language of this run of ``lottery``: ``--lang`` (global or the command's), else the
locale."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from lottery.verifier.lang import resolve_lang

LangOption = Annotated[
    str | None,
    typer.Option(help="en or zh (中文); default: zh when the locale is Chinese, else en."),
]
"""A command's own ``--lang``."""

GLOBAL_LANG: str | None = None
"""The language ``lottery --lang LANG`` chose for this run (None: the command's own option or
the locale decides)."""


def cli_lang(option: str | None) -> str:
    """The language a command speaks: its own ``--lang``, else ``lottery --lang``, else the
    locale (:func:`lottery.verifier.lang.resolve_lang`).

    Raises:
        InputError: for a value other than ``en`` or ``zh``.
    """
    return resolve_lang(option if option is not None else GLOBAL_LANG, os.environ)


def say(lang: str, en: str, zh: str) -> str:
    """``zh`` in Chinese, else ``en``."""
    return zh if lang == "zh" else en
