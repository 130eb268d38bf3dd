"""``lottery verify`` on the annual plan (docs/plans.md): a plan version names the one it
replaces (``plan.supersedes``), and an announcement's ``plan`` names an entry of the year's plan
in force that plans its items (``announcement.plan``). Forged logs, each wrong in one way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lottery.core.deadline_audit import audit_publications
from lottery.core.errors import EncodingError
from lottery.core.records import make_record, open_record
from lottery.export.holidays import builtin_years
from tests.core.test_verify_attacks import _item, announcement, set_field
from tests.forge import VERIFIERS, forge, sign
from tests.lifecycle import LOG, T_ANNOUNCE, office_signer


def _entry(entry_id: str, items: list[str], **kw: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "items": items,
        "ratio": 500,
        "frequency": "每年一次",
        "period": "Q1",
        "tasks": 1,
        "joint": False,
        "departments": [],
        "note": "",
    } | kw


def _plan(version: int, supersedes: str | None, entries: list[dict[str, Any]], year: int = 2026):
    fields = {
        "year": year,
        "version": version,
        "supersedes": supersedes,
        "reason": "" if version == 1 else "调整",
        "entries": entries,
    }
    return sign("plan", T_ANNOUNCE - timedelta(days=20 - version), fields)


def _audit(notes_before: list[bytes], ref: dict[str, str] | None, after: list[bytes] = ()) -> Any:
    item_list = sign(
        "item-list",
        T_ANNOUNCE - timedelta(days=30),
        {"version": 1, "effective": "2026-01-01", "items": [_item("RF-01"), _item("RF-02")]},
    )
    cited = set_field("items", [{"code": "RF-01", "version": 1}])

    def fields(body: dict[str, Any]) -> None:
        cited(body)
        if ref is not None:
            set_field("plan", ref)(body)

    forged = forge(ann=announcement(fields))
    notes = [item_list, *notes_before, *forged.notes, *after]
    return audit_publications([open_record(n, VERIFIERS, log=LOG) for n in notes], builtin_years())


def _id(note: bytes) -> str:
    return open_record(note, VERIFIERS, log=LOG).id


V1 = _plan(1, None, [_entry("P01", ["RF-01"]), _entry("P02", ["RF-02"])])


def test_an_announcement_naming_an_entry_of_the_plan_in_force_verifies() -> None:
    v2 = _plan(2, _id(V1), [_entry("P01", ["RF-01", "RF-02"], tasks=2)])
    audit = _audit([V1, v2], {"record": _id(v2), "entry": "P01"})
    assert audit.failures == []
    names = [c.name for c in audit.checks]
    assert "plan.references" in names and "announcement.references" in names


@pytest.mark.parametrize(
    ("name", "before", "entry", "after", "says"),
    [
        ("entry_missing", [V1], "P09", [], "names entry P09, which plan 2026 version 1 lacks"),
        ("item_not_planned", [V1], "P02", [], "cites item RF-01, which plan entry P02"),
        ("plan_published_later", [], "P01", [V1], "which is not a plan published before it"),
        (
            "superseded_version",
            [V1, _plan(2, _id(V1), [_entry("P01", ["RF-01"], tasks=2)])],
            "P01",
            [],
            "names plan 2026 version 1, but version 2 was in force",
        ),
        (
            "window_outside_the_year",
            [_plan(1, None, [_entry("P01", ["RF-01"])], year=2025)],
            "P01",
            [],
            "outside the plan's year 2025",
        ),
    ],
)
def test_announcement_plan_attack(
    name: str, before: list[bytes], entry: str, after: list[bytes], says: str
) -> None:
    plan = (before or after)[0]
    audit = _audit(before, {"record": _id(plan), "entry": entry}, after)
    assert [(scope, exc.check) for scope, exc in audit.failures] == [
        ("task-announcement T2026-001", "announcement.plan")
    ], name
    assert says in audit.failures[0][1].detail


@pytest.mark.parametrize(
    ("name", "notes", "says"),
    [
        (
            "second_first_version",
            lambda: [V1, _plan(1, None, [_entry("P03", ["RF-01"])])],
            "replaces nothing",
        ),
        (
            "skips_a_version",
            lambda: [V1, _plan(3, _id(V1), [_entry("P03", ["RF-01"])])],
            "is version 3, expected version 2",
        ),
        (
            "replaces_an_unpublished_plan",
            lambda: [_plan(2, "ab" * 32, [_entry("P03", ["RF-01"])])],
            "the latest plan published for 2026 is none",
        ),
    ],
)
def test_plan_supersedes_attack(name: str, notes: Any, says: str) -> None:
    audit = _audit(notes(), None)
    assert [exc.check for _, exc in audit.failures] == ["plan.supersedes"], name
    assert says in audit.failures[0][1].detail
    assert "plan.references" not in [c.name for c in audit.checks]


@pytest.mark.parametrize(
    ("entries", "version", "supersedes", "says"),
    [
        ([_entry("P01", ["RF-01"]), _entry("P01", ["RF-02"])], 1, None, "entry id twice"),
        ([_entry("P01", ["RF-01"], joint=True)], 1, None, "exactly when joint"),
        ([_entry("P01", ["RF-01"], departments=["消防"])], 1, None, "exactly when joint"),
        ([_entry("P01", ["RF-01"])], 2, None, "null exactly for version 1"),
        ([_entry("P01", ["RF-01"], period="13")], 1, None, "period"),
    ],
)
def test_malformed_plans_are_not_records(
    entries: list[dict[str, Any]], version: int, supersedes: str | None, says: str
) -> None:
    fields = {
        "year": 2026,
        "version": version,
        "supersedes": supersedes,
        "reason": "",
        "entries": entries,
    }
    with pytest.raises(EncodingError, match=says):
        make_record("plan", LOG, T_ANNOUNCE, fields, [office_signer()])
