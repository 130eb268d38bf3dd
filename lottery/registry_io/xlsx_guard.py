"""Inspect an XLSX archive before openpyxl reads anything: refuse zip bombs and huge cells.

openpyxl (even read-only) loads some parts whole (shared strings, styles, the workbook) and
builds each worksheet row, and each text node, in memory. A 300 KB file can unpack to
gigabytes, or hold one 300 MB cell. So, before openpyxl opens the file:

1. the zip directory: number of entries, total and per-entry unpacked size (zipfile stops
   reading an entry at its declared size, and a mismatch is a CRC error, so the declared sizes
   bound what is actually unpacked), and the parts openpyxl loads whole together;
2. every XML part, streamed in 1 MB chunks: no token (a run between two ``<``: a text node or
   a tag) longer than `XlsxLimits.max_token_bytes`; no worksheet ``<row>`` and no shared string
   ``<si>`` longer than `XlsxLimits.max_row_bytes`, none nested or unclosed, no more rows than
   Excel allows and no more strings than `XlsxLimits.max_strings`; no more than
   `MAX_LOOSE_ELEMENTS` other elements in all (openpyxl clears a row's cells once read, but
   keeps every element in its tree); no DOCTYPE, CDATA or comment (``<!``: the only places
   ``<`` may hide, and entity expansion), no processing instruction but the XML declaration;
   no UTF-16/32 (which would hide ``<`` from a byte scan).

An entry is an XML part when its first byte (after a UTF-8 BOM and white space) is ``<``;
anything else is not XML to expat either, and openpyxl fails on it without holding it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from typing import IO, BinaryIO

from .errors import FileFormatError
from .limits import EXCEL_MAX_ROWS, MAX_CELL_CHARS, MAX_LOOSE_ELEMENTS, XlsxLimits, size_text

_CHUNK = 1 << 20
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
# A row or shared string opens (group 2: it closes at once) or closes (group 3).
_MARK = re.compile(rb"<(row|si)(?=[\s>/])[^<>]*?(/?)>|</(row|si)\s*>")
_WS = b" \t\r\n"


def _refuse(code: str, message: str) -> FileFormatError:
    return FileFormatError(code, message)


def check_xlsx(fh: BinaryIO, limits: XlsxLimits) -> None:
    """Refuse an archive that would make openpyxl hold more than the limits allow.

    ``fh`` is left at offset 0.

    Raises:
        FileFormatError: not a zip, too many entries, too large unpacked, a part too large,
            a cell or row too long, or XML constructs no spreadsheet needs.
    """
    try:
        with zipfile.ZipFile(fh) as zf:
            _check_directory(zf, limits)
            budget = _Budget(MAX_LOOSE_ELEMENTS)
            for info in zf.infolist():
                if not info.is_dir():
                    with zf.open(info) as member:
                        _scan(member, info.filename, limits, budget)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        # ValueError/EOFError: a truncated or inconsistent entry; BadZipFile: CRC mismatch,
        # e.g. an entry that unpacks to more than its declared size.
        raise _refuse(
            "file.xlsx_invalid", "无法读取 XLSX 文件：文件损坏或不是 Excel 工作簿"
        ) from exc
    finally:
        fh.seek(0)


def _check_directory(zf: zipfile.ZipFile, lim: XlsxLimits) -> None:
    infos = zf.infolist()
    if len(infos) > lim.max_members:
        raise _refuse(
            "xlsx.too_many_parts",
            f"XLSX 文件含有 {len(infos)} 个部件，超过上限 {lim.max_members} 个：文件可能已损坏",
        )
    total = sum(i.file_size for i in infos)
    if total > lim.max_total_bytes:
        raise _refuse(
            "xlsx.zip_bomb",
            f"XLSX 文件解压后共 {size_text(total)}，超过上限 {size_text(lim.max_total_bytes)}"
            "（疑似“压缩炸弹”）：请检查文件，或另存为 CSV 后导入",
        )
    for i in infos:
        if i.file_size > lim.max_member_bytes:
            raise _refuse(
                "xlsx.zip_bomb",
                f"XLSX 文件中的 {i.filename} 解压后 {size_text(i.file_size)}，"
                f"超过上限 {size_text(lim.max_member_bytes)}（疑似“压缩炸弹”）",
            )
    streamed = _streamed_parts(zf, infos, lim)
    loaded = sum(i.file_size for i in infos if i.filename not in streamed)
    if loaded > lim.max_loaded_bytes:
        raise _refuse(
            "xlsx.parts_too_large",
            f"XLSX 文件中工作表以外的部分（共享字符串、样式等）解压后共 {size_text(loaded)}，"
            f"超过上限 {size_text(lim.max_loaded_bytes)}",
        )


def _streamed_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], lim: XlsxLimits) -> set[str]:
    """The worksheets, which openpyxl streams; every other part counts as loaded whole.

    A part is a worksheet when its path is ``xl/worksheets/*.xml`` and no content type names it
    as anything else (openpyxl finds the shared strings and the workbook by content type).
    """
    names = {i.filename for i in infos}
    ct_name = "[Content_Types].xml"
    types: dict[str, set[str]] = {}
    if ct_name in names:
        info = zf.getinfo(ct_name)
        if info.file_size > lim.max_loaded_bytes:
            return set()  # reported as too large by the caller
        with zf.open(info) as member:
            _scan(member, ct_name, lim, _Budget(MAX_LOOSE_ELEMENTS))
        try:
            root = ET.fromstring(zf.read(info))  # noqa: S314 - scanned: no DOCTYPE, bounded
        except ET.ParseError:
            return set()  # openpyxl will refuse the file; count everything as loaded
        for el in root.iter(f"{_CT_NS}Override"):
            part = (el.get("PartName") or "").lstrip("/")
            types.setdefault(part, set()).add(el.get("ContentType") or "")
    return {
        n
        for n in names
        if _WORKSHEET.fullmatch(n) and types.get(n, {_WORKSHEET_CT}) == {_WORKSHEET_CT}
    }


class _Budget:
    """What the whole archive may still hold: elements openpyxl keeps outside rows/strings."""

    def __init__(self, loose: int) -> None:
        self.loose = loose


class _Part:
    """The scan state of one part: where the open ``<row>``/``<si>`` began, how many there were,
    and where the text outside them began (its start tags are elements openpyxl keeps)."""

    def __init__(self, name: str, lim: XlsxLimits, budget: _Budget) -> None:
        self.name = name
        self.lim = lim
        self.budget = budget
        self.pos = 0  # stream offset of the current body
        self.inside: tuple[int, bytes, int] | None = None  # (offset, b"row"|b"si", ordinal)
        self.counts = {b"row": 0, b"si": 0}

    def feed(self, body: bytes, end: int | None = None, *, check: bool = True) -> None:
        """Follow the row and string tags of ``body[:end]``; refuse what is over a limit."""
        stop = len(body) if end is None else end
        out_from = 0 if self.inside is None else None
        for m in _MARK.finditer(body, 0, stop):
            at = self.pos + m.start()
            opened = m.group(1)
            if opened:
                if self.inside is not None and check:
                    raise self._nested()
                if out_from is not None and check:
                    self._loose(body, out_from, m.start())
                self.counts[opened] += 1
                if check and self.counts[b"row"] > EXCEL_MAX_ROWS:
                    raise _refuse(
                        "file.too_many_rows",
                        f"XLSX 文件 {self.name} 的行数超过 Excel 的上限 {EXCEL_MAX_ROWS} 行",
                    )
                if check and self.counts[b"si"] > self.lim.max_strings:
                    raise _refuse(
                        "xlsx.parts_too_large",
                        f"XLSX 文件的共享字符串超过 {self.lim.max_strings} 个：请另存为 CSV 后导入",
                    )
                if m.group(2):  # <row .../>: nothing inside
                    out_from = m.end()
                else:
                    self.inside = (at, opened, self.counts[opened])
                    out_from = None
            else:
                closed = m.group(3)
                if check and (self.inside is None or self.inside[1] != closed):
                    raise self._nested()
                span = 0 if self.inside is None else at + len(m.group(0)) - self.inside[0]
                if check and self.inside is not None and span > self.lim.max_row_bytes:
                    raise _too_long_row(self.name, self.inside, self.lim)
                self.inside = None
                out_from = m.end()
        if out_from is not None and check:
            self._loose(body, out_from, stop)

    def after(self, body: bytes, tail: bytes) -> None:
        """The body is done: a row still open may not already be too long."""
        self.pos += len(body)
        if (
            self.inside is not None
            and self.pos + len(tail) - self.inside[0] > self.lim.max_row_bytes
        ):
            raise _too_long_row(self.name, self.inside, self.lim)

    def where(self, body: bytes, end: int) -> tuple[int, bytes, int] | None:
        """The row or string open at ``body[end]`` (for a message)."""
        probe = _Part(self.name, self.lim, self.budget)
        probe.inside, probe.counts = self.inside, dict(self.counts)
        probe.feed(body, end, check=False)
        return probe.inside

    def _loose(self, body: bytes, start: int, end: int) -> None:
        tags = body.count(b"<", start, end) - body.count(b"</", start, end)
        self.budget.loose -= tags
        if self.budget.loose < 0:
            raise _refuse(
                "xlsx.too_many_elements",
                f"XLSX 文件中行和共享字符串以外的 XML 元素超过 {MAX_LOOSE_ELEMENTS} 个"
                f"（{self.name}）：文件可能被篡改",
            )

    def _nested(self) -> FileFormatError:
        return _refuse(
            "xlsx.xml_construct",
            f"XLSX 文件 {self.name} {_where(self.inside)}的行或共享字符串嵌套或未闭合：文件已损坏",
        )


def _scan(member: IO[bytes], name: str, lim: XlsxLimits, budget: _Budget) -> None:
    """Stream one entry; refuse over-long tokens, rows and strings, and ``<!``/``<?``."""
    first = member.read(_CHUNK)
    head = first.removeprefix(b"\xef\xbb\xbf").lstrip(_WS)
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in first[:64]:
        raise _refuse("xlsx.encoding", f"XLSX 文件中的 {name} 不是 UTF-8 编码的 XML")
    if not head.startswith(b"<"):
        return  # not XML (an image, a binary part): expat fails on its first byte
    decl = len(first) - len(head)  # offset of the first "<": only there may "<?" stand
    part = _Part(name, lim, budget)
    tail = b""
    chunk = first
    while True:
        buf = tail + chunk
        cut = len(buf) if not chunk else buf.rfind(b"<")
        if cut <= 0:  # no "<" after the first byte: the run goes on
            body, tail = b"", buf
        else:
            body, tail = buf[:cut], buf[cut:]
        if len(tail) > lim.max_token_bytes + 1:
            raise _too_long_token(name, part.where(body, len(body)))
        bad = _long_run(body, lim.max_token_bytes)
        if bad is not None:
            raise _too_long_token(name, part.where(body, bad))
        _check_markup(body, part.pos, decl, name)
        part.feed(body)
        part.after(body, tail)
        if not chunk:
            return
        chunk = member.read(_CHUNK)


def _long_run(body: bytes, limit: int) -> int | None:
    """Where a run without ``<`` longer than ``limit`` starts in ``body``, or None.

    Such a run contains a whole aligned block of half that size, so only blocks without ``<``
    need a closer look (memchr speed, a few Python steps per megabyte).
    """
    block = max(1, (limit + 2) // 2)
    k = 0
    while k + block <= len(body):
        if body.find(b"<", k, k + block) != -1:
            k += block
            continue
        left = body.rfind(b"<", 0, k) + 1
        right = body.find(b"<", k + block)
        right = len(body) if right == -1 else right
        if right - left > limit:
            return left
        k = right
    return None


def _check_markup(body: bytes, pos: int, decl: int, name: str) -> None:
    if b"<!" in body:
        raise _refuse(
            "xlsx.xml_construct",
            f"XLSX 文件中的 {name} 含有电子表格不需要的 XML 结构（DOCTYPE、CDATA 或注释），"
            "文件可能被篡改",
        )
    at = body.find(b"<?")
    while at != -1:
        if pos + at != decl:
            raise _refuse(
                "xlsx.xml_construct",
                f"XLSX 文件中的 {name} 含有电子表格不需要的 XML 处理指令，文件可能被篡改",
            )
        at = body.find(b"<?", at + 1)


def _where(opened: tuple[int, bytes, int] | None) -> str:
    if opened is None:
        return ""
    _, kind, n = opened
    return f"第 {n} 行" if kind == b"row" else f"第 {n} 个共享字符串"


def _too_long_token(name: str, opened: tuple[int, bytes, int] | None) -> FileFormatError:
    return _refuse(
        "cell.too_long",
        f"XLSX 文件 {name} {_where(opened)}有单元格内容过长："
        f"每个单元格最多 {MAX_CELL_CHARS} 个字符",
    )


def _too_long_row(name: str, opened: tuple[int, bytes, int], lim: XlsxLimits) -> FileFormatError:
    what = "行" if opened[1] == b"row" else "个共享字符串"
    return _refuse(
        "xlsx.row_too_large",
        f"XLSX 文件 {name} {_where(opened)}过大："
        f"每{what}的 XML 最多 {size_text(lim.max_row_bytes)}",
    )
