"""Per-target 抽查报告 through the API and the console: listed, edited with the four parts kept
(a Chinese 422 naming the field otherwise), writers only; record text escaped."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.target_reports import PARTS
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf, login
from tests.api.test_results_api import T_ENTER, _disclosed, _link, _result


def test_list_and_edit_through_the_api_and_the_console(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    teams = _disclosed(service)
    target, team = teams[0]
    _link(service, "inspector", team[0])
    clock.now = T_ENTER
    inspector, reviewer, planner = (
        token(app_client, n) for n in ("inspector", "reviewer", "planner")
    )
    rid = app_client.post("/api/tasks/T-res/results", json=_result(target, team), headers=inspector)
    assert app_client.post(f"/api/results/{rid.json()['id']}/approve", headers=reviewer).is_success
    [view] = app_client.get("/api/tasks/T-res/target-reports", headers=inspector).json()
    assert view["target"] == target and all(p in view["text"] for p in PARTS)
    assert "人防工程被占用堆放杂物" not in view["text"]  # sealed findings not copied
    url = f"/api/tasks/T-res/target-reports/{target}"
    text = "\n".join(f"{p}：<i>核实</i>" for p in PARTS)
    assert app_client.put(url, json={"text": text}, headers=inspector).status_code == 403
    bad = app_client.put(url, json={"text": "一、检查时间和内容：x"}, headers=planner)
    assert bad.status_code == 422 and "抽查报告（text）" in bad.json()["detail"]
    assert app_client.put(url, json={"text": text}, headers=planner).status_code == 204
    [view] = app_client.get("/api/tasks/T-res/target-reports", headers=planner).json()
    assert (view["text"], view["edited_by"]) == (text, "planner")
    login(app_client, "planner")
    page = app_client.get("/console/tasks/T-res/target-reports")
    assert page.status_code == 200 and "&lt;i&gt;核实" in page.text and "<i>核实" not in page.text
    wrong = app_client.post(
        f"/console/tasks/T-res/target-reports/{target}",
        data={"csrf": _csrf(page.text), "text": "只有一句"},
    )
    assert wrong.status_code == 422 and "缺少“一、检查时间和内容”" in wrong.text
    saved = app_client.post(
        f"/console/tasks/T-res/target-reports/{target}",
        data={"csrf": _csrf(page.text), "text": text.replace("核实", "复核")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "&lt;i&gt;复核" in app_client.get(saved.headers["location"]).text
