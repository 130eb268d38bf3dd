"""Registries in the service: import (all or nothing), item-list versions, snapshots, export.

Import semantics, per registry (documented in docs/import.md, "In the service"):

- ``targets``, ``inspectors``: the file is the whole registry. Rows are inserted or updated by
  key (USCC, staff number); a row already in the database and absent from the file is not
  deleted (history and conflicts refer to it) but gets the status ``removed`` (移出名录), which
  keeps it out of every later draw. Importing it again brings it back.
- ``org-units``: upsert by code; units absent from the file are kept (inspectors refer to them).
- ``items``: the file is a new version of the whole item list, published as an ``item-list``
  record in the same transaction.
- ``conflicts``: the file replaces every declared conflict.
- ``history``: upsert by (target, date, task); nothing is removed.

The file is parsed and validated before the write transaction starts (so a large file does not
hold the database's write lock while it parses), against the registries as read just before.
Any error raises :class:`ImportRejected` carrying the first bad rows and the total, and nothing
is written. :func:`check_registry` is the dry run: the same parsing and validation, then the
write code with its writes switched off (``dry=True``), which only counts. The write is one
transaction with an audit event: rows written in batches with SQLAlchemy Core
``executemany`` (no ORM object per row), or, on any failure, nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import JSON, Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from lottery import registry_io as rio
from lottery.core.canonical import sha256_hex
from lottery.core.errors import InputError
from lottery.core.publication_rules import PublicationRule, parse_rules
from lottery.core.records import Record
from lottery.core.risk_rules import RiskRules, rules_or_none
from lottery.registry_io.cells import fmt_enum, fmt_ratio
from lottery.registry_io.layouts import (
    METHODS,
    TARGET_TYPES,
    ConflictRow,
    HistoryRow,
    InspectorRow,
    ItemRow,
    OrgUnitRow,
    TargetRow,
)
from lottery.storage.models import (
    Conflict,
    InspectionHistory,
    Inspector,
    ItemListVersion,
    OrgUnit,
    Target,
)

from . import maintained
from .audit_trail import record_audit
from .calendar import load_record, publish_record
from .integrity import stored
from .item_list import ItemListDiff, diff_items
from .lifecycle import Lifecycle
from .org_scope import require_whole_office
from .registry_view import (
    KINDS,
    REMOVED,
    SNAPSHOT_FIELDS,
    SNAPSHOT_REGISTRIES,
    UnknownRegistry,
    check_kind,
    export_registry,
    item_row,
    latest_snapshot,
    publish_snapshot,
    registry_rows,
    snapshot_blob,
    table_of,
)

__all__ = [
    "KINDS",
    "SNAPSHOT_FIELDS",
    "SNAPSHOT_REGISTRIES",
    "ImportCheck",
    "ImportCounts",
    "ImportRejected",
    "ImportResult",
    "UnknownRegistry",
    "check_kind",
    "check_registry",
    "error_line",
    "export_registry",
    "import_registry",
    "latest_snapshot",
    "publish_item_list",
    "publish_snapshot",
    "registry_rows",
    "snapshot_blob",
]

BATCH = 5000
OFFICE_TZ = timezone(timedelta(hours=8))  # certificate expiry is judged on the office's date
_METHOD_LABEL = {code: label for label, code in reversed(METHODS.items())}
_TYPE_LABEL = fmt_enum(TARGET_TYPES)


class ImportRejected(InputError):
    """The file has errors; nothing was written. ``errors`` lists the first ones in file order
    (at most `registry_io.MAX_LISTED_ERRORS`); ``result.error_count`` counts them all."""

    def __init__(self, result: rio.ImportResult) -> None:
        """Wrap the parser's result (``result.ok`` is False)."""
        self.result = result
        self.errors = result.errors
        super().__init__(
            f"{result.kind}: 文件{result.error_summary()}，未导入任何数据"
            f"（第一处：{error_line(result.errors[0])}）"
        )


def error_line(e: rio.RowError) -> str:
    """One bad row as staff read it: ``第N行 列名: 原因`` (``文件`` for the whole file)."""
    where = f"第{e.row_number}行" if e.row_number else "文件"
    column = f" {e.column}" if e.column else ""
    value = f"（“{e.value}”）" if e.value else ""
    return f"{where}{column}: {e.reason}{value}"


@dataclass(frozen=True)
class ImportCounts:
    """What an import of a file writes (:class:`ImportResult`) or would write now
    (:class:`ImportCheck`).

    Attributes:
        kind: the registry.
        rows: data rows in the file.
        inserted, updated, unchanged: rows new to the database, changed, or already equal.
        removed: rows no longer in the registry (status ``removed``, or deleted conflicts).
        format, encoding: as detected from the file.
    """

    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    format: str
    encoding: str | None

    def counts(self) -> dict[str, Any]:
        """These fields by name (the shared part of both API answers)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(ImportCounts)}


def _import_counts(kind: str, parsed: rio.ImportResult, counts: dict[str, int]) -> dict[str, Any]:
    """The :class:`ImportCounts` fields of a parsed file and the write code's counts."""
    return {
        "kind": kind,
        "rows": len(parsed.rows),
        **{key: counts[key] for key in ("inserted", "updated", "unchanged", "removed")},
        "format": parsed.format,
        "encoding": parsed.encoding,
    }


@dataclass(frozen=True)
class ImportResult(ImportCounts):
    """A successful import: the counts, and for items the new item-list version and its
    record id (``version``, ``record``)."""

    version: int | None = None
    record: str | None = None

    def summary(self) -> str:
        """One line for staff."""
        if self.version is not None:
            return (
                f"{self.kind}: 共 {self.rows} 项，已发布为抽查事项清单第 {self.version} 版"
                f"（记录 {self.record}）"
            )
        return (
            f"{self.kind}: 共 {self.rows} 行，新增 {self.inserted}，更新 {self.updated}，"
            f"未变 {self.unchanged}，移出 {self.removed}"
        )


# --- import ------------------------------------------------------------------------------------


def _known(session: Session, kind: str) -> dict[str, Any]:
    """The sets rows of ``kind`` are validated against, from the database."""
    conn = session.connection()
    units = table_of(OrgUnit)
    if kind == "targets":
        regions = conn.execute(select(units.c.region)).scalars()
        return {"known_regions": {r for r in regions if r}}
    if kind in ("inspectors", "org-units"):
        # Code -> parent: a re-import that closes a circle of parents is refused.
        parents = conn.execute(select(units.c.code, units.c.parent)).all()
        return {"known_org_units": dict(parents)}
    if kind in ("conflicts", "history"):
        targets = set(conn.execute(select(table_of(Target).c.uscc)).scalars())
        inspectors = set(conn.execute(select(table_of(Inspector).c.id)).scalars())
        return {"known_targets": targets, "known_inspectors": inspectors}
    return {}


def _file_sha256(source: Path | str | bytes | BinaryIO) -> str:
    if isinstance(source, bytes):
        return sha256_hex(source)
    h = hashlib.sha256()
    if isinstance(source, Path | str):
        with open(source, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()
    source.seek(0)
    while chunk := source.read(1 << 20):
        h.update(chunk)
    source.seek(0)
    return h.hexdigest()


def import_registry(
    lc: Lifecycle,
    kind: str,
    source: Path | str | bytes | BinaryIO,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
    effective: date | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Validate a registry file and write it in one transaction, or write nothing.

    Args:
        lc: the service.
        kind: one of :data:`KINDS`.
        source: a file path, an upload as a seekable binary file (streamed, never read
            whole; left open), or small bytes (CSV or XLSX). The kind's size limits apply
            (`registry_io.limits_for`).
        actor, now, remote_addr: for the audit trail (and, for items, the record's time).
        effective: the date a new item-list version takes effect (default: ``now``'s date
            at the office, UTC+8).
        sheet: the XLSX sheet (default the first).

    Raises:
        UnknownRegistry: for an unknown kind.
        ImportRejected: when the file has any error (``.errors`` lists the first bad rows),
            including a file over the kind's size, row or cell limits.
        InputError: when the rows contradict the database (e.g. two inspectors swapping
            certificate numbers); nothing is written.
        OutOfScope: when the actor's account is not the whole office's.
    """
    with lc.session() as session:
        require_whole_office(session, actor, "导入名录")
    parsed = _parse(lc, kind, source, now, sheet)
    digest = _file_sha256(source)
    try:
        with lc.session() as session, session.begin():
            counts, version, record = _write(lc, session, kind, parsed.rows, now, effective)
            detail = {
                "rows": len(parsed.rows),
                "file_sha256": digest,
                "format": parsed.format,
                **counts,
            }
            if record is not None:
                detail["record"] = record.id
            record_audit(session, now, actor, "registry.import", kind, detail, remote_addr)
            if record is not None:
                session.flush()
                lc.log.sign_checkpoint(session, now)  # the last statement before the commit
    except IntegrityError as exc:
        raise InputError(f"{kind}: 数据与数据库中已有记录冲突，未导入任何数据：{exc.orig}") from exc
    return ImportResult(
        **_import_counts(kind, parsed, counts),
        version=version,
        record=None if record is None else record.id,
    )


def _parse(
    lc: Lifecycle,
    kind: str,
    source: Path | str | bytes | BinaryIO,
    now: datetime,
    sheet: str | None,
) -> rio.ImportResult:
    """Parse and validate a file against the registries as they are now.

    Raises:
        UnknownRegistry: for an unknown kind.
        ImportRejected: when the file has any error.
    """
    check_kind(kind)
    with lc.session() as session, session.begin():
        known = _known(session, kind)
    today = now.astimezone(OFFICE_TZ).date()
    kw: dict[str, Any] = {"today": today, "sheet": sheet, **known}
    if isinstance(source, bytes):
        parsed = rio.import_bytes(source, kind, **kw)
    elif isinstance(source, Path | str):
        parsed = rio.import_file(source, kind, **kw)
    else:
        parsed = rio.import_stream(source, kind, **kw)
    if not parsed.ok:
        raise ImportRejected(parsed)
    return parsed


@dataclass(frozen=True)
class ImportCheck(ImportCounts):
    """What an import of a file would change, found by :func:`check_registry`; nothing written.

    Attributes:
        the counts: as :class:`ImportResult` would say for the same file now. For items: rows
            added, changed, unchanged and removed against the current version.
        file_sha256: the file's SHA-256 (the import's audit event records the same).
        items: for items, the difference from the current version; None otherwise.
    """

    file_sha256: str
    items: ItemListDiff | None = None


def check_registry(
    lc: Lifecycle,
    kind: str,
    source: Path | str | bytes | BinaryIO,
    *,
    now: datetime,
    sheet: str | None = None,
) -> ImportCheck:
    """The dry run of :func:`import_registry`: validate the file exactly as an import would
    and count the rows it would insert, change, leave and remove. Writes nothing (no rows,
    no record, no audit event).

    Raises:
        UnknownRegistry: for an unknown kind.
        ImportRejected: when the file has any error (``.errors`` lists the first bad rows).
    """
    parsed = _parse(lc, kind, source, now, sheet)
    digest = _file_sha256(source)
    diff = None
    if kind == "items":
        diff = diff_items(registry_rows(lc, "items"), parsed.rows)
        counts = diff.counts()
    else:
        with lc.session() as session:
            try:
                counts = _counts(session, kind, parsed.rows, dry=True)
            finally:
                session.rollback()  # nothing was written; make sure of it
    return ImportCheck(**_import_counts(kind, parsed, counts), file_sha256=digest, items=diff)


def _target_dict(r: TargetRow) -> dict[str, Any]:
    return {
        "uscc": r.uscc,
        "name": r.name,
        "type": r.type,
        "region": r.region,
        "risk_class": r.risk_class,
        "complaints": r.complaints,
        "bad_records": r.bad_records,
        "serious_violation": r.serious_violation,
        "status": r.status,
        "contact_phone": r.phone,
        "notes": r.notes,
    }


def _inspector_dict(r: InspectorRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "cert_no": r.cert_no,
        "cert_valid_from": r.cert_valid_from,
        "cert_valid_to": r.cert_valid_to,
        "org_unit": r.org_unit,
        "level": r.level,
        "specialties": list(r.specialties),
        "status": r.status,
        "phone": r.phone,
        "department": r.department,
    }


def _org_unit_dicts(rows: Sequence[OrgUnitRow]) -> list[dict[str, Any]]:
    """Org units with every parent before its children (foreign keys are checked per row)."""
    in_file = {r.code: r for r in rows}
    depth: dict[str, int] = {}

    def level(code: str, trail: frozenset[str] = frozenset()) -> int:
        if code in depth:
            return depth[code]
        row = in_file.get(code)
        if row is None or row.parent is None or row.parent in trail:
            d = 0  # the parent is already in the database (or a cycle the FK will refuse)
        else:
            d = level(row.parent, trail | {code}) + 1
        depth[code] = d
        return d

    ordered = sorted(rows, key=lambda r: level(r.code))
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "region": r.region}
        for r in ordered
    ]


def _batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _fingerprint(row: Sequence[Any]) -> int:
    # Python's hash of the row's values: 8 bytes per stored row instead of the row itself
    # (a million-row registry would otherwise hold a second copy in memory). Two different
    # rows of one key colliding has probability 2**-64; the cost would be one missed update.
    return hash(tuple(tuple(v) if isinstance(v, list) else v for v in row))


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows: ``COPY`` on PostgreSQL (several times faster), ``executemany`` elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    raw = conn.connection.driver_connection  # the psycopg connection, in this transaction
    raw = stored(raw, "a live driver connection in this transaction")
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c], ensure_ascii=False) if c in as_json else row[c]
                    for c in columns
                ]
            )


def _upsert(
    conn: Connection,
    table: Table,
    key: str,
    rows: Iterable[dict[str, Any]],
    *,
    mark_missing: bool,
    dry: bool = False,
) -> dict[str, int]:
    """Insert new rows, update changed ones, and (optionally) mark absent ones removed.

    ``dry``: count what would change and write nothing (the check before an import)."""
    columns = [c.name for c in table.columns]
    key_i = columns.index(key)
    status = columns.index("status") if mark_missing else key_i
    # key -> (fingerprint, status); what is left after the loop is absent from the file.
    existing = {
        row[key_i]: (_fingerprint(row), row[status]) for row in conn.execute(select(*table.columns))
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    counts = {"inserted": 0, "updated": 0, "unchanged": 0, "removed": 0}
    upd = (
        update(table)
        .where(table.c[key] == bindparam("_key"))
        .values({c: bindparam(c) for c in columns if c != key})
    )
    for row in rows:
        k = row[key]
        old = existing.pop(k, None)
        if old is None:
            new.append(row)
        elif old[0] != _fingerprint([row[c] for c in columns]):
            changed.append({**row, "_key": k})
        else:
            counts["unchanged"] += 1
        if len(new) >= BATCH:
            if not dry:
                _insert(conn, table, new)
            counts["inserted"] += len(new)
            new = []
        if len(changed) >= BATCH:
            if not dry:
                conn.execute(upd, changed)
            counts["updated"] += len(changed)
            changed = []
    if new and not dry:
        _insert(conn, table, new)
    if changed and not dry:
        conn.execute(upd, changed)
    counts["inserted"] += len(new)
    counts["updated"] += len(changed)
    if mark_missing:
        gone = [{"_key": k} for k, (_, st) in existing.items() if st != REMOVED]
        mark = update(table).where(table.c[key] == bindparam("_key")).values(status=REMOVED)
        for batch in _batches(gone if not dry else []):
            conn.execute(mark, batch)
        counts["removed"] = len(gone)
    return counts


def _write(
    lc: Lifecycle,
    session: Session,
    kind: str,
    rows: list[Any],
    now: datetime,
    effective: date | None,
) -> tuple[dict[str, int], int | None, Record | None]:
    if kind != "items":
        return _counts(session, kind, rows, dry=False), None, None
    office_date = now.astimezone(OFFICE_TZ).date()
    version, record = _publish_items(lc, session, rows, now, effective or office_date)
    n = len(rows)
    return {"inserted": n, "updated": 0, "unchanged": 0, "removed": 0}, version, record


def _counts(session: Session, kind: str, rows: list[Any], *, dry: bool) -> dict[str, int]:
    """Write the rows of a registry other than items (``dry``: only count what would change)."""
    conn = session.connection()
    if kind == "targets":
        table = table_of(Target)
        imported = maintained.keep(conn, map(_target_dict, rows))
        return _upsert(conn, table, "uscc", imported, mark_missing=True, dry=dry)
    if kind == "inspectors":
        table = table_of(Inspector)
        return _upsert(conn, table, "id", map(_inspector_dict, rows), mark_missing=True, dry=dry)
    if kind == "org-units":
        table = table_of(OrgUnit)
        return _upsert(conn, table, "code", _org_unit_dicts(rows), mark_missing=False, dry=dry)
    if kind == "conflicts":
        return _replace_conflicts(conn, rows, dry=dry)
    return _upsert_history(conn, rows, dry=dry)


def _replace_conflicts(
    conn: Connection, rows: Sequence[ConflictRow], *, dry: bool = False
) -> dict[str, int]:
    table = table_of(Conflict)
    old = {
        (i, t): r
        for i, t, r in conn.execute(select(table.c.inspector, table.c.target, table.c.reason))
    }
    new = {(r.inspector, r.target): r.reason or "" for r in rows}
    if not dry:
        conn.execute(delete(table))
        for batch in _batches(
            {"inspector": i, "target": t, "reason": reason} for (i, t), reason in new.items()
        ):
            conn.execute(insert(table), batch)
    return {
        "inserted": sum(1 for k in new if k not in old),
        "updated": sum(1 for k, v in new.items() if k in old and old[k] != v),
        "unchanged": sum(1 for k, v in new.items() if old.get(k) == v),
        "removed": sum(1 for k in old if k not in new),
    }


def _upsert_history(
    conn: Connection, rows: Sequence[HistoryRow], *, dry: bool = False
) -> dict[str, int]:
    table = table_of(InspectionHistory)
    existing = {
        (t, d, k): (i, insp)
        for i, t, d, k, insp in conn.execute(
            select(table.c.id, table.c.target, table.c.date, table.c.task, table.c.inspectors)
        )
    }
    counts = {"inserted": 0, "updated": 0, "unchanged": 0, "removed": 0}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for r in rows:
        hit = existing.get((r.target, r.date, r.task))
        inspectors = list(r.inspectors)
        if hit is None:
            new.append(
                {"target": r.target, "date": r.date, "task": r.task, "inspectors": inspectors}
            )
        elif hit[1] != inspectors:
            changed.append({"_id": hit[0], "inspectors": inspectors})
        else:
            counts["unchanged"] += 1
    upd = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(inspectors=bindparam("inspectors"))
    )
    if not dry:
        for batch in _batches(new):
            conn.execute(insert(table), batch)
        for batch in _batches(changed):
            conn.execute(upd, batch)
    counts["inserted"], counts["updated"] = len(new), len(changed)
    return counts


# --- the item list -----------------------------------------------------------------------------


def item_record_entry(row: ItemRow) -> dict[str, Any]:
    """An item as the ``item-list`` record carries it (labels, ratio as a percentage;
    ``target_types`` only when the item names types)."""
    entry: dict[str, Any] = {
        "code": row.code,
        "name": row.name,
        "basis": row.basis,
        "subject": row.subject,
        "item": row.project,
        "content": row.content,
        "ratio": fmt_ratio(row.ratio) if row.ratio is not None else "未规定",
        "frequency": row.frequency or "未规定",
        "method": "、".join(_METHOD_LABEL[m] for m in row.method),
        "requirements": row.requirements or "",
        "key": row.key_item,
    }
    if row.target_types:
        # The canonical labels, as the targets snapshot writes a target's type (docs/import.md).
        entry["target_types"] = [_TYPE_LABEL(t) for t in row.target_types]
    if row.checklist:  # 检查要点, each with its legal basis (docs/spec.md §2)
        entry["checklist"] = [{"point": p, "basis": b} for p, b in row.checklist]
    if row.ratio is not None:  # the minimum a task citing it must draw (spec section 4)
        entry["min_ratio"] = row.ratio
    if row.specialty:  # 专业要求, for a task's cross-check rule (spec section 4)
        entry["specialty"] = row.specialty
    return entry


def _item_stored(row: ItemRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "basis": row.basis,
        "subject": row.subject,
        "project": row.project,
        "content": row.content,
        "ratio": row.ratio,
        "frequency": row.frequency,
        "method": list(row.method),
        "requirements": row.requirements,
        "key_item": row.key_item,
        "target_types": list(row.target_types),
        "checklist": [[p, b] for p, b in row.checklist],
        "specialty": row.specialty,
    }


def _publish_items(
    lc: Lifecycle,
    session: Session,
    rows: Sequence[ItemRow],
    now: datetime,
    effective: date,
    risk_rules: RiskRules | None = None,
    publication_rules: Sequence[PublicationRule] | None = None,
) -> tuple[int, Record]:
    """Append the next item-list version; ``risk_rules`` and ``publication_rules`` None keep
    the last version's (the publication rules are read from its record)."""
    lc.log.lock(session)  # serializes version numbers with every other log writer
    t = table_of(ItemListVersion)
    last_row = (
        session.connection()
        .execute(
            select(t.c.version, t.c.risk_rules, t.c.record_id).order_by(t.c.version.desc()).limit(1)
        )
        .one_or_none()
    )
    last = None if last_row is None else last_row.version
    if risk_rules is None:
        risk_rules = rules_or_none(None if last_row is None else last_row.risk_rules)
    if publication_rules is None:
        publication_rules = ()
        if last_row is not None and last_row.record_id is not None:
            body = load_record(lc.log, session, last_row.record_id).body
            publication_rules = parse_rules(body.get("publication_rules"))
    version = (last or 0) + 1
    fields: dict[str, Any] = {
        "version": version,
        "effective": effective.isoformat(),
        "items": [item_record_entry(r) for r in rows],
    }
    if not risk_rules.empty:
        fields["risk_rules"] = risk_rules.to_json()
    if publication_rules:
        fields["publication_rules"] = [r.to_json() for r in publication_rules]
    record = publish_record(lc.log, session, "item-list", fields, now)
    session.add(
        ItemListVersion(
            version=version,
            effective=effective,
            items=[_item_stored(r) for r in rows],
            record_id=record.id,
            created_at=now,
            risk_rules=None if risk_rules.empty else risk_rules.to_json(),
        )
    )
    session.flush()  # the caller signs the checkpoint as its last statement before the commit
    return version, record


def publish_item_list(
    lc: Lifecycle,
    rows: Sequence[ItemRow],
    *,
    actor: str,
    now: datetime,
    effective: date | None = None,
    remote_addr: str | None = None,
    risk_rules: RiskRules | None = None,
    publication_rules: Sequence[PublicationRule] | None = None,
) -> Record:
    """Publish ``rows`` as the next version of the item list (one transaction), effective
    from ``effective`` (default: the office's day, in Beijing, at ``now``), with
    ``risk_rules`` and ``publication_rules`` (None: the last version's rules carry over).

    Raises:
        InputError: for an empty list.
        EncodingError: when an item does not fit the record schema (e.g. a non-ASCII code).
    """
    if not rows:
        raise InputError("the item list needs at least one item")
    with lc.session() as session, session.begin():
        require_whole_office(session, actor, "发布抽查事项清单")
        office_date = now.astimezone(OFFICE_TZ).date()  # as an import does: Beijing's day
        version, record = _publish_items(
            lc, session, rows, now, effective or office_date, risk_rules, publication_rules
        )
        detail = {"version": version, "record": record.id, "items": len(rows)}
        record_audit(session, now, actor, "items.publish", "items", detail, remote_addr)
        session.flush()
        lc.log.sign_checkpoint(session, now)  # the last statement before the commit
    return record


def set_risk_rules(
    lc: Lifecycle,
    rules: RiskRules,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
    publication_rules: Sequence[PublicationRule] | None = None,
) -> Record:
    """Publish the next item-list version: the latest version's items with ``rules``
    (``RiskRules()``: no rules) and ``publication_rules`` (None: the last version's).

    Raises:
        InputError: when no item list is published yet, or the rules are those in force.
    """
    t = table_of(ItemListVersion)
    with lc.session() as session:
        last = (
            session.connection()
            .execute(select(t.c["items"], t.c.risk_rules).order_by(t.c.version.desc()).limit(1))
            .one_or_none()
        )
        if last is None:
            raise InputError("尚未公布抽查事项清单：请先导入并公布清单，再设置风险规则")
        if rules_or_none(last.risk_rules) == rules:
            raise InputError("风险规则与现行清单相同，无需公布新版本")
        rows = [item_row(d) for d in last[0]]
    return publish_item_list(
        lc,
        rows,
        actor=actor,
        now=now,
        remote_addr=remote_addr,
        risk_rules=rules,
        publication_rules=publication_rules,
    )


def set_publication_rules(
    lc: Lifecycle,
    rules: Sequence[PublicationRule],
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
) -> Record:
    """Publish the next item-list version: the latest version's items and risk rules with
    the publication rules ``rules`` (empty: none), audited ``items.publish`` like every
    version (docs/spec.md §2.3).

    Raises:
        InputError: when no item list is published yet, or the rules are those in force.
        EncodingError: when a rule does not fit the record format (e.g. names a field the
            public needs).
    """
    t = table_of(ItemListVersion)
    with lc.session() as session:
        last = (
            session.connection()
            .execute(select(t.c["items"], t.c.record_id).order_by(t.c.version.desc()).limit(1))
            .one_or_none()
        )
        if last is None or last.record_id is None:
            raise InputError("尚未公布抽查事项清单：请先导入并公布清单，再设置公开规则")
        current = parse_rules(
            load_record(lc.log, session, last.record_id).body.get("publication_rules")
        )
        if tuple(current) == tuple(rules):
            raise InputError("公开规则与现行清单相同，无需公布新版本")
        rows = [item_row(d) for d in last[0]]
    if not rows:
        raise InputError("the item list needs at least one item")
    with lc.session() as session, session.begin():
        require_whole_office(session, actor, "发布抽查事项清单")
        office_date = now.astimezone(OFFICE_TZ).date()
        version, record = _publish_items(lc, session, rows, now, office_date, None, tuple(rules))
        detail = {
            "version": version,
            "record": record.id,
            "items": len(rows),
            "publication_rules": [r.id for r in rules],
        }
        record_audit(session, now, actor, "items.publish", "items", detail, remote_addr)
        session.flush()
        lc.log.sign_checkpoint(session, now)  # the last statement before the commit
    return record
