"""All-or-nothing import of one registry file: bad rows reported, no row kept otherwise.

Nothing here touches the database: the service calls `import_file` (or `import_stream` for an
upload) and writes ``result.rows`` in one transaction only when ``result.ok``.

A rejected file lists its first `MAX_LISTED_ERRORS` errors and counts all of them; the file's
size, rows, columns and cells are bounded by `limits` (docs/import.md, "Limits").
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TypedDict, Unpack

from .cells import CellError, as_text, is_empty
from .errors import FileFormatError
from .layouts import Column, Layout, layout
from .limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LISTED_ERRORS,
    SHOWN_VALUE_CHARS,
    Limits,
    kind_label,
    limits_for,
    too_large_message,
)
from .readers import Table, read_table


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located as staff see it in Excel.

    Attributes:
        row_number: 1-based; the header is row 1, the first data row is row 2. ``0`` means the
            file as a whole (unreadable, empty, wrong encoding).
        column: the header as written in the file ("" when the problem is not one column's).
        value: the offending cell as text ("" when none).
        code: stable English code, e.g. ``uscc.check`` (listed in docs/import.md).
        message: the Chinese explanation for staff.
    """

    row_number: int
    column: str
    value: str
    code: str
    message: str

    @property
    def reason(self) -> str:
        """The Chinese message followed by the English code."""
        return f"{self.message} [{self.code}]"


@dataclass
class ImportResult:
    """The outcome of one import.

    Attributes:
        ok: True only when the file had no error at all.
        kind: targets, inspectors or items.
        rows: the parsed rows in file order; empty unless ``ok``.
        errors: the first `MAX_LISTED_ERRORS` problems found, in file order.
        format: "csv" or "xlsx" ("" when the file could not be opened).
        encoding: the CSV encoding used ("utf-8", "utf-8-sig" or "gb18030"); None for XLSX.
        sheet: the XLSX sheet read.
        row_count: data rows seen (blank rows are skipped and not counted).
        error_count: every problem found (``errors`` lists at most `MAX_LISTED_ERRORS`).
        bad_rows: rows with at least one problem (the header and the file as a whole count
            as one row each).
    """

    ok: bool
    kind: str
    rows: list[Any] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    format: str = ""
    encoding: str | None = None
    sheet: str | None = None
    row_count: int = 0
    error_count: int = 0
    bad_rows: int = 0

    @property
    def truncated(self) -> bool:
        """True when ``errors`` lists only the first of more problems."""
        return self.error_count > len(self.errors)

    def error_summary(self) -> str:
        """``共 N 行有错误（M 处）``, and which ones are listed when not all are."""
        text = f"共 {self.bad_rows} 行有错误（{self.error_count} 处）"
        if self.truncated:
            text += f"，仅列出前 {len(self.errors)} 处"
        return text


class ImportOptions(TypedDict, total=False):
    """The keyword options of `import_file`, `import_stream` and `import_bytes`; each may be
    left out (None).

    Attributes:
        known_regions: division codes a target's region must be one of (targets only).
        known_org_units: org unit codes an inspector must belong to (inspectors), or that
            a unit's parent may name besides the units in the file (org-units); for
            org-units, a mapping code -> parent also lets a re-import that closes a circle
            of parents be refused (``org_unit.parent_cycle``).
        today: the reference date for certificate expiry (inspectors only).
        sheet: the XLSX sheet to read; default the first.
        known_targets: USCCs a conflict or history row may name (conflicts, history).
        known_inspectors: staff numbers a conflict may name (conflicts).
        limits: the size limits (default: the kind's, `limits.LIMITS`).
    """

    known_regions: Collection[str] | None
    known_org_units: Collection[str] | Mapping[str, str | None] | None
    today: date | None
    sheet: str | None
    known_targets: Collection[str] | None
    known_inspectors: Collection[str] | None
    limits: Limits | None


def import_file(
    path: str | Path,
    kind: str,
    **options: Unpack[ImportOptions],
) -> ImportResult:
    """Read, validate and return every row of a registry file, or its errors.

    Args:
        path: a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file.
        kind: "targets", "inspectors", "items", "org-units", "conflicts" or "history".
        options: see `ImportOptions` (the sets and date the kind needs, sheet, limits).

    Raises:
        ValueError: a caller mistake (unknown kind, or a set/date the kind needs is missing).
            Bad files never raise: they give ``ok=False`` with the reason.
        TypeError: an option `ImportOptions` does not name.
    """
    known, sheet, limits = _prepare(kind, options)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; the reader streams from it
    except OSError as exc:
        return _fail(kind, FileFormatError("file.unreadable", f"无法打开文件：{exc.strerror}"))
    with fh:
        return _import(fh, kind, known, sheet, limits)


def import_bytes(
    data: bytes,
    kind: str,
    **options: Unpack[ImportOptions],
) -> ImportResult:
    """`import_file` for a small file held in memory (tests, tools).

    Raises:
        ValueError, TypeError: as `import_file`.
    """
    return _import(io.BytesIO(data), kind, *_prepare(kind, options))


def import_stream(
    fh: BinaryIO,
    kind: str,
    **options: Unpack[ImportOptions],
) -> ImportResult:
    """`import_file` for an upload: a seekable binary file (e.g. a spooled temporary file),
    read from its start and streamed, never whole; it is left open.

    Raises:
        ValueError, TypeError: as `import_file`.
    """
    prepared = _prepare(kind, options)
    fh.seek(0)
    return _import(fh, kind, *prepared)


@dataclass(frozen=True)
class _Known:
    """What rows are checked against (from the caller: the database's current state)."""

    regions: Collection[str] | None
    org_units: Collection[str] | Mapping[str, str | None] | None
    today: date | None
    targets: Collection[str] | None
    inspectors: Collection[str] | None


def _prepare(kind: str, options: ImportOptions) -> tuple[_Known, str | None, Limits]:
    """What `_import` needs besides the file: the known sets, the sheet and the limits.

    Raises:
        TypeError: an option `ImportOptions` does not name (as a misspelt keyword would).
        ValueError: an unknown kind, or a set/date the kind needs is missing.
    """
    unknown = sorted(options.keys() - ImportOptions.__optional_keys__)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
    known = _Known(
        options.get("known_regions"),
        options.get("known_org_units"),
        options.get("today"),
        options.get("known_targets"),
        options.get("known_inspectors"),
    )
    layout(kind)
    if kind == "targets" and known.regions is None:
        raise ValueError("known_regions is required to import targets")
    if kind == "inspectors" and (known.org_units is None or known.today is None):
        raise ValueError("known_org_units and today are required to import inspectors")
    if kind == "conflicts" and (known.targets is None or known.inspectors is None):
        raise ValueError("known_targets and known_inspectors are required to import conflicts")
    if kind == "history" and known.targets is None:
        raise ValueError("known_targets is required to import history")
    return known, options.get("sheet"), options.get("limits") or limits_for(kind)


def _fail(kind: str, exc: FileFormatError) -> ImportResult:
    err = RowError(exc.row_number, "", "", exc.code, exc.message)
    return ImportResult(False, kind, errors=[err], error_count=1, bad_rows=1)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 个字符）"


class _Errors:
    """Keeps the first `MAX_LISTED_ERRORS` errors; counts all of them and the rows they are on.

    Cell values (and messages quoting them) are shortened: an error must not echo a huge cell.
    """

    def __init__(self, limit: int = MAX_LISTED_ERRORS) -> None:
        self.listed: list[RowError] = []
        self.limit = limit
        self.count = 0
        self.rows = 0
        self._marked = bytearray()  # one byte per row number: already counted as bad

    def __bool__(self) -> bool:
        return self.count > 0

    def append(self, e: RowError) -> None:
        self.count += 1
        n = e.row_number
        if n >= len(self._marked):
            self._marked.extend(bytes(n + 1 - len(self._marked) + 4096))
        if not self._marked[n]:
            self._marked[n] = 1
            self.rows += 1
        if len(self.listed) < self.limit:
            if max(len(e.value), len(e.column), len(e.message) // 2) > SHOWN_VALUE_CHARS:
                e = RowError(
                    n,
                    _clip(e.column, SHOWN_VALUE_CHARS),
                    _clip(e.value, SHOWN_VALUE_CHARS),
                    e.code,
                    _clip(e.message, 2 * SHOWN_VALUE_CHARS),
                )
            self.listed.append(e)

    def extend(self, errors: list[RowError]) -> None:
        for e in errors:
            self.append(e)


def _match_header(
    lay: Layout, header: list[str]
) -> tuple[list[tuple[int, Column]], list[RowError]]:
    spelling = {h: col for col in lay.columns for h in col.accepted}
    found: dict[str, int] = {}
    placed: list[tuple[int, Column]] = []
    errors: list[RowError] = []
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").strip()
        if not name:
            continue  # an unnamed column; cells under it are reported per row
        col = spelling.get(name)
        if col is None:
            errors.append(RowError(1, raw, raw, "header.unknown", f"无法识别的列名“{name}”"))
        elif col.key in found:
            first = header[found[col.key]].strip()
            errors.append(
                RowError(1, raw, raw, "header.duplicate", f"列“{name}”与“{first}”是同一列，重复了")
            )
        else:
            found[col.key] = i
            placed.append((i, col))
    for col in lay.columns:
        if col.required and col.key not in found:
            msg = f"缺少必填列“{col.headers[0]}”（可写作：{'、'.join(col.accepted)}）"
            errors.append(RowError(1, col.headers[0], "", "header.missing", msg))
    return placed, errors


def _size(fh: BinaryIO) -> int | None:
    try:
        return os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        pass
    try:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
    except (OSError, io.UnsupportedOperation):
        return None
    return size


def _import(
    fh: BinaryIO, kind: str, known: _Known, sheet: str | None, limits: Limits
) -> ImportResult:
    lay = layout(kind)
    size = _size(fh)
    if size is not None and size > limits.max_bytes:
        return _fail(kind, FileFormatError("file.too_large", too_large_message(kind, size, limits)))
    try:
        table = read_table(fh, sheet, limits)
    except FileFormatError as exc:
        return _fail(kind, exc)
    try:
        return _import_rows(table, lay, kind, known, limits)
    finally:
        table.close()


class _RowReader:
    """Reads the data rows of one file into row values, adding every error to ``errs``.

    Built once per file from the matched header; :meth:`read` takes one non-empty row. Each
    step is its own method, in the order the errors of a row are reported: over-long cells,
    values in columns without a name, missing or unparsable values, duplicate keys, and the
    kind's own rules (only for a row with no error so far).
    """

    def __init__(
        self, table: Table, lay: Layout, placed: list[tuple[int, Column]], known: _Known
    ) -> None:
        self.header = table.header
        self.width = len(table.header)
        self.named = {i for i, _ in placed}
        self.index = {col.key: i for i, col in placed}
        # One slot per row field, in field order: (cell index or None, column).
        self.slots = [(self.index.get(col.key), col) for col in lay.columns]
        self.checks, self.finish = _row_checks(lay, known)
        self.seen: dict[str, dict[str, int]] = {k: {} for k in lay.keys}
        self.key_pos = [(k, [c.key for c in lay.columns].index(k)) for k in lay.keys]
        self.csv_rows = table.format == "csv"
        self.errs = _Errors()

    def _error(self, n: int, j: int | None, value: object, code: str, message: str) -> None:
        column = self.header[j] if j is not None and j < self.width else ""
        self.errs.append(RowError(n, column, as_text(value), code, message))

    def read(self, n: int, cells: list[Any]) -> list[Any] | None:
        """Row ``n``'s values in field order, or ``None`` when the row has an error."""
        too_long = self._too_long(n, cells)  # before padding: CSV cells are all text
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        self._unnamed(n, cells, too_long)
        values, bad = self._values(n, cells, too_long)
        bad = self._duplicates(n, cells, values) or bad or bool(too_long)
        if not bad:
            for key, code, msg in self.checks(n, values):
                i = self.index[key]
                self._error(n, i, cells[i], code, msg)
                bad = True
        return None if bad else values

    def _too_long(self, n: int, cells: list[Any]) -> set[int]:
        # CSV cells are all text: their total length rules out a long cell cheaply.
        if self.csv_rows and sum(map(len, cells)) <= MAX_CELL_CHARS:
            return set()
        too_long = {
            j for j, v in enumerate(cells) if isinstance(v, str) and len(v) > MAX_CELL_CHARS
        }
        for j in sorted(too_long):
            shown = as_text(cells[j])
            msg = f"单元格内容过长：最多 {MAX_CELL_CHARS} 个字符，实际 {len(shown)} 个"
            self._error(n, j, cells[j], "cell.too_long", msg)
        return too_long

    def _unnamed(self, n: int, cells: list[Any], too_long: set[int]) -> None:
        if len(cells) <= self.width and len(self.named) >= self.width:
            return
        for j, v in enumerate(cells):
            if j not in self.named and j not in too_long and not is_empty(v):
                self._error(n, j, v, "row.unnamed_cell", "该单元格所在的列没有列名")

    def _values(self, n: int, cells: list[Any], too_long: set[int]) -> tuple[list[Any], bool]:
        values: list[Any] = []
        bad = False
        for i, col in self.slots:
            v = None if i is None else cells[i]
            if i in too_long:
                values.append(None)
            elif v is None or (isinstance(v, str) and not v.strip()):
                if col.required:
                    column = self.header[i] if i is not None else col.headers[0]
                    self.errs.append(RowError(n, column, "", "value.required", "必填项不能为空"))
                    bad = True
                values.append(col.default)
            else:
                try:
                    values.append(col.parse(v))
                except CellError as e:
                    self._error(n, i, v, e.code, e.message)
                    values.append(None)
                    bad = True
        return values, bad

    def _duplicates(self, n: int, cells: list[Any], values: list[Any]) -> bool:
        bad = False
        for k, pos in self.key_pos:
            val = values[pos]
            if val is None:
                continue
            first = self.seen[k].setdefault(val, n)
            if first != n:
                i = self.index[k]
                self._error(n, i, cells[i], "key.duplicate", f"与第 {first} 行重复")
                bad = True
        return bad

    def late_errors(self) -> None:
        """The errors only the whole file shows (an org unit's parent missing from it)."""
        for row_n, key, shown, code, msg in self.finish():
            self.errs.append(RowError(row_n, self.header[self.index[key]], shown, code, msg))


def _import_rows(
    table: Table, lay: Layout, kind: str, known: _Known, limits: Limits
) -> ImportResult:
    result = ImportResult(
        False, kind, format=table.format, encoding=table.encoding, sheet=table.sheet
    )
    placed, header_errors = _match_header(lay, table.header)
    if header_errors or len(table.header) > MAX_COLUMNS:
        errs = _Errors()
        errs.extend(header_errors)
        if not header_errors:
            wide = _too_many_columns(1, len(table.header))
            errs.append(RowError(1, "", "", wide.code, wide.message))
        return _finish(result, errs, [])
    reader = _RowReader(table, lay, placed, known)
    errs = reader.errs
    row_type = lay.row_type
    rows: list[Any] = []
    n = 1
    try:
        for n, cells in enumerate(table.rows, start=2):
            if n > limits.max_physical_rows:
                raise _row_number_too_high(n, limits.max_physical_rows)
            if all(is_empty(v) for v in cells):
                continue
            result.row_count += 1
            if result.row_count > limits.max_rows:
                raise _too_many_rows(kind, n, limits)
            if len(cells) > MAX_COLUMNS:
                raise _too_many_columns(n, len(cells))
            values = reader.read(n, cells)
            if values is not None and not errs:
                rows.append(row_type(*values))
            elif rows:
                rows = []  # all or nothing: stop holding rows once any error is seen
    except FileFormatError as exc:
        exc.row_number = exc.row_number or n
        errs.append(RowError(exc.row_number, "", "", exc.code, exc.message))
    else:
        reader.late_errors()
    if result.row_count == 0 and not errs:
        errs.append(RowError(0, "", "", "file.no_rows", "文件只有表头，没有数据行"))
    return _finish(result, errs, rows)


def _finish(result: ImportResult, errs: _Errors, rows: list[Any]) -> ImportResult:
    # Late errors (an org unit's parent) come after the loop: file order again, stable.
    result.errors = sorted(errs.listed, key=lambda e: e.row_number)
    result.error_count = errs.count
    result.bad_rows = errs.rows
    result.ok = not errs
    result.rows = rows if result.ok else []
    return result


def _too_many_rows(kind: str, n: int, limits: Limits) -> FileFormatError:
    return FileFormatError(
        "file.too_many_rows",
        f"{kind_label(kind)}文件超过行数上限：最多 {limits.max_rows} 行数据"
        f"（读到第 {n} 行时停止），请检查是否选错了文件",
        n,
    )


def _row_number_too_high(n: int, max_physical: int) -> FileFormatError:
    return FileFormatError(
        "file.too_many_rows", f"行号超过上限 {max_physical - 1}：文件损坏或不是名录文件", n
    )


def _too_many_columns(n: int, count: int) -> FileFormatError:
    return FileFormatError(
        "file.too_many_columns",
        f"第 {n} 行有 {count} 列，超过上限 {MAX_COLUMNS} 列（是否选错了文件或分隔符？）",
        n,
    )


_ITEM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_Problem = tuple[str, str, str]  # (column key, code, message)
_Late = tuple[int, str, str, str, str]  # (row number, column key, cell text, code, message)
_Check = Callable[[int, list[Any]], list[_Problem]]
_Finish = Callable[[], list[_Late]]


def _row_checks(lay: Layout, known: _Known) -> tuple[_Check, _Finish]:
    """Checks across cells or against the caller's sets; they run on rows whose cells parsed.

    ``finish`` runs after the last row, for references that may point forward in the file
    (an org unit's parent).
    """
    keys = [c.key for c in lay.columns]

    def nothing_late() -> list[_Late]:
        return []

    if lay.kind == "targets":
        regions = frozenset(known.regions or ())
        r = keys.index("region")

        def targets(_n: int, v: list[Any]) -> list[_Problem]:
            if v[r] in regions:
                return []
            return [("region", "region.unknown", f"未知的行政区划代码“{v[r]}”")]

        return targets, nothing_late
    if lay.kind == "inspectors":
        units = frozenset(known.org_units or ())
        today = known.today
        o, f, t, s = (
            keys.index(k) for k in ("org_unit", "cert_valid_from", "cert_valid_to", "status")
        )

        def inspectors(_n: int, v: list[Any]) -> list[_Problem]:
            out = []
            if v[o] not in units:
                out.append(("org_unit", "org_unit.unknown", f"未知的机构代码“{v[o]}”"))
            if v[t] < v[f]:
                out.append(("cert_valid_to", "cert.dates_order", "证件有效期止早于有效期起"))
            elif today is not None and v[t] < today and v[s] == "active":
                out.append(
                    (
                        "cert_valid_to",
                        "cert.expired",
                        f"执法证已于 {v[t].isoformat()} 过期，在岗人员须持有效证件",
                    )
                )
            return out

        return inspectors, nothing_late
    if lay.kind == "org-units":
        return _org_unit_checks(keys, known.org_units or ())
    if lay.kind in ("conflicts", "history"):
        return _relation_checks(lay.kind, keys, known), nothing_late
    if lay.kind == "plan":
        return _plan_checks(keys), nothing_late
    code_i = keys.index("code")

    def items(_n: int, v: list[Any]) -> list[_Problem]:
        # Item codes go into published records, whose ids are ASCII (lottery.core.schema).
        if _ITEM_CODE.fullmatch(v[code_i]):
            return []
        return [("code", "item.code_format", "事项编码只能由英文字母、数字和 . _ - 组成")]

    return items, nothing_late


def _plan_checks(keys: list[str]) -> _Check:
    """A plan entry: an id and item codes fit for a record, at least one planned task, and
    the departments of a joint entry (and only of one)."""
    i, items, t, j, d = (keys.index(k) for k in ("id", "items", "tasks", "joint", "departments"))

    def check(_n: int, v: list[Any]) -> list[_Problem]:
        out: list[_Problem] = []
        if not _ITEM_CODE.fullmatch(v[i]):
            out.append(("id", "plan.id_format", "计划编号只能由英文字母、数字和 . _ - 组成"))
        bad = [code for code in v[items] if not _ITEM_CODE.fullmatch(code)]
        if bad or not v[items]:
            out.append(("items", "plan.items", "计划抽查事项应填抽查事项清单中的事项编码"))
        if v[t] < 1:
            out.append(("tasks", "plan.tasks", "计划任务数至少为 1"))
        if v[j] and not v[d]:
            out.append(("departments", "plan.departments", "联合抽查须填写联合部门"))
        if not v[j] and v[d]:
            out.append(("departments", "plan.departments", "非联合抽查不应填写联合部门"))
        return out

    return check


def _org_unit_checks(
    keys: list[str], known_units: Collection[str] | Mapping[str, str | None]
) -> tuple[_Check, _Finish]:
    code_i, level_i, parent_i = (keys.index(k) for k in ("code", "level", "parent"))
    in_file: dict[str, tuple[int, str | None]] = {}  # code -> (row, parent)
    pending: list[tuple[int, str]] = []

    def check(n: int, v: list[Any]) -> list[_Problem]:
        parent = v[parent_i]
        in_file[v[code_i]] = (n, parent)
        if parent is None:
            if v[level_i] == "county":
                return [("parent", "org_unit.parent_missing", "县（区）级机构须填写上级机构代码")]
            return []
        if parent == v[code_i]:
            return [("parent", "org_unit.parent_self", "上级机构不能是本机构")]
        pending.append((n, parent))
        return []

    def finish() -> list[_Late]:
        unknown = [
            (n, "parent", p, "org_unit.unknown", f"未知的机构代码“{p}”")
            for n, p in pending
            if p not in in_file and p not in known_units
        ]
        return unknown + _parent_cycles(in_file, known_units)

    return check, finish


def _parent_cycles(
    in_file: Mapping[str, tuple[int, str | None]],
    known_units: Collection[str] | Mapping[str, str | None],
) -> list[_Late]:
    """One error per file row whose parent chain comes back to it (the file's parents over the
    known ones): a unit in a circle has no path to the top, so no task would cover it."""
    known = known_units if isinstance(known_units, Mapping) else {}
    parent_of = {**known, **{code: parent for code, (_, parent) in in_file.items()}}
    out: list[_Late] = []
    for code, (n, parent) in in_file.items():
        chain = [code]
        up = parent
        while up is not None and up != code and up not in chain and len(chain) <= len(parent_of):
            chain.append(up)
            up = parent_of.get(up)
        if up == code and len(chain) > 1:
            circle = " → ".join([*chain, code])
            out.append(
                (n, "parent", parent or "", "org_unit.parent_cycle", f"上级机构形成循环：{circle}")
            )
    return out


def _relation_checks(kind: str, keys: list[str], known: _Known) -> _Check:
    targets = known.targets if known.targets is not None else frozenset()
    inspectors = known.inspectors if known.inspectors is not None else frozenset()
    t = keys.index("target")
    seen: dict[tuple[Any, ...], int] = {}
    if kind == "conflicts":
        i = keys.index("inspector")

        def conflicts(n: int, v: list[Any]) -> list[_Problem]:
            out: list[_Problem] = []
            if v[i] not in inspectors:
                out.append(("inspector", "inspector.unknown", f"未知的人员编号“{v[i]}”"))
            if v[t] not in targets:
                out.append(("target", "target.unknown", f"名录库中没有统一社会信用代码“{v[t]}”"))
            first = seen.setdefault((v[i], v[t]), n)
            if first != n:
                out.append(("target", "key.duplicate", f"与第 {first} 行重复"))
            return out

        return conflicts
    d, k = keys.index("date"), keys.index("task")

    def history(n: int, v: list[Any]) -> list[_Problem]:
        out: list[_Problem] = []
        if v[t] not in targets:
            out.append(("target", "target.unknown", f"名录库中没有统一社会信用代码“{v[t]}”"))
        first = seen.setdefault((v[t], v[d], v[k]), n)
        if first != n:
            out.append(("date", "key.duplicate", f"与第 {first} 行重复"))
        return out

    return history
