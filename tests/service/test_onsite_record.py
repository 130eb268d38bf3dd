"""The on-site record (issue #16) on SQLite and PostgreSQL: an item's checklist is published
with the item list, a result answers it point by point, records the time of the check and
types its evidence, and a result with findings and no evidence states why. Every refusal is
Chinese, names the field and writes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.cli import main
from lottery.core.outcome import Outcome
from lottery.service.calendar import load_record
from lottery.service.item_list import current_item_list
from lottery.service.lifecycle import Lifecycle
from lottery.service.onsite_record import checklist_of
from lottery.service.registries import publish_item_list
from lottery.service.result_entry import CST, ChecklistAnswer
from lottery.service.results import Evidence, ResultEntry, ResultError, ResultsService
from lottery.settings import Settings
from lottery.storage.models import InspectionResult
from tests import lifecycle as lc
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM
from tests.service.results_builder import disclosed_task, entry

TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
DAY = date(2026, 3, 25)
POINTS = (
    ("建立维护管理制度", "《中华人民共和国人民防空法》第二十五条"),
    ("口部通道未被占用", "《中华人民共和国人民防空法》第二十七条"),
)
FOUND = "发现问题已责令改正"


@pytest.fixture
def outcome(service: Lifecycle) -> Outcome:
    """A disclosed task citing RF-01 of version 2 of the item list, which has a checklist."""
    item = replace(TEST_ITEM, checklist=POINTS)
    publish_item_list(service, [item], actor="planner", now=ITEMS_PUBLISHED + timedelta(hours=1))
    params = replace(lc.params(lc.small_registries(), TASK), items=(("RF-01", 2),))
    return disclosed_task(service, TASK, params=params)


@pytest.fixture
def results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log)


def _answers(*answers: tuple[str, str]) -> list[ChecklistAnswer]:
    return [
        ChecklistAnswer("RF-01", point, answer, note)
        for (point, _), (answer, note) in zip(POINTS, answers, strict=True)
    ]


def _entry(outcome: Outcome, **kw: Any) -> ResultEntry:
    checklist = kw.pop("checklist", _answers(("符合", ""), ("不涉及", "")))
    return entry(outcome, day=DAY, checklist=checklist, **kw)


def _written(service: Lifecycle) -> tuple[int, int]:
    with service.session() as s:
        return len(list(s.exec(select(InspectionResult)))), service.log.size(s)


def test_the_checklist_is_published_with_the_item_list(
    service: Lifecycle, outcome: Outcome
) -> None:
    current = current_item_list(service)
    assert current is not None and current.version == 2
    assert current.items[0].checklist == POINTS
    with service.session() as s:
        record = load_record(service.log, s, current.record_id or "")
    assert record.body["items"][0]["checklist"] == [{"point": p, "basis": b} for p, b in POINTS]
    points = checklist_of(service.engine, TASK)
    assert [(p.item, p.point, p.basis) for p in points] == [("RF-01", p, b) for p, b in POINTS]


def test_a_result_answers_every_point_and_seals_the_on_site_record(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    photo, note = b"\x89PNG photo", "笔录正文".encode()
    entry = _entry(
        outcome,
        categories=[FOUND],
        findings="口部通道堆放货物",
        checklist=_answers(("符合", ""), ("不符合", "通道堆放货物")),
        started=datetime(2026, 3, 25, 9, 30, tzinfo=CST),
        ended=datetime(2026, 3, 25, 11, 0, tzinfo=CST),
        evidence=[
            Evidence("现场照片.jpg", photo, "照片", "现场拍摄"),
            Evidence("检查笔录.pdf", note, "笔录", "现场制作"),
        ],
        place="青岚市中山路1号地下室",
    )
    record = results.approve(results.enter(entry, T_ENTER, actor="w"), T_ENTER, reviewer="r")
    for key in ("checklist", "started", "ended", "evidence", "no_evidence_reason"):
        assert key not in record.body  # sealed, like the findings (docs/spec.md §2.1)
    assert "通道堆放货物".encode() not in record.note
    content = results.content(record.id) or {}
    assert content["checklist"] == [
        {"item": "RF-01", "point": POINTS[0][0], "answer": "符合", "note": ""},
        {"item": "RF-01", "point": POINTS[1][0], "answer": "不符合", "note": "通道堆放货物"},
    ]
    assert (content["started"], content["ended"]) == (
        "2026-03-25T01:30:00Z",
        "2026-03-25T03:00:00Z",
    )
    assert [(e["kind"], e["source"]) for e in content["evidence"]] == [
        ("照片", "现场拍摄"),
        ("笔录", "现场制作"),
    ]
    assert "no_evidence_reason" not in content


BAD: list[tuple[dict[str, object], str]] = [
    (
        {"checklist": _answers(("符合", ""), ("符合", ""))[:1]},
        "检查要点“口部通道未被占用”（事项 RF-01）未填写",
    ),
    (
        {
            "checklist": [
                *_answers(("符合", ""), ("符合", "")),
                ChecklistAnswer("RF-01", "别的", "符合"),
            ]
        },
        "没有“别的”",
    ),
    ({"checklist": _answers(("符合", ""), ("合格", ""))}, "应为 符合、不符合、不涉及 之一"),
    (
        {
            "checklist": _answers(("不符合", ""), ("符合", "")),
            "categories": [FOUND],
            "findings": "x",
            "no_evidence_reason": "y",
        },
        "“建立维护管理制度”不符合，须填写说明",
    ),
    ({"checklist": _answers(("不符合", "无制度"), ("符合", ""))}, "字段「categories」"),
    (
        {"categories": [FOUND], "findings": "x"},
        "字段「no_evidence_reason」：检查发现问题但没有上传证据",
    ),
    (
        {"categories": [FOUND], "findings": "x", "evidence": [Evidence("a.jpg", b"a")]},
        "字段「evidence」：证据“a.jpg”的证据类型",
    ),
    (
        {"evidence": [Evidence("a.jpg", b"a", "照片")]},
        "字段「evidence」：证据“a.jpg”须注明来源",
    ),
    (
        {"evidence": [Evidence("a.jpg", b"a", "照片", "现场拍摄")], "no_evidence_reason": "y"},
        "不需要无证据说明",
    ),
    (
        {"started": datetime(2026, 3, 26, 9, 0, tzinfo=CST)},
        "字段「started」：检查开始时间在 2026-03-26",
    ),
    (
        {
            "started": datetime(2026, 3, 25, 9, 0, tzinfo=CST),
            "ended": datetime(2026, 3, 25, 8, 0, tzinfo=CST),
        },
        "字段「ended」：检查结束时间早于开始时间",
    ),
    ({"ended": datetime(2026, 3, 25, 9, 0, tzinfo=CST)}, "须同时填写开始时间"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_on_site_records_are_refused_and_nothing_is_written(
    service: Lifecycle,
    results: ResultsService,
    outcome: Outcome,
    change: dict[str, object],
    message: str,
) -> None:
    before = _written(service)
    with pytest.raises(ResultError, match=message):
        results.enter(_entry(outcome, **change), T_ENTER, actor="w")
    assert _written(service) == before


def test_findings_without_evidence_are_published_with_the_stated_reason(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    entry = _entry(
        outcome,
        categories=["通过登记的住所（经营场所）无法联系"],
        findings="登记住所无人",
        checklist=_answers(("不涉及", "无法检查"), ("不涉及", "无法检查")),
        no_evidence_reason="现场无人，无法取证",
    )
    record = results.approve(results.enter(entry, T_ENTER, actor="w"), T_ENTER, reviewer="r")
    content = results.content(record.id) or {}
    assert content["no_evidence_reason"] == "现场无人，无法取证"
    assert content["evidence"] == []


def test_the_cli_prints_the_checklist_and_enters_a_result_from_a_file(
    service: Lifecycle,
    outcome: Outcome,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LOTTERY_DATABASE_URL", settings.url)
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    dd = ["--data-dir", str(settings.data_dir), "--actor", "检查员甲"]

    def run(*args: str) -> int:
        try:
            main(list(args))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert run("result", "checklist", TASK, "--data-dir", str(settings.data_dir)) == 0
    assert capsys.readouterr().out.splitlines() == [f"RF-01\t{p}\t{b}" for p, b in POINTS]
    team = outcome.teams[0]
    (tmp_path / "照片.jpg").write_bytes(b"jpeg")
    body = {
        "target": team.target,
        "dates": ["2026-03-25"],
        "inspectors": [{"inspector": i} for i in team.inspectors],
        "methods": ["实地检查"],
        "categories": [FOUND],
        "findings": "通道堆放货物",
        "checklist": [
            {"item": "RF-01", "point": POINTS[0][0], "answer": "符合"},
            {"item": "RF-01", "point": POINTS[1][0], "answer": "不符合", "note": "堆放货物"},
        ],
        "started": "2026-03-25T09:30:00+08:00",
        "evidence": [{"path": "照片.jpg", "kind": "照片", "source": "现场拍摄"}],
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(body | {"evidence": []}, ensure_ascii=False), encoding="utf-8")
    assert run("result", "enter", TASK, str(bad), *dd) != 0
    err = capsys.readouterr().err
    assert "字段「no_evidence_reason」" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert _written(service)[0] == 0
    good = tmp_path / "result.json"
    good.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert run("result", "enter", TASK, str(good), *dd) == 0
    assert "waiting for a reviewer" in capsys.readouterr().out
    [row] = ResultsService(service.engine, service.log).versions(TASK, team.target)
    assert row.entered_by == "检查员甲"
    assert row.fields["evidence"][0]["kind"] == "照片"
    assert row.fields["checklist"][1]["note"] == "堆放货物"
    assert row.fields["started"] == "2026-03-25T01:30:00Z"
