"""交叉检查 and the items' minimum ratio on the service (issue #16), SQLite and PostgreSQL.

A task naming the own-district rule publishes it (``cross_check``) and every pair of a target
and an inspector of the unit governing the target's region among its team input's conflicts,
so no drawn team checks its own district; ``lottery verify`` re-derives the pairs from the
snapshots and fails when one is missing. The specialty rule narrows the inspector pool. A task
drawing a smaller share than a cited item's ratio is refused, and a verifier refuses such an
announcement (docs/spec.md section 4).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.check_names import CheckName
from lottery.core.cross_check import CrossCheck
from lottery.core.draw import TaskParams
from lottery.core.errors import InfeasibleError, InputError
from lottery.core.outcome import decode_outcome
from lottery.core.pool_membership import MembershipAudit
from lottery.core.publication_refs import References
from lottery.core.records import Record, make_record, open_record
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.preview import preview_params
from lottery.service.registries import publish_item_list
from lottery.storage.models import Blob, Inspector, OrgUnit, Task
from tests import lifecycle as lc

from .conftest import TEST_ITEM

TASK = "T2026-001"
OWN = CrossCheck(own_district=True)
LATER = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)


def _params(rule: CrossCheck = OWN, **changes: Any) -> TaskParams:
    return dataclasses.replace(lc.params(lc.small_registries(), TASK), cross_check=rule, **changes)


def _blob(service: Lifecycle, digest: str) -> Any:
    with service.session() as s:
        blob = s.get(Blob, digest)
        assert blob is not None
        return json.loads(blob.data)


def _governed(service: Lifecycle) -> tuple[dict[str, str], dict[str, str]]:
    """Each inspector's unit's region, each pooled target's region (from the registries)."""
    with service.session() as s:
        regions = {u.code: u.region or "" for u in s.exec(select(OrgUnit))}
        units = {i.id: i.org_unit for i in s.exec(select(Inspector))}
    targets = {c.id: c.region for c in lc.small_registries().candidates}
    return {i: regions[u] for i, u in units.items()}, targets


def test_no_drawn_team_checks_its_own_district_and_the_audit_rederives_the_pairs(
    service: Lifecycle, tmp_path: Path
) -> None:
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    ann = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    assert ann.body["cross_check"] == {"own_district": True, "specialty": False}
    team_input = _blob(service, ann.body["inspector_pool"]["sha256"])
    inspector_region, target_region = _governed(service)
    pooled = {
        c for st in _blob(service, ann.body["pool"]["sha256"])["strata"] for c in st["candidates"]
    }
    conflicts = {tuple(p) for p in team_input["conflicts"]}
    rule = {
        (t, i)
        for t in pooled
        for i in team_input["inspectors"]
        if inspector_region[i] == target_region[t]
    }
    assert rule and rule <= conflicts  # every pair of the rule; city inspectors in none
    assert not any(inspector_region[i] == "" for _, i in rule)
    _, value = lc.beacon()
    service.draw(TASK, value, lc.T_DRAW, actor="planner")
    outcome = decode_outcome(service.read_sealed_outcome(TASK, "test", lc.T_DRAW))
    for team in outcome.teams:
        assert all(inspector_region[i] != target_region[team.target] for i in team.inspectors)
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    assert CheckName.INSPECTORS_CROSS_CHECK in {c.name for c in report.tasks[TASK].checks}


def _sign(service: Lifecycle, kind: str, fields: dict[str, Any]) -> Record:
    note = make_record(kind, lc.LOG, lc.T_ANNOUNCE, fields, [service.log.signer])
    return open_record(note, [service.log.verifier], log=lc.LOG)


def _fields(record: Record) -> dict[str, Any]:
    return {k: v for k, v in record.body.items() if k not in ("type", "v", "log", "time")}


def test_verify_fails_an_announcement_missing_a_pair_of_its_rule(
    service: Lifecycle, tmp_path: Path
) -> None:
    service.create_task(_params(), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    blobs = {p.name: p.read_bytes() for p in (tmp_path / "export" / "blobs").iterdir()}
    records = report.records
    ann = next(r for r in records if r.type == "task-announcement")
    doc = json.loads(blobs[ann.body["inspector_pool"]["sha256"]])
    inspector_region, target_region = _governed(service)
    dropped = next(p for p in doc["conflicts"] if inspector_region[p[1]] == target_region[p[0]])
    doc["conflicts"].remove(dropped)  # the office lets one inspector check their own district
    blob = canonical_json(doc)
    blobs[sha256_hex(blob)] = blob
    fields = _fields(ann)
    fields["inspector_pool"] = {**fields["inspector_pool"], "sha256": sha256_hex(blob)}
    forged = [_sign(service, "task-announcement", fields) if r is ann else r for r in records]
    audit = MembershipAudit(blobs.__getitem__)
    for record in forged:
        audit.add(record)
    assert [(t, c) for t, c, _ in audit.failures] == [(TASK, CheckName.INSPECTORS_CROSS_CHECK)]
    assert f"[{dropped[0]}, {dropped[1]}]" in audit.failures[0][2]
    # Without the rule in the announcement the same blob passes: the pairs are the rule's.
    del fields["cross_check"]
    plain = [_sign(service, "task-announcement", fields) if r is ann else r for r in records]
    assert _membership(plain, blobs) == []
    # A rule without the snapshots to check it by is refused.
    fields = _fields(ann) | {"inspector_pool": ann.body["inspector_pool"]}
    del fields["registries"]
    bare = [_sign(service, "task-announcement", fields) if r is ann else r for r in records]
    assert [(t, c) for t, c, _ in _membership(bare, blobs)] == [
        (TASK, CheckName.INSPECTORS_CROSS_CHECK)
    ]


def _membership(records: list[Record], blobs: dict[str, bytes]) -> list[tuple[str, str, str]]:
    audit = MembershipAudit(blobs.__getitem__)
    for record in records:
        audit.add(record)
    return audit.failures


def test_a_county_only_task_under_the_rule_is_refused_in_plain_words(service: Lifecycle) -> None:
    county = lc.small_registries().org_units[1]
    params = _params(org_units=(county,))
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    preview = preview_params(service, params, lc.T_ANNOUNCE)
    assert not preview.feasible and "交叉检查" in preview.problem
    with pytest.raises(InfeasibleError, match="按交叉检查规则（不得检查本辖区）无法组成检查组"):
        service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    with service.session() as s:
        task = s.get(Task, TASK)
        assert task is not None and task.state == "draft" and task.announcement_record is None


def _item_list(service: Lifecycle, **changes: Any) -> None:
    """Version 2 of the item list: RF-01 changed as ``changes`` say."""
    publish_item_list(
        service, [dataclasses.replace(TEST_ITEM, **changes)], actor="planner", now=LATER
    )


def test_the_specialty_rule_keeps_only_inspectors_with_the_items_specialty(
    service: Lifecycle, tmp_path: Path
) -> None:
    _item_list(service, specialty="工程")
    with service.session() as s, s.begin():
        rows = list(s.exec(select(Inspector).order_by(Inspector.id)))
        for n, row in enumerate(rows):
            row.specialties = ["工程", "通信"] if n % 2 == 0 else ["通信"]
            s.add(row)
        holders = sorted(r.id for n, r in enumerate(rows) if n % 2 == 0)
    rule = CrossCheck(specialty=True)
    service.create_task(_params(rule, items=(("RF-01", 2),)), lc.T_ANNOUNCE, actor="planner")
    ann = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    assert ann.body["cross_check"] == {"own_district": False, "specialty": True}
    listed = _blob(service, ann.body["inspector_pool"]["sha256"])["inspectors"]
    assert listed == [i for i in holders if i in set(listed)] and set(listed) <= set(holders)
    assert len(listed) >= len(holders) - 2  # only certificate or status may leave one out
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    # The same pool announced without the rule leaves eligible inspectors out: refused.
    blobs = {p.name: p.read_bytes() for p in (tmp_path / "export" / "blobs").iterdir()}
    fields = _fields(ann)
    del fields["cross_check"]
    forged = [
        _sign(service, "task-announcement", fields) if r.id == ann.id else r for r in report.records
    ]
    failures = _membership(forged, blobs)
    assert [(t, c) for t, c, _ in failures] == [(TASK, CheckName.INSPECTORS_MEMBERSHIP)]
    assert "eligible inspectors are not listed" in failures[0][2]


def test_a_task_drawing_less_than_the_items_ratio_is_refused(service: Lifecycle) -> None:
    _item_list(service, ratio=5000)  # 50%: the test registry's ratios draw far less
    params = _params(CrossCheck(), items=(("RF-01", 2),))
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    preview = preview_params(service, params, lc.T_ANNOUNCE)
    assert not preview.feasible and "RF-01" in preview.problem
    with pytest.raises(InputError) as caught:
        service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    words = str(caught.value)
    assert "RF-01" in words and "50%" in words and f"{preview.picks} 个对象" in words
    with service.session() as s:
        task = s.get(Task, TASK)
        assert task is not None and task.state == "draft"


def test_verify_fails_an_announcement_below_a_published_minimum(
    service: Lifecycle, tmp_path: Path
) -> None:
    service.create_task(_params(CrossCheck()), lc.T_ANNOUNCE, actor="planner")
    ann = service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    service.export_to(tmp_path / "export")
    records = audit_export(
        file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG
    ).records
    items = next(r for r in records if r.type == "item-list")
    assert items.body["items"][0]["min_ratio"] == 500  # the item's 5%, as a number

    def verdicts(minimum: int) -> list[tuple[str, str]]:
        fields = _fields(items)
        fields["items"] = [{**fields["items"][0], "min_ratio": minimum}]
        forged = _sign(service, "item-list", fields)
        refs = References()
        found = [refs.add(forged if r is items else r) for r in records]
        return [f for f in found if f is not None]

    picks, candidates = ann.body["pool"]["picks"], ann.body["pool"]["candidates"]
    at_share = picks * 10_000 // candidates  # the share, rounded down: kept
    assert verdicts(at_share) == []
    failed = verdicts(at_share + 1)
    assert [name for name, _ in failed] == [CheckName.ANNOUNCEMENT_MIN_RATIO]
    assert f"draws {picks} of {candidates}" in failed[0][1]
