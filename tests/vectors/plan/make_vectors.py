"""Regenerate the annual plan's known-answer vectors (docs/spec.md §2 ``plan``, §4 ``plan``, §8
"The annual plan"; docs/plans.md).

    .venv/bin/python tests/vectors/plan/make_vectors.py

Written from the words of docs/spec.md and docs/plans.md alone, with the standard library only
(hashlib, json, re: no lottery code), so it is the independent implementation the vectors are
checked against. Two parts:

- ``format``: ``plan`` record texts and the verdict of the spec's ``plan`` row on each
  (``ok``, or ``fail`` = ``record.format``): valid plans at the bounds, and one refusal per
  rule (ratio out of range, a joint entry without departments, ``supersedes`` on version 1...).
- ``logs``: short logs in log order (``plan`` records in full, announcements carrying only the
  members the checks read: ``task``, ``window``, ``items``, ``pool``, ``plan``; an ``item-list``
  with only its ``version`` and item codes) and, per record, the check that fails on it
  (``plan.supersedes`` or ``announcement.plan``), as §8 words them.

The canonical JSON is ``json.dumps(..., ensure_ascii=False, separators=(",", ":"),
sort_keys=True)``, which equals RFC 8785 for these values (ASCII keys, integers, no floats).
A record's id is the lower-case hex SHA-256 of its text (the canonical JSON and a newline).

tests/test_plan_vectors.py checks that the committed file equals a fresh regeneration, that
lottery's record parser gives each format verdict and that lottery's reference checks (the
ones ``lottery verify`` runs) give each log's failures.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LOG = "example.org/renfang-log"  # TEST-ONLY origin
ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
HEX = re.compile(r"[0-9a-f]{64}")
PERIODS = [f"{m:02d}" for m in range(1, 13)] + ["Q1", "Q2", "Q3", "Q4"]
ENTRY_FIELDS = {
    "id",
    "items",
    "ratio",
    "frequency",
    "period",
    "tasks",
    "joint",
    "departments",
    "note",
}
PLAN_FIELDS = {"type", "v", "log", "time", "year", "version", "supersedes", "reason", "entries"}


def canonical(value: Any) -> bytes:
    """RFC 8785 for these values."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def text_of(body: dict[str, Any]) -> str:
    """A record's text: its canonical JSON and a newline."""
    return canonical(body).decode() + "\n"


def record_id(body: dict[str, Any]) -> str:
    """A record's id: SHA-256 of its text, hex."""
    return hashlib.sha256(text_of(body).encode()).hexdigest()


# --- the spec's ``plan`` row (docs/spec.md §2), as a second implementation ----------------------


def _int(value: Any, low: int, high: int | None = None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= low
        and (high is None or value <= high)
    )


def _text(value: Any, most: int, *, empty: bool = False) -> bool:
    return isinstance(value, str) and (empty or value != "") and len(value) <= most


def _ident(value: Any) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def _entry_ok(entry: Any) -> bool:
    if not isinstance(entry, dict) or set(entry) != ENTRY_FIELDS:
        return False
    items, departments = entry["items"], entry["departments"]
    return (
        _ident(entry["id"])
        and isinstance(items, list)
        and 1 <= len(items) <= 200
        and all(_ident(i) for i in items)
        and (entry["ratio"] is None or _int(entry["ratio"], 1, 10_000))
        and _text(entry["frequency"], 200, empty=True)
        and entry["period"] in PERIODS
        and _int(entry["tasks"], 1, 10_000)
        and isinstance(entry["joint"], bool)
        and isinstance(departments, list)
        and len(departments) <= 20
        and all(_text(d, 100) for d in departments)
        and entry["joint"] == (len(departments) > 0)  # non-empty exactly when joint
        and _text(entry["note"], 1000, empty=True)
    )


def plan_ok(body: Any) -> bool:
    """Whether a ``plan`` body is what the spec's row allows (else ``record.format``)."""
    if not isinstance(body, dict) or set(body) != PLAN_FIELDS:
        return False
    entries = body["entries"]
    if not (
        body["type"] == "plan"
        and body["v"] == 1
        and _text(body["log"], 200)
        and isinstance(body["time"], str)
        and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", body["time"])
        and _int(body["year"], 2000, 9999)
        and _int(body["version"], 1)
        and (
            body["supersedes"] is None
            or (isinstance(body["supersedes"], str) and HEX.fullmatch(body["supersedes"]))
        )
        and _text(body["reason"], 2000, empty=True)
        and isinstance(entries, list)
        and 1 <= len(entries) <= 2000
        and all(_entry_ok(e) for e in entries)
    ):
        return False
    ids = [e["id"] for e in entries]
    if len(set(ids)) != len(ids):  # unique in the record
        return False
    if body["version"] == 1 and body["reason"] != "":  # "empty for version 1"
        return False
    return (body["version"] == 1) == (body["supersedes"] is None)  # null exactly for version 1


# --- §8 "The annual plan", as a second implementation -----------------------------------------


def log_failures(records: list[dict[str, Any]]) -> list[list[Any]]:
    """[index, check] for each record of a log whose plan check fails, in log order."""
    plans: dict[str, dict[str, Any]] = {}  # record id -> body, of plans seen so far
    latest: dict[int, str] = {}  # year -> record id of its latest version so far
    failures: list[list[Any]] = []
    for n, rec in enumerate(records):
        body = rec["body"]
        if body["type"] == "plan":
            year = body["year"]
            before = latest.get(year)
            if before is None:
                right = body["version"] == 1 and body["supersedes"] is None
            else:
                right = (
                    body["version"] == plans[before]["version"] + 1 and body["supersedes"] == before
                )
            if not right:
                failures.append([n, "plan.supersedes"])
            rid = record_id(body)
            plans[rid] = body
            latest[year] = rid
        elif body["type"] == "task-announcement" and "plan" in body:
            ref = body["plan"]
            plan = plans.get(ref["record"])  # a plan record earlier in the log
            entry = None
            if plan is not None and latest[plan["year"]] == ref["record"]:  # in force
                entry = next((e for e in plan["entries"] if e["id"] == ref["entry"]), None)
            right = (
                entry is not None
                and plan is not None
                and body["window"]["start"][:5] == f"{plan['year']}-"
                and all(i["code"] in entry["items"] for i in body["items"])
            )
            if not right:
                failures.append([n, "announcement.plan"])
    return failures


# --- the vectors -------------------------------------------------------------------------------


def entry(eid: str, **changes: Any) -> dict[str, Any]:
    """A plain entry: one item, 5%, first quarter, one task, not joint."""
    base = {
        "id": eid,
        "items": ["RF-01"],
        "ratio": 500,
        "frequency": "每年一次",
        "period": "Q1",
        "tasks": 1,
        "joint": False,
        "departments": [],
        "note": "",
    }
    return base | changes


def plan(year: int, version: int, supersedes: str | None, entries: list[Any], **more: Any) -> Any:
    body = {
        "type": "plan",
        "v": 1,
        "log": LOG,
        "time": f"{year}-01-05T02:00:00Z" if version == 1 else f"{year}-06-15T02:00:00Z",
        "year": year,
        "version": version,
        "supersedes": supersedes,
        "reason": "" if version == 1 else "新增施工图审查事项",
        "entries": entries,
    }
    return body | more


V1 = plan(
    2026,
    1,
    None,
    [
        entry("P01", items=["RF-01", "RF-02"], note="平时使用"),
        entry(
            "P02",
            items=["RF-03"],
            ratio=None,
            frequency="",
            period="06",
            tasks=2,
            joint=True,
            departments=["市住房和城乡建设局", "市消防救援支队"],
            note="联合抽查",
        ),
    ],
)
V1_ID = record_id(V1)
V2 = plan(
    2026, 2, V1_ID, [entry("P01", items=["RF-01"]), entry("P03", items=["RF-08"], period="Q3")]
)
V2_ID = record_id(V2)
OTHER_YEAR = plan(2027, 1, None, [entry("P01")])


def _format_cases() -> list[dict[str, Any]]:
    bounds = plan(
        2026,
        1,
        None,
        [
            entry(
                "P-max",
                ratio=10_000,
                tasks=10_000,
                period="12",
                items=[f"RF-{n:03d}" for n in range(200)],
                frequency="频" * 200,
                note="注" * 1000,
            ),
            entry(
                "P.min",
                ratio=1,
                period="Q4",
                joint=True,
                departments=[f"部门{n}" + "部" * 96 for n in range(10, 30)],
            ),
        ],
    )
    longest_reason = plan(2026, 2, V1_ID, [entry("P01")], reason="理" * 2000)
    wrong: list[tuple[str, dict[str, Any]]] = [
        ("ratio-zero", plan(2026, 1, None, [entry("P01", ratio=0)])),
        ("ratio-over-100-percent", plan(2026, 1, None, [entry("P01", ratio=10_001)])),
        ("ratio-as-text", plan(2026, 1, None, [entry("P01", ratio="5%")])),
        ("joint-without-departments", plan(2026, 1, None, [entry("P01", joint=True)])),
        ("departments-without-joint", plan(2026, 1, None, [entry("P01", departments=["住建"])])),
        ("blank-department", plan(2026, 1, None, [entry("P01", joint=True, departments=[""])])),
        (
            "department-name-too-long",
            plan(2026, 1, None, [entry("P01", joint=True, departments=["部" * 101])]),
        ),
        (
            "too-many-departments",
            plan(
                2026,
                1,
                None,
                [entry("P01", joint=True, departments=[f"部门{n}" for n in range(21)])],
            ),
        ),
        ("supersedes-on-version-1", plan(2026, 1, V2_ID, [entry("P01")])),
        ("version-2-supersedes-nothing", plan(2026, 2, None, [entry("P01")])),
        ("version-0", plan(2026, 0, None, [entry("P01")])),
        ("supersedes-not-lower-hex", plan(2026, 2, V1_ID.upper(), [entry("P01")])),
        ("period-month-13", plan(2026, 1, None, [entry("P01", period="13")])),
        ("period-month-unpadded", plan(2026, 1, None, [entry("P01", period="3")])),
        ("period-quarter-5", plan(2026, 1, None, [entry("P01", period="Q5")])),
        ("period-in-chinese", plan(2026, 1, None, [entry("P01", period="第一季度")])),
        ("tasks-zero", plan(2026, 1, None, [entry("P01", tasks=0)])),
        ("tasks-true", plan(2026, 1, None, [entry("P01", tasks=True)])),
        ("year-1999", plan(1999, 1, None, [entry("P01")])),
        ("year-10000", plan(10000, 1, None, [entry("P01")])),
        ("no-entries", plan(2026, 1, None, [])),
        ("entry-id-twice", plan(2026, 1, None, [entry("P01"), entry("P01", period="Q2")])),
        ("entry-id-not-ascii", plan(2026, 1, None, [entry("计划1")])),
        ("entry-without-items", plan(2026, 1, None, [entry("P01", items=[])])),
        (
            "too-many-items",
            plan(2026, 1, None, [entry("P01", items=[f"RF-{n}" for n in range(201)])]),
        ),
        ("entry-unknown-field", plan(2026, 1, None, [entry("P01", owner="x")])),
        (
            "entry-missing-note",
            plan(2026, 1, None, [{k: v for k, v in entry("P01").items() if k != "note"}]),
        ),
        ("reason-too-long", plan(2026, 2, V1_ID, [entry("P01")], reason="理" * 2001)),
        ("reason-on-version-1", plan(2026, 1, None, [entry("P01")], reason="首次制定")),
        ("frequency-too-long", plan(2026, 1, None, [entry("P01", frequency="每" * 201)])),
        ("note-too-long", plan(2026, 1, None, [entry("P01", note="注" * 1001)])),
        ("unknown-field", plan(2026, 1, None, [entry("P01")], owner="x")),
    ]
    cases = [
        {"name": "version-1", "text": text_of(V1)},
        {"name": "version-2", "text": text_of(V2)},
        {"name": "bounds", "text": text_of(bounds)},
        {"name": "longest-reason", "text": text_of(longest_reason)},
    ] + [{"name": name, "text": text_of(body)} for name, body in wrong]
    for case in cases:
        case["verdict"] = "ok" if plan_ok(json.loads(case["text"])) else "fail"
    return cases


ITEM_LIST = {
    "type": "item-list",
    "version": 1,
    "items": [{"code": c} for c in ("RF-01", "RF-02", "RF-03", "RF-08")],
}


def announcement(
    task: str, ref: dict[str, str], start: str = "2026-03-10", items: tuple[str, ...] = ("RF-01",)
) -> Any:
    """An announcement with the members the checks read (the rest of §4 left out)."""
    return {
        "type": "task-announcement",
        "task": task,
        "window": {"start": start, "end": start[:4] + "-12-31"},
        "items": [{"code": c, "version": 1} for c in items],
        "pool": {"picks": 1, "candidates": 10},
        "plan": ref,
    }


def _log_cases() -> list[dict[str, Any]]:
    def ref(rid: str, eid: str) -> dict[str, str]:
        return {"record": rid, "entry": eid}

    other_id = record_id(OTHER_YEAR)
    logs: list[tuple[str, list[dict[str, Any]]]] = [
        (
            "versions-in-line",
            [
                ITEM_LIST,
                V1,
                OTHER_YEAR,
                announcement("T1", ref(V1_ID, "P01"), items=("RF-01", "RF-02")),
                announcement("T2", ref(V1_ID, "P02"), items=("RF-03",)),
                V2,
                announcement("T3", ref(V2_ID, "P03"), "2026-07-01", ("RF-08",)),
                announcement("T4", ref(other_id, "P01"), "2027-02-01"),
                {
                    "type": "task-announcement",
                    "task": "T5",
                    "window": {"start": "2026-03-01", "end": "2026-03-31"},
                    "items": [{"code": "RF-01", "version": 1}],
                    "pool": {"picks": 1, "candidates": 10},
                },
            ],
        ),
        ("second-version-1", [ITEM_LIST, V1, plan(2026, 1, None, [entry("P09")])]),
        ("skipped-version", [ITEM_LIST, V1, plan(2026, 3, V1_ID, [entry("P01")])]),
        ("version-2-first", [ITEM_LIST, V2]),
        (
            "supersedes-another-year",
            [ITEM_LIST, V1, OTHER_YEAR, plan(2026, 2, other_id, [entry("P01")])],
        ),
        ("superseded-version-named", [ITEM_LIST, V1, V2, announcement("T1", ref(V1_ID, "P01"))]),
        ("entry-not-in-plan", [ITEM_LIST, V1, announcement("T1", ref(V1_ID, "P03"))]),
        (
            "window-outside-the-year",
            [ITEM_LIST, V1, announcement("T1", ref(V1_ID, "P01"), "2025-12-20")],
        ),
        (
            "item-not-planned",
            [ITEM_LIST, V1, announcement("T1", ref(V1_ID, "P01"), items=("RF-01", "RF-03"))],
        ),
        ("plan-published-after", [ITEM_LIST, announcement("T1", ref(V1_ID, "P01")), V1]),
        ("not-a-plan-record", [ITEM_LIST, V1, announcement("T1", ref("ab" * 32, "P01"))]),
    ]
    cases = []
    for name, records in logs:
        entries = [{"text": text_of(b)} if b["type"] == "plan" else {"body": b} for b in records]
        failures = log_failures([{"body": b} for b in records])
        cases.append({"name": name, "records": entries, "failures": failures})
    return cases


def build() -> dict[str, Any]:
    """Every vector: the format verdicts, then the logs and their failing checks."""
    return {
        "spec": "docs/spec.md §2 (plan), §4 (plan), §8 (The annual plan); docs/plans.md",
        "format": _format_cases(),
        "logs": _log_cases(),
        "ids": {"version-1": V1_ID, "version-2": V2_ID},
    }


def render() -> str:
    """The vector file's content."""
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the vector file next to this script."""
    (HERE / "plan.json").write_text(render(), encoding="utf-8")
    print("wrote plan.json")


if __name__ == "__main__":
    main()
