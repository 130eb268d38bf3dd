"""An announcement names the registry snapshots its pools came from; anyone re-derives them.

On SQLite and PostgreSQL: the service publishes the snapshots with the announcement, and
`lottery verify` (the export audit) re-derives the pool and the inspector pool from them
(docs/spec.md section 4, "Re-deriving the pools"). Each forgery below changes one published
fact the way a dishonest office would, and the named check must fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lottery.core.audit import audit_export
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.check_names import CheckName
from lottery.core.pool_membership import MembershipAudit
from lottery.core.records import Record, make_record, open_record
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Target
from tests import lifecycle as lc

TASK = "T2026-001"


def _announce(service: Lifecycle) -> Record:
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    return service.announce(TASK, lc.T_ANNOUNCE, actor="planner")


def _export(service: Lifecycle, path: Path) -> tuple[list[Record], dict[str, bytes]]:
    service.export_to(path)
    report = audit_export(file_getter(path), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    blobs = {p.name: p.read_bytes() for p in (path / "blobs").iterdir()}
    return report.records, blobs


def test_the_announcement_names_the_snapshots_and_the_audit_rederives_the_pools(
    service: Lifecycle, tmp_path: Path
) -> None:
    ann = _announce(service)
    records, _ = _export(service, tmp_path / "export")
    snapshots = {r.id: r for r in records if r.type == "registry-snapshot"}
    named = ann.body["registries"]
    assert sorted(named) == ["inspectors", "org-units", "targets"]
    assert all(snapshots[rid].body["registry"] == reg for reg, rid in named.items())
    # Published before the announcement, in the same transaction (one checkpoint covers them).
    order = [r.id for r in records]
    assert all(order.index(rid) < order.index(ann.id) for rid in named.values())
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    names = {c.name for c in report.tasks[TASK].checks}
    assert {
        CheckName.ANNOUNCEMENT_REGISTRIES,
        CheckName.POOL_MEMBERSHIP,
        CheckName.INSPECTORS_MEMBERSHIP,
    } <= names


def test_an_unchanged_registry_is_not_published_again(service: Lifecycle, tmp_path: Path) -> None:
    first = _announce(service)
    service.create_task(
        lc.params(lc.small_registries(), "T2026-002"), lc.T_ANNOUNCE, actor="planner"
    )
    second = service.announce("T2026-002", lc.T_ANNOUNCE, actor="planner")
    assert second.body["registries"] == first.body["registries"]
    records, _ = _export(service, tmp_path / "export")
    assert sum(r.type == "registry-snapshot" for r in records) == 3


def test_a_changed_registry_is_snapshotted_anew(service: Lifecycle) -> None:
    first = _announce(service)
    with service.session() as s, s.begin():
        target = s.get(Target, lc.small_registries().candidates[0].id)
        assert target is not None
        target.status = "closed"
        s.add(target)
    service.create_task(
        lc.params(lc.small_registries(), "T2026-002"), lc.T_ANNOUNCE, actor="planner"
    )
    second = service.announce("T2026-002", lc.T_ANNOUNCE, actor="planner")
    assert second.body["registries"]["targets"] != first.body["registries"]["targets"]
    assert second.body["registries"]["inspectors"] == first.body["registries"]["inspectors"]


# --- forgeries ---------------------------------------------------------------------------


def _rows(blob: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(blob)
    return doc


def _forge(
    service: Lifecycle,
    records: list[Record],
    blobs: dict[str, bytes],
    registry: str,
    change: Callable[[list[list[str]]], None],
) -> list[Record]:
    """Replace the ``registry`` snapshot by one whose rows ``change`` edited, re-signed, and
    re-sign the announcement to name it (the office key can sign anything: the check is that
    the published data disagree with the pool)."""
    ann = next(r for r in records if r.type == "task-announcement")
    old = next(r for r in records if r.id == ann.body["registries"][registry])
    doc = _rows(blobs[old.body["blob"]])
    change(doc["rows"])
    doc["rows"].sort(key=lambda r: r[0])
    blob = canonical_json(doc)
    blobs[sha256_hex(blob)] = blob
    fields = {k: v for k, v in old.body.items() if k not in ("type", "v", "log", "time")}
    fields |= {"blob": sha256_hex(blob), "rows": len(doc["rows"])}
    snap = _sign(service, "registry-snapshot", fields, lc.T_ANNOUNCE)
    ann_fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    ann_fields["registries"] = {**ann.body["registries"], registry: snap.id}
    forged = _sign(service, "task-announcement", ann_fields, lc.T_ANNOUNCE)
    out = [r for r in records if r is not ann]
    out.insert(records.index(ann), snap)
    out.insert(records.index(ann) + 1, forged)
    return out


def _sign(service: Lifecycle, kind: str, fields: dict[str, Any], when: Any) -> Record:
    note = make_record(kind, lc.LOG, when, fields, [service.log.signer])
    return open_record(note, [service.log.verifier], log=lc.LOG)


def _failures(records: list[Record], blobs: dict[str, bytes]) -> list[tuple[str, str, str]]:
    audit = MembershipAudit(blobs.__getitem__)
    for record in records:
        audit.add(record)
    return audit.failures


def _pooled(blobs: dict[str, bytes], records: list[Record]) -> list[str]:
    ann = next(r for r in records if r.type == "task-announcement")
    pool = json.loads(blobs[ann.body["pool"]["sha256"]])
    return [c for st in pool["strata"] for c in st["candidates"]]


def _fails_with(failures: list[tuple[str, str, str]], check: str, words: str) -> None:
    assert len(failures) == 1, failures
    task, name, detail = failures[0]
    assert (task, name) == (TASK, check)
    assert words in detail


def test_honest_export_has_no_membership_failure(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    assert _failures(records, blobs) == []


def test_a_candidate_left_out_of_the_pool_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    some = _rows(blobs[_snapshot(records, "targets").body["blob"]])["rows"][0]

    def add_active_twin(rows: list[list[str]]) -> None:
        rows.append(["91419901MA4LZZZZ99", "漏掉的公司", *some[2:5], "正常"])

    forged = _forge(service, records, blobs, "targets", add_active_twin)
    _fails_with(_failures(forged, blobs), CheckName.POOL_MEMBERSHIP, "neither pooled nor excluded")


def test_a_pooled_target_that_is_no_candidate_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    first = _pooled(blobs, records)[0]

    def close_it(rows: list[list[str]]) -> None:
        next(r for r in rows if r[0] == first)[5] = "注销"

    forged = _forge(service, records, blobs, "targets", close_it)
    _fails_with(_failures(forged, blobs), CheckName.POOL_MEMBERSHIP, "not candidates")


def test_a_candidate_in_another_stratum_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    first = _pooled(blobs, records)[0]

    def raise_class(rows: list[list[str]]) -> None:
        row = next(r for r in rows if r[0] == first)
        row[4] = "D" if row[4] != "D" else "A"

    forged = _forge(service, records, blobs, "targets", raise_class)
    _fails_with(_failures(forged, blobs), CheckName.POOL_MEMBERSHIP, "another stratum")


def test_an_eligible_inspector_left_out_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    ann = next(r for r in records if r.type == "task-announcement")

    def add_inspector(rows: list[list[str]]) -> None:
        row = list(rows[0])
        row[0], row[2] = "ZZ-LEFT-OUT", "CERT-LEFT-OUT"
        row[3], row[4] = "2000-01-01", "2099-12-31"
        row[5], row[8] = ann.body["org_units"][0], "在岗"
        rows.append(row)

    forged = _forge(service, records, blobs, "inspectors", add_inspector)
    _fails_with(_failures(forged, blobs), CheckName.INSPECTORS_MEMBERSHIP, "not listed")


def test_a_region_dropped_from_the_org_units_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")

    def drop_regions(rows: list[list[str]]) -> None:
        for row in rows:
            row[4] = ""

    forged = _forge(service, records, blobs, "org-units", drop_regions)
    _fails_with(_failures(forged, blobs), CheckName.POOL_MEMBERSHIP, "not candidates")


def test_registries_naming_another_record_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    ann = next(r for r in records if r.type == "task-announcement")
    fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    fields["registries"] = {
        **ann.body["registries"],
        "targets": ann.body["registries"]["inspectors"],
    }
    forged = [
        r if r is not ann else _sign(service, "task-announcement", fields, lc.T_ANNOUNCE)
        for r in records
    ]
    _fails_with(
        _failures(forged, blobs), CheckName.ANNOUNCEMENT_REGISTRIES, "not a targets snapshot"
    )


def test_an_unpublished_snapshot_blob_fails(service: Lifecycle, tmp_path: Path) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    del blobs[_snapshot(records, "targets").body["blob"]]
    _fails_with(_failures(records, blobs), CheckName.ANNOUNCEMENT_REGISTRIES, "not published")


def _snapshot(records: list[Record], registry: str) -> Record:
    ann = next(r for r in records if r.type == "task-announcement")
    return next(r for r in records if r.id == ann.body["registries"][registry])


@pytest.mark.parametrize("registry", ["targets", "inspectors", "org-units"])
def test_every_named_snapshot_matches_the_registry_at_the_announcement(
    service: Lifecycle, tmp_path: Path, registry: str
) -> None:
    from lottery.service.registry_view import snapshot_blob

    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    blob, _ = snapshot_blob(service, registry)
    assert blobs[_snapshot(records, registry).body["blob"]] == blob


def test_the_task_page_lists_the_snapshots_and_the_checks(
    service: Lifecycle, tmp_path: Path
) -> None:
    from publisher.check_words import check_zh
    from publisher.model import load_model
    from publisher.task_pages import task_page

    ann = _announce(service)
    records, _ = _export(service, tmp_path / "export")
    model = load_model(tmp_path / "export")
    text = task_page(model, model.tasks[TASK])
    assert "由下列名录库快照推算而来" in text
    for registry, name in (("targets", "检查对象名录"), ("inspectors", "执法检查人员名录")):
        snap = _snapshot(records, registry)
        assert f"{name}（数据截至" in text and snap.body["blob"] in text
    assert check_zh(CheckName.POOL_MEMBERSHIP) in text
    assert ann.body["registries"]


def test_registries_naming_a_snapshot_no_longer_in_force_fails(
    service: Lifecycle, tmp_path: Path
) -> None:
    # S1 named, S2 (adding a target) published before the announcement: the pool read from
    # S1 leaves out a target the registry held at the announcement.
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    ann = next(r for r in records if r.type == "task-announcement")
    old = _snapshot(records, "targets")
    doc = _rows(blobs[old.body["blob"]])
    doc["rows"].append(["91419901MA4LZZZZ99", "新增的公司", *doc["rows"][0][2:5], "正常"])
    doc["rows"].sort(key=lambda r: r[0])
    blob = canonical_json(doc)
    blobs[sha256_hex(blob)] = blob
    fields = {k: v for k, v in old.body.items() if k not in ("type", "v", "log", "time")}
    newer = _sign(service, "registry-snapshot", fields | {"blob": sha256_hex(blob)}, lc.T_ANNOUNCE)
    forged = [r for r in records if r is not ann]
    forged.insert(records.index(ann), newer)
    forged.insert(records.index(ann) + 1, ann)
    _fails_with(_failures(forged, blobs), CheckName.ANNOUNCEMENT_REGISTRIES, "in force")


def _without_registries(service: Lifecycle, ann: Record) -> Record:
    fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    del fields["registries"]
    return _sign(service, "task-announcement", fields, lc.T_ANNOUNCE)


def test_an_announcement_of_the_older_format_is_reported_not_rederived(
    service: Lifecycle, tmp_path: Path
) -> None:
    _announce(service)
    records, blobs = _export(service, tmp_path / "export")
    ann = next(r for r in records if r.type == "task-announcement")
    older = [r if r is not ann else _without_registries(service, ann) for r in records]
    audit = MembershipAudit(blobs.__getitem__)
    for record in older:
        audit.add(record)
    assert audit.failures == []
    assert audit.passed == {}
    assert "names no registry snapshots" in audit.not_applicable[TASK]
    # lottery verify lists it as not applicable: neither a passed check nor a failure.
    from lottery.core.audit import AuditReport, _add_membership
    from lottery.verifier.output import report_json, report_lines
    from lottery.verifier.run import Audit

    report = AuditReport(origin=lc.LOG, records=older)
    _add_membership(report, lambda path: blobs[path.removeprefix("blobs/")], None)
    assert report.ok and report.checks == []
    [(scope, check)] = report.not_applicable
    assert (scope, check.name) == (TASK, CheckName.POOL_MEMBERSHIP)
    assert check.detail.startswith("not re-derived:")
    run = Audit(report, lc.LOG, pinned=True, policy=None)
    shown = json.loads(report_json(run))["not_applicable"]
    assert shown == [{"scope": TASK, "check": "pool.membership", "detail": check.detail}]
    assert f"n/a   [{TASK}] pool.membership      {check.detail}" in report_lines(run, "en")
    assert any(line.startswith(f"不适用 [{TASK}] ") for line in report_lines(run, "zh"))


def test_dropping_registries_after_an_announcement_that_names_them_fails(
    service: Lifecycle, tmp_path: Path
) -> None:
    _announce(service)
    service.create_task(
        lc.params(lc.small_registries(), "T2026-002"), lc.T_ANNOUNCE, actor="planner"
    )
    service.announce("T2026-002", lc.T_ANNOUNCE, actor="planner")
    records, blobs = _export(service, tmp_path / "export")
    second = next(r for r in records if r.body.get("task") == "T2026-002")
    forged = [r if r is not second else _without_registries(service, second) for r in records]
    audit = MembershipAudit(blobs.__getitem__)
    for record in forged:
        audit.add(record)
    assert audit.not_applicable == {}
    assert audit.failures == [
        (
            "T2026-002",
            CheckName.ANNOUNCEMENT_REGISTRIES,
            "the announcement names no registry snapshots, but the announcement of "
            f"{TASK} earlier in this log does: the member cannot be dropped",
        )
    ]
    assert list(audit.passed) == [TASK]
    # Verifying only the forged task still sees the earlier announcement.
    only = MembershipAudit(blobs.__getitem__, task="T2026-002")
    for record in forged:
        only.add(record)
    assert [f[:2] for f in only.failures] == [("T2026-002", CheckName.ANNOUNCEMENT_REGISTRIES)]
