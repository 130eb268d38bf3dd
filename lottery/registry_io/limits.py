"""Size limits of a registry upload: what one file may cost the server before it is refused.

An upload is untrusted: a wrong file (or a hostile one) must not make the server hold more than
a bounded amount of memory. Every limit here is checked while streaming, before the part of the
file it guards is held in memory; docs/import.md lists them for staff.

- the file's size, per kind (`Limits.max_bytes`);
- the data rows, per kind (`Limits.max_rows`), and the physical rows (blank ones included);
- one cell (`MAX_CELL_CHARS`), one CSV record (`MAX_RECORD_CHARS`), the columns of a row
  (`MAX_COLUMNS`);
- an XLSX archive before openpyxl opens it: members, total and per-member unpacked size, the
  shared-strings part, one XML token and one worksheet row (`XlsxLimits`);
- the errors listed in a rejection (`MAX_LISTED_ERRORS`); the total is still counted.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_000_000

#: Errors listed in a rejected import; later ones are counted, not kept.
MAX_LISTED_ERRORS = 100
#: Characters in one cell: Excel's own limit, far above any registry column (at most 4,000).
MAX_CELL_CHARS = 32_767
#: Characters in one CSV record (a row, quoted line breaks included).
MAX_RECORD_CHARS = 262_144
#: Cells in one row (trailing empty cells are not counted).
MAX_COLUMNS = 1_000
#: Rows in an Excel worksheet; no file may have more physical rows (blank ones included).
EXCEL_MAX_ROWS = 1_048_576
#: XML elements openpyxl keeps in memory while reading an XLSX: all but the rows and shared
#: strings, which it clears (a style, a merged range, a hyperlink is one each).
MAX_LOOSE_ELEMENTS = 1_000_000
#: Characters of a cell value echoed back in an error.
SHOWN_VALUE_CHARS = 1_000


@dataclass(frozen=True)
class XlsxLimits:
    """What an XLSX archive may unpack to; checked on the zip directory, then while scanning.

    Attributes:
        max_members: entries in the archive.
        max_total_bytes: the unpacked size of all entries together.
        max_member_bytes: the unpacked size of one entry (a worksheet is the largest).
        max_loaded_bytes: every part but the worksheets together (shared strings, styles, the
            workbook...), which openpyxl loads whole.
        max_token_bytes: one XML text run or tag (a cell is at most 32,767 characters, each at
            most 6 bytes as XML: ``&quot;``).
        max_row_bytes: one worksheet ``<row>`` or shared string ``<si>`` (openpyxl builds a
            whole row, and joins a string's rich-text runs, in memory).
        max_strings: shared strings (openpyxl keeps them all in a list).
    """

    max_members: int
    max_total_bytes: int
    max_member_bytes: int
    max_loaded_bytes: int
    max_token_bytes: int = MAX_CELL_CHARS * 6 + 64
    max_row_bytes: int = 500_000
    max_strings: int = 1_000_000


@dataclass(frozen=True)
class Limits:
    """The limits of one registry kind.

    Attributes:
        max_bytes: the uploaded file's size.
        max_rows: data rows (blank rows are not counted).
        xlsx: the XLSX archive limits.
    """

    max_bytes: int
    max_rows: int
    xlsx: XlsxLimits

    @property
    def max_physical_rows(self) -> int:
        """Rows read at all, blank ones included (an XLSX row number may skip ahead)."""
        return max(self.max_rows + 1, EXCEL_MAX_ROWS)


def _limits(max_bytes: int, max_rows: int) -> Limits:
    # A row of a worksheet is about 0.5 KB of XML with shared strings, 1.5 KB with inline
    # strings: worksheets are streamed, so their cap is about time. The parts openpyxl loads
    # whole cost memory (a shared string as a Python object takes 2-4 times its XML), so they
    # have a fixed cap: a large registry with unique text in every row comes as CSV.
    total = max(64 * MB, max_rows * 2_000)
    return Limits(
        max_bytes,
        max_rows,
        XlsxLimits(
            max_members=1_000,
            max_total_bytes=total,
            max_member_bytes=total,
            max_loaded_bytes=min(64 * MB, max(16 * MB, max_rows * 64)),
        ),
    )


#: Per kind: a 1,000,000-row target CSV is about 110 MB (docs/benchmarks.md, issue #3).
LIMITS: dict[str, Limits] = {
    "targets": _limits(300 * MB, 1_000_000),
    "history": _limits(200 * MB, 1_000_000),
    "inspectors": _limits(50 * MB, 100_000),
    "conflicts": _limits(30 * MB, 200_000),
    "org-units": _limits(10 * MB, 20_000),
    "items": _limits(10 * MB, 10_000),
    "plan": _limits(5 * MB, 2_000),
}


def limits_for(kind: str) -> Limits:
    """The limits of ``kind``.

    Raises:
        ValueError: unknown kind.
    """
    try:
        return LIMITS[kind]
    except KeyError:
        raise ValueError(f"unknown registry kind {kind!r}") from None


#: How staff name each registry in messages.
KIND_NAMES = {
    "targets": "检查对象名录",
    "inspectors": "执法检查人员名录",
    "items": "抽查事项清单",
    "org-units": "机构名录",
    "conflicts": "回避关系",
    "history": "检查记录",
    "plan": "年度抽查计划",
}


def kind_label(kind: str) -> str:
    """``检查对象名录（targets）``."""
    return f"{KIND_NAMES.get(kind, kind)}（{kind}）"


def size_text(n: int) -> str:
    """A byte count as staff read it: ``300 MB``, ``512 KB``, ``900 字节``."""
    if n >= 1000 * MB:
        return f"{n / (1000 * MB):.4g} GB"
    if n >= MB:
        return f"{n / MB:g} MB"
    if n >= 1000:
        return f"{n / 1000:g} KB"
    return f"{n} 字节"


def too_large_message(kind: str, size: int | None, limits: Limits | None = None) -> str:
    """The Chinese refusal of a file over its kind's size limit."""
    lim = limits or limits_for(kind)
    got = "" if size is None else f"（本文件 {size_text(size)}）"
    return (
        f"{kind_label(kind)}文件过大{got}：上限为 {size_text(lim.max_bytes)}，请检查是否选错了文件"
    )
