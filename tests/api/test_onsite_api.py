"""The on-site record through the API (issue #16): the checklist of a task, a result that
answers it with the time of the check and typed evidence; bad input is a 422 naming the field
in Chinese, and nothing is written."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import publish_item_list
from lottery.service.results import ResultsService
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.api.test_console import login
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM
from tests.service.results_builder import disclosed_task

T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
TASK = "T-onsite"
POINTS = (("建立维护管理制度", "人防法第二十五条"), ("口部通道未被占用", "人防法第二十七条"))


def _disclosed(service: Lifecycle) -> tuple[str, tuple[str, ...]]:
    item = replace(TEST_ITEM, checklist=POINTS)
    publish_item_list(service, [item], actor="p", now=ITEMS_PUBLISHED + timedelta(hours=1))
    params = replace(lc.params(lc.small_registries(), TASK), items=(("RF-01", 2),))
    team = disclosed_task(service, TASK, params=params).teams[0]
    return team.target, tuple(team.inspectors)


def _body(target: str, team: tuple[str, ...], **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "target": target,
        "dates": ["2026-03-25"],
        "inspectors": [{"inspector": i} for i in team],
        "methods": ["实地检查"],
        "categories": ["发现问题已责令改正"],
        "findings": "口部通道堆放货物",
        "checklist": [
            {"item": "RF-01", "point": POINTS[0][0], "answer": "符合"},
            {"item": "RF-01", "point": POINTS[1][0], "answer": "不符合", "note": "堆放货物"},
        ],
        "started": "2026-03-25T09:30:00+08:00",
        "ended": "2026-03-25T11:00:00+08:00",
        "evidence": [
            {
                "name": "笔录.pdf",
                "data_base64": base64.b64encode(b"note").decode(),
                "kind": "笔录",
                "source": "现场制作",
            }
        ],
    }
    return body | over


def test_the_checklist_and_the_on_site_record_through_the_api(
    app_client: TestClient, service: Lifecycle
) -> None:
    target, team = _disclosed(service)
    app_client.app.state.clock = lambda: T_ENTER  # type: ignore[attr-defined]
    users.set_inspector(service, "inspector", team[0], lc.T_ANNOUNCE, actor="test")
    inspector = token(app_client, "inspector")
    points = app_client.get(f"/api/tasks/{TASK}/checklist", headers=inspector)
    assert points.status_code == 200
    assert points.json() == [{"item": "RF-01", "point": p, "basis": b} for p, b in POINTS]
    url = f"/api/tasks/{TASK}/results"
    bad = {
        "字段「checklist」：检查要点“口部通道未被占用”（事项 RF-01）未填写": {
            "checklist": [{"item": "RF-01", "point": POINTS[0][0], "answer": "符合"}]
        },
        "字段「started」：检查开始时间须带时区": {"started": "2026-03-25T09:30:00"},
        "字段「evidence」：证据“笔录.pdf”的证据类型": {
            "evidence": [{"name": "笔录.pdf", "data_base64": "bm90ZQ==", "source": "现场制作"}]
        },
        "字段「no_evidence_reason」": {"evidence": []},
    }
    for message, change in bad.items():
        r = app_client.post(url, json=_body(target, team, **change), headers=inspector)
        assert r.status_code == 422 and message in r.json()["detail"], r.text
    results = ResultsService(service.engine, service.log)
    assert results.versions(TASK, target) == []
    ok = app_client.post(url, json=_body(target, team), headers=inspector)
    assert ok.status_code == 201, ok.text
    [row] = results.versions(TASK, target)
    assert [a["answer"] for a in row.fields["checklist"]] == ["符合", "不符合"]
    assert row.fields["started"] == "2026-03-25T01:30:00Z"
    assert row.fields["evidence"][0]["kind"] == "笔录"
    # Published, then corrected in the console: the form starts from the published answers
    # and times (Beijing time); evidence files are chosen again.
    reviewer = token(app_client, "reviewer")
    assert app_client.post(f"/api/results/{row.id}/approve", headers=reviewer).status_code == 200
    app_client.headers.pop("Authorization", None)
    login(app_client, "inspector")
    form = app_client.get(f"/console/my/{TASK}/{target}")
    assert form.status_code == 200 and "更正检查结果" in form.text
    assert 'name="cl_1" value="符合" checked' in form.text
    assert 'name="cl_2" value="不符合" checked' in form.text
    assert 'name="cl_2_note" value="堆放货物"' in form.text
    assert 'name="started" type="datetime-local" value="2026-03-25T09:30"' in form.text
    assert 'name="ended" type="datetime-local" value="2026-03-25T11:00"' in form.text
