"""Risk rules that act (issue #16), on SQLite and PostgreSQL.

The item list's risk rules raise the class of targets with many complaints, bad records or a
serious violation (so they are drawn with that class's ratio), lift the annual cap for the
classes the rules name or for tasks citing a key item; the targets snapshot publishes the
class the draw used, so `lottery verify` still re-derives the pool.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from lottery.core.audit import audit_export
from lottery.core.errors import InputError
from lottery.core.risk_rules import RaiseRule, RiskRules
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import publish_item_list, set_risk_rules
from lottery.service.registry_view import snapshot_blob
from lottery.storage.models import Blob, InspectionHistory, ItemListVersion, Target
from tests import lifecycle as lc
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM

TASK = "T2026-001"
LATER = ITEMS_PUBLISHED.replace(day=2)
COMPLAINTS_TO_D = RiskRules((RaiseRule("complaints", 3, "D"),))


def _first(service: Lifecycle, risk: str) -> str:
    """A candidate of class ``risk`` that is not excluded by the annual cap."""
    regs = lc.small_registries()
    excluded = {e.target for e in regs.exclusions}
    return next(c.id for c in regs.candidates if c.risk == risk and c.id not in excluded)


def _set(service: Lifecycle, uscc: str, **fields: object) -> None:
    with service.session() as s, s.begin():
        target = s.get(Target, uscc)
        assert target is not None
        for name, value in fields.items():
            setattr(target, name, value)
        s.add(target)


def _pool(service: Lifecycle, ann_body: dict) -> dict[str, str]:
    with service.session() as s:
        blob = s.get(Blob, ann_body["pool"]["sha256"])
        assert blob is not None
        pool = json.loads(blob.data)
    return {c: st["risk"] for st in pool["strata"] for c in st["candidates"]}


def _announce(service: Lifecycle, task: str = TASK, **change: object) -> dict:
    params = dataclasses.replace(lc.params(lc.small_registries(), task), **change)
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    return service.announce(task, lc.T_ANNOUNCE, actor="planner").body


def test_complaints_raise_the_class_the_target_is_drawn_and_published_in(
    service: Lifecycle, tmp_path: Path
) -> None:
    target = _first(service, "A")
    _set(service, target, complaints=5)
    quiet = _first(service, "B")
    _set(service, quiet, complaints=2)  # below the rule's count: keeps its class
    record = set_risk_rules(service, COMPLAINTS_TO_D, actor="planner", now=LATER)
    assert record.body["risk_rules"]["raise"] == [{"when": "complaints", "at_least": 3, "to": "D"}]
    ann = _announce(service)
    pool = _pool(service, ann)
    assert pool[target] == "D" and pool[quiet] == "B"
    snap = json.loads(snapshot_blob(service, "targets")[0])
    assert next(r[4] for r in snap["rows"] if r[0] == target) == "D"
    # The public re-derives the pool from the snapshot the announcement names.
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    assert "pool.membership" in {c.name for c in report.tasks[TASK].checks}


def test_without_rules_the_class_is_the_registry_class(service: Lifecycle) -> None:
    target = _first(service, "A")
    _set(service, target, complaints=50, bad_records=9, serious_violation=True)
    assert _pool(service, _announce(service))[target] == "A"


def test_a_serious_violation_raises_to_the_rule_class_and_never_lowers(
    service: Lifecycle,
) -> None:
    low, high = _first(service, "A"), _first(service, "D")
    _set(service, low, serious_violation=True)
    _set(service, high, serious_violation=True)
    rules = RiskRules((RaiseRule("serious_violation", 1, "C"),))
    set_risk_rules(service, rules, actor="planner", now=LATER)
    pool = _pool(service, _announce(service))
    assert pool[low] == "C" and pool[high] == "D"


def _capped_target(service: Lifecycle, risk: str, which: int = 0) -> str:
    """A target checked twice this year, set to class ``risk``."""
    target = lc.small_registries().candidates[which].id
    _set(service, target, risk_class=risk)
    with service.session() as s, s.begin():
        for month in (1, 2):
            s.add(InspectionHistory(target=target, date=date(2026, month, 15)))
    return target


def _excluded(service: Lifecycle, ann: dict) -> set[str]:
    with service.session() as s:
        blob = s.get(Blob, ann["exclusions"]["sha256"])
        assert blob is not None
        return {e["target"] for e in json.loads(blob.data)["exclusions"]}


def test_the_cap_applies_without_rules(service: Lifecycle) -> None:
    target = _capped_target(service, "D")
    assert target in _excluded(service, _announce(service))


def test_an_uncapped_class_is_not_excluded_by_the_cap(service: Lifecycle) -> None:
    target = _capped_target(service, "D")
    other = _capped_target_other(service)
    set_risk_rules(service, RiskRules(uncapped=("D",)), actor="planner", now=LATER)
    ann = _announce(service)
    assert target not in _excluded(service, ann) and target in _pool(service, ann)
    assert other in _excluded(service, ann)  # class A: still capped


def _capped_target_other(service: Lifecycle) -> str:
    return _capped_target(service, "A", which=1)


def test_a_task_citing_a_key_item_is_not_capped_when_the_rules_say_so(
    service: Lifecycle,
) -> None:
    target = _capped_target(service, "A")
    key = dataclasses.replace(TEST_ITEM, code="RF-02", key_item=True)
    publish_item_list(service, [TEST_ITEM, key], actor="planner", now=LATER)
    set_risk_rules(
        service, RiskRules(key_items_uncapped=True), actor="planner", now=LATER.replace(day=3)
    )
    routine = _announce(service, "T2026-001", items=(("RF-01", 3),))
    keyed = _announce(service, "T2026-002", items=(("RF-02", 3),))
    assert target in _excluded(service, routine)
    assert target not in _excluded(service, keyed)


def test_rules_carry_over_to_the_next_item_list_version(service: Lifecycle) -> None:
    set_risk_rules(service, COMPLAINTS_TO_D, actor="planner", now=LATER)
    record = publish_item_list(service, [TEST_ITEM], actor="planner", now=LATER.replace(day=3))
    assert record.body["risk_rules"] == COMPLAINTS_TO_D.to_json()
    cleared = set_risk_rules(service, RiskRules(), actor="planner", now=LATER.replace(day=4))
    assert "risk_rules" not in cleared.body
    with service.session() as s:
        assert s.get(ItemListVersion, cleared.body["version"]).risk_rules is None  # type: ignore[union-attr]


def test_the_same_rules_again_are_refused_and_publish_nothing(service: Lifecycle) -> None:
    set_risk_rules(service, COMPLAINTS_TO_D, actor="planner", now=LATER)
    with service.session() as s:
        size = service.log.size(s)
    with pytest.raises(InputError, match="风险规则与现行清单相同"):
        set_risk_rules(service, COMPLAINTS_TO_D, actor="planner", now=LATER)
    with service.session() as s:
        assert service.log.size(s) == size


def test_the_site_shows_the_rules_on_the_item_list_version(
    service: Lifecycle, tmp_path: Path
) -> None:
    from publisher.model import load_model
    from publisher.registry_pages import item_pages

    record = set_risk_rules(service, COMPLAINTS_TO_D, actor="planner", now=LATER)
    service.export_to(tmp_path / "export")
    pages = item_pages(load_model(tmp_path / "export"))
    version = pages[f"v{record.body['version']}"]
    assert "**风险规则**" in version
    assert "投诉举报次数达到3次的，风险等级至少为高风险（D类）" in version
    assert "风险规则" not in pages["v1"]
