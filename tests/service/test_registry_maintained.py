"""A re-import of the target registry keeps what published results raised (issue #16).

Through the service on SQLite and PostgreSQL: a task is drawn and disclosed, results are
published whose categories raise bad records, set the serious-violation flag and close a
target; then the office re-imports the spreadsheet it exported before those results.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import select

from lottery.core.outcome import Outcome
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import check_registry, export_registry, import_registry
from lottery.service.results import ResultsService
from lottery.storage.models import Target
from tests.service.test_results import T_ENTER, _entry, outcome, results  # noqa: F401 - fixtures

CLOSING = "已关闭停业或正在组织清算"
FALSIFIED = "公示信息隐瞒真实情况弄虚作假"


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def _stored(service: Lifecycle) -> dict[str, tuple[int, bool, str, int]]:
    with service.session() as s:
        return {
            t.uscc: (t.bad_records, t.serious_violation, t.status, t.complaints)
            for t in s.exec(select(Target))
        }


def test_a_re_import_keeps_the_counters_and_statuses_results_set(
    service: Lifecycle,
    results: ResultsService,  # noqa: F811 - fixture
    outcome: Outcome,  # noqa: F811 - fixture
    tmp_path: Path,
) -> None:
    old_file = tmp_path / "targets.csv"
    export_registry(service, "targets", old_file)  # the office's file, before any result
    before = _stored(service)
    closed, falsified, clean = (t.target for t in outcome.teams[:3])
    for i, cats in enumerate(([CLOSING], [FALSIFIED], ["未发现问题"])):
        entry = _entry(
            outcome,
            i,
            categories=cats,
            findings="" if i == 2 else "现场核实",
            no_evidence_reason="测试：未取证",
        )
        results.approve(results.enter(entry, T_ENTER, actor="w"), T_ENTER, reviewer="r")
    after_results = _stored(service)
    assert after_results[closed][0] == before[closed][0] + 1
    assert after_results[closed][2] == "closed"
    assert after_results[falsified][:2] == (before[falsified][0] + 1, True)
    assert after_results[clean] == before[clean]

    # The old file again: nothing the results set is undone, and nothing counts as changed.
    check = check_registry(service, "targets", old_file, now=T_ENTER)
    result = import_registry(service, "targets", old_file, actor="planner", now=T_ENTER)
    assert (check.updated, result.updated, result.inserted, result.removed) == (0, 0, 0, 0)
    assert _stored(service) == after_results

    # A file may raise a counter, set the flag or give another status; it never lowers.
    header, rows = _rows(old_file)
    key, bad, serious, status, complaints = (
        header.index(h)
        for h in ("统一社会信用代码", "不良记录次数", "严重违法记录", "状态", "投诉举报次数")
    )
    for row in rows:
        if row[key] == clean:
            row[bad], row[serious], row[complaints] = "5", "是", "7"
        if row[key] == falsified:
            row[bad], row[serious] = "0", "否"
            row[complaints] = str(before[falsified][3] + 3)
        if row[key] == closed:
            row[status] = "注销"
    newer = tmp_path / "targets-newer.csv"
    _write(newer, header, rows)
    check = check_registry(service, "targets", newer, now=T_ENTER)
    result = import_registry(service, "targets", newer, actor="planner", now=T_ENTER)
    now = _stored(service)
    assert now[clean][:2] == (5, True) and now[clean][3] == 7
    assert now[falsified][:2] == after_results[falsified][:2]  # neither lowered nor cleared
    assert now[falsified][3] == before[falsified][3] + 3  # complaints: the file's is taken
    assert now[closed][2] == "deregistered"  # another inactive status from the file is taken
    assert check.updated == result.updated == 3  # clean, falsified (complaints), closed


def test_a_status_no_result_set_follows_the_file(service: Lifecycle, tmp_path: Path) -> None:
    """A target the registry itself marked 停业 becomes active again when the file says so."""
    path = tmp_path / "targets.csv"
    export_registry(service, "targets", path)
    header, rows = _rows(path)
    key, status = header.index("统一社会信用代码"), header.index("状态")
    target = rows[0][key]
    rows[0][status] = "停业"
    _write(path, header, rows)
    import_registry(service, "targets", path, actor="planner", now=T_ENTER)
    assert _stored(service)[target][2] == "suspended"
    rows[0][status] = "正常"
    _write(path, header, rows)
    import_registry(service, "targets", path, actor="planner", now=T_ENTER)
    assert _stored(service)[target][2] == "active"
