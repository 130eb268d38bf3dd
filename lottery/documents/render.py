"""Typst: a fixed template and its JSON data -> PDF bytes (docs/documents.md).

The data reaches the template only through ``sys.inputs.data`` (a JSON string the template
parses), so no record or user string is ever read as Typst markup. Fonts: Noto CJK from the
system (``fonts-noto-cjk``) or the directories given; without a CJK font nothing is rendered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import typst

from lottery.core.errors import LotteryError

TEMPLATES = Path(__file__).parent / "templates"
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/share/fonts/noto"),
)
CJK_FONT_GLOB = "Noto*CJK*"


class DocumentError(LotteryError):
    """The documents cannot be rendered here (no CJK font, Typst failed)."""


def cjk_font_dirs(extra: Sequence[Path] = ()) -> list[Path]:
    """The directories holding a Noto CJK font, ``extra`` first.

    Raises:
        DocumentError: when none does (install fonts-noto-cjk or set LOTTERY_FONT_DIRS).
    """
    found = [d for d in (*extra, *FONT_DIRS) if d.is_dir() and any(d.rglob(CJK_FONT_GLOB))]
    if not found:
        raise DocumentError(
            "找不到中文字体（Noto CJK），无法生成文书：请安装 fonts-noto-cjk，"
            "或在 LOTTERY_FONT_DIRS 中给出字体目录"
        )
    return found


def _compile(
    kind: str,
    data: Mapping[str, Any],
    when: datetime,
    font_dirs: Sequence[Path],
    fmt: Literal["pdf", "png"],
    ppi: int | None = None,
) -> Any:
    fonts = [str(p) for p in cjk_font_dirs(font_dirs)]
    try:
        return typst.compile(
            str(TEMPLATES / f"{kind}.typ"),
            root=str(TEMPLATES),
            font_paths=fonts,
            ignore_system_fonts=True,
            format=fmt,
            ppi=ppi,
            sys_inputs={"data": json.dumps(dict(data), ensure_ascii=False)},
            timestamp=int(when.timestamp()),
        )
    except Exception as exc:  # typst raises its own error types
        raise DocumentError(f"生成文书失败（{kind}）：{exc}") from exc


def render_pdf(
    kind: str,
    data: Mapping[str, Any],
    when: datetime,
    font_dirs: Sequence[Path] = (),
) -> bytes:
    """The PDF of document ``kind`` (``notice``, ``record`` or ``result``) saying ``data``.

    Raises:
        DocumentError: no CJK font, or Typst failed.
    """
    pdf = _compile(kind, data, when, font_dirs, "pdf")
    if not isinstance(pdf, bytes):
        raise DocumentError(f"生成文书失败（{kind}）：Typst 没有返回 PDF")
    return pdf


def render_png(
    kind: str,
    data: Mapping[str, Any],
    when: datetime,
    font_dirs: Sequence[Path] = (),
    ppi: int = 72,
) -> bytes:
    """The first page of the same document as PNG (a picture for the docs).

    Raises:
        DocumentError: no CJK font, or Typst failed.
    """
    pages = _compile(kind, data, when, font_dirs, "png", ppi)
    first = pages[0] if isinstance(pages, list) else pages
    if not isinstance(first, bytes):
        raise DocumentError(f"生成文书图片失败（{kind}）")
    return first
