"""Hand-made XLSX archives for the limit tests: every part written out, so a test can put an
oversized or hostile part exactly where openpyxl would read it."""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _col(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def sheet_xml(rows: list[list[str]]) -> str:
    """A worksheet with inline strings."""
    out = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_col(j)}{i}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for j, v in enumerate(row)
            if v != ""
        )
        out.append(f'<row r="{i}">{cells}</row>')
    return f'<worksheet xmlns="{NS}"><sheetData>{"".join(out)}</sheetData></worksheet>'


def workbook(
    sheet: str, *, shared_strings: str | None = None, extra: dict[str, bytes] | None = None
) -> bytes:
    """An XLSX whose first sheet is ``sheet`` (XML text), with optional shared strings and
    extra parts (stored as they are, by name)."""
    overrides = (
        f'<Override PartName="/xl/workbook.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT_SHEET}"/>'
    )
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_STRINGS}"/>'
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def shared_strings_xml(items: list[str]) -> str:
    """A shared-strings part; each item is the XML inside one ``<si>``."""
    body = "".join(f"<si>{x}</si>" for x in items)
    return f'<sst xmlns="{NS}" count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'


def understate_size(data: bytes, name: str, declared: int) -> bytes:
    """The archive with ``name``'s unpacked size declared as ``declared`` (a lying zip bomb).

    Both the local header (size at offset 22) and the central directory entry (offset 24) are
    patched, as a crafted archive would be.
    """
    out = bytearray(data)
    raw = name.encode()
    for sig, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (i := out.find(sig, start)) != -1:
            (n,) = struct.unpack_from("<H", out, i + name_len_at)
            if bytes(out[i + name_at : i + name_at + n]) == raw:
                struct.pack_into("<I", out, i + size_at, declared)
            start = i + 4
    return bytes(out)


def zeros_member(size: int) -> bytes:
    """``size`` zero bytes (compresses about 1000:1)."""
    return bytes(size)


__all__ = [
    "shared_strings_xml",
    "sheet_xml",
    "understate_size",
    "workbook",
    "zeros_member",
]
