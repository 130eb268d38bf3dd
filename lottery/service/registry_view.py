"""Reading the registries back: rows for export, public snapshots, and their publication.

Snapshots publish the public fields of a registry (targets, inspectors, org units) as one blob,
RFC 8785 canonical JSON::

    {"type": "registry-snapshot", "registry": "targets", "fields": [...], "rows": [[...], ...]}

``rows`` are arrays of strings in ``fields`` order, sorted by the first field (the key, so
unique); ``""`` stands for none, dates are ``YYYY-MM-DD``, lists are joined with ``、``, and
enumerations are their canonical Chinese labels, as in an export (``工程设计``, ``正常``,
``市级``; docs/import.md). Private fields (phones, notes, conflict reasons) are never read into a
snapshot. The blob's SHA-256 goes into a ``registry-snapshot`` record; an unchanged registry
gives the same blob, and then nothing new is published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from lottery import registry_io as rio
from lottery.core.canonical import canonical_json, format_time, sha256_hex
from lottery.core.errors import InputError
from lottery.core.pool_membership import SNAPSHOT_FIELDS as PUBLIC_SNAPSHOT_FIELDS
from lottery.core.records import Record, open_record
from lottery.registry_io.layouts import (
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
    LogEntry,
    OrgUnit,
    Target,
)

from .audit_trail import record_audit
from .calendar import publish_record
from .committed_pool import withheld_ids
from .log import PublicLog
from .org_scope import require_whole_office
from .risk_policy import current_rules, effective_class


class LogService(Protocol):
    """What this module needs of the service (a :class:`~lottery.service.lifecycle.Lifecycle`;
    not imported: the lifecycle publishes snapshots at announcements through this module)."""

    log: PublicLog

    def session(self) -> Session:
        """A new database session."""
        ...


KINDS = ("targets", "inspectors", "items", "org-units", "conflicts", "history")
SNAPSHOT_REGISTRIES = ("targets", "inspectors", "org-units")
SNAPSHOT_FIELDS: dict[str, list[str]] = {k: list(v) for k, v in PUBLIC_SNAPSHOT_FIELDS.items()}
REMOVED = "removed"  # the status of a row absent from the last import


class UnknownRegistry(InputError):
    """A registry kind that does not exist."""


def check_kind(kind: str, allowed: Sequence[str] = KINDS) -> None:
    if kind not in allowed:
        raise UnknownRegistry(f"unknown registry {kind!r}; use one of: {', '.join(allowed)}")


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model (bulk reads and writes go through Core, not the ORM)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def item_row(d: dict[str, Any]) -> ItemRow:
    """An item-list entry as stored in ``item_list_version.items``, back as a row."""
    types = tuple(d.get("target_types") or ())  # versions stored before the field: every type
    points = tuple((str(p), str(b)) for p, b in d.get("checklist") or ())  # none stored before
    return ItemRow(
        **{**d, "method": tuple(d["method"]), "target_types": types, "checklist": points}
    )


# --- reading, snapshots and export ---------------------------------------------------------------


def registry_rows(lc: LogService, kind: str) -> list[Any]:
    """Every row of a registry as registry_io rows (private fields included), by key.

    Items: the rows of the latest item-list version.

    Raises:
        UnknownRegistry: for an unknown kind.
    """
    check_kind(kind)
    with lc.session() as session:
        return _rows(session, kind)


def _rows(session: Session, kind: str) -> list[Any]:
    conn = session.connection()
    if kind == "targets":
        t = table_of(Target)
        return [
            TargetRow(
                r.uscc,
                r.name,
                r.type,
                r.region,
                r.risk_class,
                r.complaints,
                r.bad_records,
                r.serious_violation,
                r.status,
                r.contact_phone,
                r.notes,
            )
            for r in conn.execute(select(t).order_by(t.c.uscc))
        ]
    if kind == "inspectors":
        t = table_of(Inspector)
        return [
            InspectorRow(
                r.id,
                r.cert_no,
                r.name,
                r.cert_valid_from,
                r.cert_valid_to,
                r.org_unit,
                r.level,
                tuple(r.specialties),
                r.status,
                r.phone,
                r.department,
            )
            for r in conn.execute(select(t).order_by(t.c.id))
        ]
    if kind == "org-units":
        t = table_of(OrgUnit)
        return [
            OrgUnitRow(r.code, r.name, r.level, r.parent, r.region)
            for r in conn.execute(select(t).order_by(t.c.code))
        ]
    if kind == "conflicts":
        t = table_of(Conflict)
        return [
            ConflictRow(r.inspector, r.target, r.reason or None)
            for r in conn.execute(select(t).order_by(t.c.inspector, t.c.target))
        ]
    if kind == "history":
        t = table_of(InspectionHistory)
        return [
            HistoryRow(r.target, r.date, r.task, tuple(r.inspectors))
            for r in conn.execute(select(t).order_by(t.c.target, t.c.date, t.c.id))
        ]
    t = table_of(ItemListVersion)
    items = conn.execute(
        select(t.c["items"]).order_by(t.c.version.desc()).limit(1)
    ).scalar_one_or_none()
    return [] if items is None else [item_row(d) for d in items]


def export_registry(lc: LogService, kind: str, out: Path | str) -> int:
    """Write a registry to ``out`` (``.xlsx`` or ``.csv``, by suffix); return the row count.

    The export is for staff: it includes the private columns and imports back unchanged.

    Raises:
        UnknownRegistry: for an unknown kind.
        InputError: for another suffix, or an empty registry.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{out}: export to a .csv or .xlsx file")
    rows = registry_rows(lc, kind)
    if not rows:
        raise InputError(f"registry {kind} is empty: nothing to export")
    if suffix == ".csv":
        rio.export_csv(rows, out)
    else:
        rio.export_xlsx(rows, out)
    return len(rows)


def snapshot_blob(lc: LogService, registry: str) -> tuple[bytes, int]:
    """The canonical snapshot blob of a registry's public fields, and its row count.

    Rows removed from the registry (status ``removed``) are not in the snapshot.

    Raises:
        UnknownRegistry: for a registry that has no snapshot.
    """
    with lc.session() as session:
        return snapshot_blob_in(session, registry)


def snapshot_blob_in(session: Session, registry: str) -> tuple[bytes, int]:
    """:func:`snapshot_blob`, read in ``session`` (the announcement's own transaction)."""
    check_kind(registry, SNAPSHOT_REGISTRIES)
    rows = _rows(session, registry)
    if registry == "targets":
        # The class the draws use: raised by the item list's risk rules (spec section 4).
        rules = current_rules(session)
        rows = [dataclasses.replace(r, risk_class=effective_class(r, rules)) for r in rows]
        # A withheld type's targets by their commitment ids, without a name (spec §4).
        ids = withheld_ids(session, ((r.uscc, r.name, r.type) for r in rows if r.status != REMOVED))
        rows = [
            dataclasses.replace(r, uscc=ids[r.uscc], name="") if r.uscc in ids else r for r in rows
        ]
    fields = SNAPSHOT_FIELDS[registry]
    # Each column's export formatter gives the canonical Chinese label staff and the public
    # read (工程设计, 正常, 市级...), dates as dates, lists joined with 、.
    fmts = [rio.LAYOUTS[registry].column(f).fmt for f in fields]
    table: list[list[str]] = []
    for row in rows:
        if registry != "org-units" and row.status == REMOVED:
            continue
        values = (getattr(row, f) for f in fields)
        table.append([_public_text(v, fmt) for v, fmt in zip(values, fmts, strict=True)])
    table.sort(key=lambda r: r[0])  # str order is code point order, as the reader expects
    doc = {"type": "registry-snapshot", "registry": registry, "fields": fields, "rows": table}
    return canonical_json(doc), len(table)


def _public_text(value: Any, fmt: Callable[[Any], str | int | date]) -> str:
    if value is None:
        return ""
    shown = fmt(value)
    return shown.isoformat() if isinstance(shown, date) else str(shown)


def latest_snapshot(lc: LogService, registry: str) -> Record | None:
    """The last published ``registry-snapshot`` record of ``registry``, or None."""
    with lc.session() as session:
        return latest_snapshot_in(session, lc.log, registry)


def latest_snapshot_in(session: Session, log: PublicLog, registry: str) -> Record | None:
    """:func:`latest_snapshot`, read in ``session``."""
    t = table_of(LogEntry)
    notes = session.connection().execute(
        select(t.c.note).where(t.c.type == "registry-snapshot").order_by(t.c.idx.desc())
    )
    for note in notes.scalars():
        record = open_record(note, log.office_keys, log=log.origin)
        if record.body["registry"] == registry:
            return record
    return None


def publish_snapshot(
    lc: LogService,
    registry: str,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
) -> Record:
    """Publish a registry's public fields as a blob and a ``registry-snapshot`` record.

    An unchanged registry publishes nothing: the previous record is returned.

    Raises:
        UnknownRegistry: for a registry that has no snapshot.
        InputError: for an empty registry.
    """
    with lc.session() as session:
        require_whole_office(session, actor, "发布名录快照")
    with lc.session() as session, session.begin():
        record, new = publish_snapshot_in(
            session, lc.log, registry, actor=actor, now=now, remote_addr=remote_addr
        )
        if record is None:
            raise InputError(f"registry {registry} is empty: nothing to publish")
        if new:
            lc.log.sign_checkpoint(session, now)
    return record


def publish_snapshot_in(
    session: Session,
    log: PublicLog,
    registry: str,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
) -> tuple[Record | None, bool]:
    """Append a snapshot of ``registry`` in ``session`` unless the last one is the same.

    Returns the snapshot record now in force (the new one, or the previous one when nothing
    changed; None for an empty registry) and whether it is new. Signs no checkpoint: the
    caller does, once.
    """
    blob, count = snapshot_blob_in(session, registry)
    if count == 0:
        return None, False
    digest = sha256_hex(blob)
    last = latest_snapshot_in(session, log, registry)
    if last is not None and last.body["blob"] == digest:
        return last, False
    log.put_blob(session, blob)
    fields = {"registry": registry, "blob": digest, "rows": count, "as_of": format_time(now)}
    record = publish_record(log, session, "registry-snapshot", fields, now)
    record_audit(
        session,
        now,
        actor,
        "registry.publish",
        registry,
        {"record": record.id, "blob": digest, "rows": count},
        remote_addr,
    )
    return record, True
