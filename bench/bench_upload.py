"""Benchmark: hostile uploads must not exhaust the server's memory (issue #23, defect 1).

    .venv/bin/python bench/bench_upload.py              # 50 MB CSV, 300 MB cell, 5 GiB bomb
    .venv/bin/python bench/bench_upload.py --csv-mb 5   # a quicker run

Starts ``lottery serve`` on 127.0.0.1 (a free port) over a new data directory in a temporary
directory, as a subprocess, and uploads through the HTTP API as a planner:

- baseline: a tiny valid org-units file and a tiny valid targets file (both imported);
- (a) an all-bad targets CSV of ``--csv-mb`` MB (every row: a bad USCC, an unknown type and
  risk class, a negative count, an unknown status: five errors a row);
- (b) a small XLSX whose one cell holds ``--cell-mb`` MB (the attack of issue #23: 296 KB,
  one 300 MB cell);
- (c) a zip bomb: a workbook plus 40 parts of 128 MiB of zeros each (5 GiB unpacked, a few
  MB packed; the parts share one compressed stream, written by hand);
- (d) an element flood: an XLSX whose sheet holds ``--flood-m`` million empty elements outside
  any row (80 MB of XML, under 1 MB packed), which openpyxl would keep in its tree.

``--cases`` picks the uploads (``a`` alone measures older code safely: run from a checkout of
it with ``PYTHONPATH`` pointing there).

For each upload: the server process's peak RSS (``VmHWM`` in /proc/<pid>/status, reset before
each upload by writing 5 to /proc/<pid>/clear_refs where the kernel allows it; otherwise the
peak so far, startup included), the answer's status and size, and the wall time. The baseline
is the server's peak during the tiny valid targets import, in the same run. Goal: every peak
under 300 MB, every answer under 1 MB, a clear refusal (docs/benchmarks.md, "Upload limits").
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import httpx
from _server import cli, serving

from lottery.demo.synthetic import make_uscc
from lottery.registry_io import TARGETS

PASSWORD = "bench-only-password"  # noqa: S105 - a throw-away data directory
NEW_PASSWORD = "bench-only-Password-2026!"  # noqa: S105 - the same
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
OXML = "application/vnd.openxmlformats"
SML = f"{OXML}-officedocument.spreadsheetml"
MB = 1_000_000


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --- inputs ------------------------------------------------------------------------------------


def _header() -> list[str]:
    return [col.headers[0] for col in TARGETS.columns]


def tiny_targets(path: Path) -> Path:
    rng = random.Random(1)  # noqa: S311 - test data
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_header())
        for i in range(5):
            code = make_uscc(rng, "419901")
            w.writerow([code, f"某公司{i}", "工程设计", "419901", "A", 0, 0, "否", "正常", "", ""])
    return path


def tiny_org_units(path: Path) -> Path:
    path.write_text(
        "机构代码,机构名称,层级,上级机构代码,行政区划代码\n"
        "city,市人防办,市级,,\ncounty-419901,某区人防办,县级,city,419901\n",
        encoding="utf-8",
    )
    return path


def all_bad_csv(path: Path, size: int) -> int:
    """An all-bad targets CSV of about ``size`` bytes; returns its rows."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_header())
        while fh.tell() < size:
            for _ in range(1000):
                n = rows
                w.writerow(
                    [
                        f"BAD{n:015d}",
                        f"某某公司{n}",
                        "不存在",
                        "419901",
                        "Z",
                        -1,
                        0,
                        "否",
                        "未知",
                        "",
                        "",
                    ]
                )
                rows += 1
    return rows


def _parts_xml() -> dict[str, bytes]:
    ct = (
        f'<Types xmlns="{PKG}/content-types">'
        f'<Default Extension="rels" ContentType="{OXML}-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
        "</Types>"
    )
    return {
        "[Content_Types].xml": ct.encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
    }


def huge_cell_xlsx(path: Path, cell_bytes: int) -> None:
    """A workbook whose row 2 has one inline-string cell of ``cell_bytes`` characters."""
    header = "".join(
        f'<c r="{chr(65 + j)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for j, h in enumerate(_header())
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in _parts_xml().items():
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                f'<worksheet xmlns="{NS}"><sheetData><row r="1">{header}</row>'
                '<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
            )
            block = b"x" * (1 << 20)
            left = cell_bytes
            while left > 0:
                out.write(block[: min(left, len(block))])
                left -= len(block)
            out.write(b"</t></is></c></row></sheetData></worksheet>")


def element_flood_xlsx(path: Path, count: int) -> None:
    """A workbook whose sheet holds ``count`` empty ``<x/>`` elements outside any row: openpyxl
    clears each row once read, but keeps every element of the tree."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in _parts_xml().items():
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<worksheet xmlns="{NS}"><sheetData>'.encode())
            block = b"<x/>" * 250_000
            for _ in range(count // 250_000):
                out.write(block)
            out.write(b"</sheetData></worksheet>")


def zip_bomb(path: Path, parts: int = 40, part_bytes: int = 128 << 20) -> int:
    """A workbook plus ``parts`` entries of ``part_bytes`` zeros sharing one deflate stream
    (written by hand, as a bomb is); returns the declared unpacked total."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1 << 20)
    chunks = [comp.compress(zeros) for _ in range(part_bytes >> 20)]
    blob = b"".join(chunks) + comp.flush()
    crc = 0
    for _ in range(part_bytes >> 20):
        crc = zlib.crc32(zeros, crc)
    entries: list[tuple[bytes, int, int, int, int, bytes]] = []  # name, method, crc, c, u, data
    for name, data in _parts_xml().items():
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = c.compress(data) + c.flush()
        entries.append((name.encode(), 8, zlib.crc32(data), len(packed), len(data), packed))
    sheet = f'<worksheet xmlns="{NS}"><sheetData/></worksheet>'.encode()
    entries.append(
        (b"xl/worksheets/sheet1.xml", 0, zlib.crc32(sheet), len(sheet), len(sheet), sheet)
    )
    for i in range(parts):
        entries.append((f"xl/media/pad{i}.bin".encode(), 8, crc, len(blob), part_bytes, blob))
    out = io.BytesIO()
    central = io.BytesIO()
    for name, method, c32, csize, usize, data in entries:
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, c32, csize, usize, len(name), 0
            )
        )
        out.write(name)
        out.write(data)
        central.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0x21,
                c32,
                csize,
                usize,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.write(name)
    start = out.tell()
    out.write(central.getvalue())
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(entries),
            len(entries),
            len(central.getvalue()),
            start,
            0,
        )
    )
    path.write_bytes(out.getvalue())
    return sum(e[4] for e in entries)


# --- the server --------------------------------------------------------------------------------


@dataclass
class Result:
    """One upload as measured."""

    file_mb: float
    status: int
    answer_kb: float
    s: float
    peak_mb: float
    detail: str
    code: str


def upload(
    client: httpx.Client, headers: dict[str, str], kind: str, path: Path, pid: int, reset: bool
) -> Result:
    """POST ``path`` as a ``kind`` import; the server's peak RSS during it (if ``reset``)."""
    if reset:
        _reset_peak(pid)
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        r = client.post(
            f"/api/registries/{kind}/import", files={"file": (path.name, fh)}, headers=headers
        )
    took = time.perf_counter() - t0
    body = r.json()
    rows = body.get("rows") if r.status_code == 422 else None
    return Result(
        file_mb=path.stat().st_size / MB,
        status=r.status_code,
        answer_kb=len(r.content) / 1000,
        s=took,
        peak_mb=_status_kb(pid, "VmHWM") / 1024,
        detail=str(body.get("detail") or body.get("summary") or "")[:200],
        code=rows[0]["code"] if rows else str(body.get("error") or ""),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv-mb", type=float, default=50)
    parser.add_argument("--cell-mb", type=float, default=300)
    parser.add_argument("--flood-m", type=float, default=20, help="(d): millions of elements")
    parser.add_argument("--cases", default="abcd", help="which uploads, e.g. 'a' or 'abcd'")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        cli("init", "--admin", "boss", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
        cli(
            "user", "add", "planner", "--role", "planner", data=data, LOTTERY_USER_PASSWORD=PASSWORD
        )
        inputs = {
            "org": tiny_org_units(tmp / "org.csv"),
            "tiny": tiny_targets(tmp / "tiny.csv"),
            "csv": tmp / "all-bad.csv",
            "cell": tmp / "huge-cell.xlsx",
            "bomb": tmp / "bomb.xlsx",
            "flood": tmp / "flood.xlsx",
        }
        t0 = time.perf_counter()
        bad_rows = all_bad_csv(inputs["csv"], int(args.csv_mb * MB))
        huge_cell_xlsx(inputs["cell"], int(args.cell_mb * MB))
        declared = zip_bomb(inputs["bomb"])
        element_flood_xlsx(inputs["flood"], int(args.flood_m * 1_000_000))
        print(f"inputs written in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

        with (
            serving(data) as (base, server),
            httpx.Client(base_url=base, timeout=600) as client,
        ):
            login = client.post("/api/auth/login", json={"name": "planner", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            if login.json().get("must_change_password"):  # a new account's first login
                changed = client.post(
                    "/api/auth/password",
                    json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                    headers=headers,
                )
                changed.raise_for_status()
            idle = _status_kb(server.pid, "VmHWM") / 1024
            upload(client, headers, "org-units", inputs["org"], server.pid, False)
            reset = _reset_peak(server.pid)
            base_row = upload(client, headers, "targets", inputs["tiny"], server.pid, reset)
            if base_row.status != 200:
                sys.exit(f"the tiny valid import failed: {base_row.status} {base_row.detail}")
            results = {"baseline: tiny valid import": base_row}
            cases = {
                "a": (f"(a) all-bad targets CSV, {bad_rows:,} rows", "csv"),
                "b": (f"(b) XLSX, one {args.cell_mb:g} MB cell", "cell"),
                "c": (f"(c) zip bomb, {declared / (1 << 30):.1f} GiB unpacked", "bomb"),
                "d": (f"(d) XLSX, {args.flood_m:g} million empty elements", "flood"),
            }
            for key in args.cases:
                name, which = cases[key]
                results[name] = upload(client, headers, "targets", inputs[which], server.pid, reset)

    base_peak = base_row.peak_mb
    mode = "yes" if reset else "no (cumulative)"
    print(f"server idle peak {idle:.0f} MB; peak reset before each upload: {mode}")
    print()
    print("| upload | file MB | status | answer KB | s | peak RSS MB | x baseline | code |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r.file_mb:.2f} | {r.status} | {r.answer_kb:,.1f} | {r.s:.1f} | "
            f"{r.peak_mb:,.0f} | {r.peak_mb / base_peak:.2f}x | {r.code} |"
        )
    print()
    for name, r in results.items():
        print(f"{name}: {r.detail}")
    attacks = [r for name, r in results.items() if not name.startswith("baseline")]
    ok = (
        max(r.peak_mb for r in results.values()) < 300
        and max(r.answer_kb for r in results.values()) < 1000
        and all(r.status in (413, 422) for r in attacks)
    )
    print(
        f"\ngoal (peak < 300 MB, answer < 1 MB, every attack refused): {'met' if ok else 'NOT met'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
