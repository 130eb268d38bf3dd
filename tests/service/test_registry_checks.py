"""The service's pieces behind the console's registry pages: the dry-run check of an import,
one conflict declared or removed (audited), the item list's difference between versions, and
the filtered browsing of targets, inspectors and conflicts.

Every database test runs on SQLite and PostgreSQL (the ``settings`` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from lottery.service import conflicts, item_list, registry_browse
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import (
    ImportRejected,
    check_registry,
    import_registry,
    publish_item_list,
    registry_rows,
)
from lottery.settings import Settings
from lottery.storage.models import (
    AuditEvent,
    Conflict,
    Inspector,
    ItemListVersion,
    LogEntry,
    Target,
)
from tests.registry_io.conftest import (
    INSPECTOR_HEADER,
    ITEM_HEADER,
    TARGET_HEADER,
    inspector,
    item,
    target,
    uscc,
    write_csv,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ORG_HEADER = ["机构代码", "机构名称", "层级", "上级机构代码", "行政区划代码"]


@pytest.fixture
def lc(settings: Settings, tmp_path: Path) -> Iterator[Lifecycle]:
    svc = Lifecycle.open(settings)
    orgs = [
        ["city", "市人防办", "市级", "", ""],
        ["county-419901", "甲县人防办", "县级", "city", "419901"],
    ]
    import_registry(
        svc, "org-units", write_csv(tmp_path / "o.csv", ORG_HEADER, orgs), actor="t", now=NOW
    )
    yield svc
    svc.engine.dispose()


def _count(lc: Lifecycle, model: type) -> int:
    with lc.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _targets(n: int, start: int = 0, **over: str) -> list[list[str]]:
    return [target(uscc(f"91419901MA00{i:05d}"), **over) for i in range(start, start + n)]


# --- the dry run -------------------------------------------------------------------------------


def test_check_counts_what_the_import_then_does_and_writes_nothing(
    lc: Lifecycle, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "t1.csv", TARGET_HEADER, _targets(6))
    import_registry(lc, "targets", first, actor="t", now=NOW)
    audit_before = _count(lc, AuditEvent)
    # 2 renamed, 2 as they were, 3 new, 2 absent (to be marked removed).
    rows = _targets(2, 名称="改名后的公司") + _targets(2, 2) + _targets(3, 10)
    second = write_csv(tmp_path / "t2.csv", TARGET_HEADER, rows)
    check = check_registry(lc, "targets", second, now=NOW)
    assert (check.rows, check.inserted, check.updated, check.unchanged, check.removed) == (
        7,
        3,
        2,
        2,
        2,
    )
    assert check.format == "csv" and len(check.file_sha256) == 64
    assert _count(lc, Target) == 6 and _count(lc, AuditEvent) == audit_before
    assert {t.status for t in registry_rows(lc, "targets")} == {"active"}
    done = import_registry(lc, "targets", second, actor="t", now=NOW)
    assert (done.inserted, done.updated, done.unchanged, done.removed) == (3, 2, 2, 2)


def test_check_of_a_bad_file_lists_the_rows_and_writes_nothing(
    lc: Lifecycle, tmp_path: Path
) -> None:
    rows = [*_targets(1), target(uscc("91419901MA0000009"), 信用风险分类="Z")]
    bad = write_csv(tmp_path / "bad.csv", TARGET_HEADER, rows)
    with pytest.raises(ImportRejected) as caught:
        check_registry(lc, "targets", bad, now=NOW)
    assert [(e.row_number, e.column) for e in caught.value.errors] == [(3, "信用风险分类")]
    assert _count(lc, Target) == 0


def test_check_of_conflicts_and_inspectors_counts_without_writing(
    lc: Lifecycle, tmp_path: Path
) -> None:
    insp = write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, [inspector("R001", "HN-1")])
    check = check_registry(lc, "inspectors", insp, now=NOW)
    assert (check.inserted, check.removed) == (1, 0) and _count(lc, Inspector) == 0


def test_check_of_an_item_list_is_its_difference_from_the_current_version(
    lc: Lifecycle, tmp_path: Path
) -> None:
    v1 = write_csv(tmp_path / "v1.csv", ITEM_HEADER, [item("RF-001"), item("RF-002")])
    import_registry(lc, "items", v1, actor="t", now=NOW)
    rows = [item("RF-001", 抽查比例="10%", 是否重点="否"), item("RF-003")]
    v2 = write_csv(tmp_path / "v2.csv", ITEM_HEADER, rows)
    log_before = _count(lc, LogEntry)
    check = check_registry(lc, "items", v2, now=NOW)
    assert check.items is not None
    assert [r.code for r in check.items.added] == ["RF-003"]
    assert [r.code for r in check.items.removed] == ["RF-002"]
    assert [(c.new.code, c.fields) for c in check.items.changed] == [
        ("RF-001", ("ratio", "key_item"))
    ]
    assert check.items.changed[0].fields_zh == "抽查比例、是否重点"
    assert (check.inserted, check.updated, check.unchanged, check.removed) == (1, 1, 0, 1)
    assert _count(lc, ItemListVersion) == 1 and _count(lc, LogEntry) == log_before


def test_the_current_item_list_and_an_unchanged_diff(lc: Lifecycle, tmp_path: Path) -> None:
    assert item_list.current_item_list(lc) is None
    v1 = write_csv(tmp_path / "v1.csv", ITEM_HEADER, [item("RF-001")])
    import_registry(lc, "items", v1, actor="t", now=NOW)
    current = item_list.current_item_list(lc)
    assert current is not None and current.version == 1 and current.record_id
    assert [r.code for r in current.items] == ["RF-001"]
    same = item_list.diff_items(current.items, current.items)
    assert same.empty and same.unchanged == 1
    # A version published in the first hour of a Beijing day takes effect that day, as an
    # import's does (the UTC date is the day before).
    late = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    record = publish_item_list(lc, list(current.items), actor="t", now=late)
    assert record.body["effective"] == "2026-04-01"


# --- conflicts, one at a time ------------------------------------------------------------------


def _audit(lc: Lifecycle, action: str) -> list[AuditEvent]:
    with lc.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_declare_and_remove_a_conflict_each_audited(service: Lifecycle) -> None:
    with service.session() as session:
        insp = session.exec(select(Inspector)).first()
        used = {(c.inspector, c.target) for c in session.exec(select(Conflict))}
        targ = next(t for t in session.exec(select(Target)) if (insp.id, t.uscc) not in used)  # type: ignore[union-attr]
    assert insp is not None
    before = _count(service, Conflict)
    pair = conflicts.declare_conflict(
        service,
        insp.id,
        targ.uscc.lower(),
        "亲属任职",
        actor="planner",
        now=NOW,
        remote_addr="1.2.3.4",
    )
    assert pair.target == targ.uscc and _count(service, Conflict) == before + 1
    [event] = _audit(service, "conflict.declare")
    assert event.actor == "planner" and event.detail == {"inspector": insp.id, "target": targ.uscc}
    assert "亲属任职" not in str(event.detail)  # the reason is private
    with pytest.raises(conflicts.ConflictError) as again:
        conflicts.declare_conflict(service, insp.id, targ.uscc, actor="planner", now=NOW)
    assert again.value.field == "target" and "已经登记" in again.value.message
    conflicts.remove_conflict(service, insp.id, targ.uscc, actor="planner", now=NOW)
    assert _count(service, Conflict) == before and len(_audit(service, "conflict.remove")) == 1
    with pytest.raises(conflicts.ConflictError):
        conflicts.remove_conflict(service, insp.id, targ.uscc, actor="planner", now=NOW)
    assert len(_audit(service, "conflict.remove")) == 1


@pytest.mark.parametrize(
    ("inspector_id", "target_code", "field", "words"),
    [
        ("", "X", "inspector", "请填写人员编号"),
        ("NOBODY", "91419901MA00001", "target", "18 位"),
        ("NOBODY", uscc("91419901MA0000001"), "inspector", "没有人员编号 NOBODY"),
    ],
)
def test_a_bad_conflict_is_refused_next_to_its_field(
    service: Lifecycle, inspector_id: str, target_code: str, field: str, words: str
) -> None:
    before = _count(service, Conflict)
    with pytest.raises(conflicts.ConflictError) as caught:
        conflicts.declare_conflict(service, inspector_id, target_code, actor="p", now=NOW)
    assert caught.value.field == field and words in caught.value.message
    assert _count(service, Conflict) == before and _audit(service, "conflict.declare") == []


# --- browsing -----------------------------------------------------------------------------------


def test_targets_filtered_by_each_field_and_paginated(service: Lifecycle) -> None:
    everything = registry_browse.find_targets(service, registry_browse.TargetFilter(), limit=50)
    assert everything.total == _count(service, Target) and len(everything.rows) == 50
    some = everything.rows[3]
    by_uscc = registry_browse.find_targets(
        service, registry_browse.TargetFilter(uscc=some.uscc[-8:].lower())
    )
    assert [t.uscc for t in by_uscc.rows] == [some.uscc]
    risk = registry_browse.find_targets(
        service, registry_browse.TargetFilter(risk_class="A", region=some.region), limit=1000
    )
    assert risk.rows and all(t.risk_class == "A" and t.region == some.region for t in risk.rows)
    assert registry_browse.find_targets(service, registry_browse.TargetFilter(name="%")).total == 0
    page2 = registry_browse.find_targets(service, registry_browse.TargetFilter(), offset=50)
    assert page2.rows[0].uscc > everything.rows[-1].uscc


def test_inspectors_filtered_by_unit_level_and_certificate(service: Lifecycle) -> None:
    today = date(2026, 1, 5)
    all_ = registry_browse.find_inspectors(
        service, registry_browse.InspectorFilter(), today, limit=500
    )
    expired = registry_browse.find_inspectors(
        service, registry_browse.InspectorFilter(cert="expired"), today, limit=500
    )
    valid = registry_browse.find_inspectors(
        service, registry_browse.InspectorFilter(cert="valid"), today, limit=500
    )
    assert all(i.cert_valid_to < today for i in expired.rows)
    assert all(registry_browse.cert_state(i, today) == "valid" for i in valid.rows)
    assert expired.total + valid.total <= all_.total
    unit = all_.rows[0].org_unit
    in_unit = registry_browse.find_inspectors(
        service, registry_browse.InspectorFilter(org_unit=unit, level=all_.rows[0].level), today
    )
    assert in_unit.total and all(i.org_unit == unit for i in in_unit.rows)


def test_conflicts_listed_with_names(service: Lifecycle) -> None:
    found = registry_browse.find_conflicts(service)
    assert found.total == _count(service, Conflict) and found.rows
    first = found.rows[0]
    assert first.inspector_name.startswith("检查员") and first.target_name.startswith("企业")
    one = registry_browse.find_conflicts(service, inspector=first.inspector, target=first.target)
    assert one.total == 1


def test_labels_of_stored_codes() -> None:
    assert registry_browse.label("targets", "type", "design") == "工程设计"
    assert registry_browse.label("inspectors", "level", "county") == "县级"
    assert registry_browse.label("targets", "notes", None) == "—"
    assert ("A", "A类") in registry_browse.RISK_CHOICES
