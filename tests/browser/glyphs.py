"""Does a page show a missing-glyph box? Its rendered characters against the fonts' coverage.

The site sets no web font (mkdocs.yml ``font: false``): a reader's browser draws it with the
system's fonts, and for a Chinese reader that means a CJK font of the Source Han / Noto CJK
kind (Noto Sans CJK is Source Han Sans). A character none of the Noto CJK fonts maps is drawn
as an empty box (.notdef) on such a machine, whatever this test machine's other fonts (DejaVu)
happen to cover: most emoji, and any unassigned code point. So the reference is the union of
the character maps of the installed Noto CJK fonts (read with fontTools), found where the
documents find them (lottery/documents/render.py). The theme's icons are inline SVG: no font.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTCollection, TTFont

from lottery.documents.render import CJK_FONT_GLOB, FONT_DIRS

# Every character the page draws: its text nodes (script and style excepted; a closed
# <details> too, since a reader opens it), the attributes a browser shows (placeholder,
# tooltip, the cards' column labels) and the title; each distinct character once.
PAGE_CHARACTERS = """() => {
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
  const seen = new Set(document.title);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!skip.has(n.parentElement.tagName)) for (const c of n.data) seen.add(c);
  }
  for (const e of document.querySelectorAll("[placeholder], [title], [data-label]")) {
    for (const name of ["placeholder", "title", "data-label"]) {
      for (const c of e.getAttribute(name) || "") seen.add(c);
    }
  }
  return [...seen].join("");
}"""
# Not drawn at all: white space, controls, format characters (zero-width joiners...).
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def font_files() -> list[Path]:
    """The installed Noto CJK font files (regular and bold, sans, mono and serif)."""
    found = {p for d in FONT_DIRS if d.is_dir() for p in d.rglob(CJK_FONT_GLOB)}
    return sorted(p for p in found if p.suffix.lower() in (".ttc", ".otf", ".ttf"))


@cache
def coverage() -> frozenset[int]:
    """Every code point some installed Noto CJK font maps to a glyph."""
    points: set[int] = set()
    for path in font_files():
        fonts: list[Any] = (
            list(TTCollection(str(path), lazy=True).fonts)
            if path.suffix.lower() == ".ttc"
            else [TTFont(str(path), lazy=True)]
        )
        # A collection holds the same design for each region (JP, KR, SC, TC, HK): its
        # simplified-Chinese fonts are the reader's (and reading each cmap costs 0.3 s).
        chinese = [f for f in fonts if _family(f).endswith(" SC")] or fonts
        for font in chinese:
            points.update(font["cmap"].getBestCmap() or {})
    return frozenset(points)


def _family(font: Any) -> str:
    return str(font["name"].getDebugName(1) or "")


def missing(characters: str) -> list[str]:
    """The visible ``characters`` no font covers, each once, as ``U+XXXX c`` (sorted)."""
    cover = coverage()
    return sorted(
        f"U+{ord(c):04X} {c}"
        for c in set(characters)
        if unicodedata.category(c) not in _INVISIBLE and ord(c) not in cover
    )
