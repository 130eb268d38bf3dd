"""Items bind the pool (issue #16): a task draws only the target types its cited items cover.

Through the real service on SQLite and PostgreSQL (the ``service`` fixture): the fixture's
targets are given three types, an item list naming types per item is published, and tasks
citing various items are announced; the pool is read back from the published pool blob (plain
JSON). The public's check is exercised too: the pool equals what the published ``item-list``
record's labels and the targets' labelled types (as the snapshot writes them) give.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from lottery.core.records import Record
from lottery.registry_io.layouts import ItemRow
from lottery.service.item_list import current_item_list
from lottery.service.lifecycle import Lifecycle
from lottery.service.preview import preview_params
from lottery.service.registries import publish_item_list
from lottery.storage.models import Target
from tests import lifecycle as lc
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM

REGS = lc.small_registries()
TYPES = ("peacetime_use", "design", "construction")
LABELS = {"peacetime_use": "平时使用", "design": "工程设计", "construction": "工程建设"}
#: Each target's type: the fixture's targets, by id order, take the three types in turn.
TYPE_OF = {t: TYPES[n % 3] for n, t in enumerate(sorted(c.id for c in REGS.candidates))}


#: Already checked twice this year (tests/service/conftest.py): excluded from every pool.
EXCLUDED = {e.target for e in REGS.exclusions}


def _of(*types: str) -> set[str]:
    return {t for t, ty in TYPE_OF.items() if ty in types} - EXCLUDED


def _item(code: str, *types: str) -> ItemRow:
    return dataclasses.replace(TEST_ITEM, code=code, target_types=types)


def _setup(service: Lifecycle) -> tuple[Record, Record]:
    """Give the targets their types; publish version 2 (RF-01 without types, RF-D design,
    RF-C construction, RF-DC design and construction) and version 3 (RF-D now construction)."""
    with service.session() as s, s.begin():
        for target in s.exec(select(Target)):
            target.type = TYPE_OF[target.uscc]
            s.add(target)
    v2 = [
        TEST_ITEM,
        _item("RF-D", "design"),
        _item("RF-C", "construction"),
        _item("RF-DC", "design", "construction"),
    ]
    later = ITEMS_PUBLISHED + timedelta(days=1)
    rec2 = publish_item_list(service, v2, actor="planner", now=later)
    v3 = [TEST_ITEM, _item("RF-D", "construction")]
    rec3 = publish_item_list(service, v3, actor="planner", now=later + timedelta(hours=1))
    return rec2, rec3


def _pool(service: Lifecycle, items: tuple[tuple[str, int], ...]) -> set[str]:
    params = dataclasses.replace(lc.params(REGS, "T2026-009"), items=items)
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    body = service.announce("T2026-009", lc.T_ANNOUNCE, actor="planner").body
    with service.session() as s:
        blob = service.log.blobs_by_digest(s, [body["pool"]["sha256"]])[body["pool"]["sha256"]]
    pool = json.loads(blob)
    return {t for stratum in pool["strata"] for t in stratum["candidates"]}


@pytest.mark.parametrize(
    ("items", "types"),
    [
        ((("RF-D", 2),), ("design",)),
        ((("RF-C", 2),), ("construction",)),
        # Two items: the union of their types.
        ((("RF-D", 2), ("RF-C", 2)), ("design", "construction")),
        ((("RF-DC", 2),), ("design", "construction")),
        # An item without types adds nothing once another cited item names types.
        ((("RF-01", 2), ("RF-D", 2)), ("design",)),
        # Items are looked up by (version, code): RF-D covers construction in version 3.
        ((("RF-D", 3),), ("construction",)),
        ((("RF-D", 2), ("RF-01", 3)), ("design",)),
        # No cited item names types: every type, as before items named any.
        ((("RF-01", 2),), TYPES),
        ((("RF-01", 1), ("RF-01", 3)), TYPES),
    ],
)
def test_a_task_pools_only_the_types_its_items_cover(
    service: Lifecycle, items: tuple[tuple[str, int], ...], types: tuple[str, ...]
) -> None:
    _setup(service)
    pool = _pool(service, items)
    assert pool == _of(*types)
    assert {TYPE_OF[t] for t in pool} == set(types)  # never a target of another type


def test_the_public_can_check_the_pool_from_the_item_list_record(service: Lifecycle) -> None:
    rec2, _ = _setup(service)
    entries = {e["code"]: e for e in rec2.body["items"]}
    # The record names types only for items that have them, as the snapshot's labels.
    assert "target_types" not in entries["RF-01"]
    assert entries["RF-DC"]["target_types"] == ["工程设计", "工程建设"]
    pool = _pool(service, (("RF-D", 2), ("RF-C", 2)))
    covered = set(entries["RF-D"]["target_types"]) | set(entries["RF-C"]["target_types"])
    assert pool == {t for t, ty in TYPE_OF.items() if LABELS[ty] in covered} - EXCLUDED


def test_the_stored_items_keep_codes_and_read_back(service: Lifecycle) -> None:
    _setup(service)
    current = current_item_list(service)
    assert current is not None and current.version == 3
    assert [r.target_types for r in current.items] == [(), ("construction",)]


def test_the_preview_names_the_types_the_task_draws(service: Lifecycle) -> None:
    _setup(service)
    now = datetime.fromisoformat("2026-02-20T02:00:00+00:00")
    base = lc.params(REGS, "T2026-010")
    both = preview_params(service, dataclasses.replace(base, items=(("RF-DC", 2),)), now)
    assert both.target_types == ("工程设计", "工程建设")
    assert both.candidates == len(_of("design", "construction"))
    every = preview_params(service, dataclasses.replace(base, items=(("RF-01", 2),)), now)
    assert every.target_types == () and every.candidates == len(_of(*TYPES))
