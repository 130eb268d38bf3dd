"""The language of this run of ``lottery``: ``--lang`` (global or the command's), else the
locale."""

from __future__ import annotations

import os

from lottery.verifier.lang import resolve_lang

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
