"""Readers: a seekable binary file in, a header row and a stream of data rows out.

The format is decided from the bytes, not the file name: a ZIP is read as XLSX, an OLE2 file
is the old ``.xls`` (refused with advice), anything else is CSV. CSV text is tried as strict
UTF-8 (with or without BOM) over the whole file first and decoded as GB18030 (a superset of
GBK) otherwise; `Table.encoding` says which was used.

Nothing is read whole: CSV is decoded line by line (one record at most `MAX_RECORD_CHARS`
characters), and an XLSX archive is inspected (`xlsx_guard`) before openpyxl reads it in
read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from .errors import FileFormatError
from .limits import LIMITS, MAX_CELL_CHARS, MAX_RECORD_CHARS, Limits

_CHUNK = 1 << 20
_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Table:
    """A header row and the data rows after it (row 2 onward, as Excel numbers them)."""

    format: str  # "csv" | "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig", "gb18030"; None for XLSX
    sheet: str | None
    header: list[str]
    rows: Iterator[list[object]]
    release: Callable[[], None] | None = None

    def close(self) -> None:
        """Stop reading; the caller's file stays open (and may be read again)."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self.release is not None:
            self.release()


def read_table(fh: BinaryIO, sheet: str | None = None, limits: Limits | None = None) -> Table:
    """Open a CSV or XLSX file; the rows are read lazily.

    ``fh`` is not closed. ``limits`` default to the largest kind's (targets).

    Raises:
        FileFormatError: empty, binary, legacy .xls, undecodable or malformed file, a CSV
            record or an XLSX part over the limits, a zip bomb (also while reading the rows).
    """
    lim = limits or LIMITS["targets"]
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise FileFormatError("file.empty", "文件是空的")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(fh, sheet, lim)
    if head.startswith(_XLS):
        raise FileFormatError(
            "file.xls_legacy", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"
        )
    if sheet is not None:
        raise FileFormatError("file.sheet_missing", f"CSV 文件没有工作表“{sheet}”")
    return _read_csv(fh)


def _detect_encoding(fh: BinaryIO) -> str:
    """'utf-8-sig' / 'utf-8' when the whole file is strict UTF-8, else 'gb18030'."""
    bom = fh.read(3) == codecs.BOM_UTF8
    fh.seek(0)
    for enc in ("utf-8-sig" if bom else "utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)("strict")
        try:
            while chunk := fh.read(_CHUNK):
                if b"\x00" in chunk:
                    raise FileFormatError(
                        "file.binary", "这不是文本文件（含有 NUL 字节）：请上传 CSV 或 XLSX"
                    )
                dec.decode(chunk)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            fh.seek(0)
        return enc
    raise FileFormatError("file.encoding", "无法识别文件编码：CSV 应为 UTF-8 或 GBK/GB18030")


class _Records:
    """CSV records from a text stream, none longer than `MAX_RECORD_CHARS` characters.

    Lines are read with a size bound, so a file without line breaks (or one endless quoted
    field) is refused after that many characters instead of being read whole.
    """

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text
        self.used = 0  # characters of the record being read
        self.count = 0  # records returned (the header is record 1)
        self.reader = csv.reader(self._lines())

    def _lines(self) -> Iterator[str]:
        while line := self.text.readline(MAX_RECORD_CHARS + 1):
            self.used += len(line)
            if self.used > MAX_RECORD_CHARS:
                raise FileFormatError(
                    "csv.record_too_long",
                    f"第 {self.count + 1} 行过长：一行最多 {MAX_RECORD_CHARS} 个字符"
                    "（是否有未闭合的引号，或选错了文件？）",
                    self.count + 1,
                )
            yield line

    def next(self) -> list[str] | None:
        """The next record, or None at the end.

        Raises:
            FileFormatError: malformed CSV, a cell or a record too long.
        """
        self.used = 0
        try:
            row = next(self.reader, None)
        except csv.Error as exc:
            where = self.count + 1
            if "field larger than field limit" in str(exc):
                raise FileFormatError(
                    "file.csv_malformed",  # the code this case always had
                    f"第 {where} 行有单元格内容过长：每个单元格最多 {MAX_CELL_CHARS} 个字符",
                    where,
                ) from exc
            raise FileFormatError("file.csv_malformed", f"CSV 格式错误：{exc}", where) from exc
        if row is not None:
            self.count += 1
        return row


def _read_csv(fh: BinaryIO) -> Table:
    enc = _detect_encoding(fh)
    # Detached when done: the wrapper would close the caller's file when collected.
    text = io.TextIOWrapper(fh, encoding=enc, newline="")
    detached = False

    def release() -> None:
        nonlocal detached
        if not detached:
            detached = True
            text.detach()

    records = _Records(text)
    try:
        header = records.next()
    except FileFormatError:
        release()
        raise
    if header is None:
        release()
        raise FileFormatError("file.empty", "文件是空的")

    def rows() -> Iterator[list[object]]:
        try:
            while (row := records.next()) is not None:
                yield row  # type: ignore[misc]
        finally:
            release()

    return Table("csv", enc, None, list(header), rows(), release)


def _cell(cell: object) -> object:
    value = getattr(cell, "value", None)
    # A percent-formatted number (0.05 shown as 5%) becomes the text staff see.
    if isinstance(value, int | float) and not isinstance(value, bool):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            return f"{Decimal(str(value)) * 100:f}%"
    return value


def _read_xlsx(fh: BinaryIO, sheet: str | None, lim: Limits) -> Table:
    import openpyxl  # slow to import; only when an XLSX arrives
    from openpyxl.utils.exceptions import InvalidFileException

    from .xlsx_guard import check_xlsx

    check_xlsx(fh, lim.xlsx)  # before openpyxl holds any part of it

    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        OSError,
        SyntaxError,  # xml.etree's ParseError: a malformed part (shared strings, styles...)
        TypeError,
        AttributeError,
    ) as exc:
        raise FileFormatError(
            "file.xlsx_invalid", "无法读取 XLSX 文件：文件损坏或不是 Excel 工作簿"
        ) from exc
    if sheet is None:
        if not wb.sheetnames:
            raise FileFormatError("file.empty", "工作簿中没有工作表")
        ws = wb[wb.sheetnames[0]]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        names = "、".join(wb.sheetnames)
        raise FileFormatError("file.sheet_missing", f"工作簿中没有工作表“{sheet}”（现有：{names}）")
    if hasattr(ws, "reset_dimensions"):
        # The stated dimension (up to XFD1048576) would pad every row to that width; a row is
        # then as wide as its last cell.
        ws.reset_dimensions()
    it = ws.iter_rows()
    try:
        first = next(it, None)
    except Exception as exc:  # openpyxl raises many kinds on corrupt XML
        raise FileFormatError("file.xlsx_invalid", "无法读取 XLSX 文件：工作表损坏") from exc
    if first is None:
        raise FileFormatError("file.empty", f"工作表“{ws.title}”是空的")
    header = ["" if c.value is None else str(c.value) for c in first]

    def rows() -> Iterator[list[object]]:
        try:
            for r in it:
                yield [_cell(c) for c in r]
        except Exception as exc:  # as above
            raise FileFormatError("file.xlsx_invalid", "无法读取 XLSX 文件：工作表损坏") from exc
        finally:
            wb.close()

    return Table("xlsx", None, ws.title, header, rows(), wb.close)
