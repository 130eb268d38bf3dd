"""Readers: a seekable binary file in, a header row and a stream of data rows out.

The format is decided from the bytes, not the file name: a ZIP is read as XLSX, an OLE2 file
is the old ``.xls`` (refused with advice), anything else is CSV. CSV text is tried as strict
UTF-8 (with or without BOM) over the whole file first and decoded as GB18030 (a superset of
GBK) otherwise; `Table.encoding` says which was used.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

_CHUNK = 1 << 20
_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileFormatError(Exception):
    """The file as a whole cannot be read; ``code`` is stable English, ``message`` Chinese."""

    def __init__(self, code: str, message: str, row_number: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.row_number = row_number


@dataclass
class Table:
    """A header row and the data rows after it (row 2 onward, as Excel numbers them)."""

    format: str  # "csv" | "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig", "gb18030"; None for XLSX
    sheet: str | None
    header: list[str]
    rows: Iterator[list[object]]


def read_table(fh: BinaryIO, sheet: str | None = None) -> Table:
    """Open a CSV or XLSX file; the rows are read lazily.

    Raises:
        FileFormatError: empty, binary, legacy .xls, undecodable or malformed file.
    """
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise FileFormatError("file.empty", "文件是空的")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(fh, sheet)
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


def _read_csv(fh: BinaryIO) -> Table:
    enc = _detect_encoding(fh)
    text = io.TextIOWrapper(fh, encoding=enc, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileFormatError("file.csv_malformed", f"CSV 格式错误：{exc}", 1) from exc
    if header is None:
        raise FileFormatError("file.empty", "文件是空的")

    def rows() -> Iterator[list[object]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise FileFormatError(
                "file.csv_malformed", f"CSV 格式错误：{exc}", reader.line_num
            ) from exc

    return Table("csv", enc, None, list(header), rows())


def _cell(cell: object) -> object:
    value = getattr(cell, "value", None)
    # A percent-formatted number (0.05 shown as 5%) becomes the text staff see.
    if isinstance(value, int | float) and not isinstance(value, bool):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            return f"{Decimal(str(value)) * 100:f}%"
    return value


def _read_xlsx(fh: BinaryIO, sheet: str | None) -> Table:
    import openpyxl  # slow to import; only when an XLSX arrives
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
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

    return Table("xlsx", None, ws.title, header, rows())
