"""Rectification orders and re-checks through the API: Chinese 4xx naming the field, a
second person approves, the open list flags overdue orders."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectifications import RectificationService
from lottery.service.results import ResultsService
from lottery.storage.models import Conflict, Inspector
from tests.api.conftest import PASSWORD, token
from tests.api.test_results_api import T_ENTER, _disclosed, _link, _result
from tests.service.results_builder import disclosed_task, entry, publish

T_ORDER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
T_CHECK = datetime(2026, 4, 21, 2, 0, tzinfo=UTC)


def _set_clock(client: TestClient, moment: datetime) -> list[dict[str, str]]:
    """Move the clock; new sessions (inspector, reviewer, admin) for that time."""
    client.app.state.clock = lambda: moment  # type: ignore[attr-defined]
    return [token(client, n) for n in ("inspector", "reviewer", "admin")]


def test_order_recheck_and_open_list(app_client: TestClient, service: Lifecycle) -> None:
    teams = _disclosed(service)
    target, team = teams[0]
    _link(service, "inspector", team[0])
    inspector, reviewer, admin = _set_clock(app_client, T_ENTER)
    rid = app_client.post("/api/tasks/T-res/results", json=_result(target, team), headers=inspector)
    assert rid.status_code == 201, rid.text
    result = app_client.post(f"/api/results/{rid.json()['id']}/approve", headers=reviewer).json()
    inspector, reviewer, admin = _set_clock(app_client, T_ORDER)
    url = f"/api/results/{result['id']}/rectification"
    late = app_client.post(
        url, json={"requirements": "清理", "due": "2026-04-01"}, headers=reviewer
    )
    assert late.status_code == 422 and "整改期限（due）" in late.json()["detail"]
    assert app_client.post(url, json={"requirements": "清理", "due": "2026-04-20"},
                           headers=inspector).status_code == 403  # fmt: skip
    made = app_client.post(
        url, json={"requirements": "清理", "due": "2026-04-20"}, headers=reviewer
    )
    assert made.status_code == 201, made.text
    assert made.json()["type"] == "rectification-order"
    assert app_client.get(f"/log/records/{made.json()['id']}").status_code == 200
    inspector, reviewer, admin = _set_clock(app_client, T_CHECK)
    [row] = app_client.get("/api/rectifications", headers=inspector).json()
    assert (row["target"], row["overdue"], row["check_status"]) == (target, True, "none")
    # A county account does not see the city task's open order (org scope).
    users.create_user(
        service, "county-rev", PASSWORD, ["reviewer"], T_CHECK, actor="t", org_unit="county-419901"
    )
    assert (
        app_client.get("/api/rectifications", headers=token(app_client, "county-rev")).json() == []
    )
    with service.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == target)))
        free = [i.id for i in s.exec(select(Inspector)) if i.id not in conflicted]
    present = [team[0], next(i for i in free if i != team[0])]
    check = f"/api/rectifications/{row['id']}/check"
    body = {"date": "2026-04-20", "inspectors": present, "outcome": "部分整改", "note": ""}
    bad = app_client.post(check, json=body, headers=inspector)
    assert bad.status_code == 422 and "复查情况（note）" in bad.json()["detail"]
    body["note"] = "堆放物已清理一半"
    assert app_client.post(check, json=body, headers=inspector).status_code == 204
    own = app_client.post(f"{check}/approve", headers=inspector)
    assert own.status_code == 403
    _link(service, "admin", team[1])
    ok = app_client.post(f"{check}/approve", headers=reviewer)
    assert ok.status_code == 200, ok.text
    assert ok.json()["body"]["order"] == made.json()["id"]
    assert "堆放物".encode() not in app_client.get(f"/log/records/{ok.json()['id']}").content
    assert app_client.get("/api/rectifications", headers=admin).json() == []
    [done] = app_client.get("/api/tasks/T-res/rectifications", headers=admin).json()
    assert (done["check_status"], done["overdue"]) == ("published", False)
    missing = app_client.post("/api/rectifications/999/check/approve", headers=reviewer)
    assert missing.status_code == 404


def test_withdrawing_a_result_or_a_rectification_keeps_to_reviewers_and_the_org_unit(
    app_client: TestClient, service: Lifecycle
) -> None:
    outcome = disclosed_task(service, "T-res")
    found = {"findings": "防护密闭门被货物堵塞", "no_evidence_reason": "测试：笔录另行归档"}
    one = entry(outcome, task="T-res", day=date(2026, 3, 25), categories=["发现问题已责令改正"],
                **found)  # fmt: skip
    result = publish(service, one, T_ENTER)
    rect = RectificationService(service.engine, service.log)
    order = rect.order(result, "清理堆放物", date(2026, 4, 20), T_ORDER, actor="reviewer").id
    users.create_user(
        service, "county-rev", PASSWORD, ["reviewer"], T_ORDER, actor="t", org_unit="county-419901"
    )
    inspector, reviewer, _ = _set_clock(app_client, T_ORDER)
    county = token(app_client, "county-rev")
    body = {"reason": "信用修复", "ground": "repaired"}
    for url in (f"/api/rectifications/records/{order}/withdraw", f"/api/results/{result}/withdraw"):
        assert app_client.post(url, json=body, headers=inspector).status_code == 403  # no review
        scoped = app_client.post(url, json=body, headers=county)
        assert scoped.status_code == 403 and scoped.json()["error"] == "OutOfScope", scoped.text
        bad = app_client.post(url, json=body | {"ground": "revoked"}, headers=reviewer)
        assert bad.status_code == 422 and "ground" in bad.text
    missing = "0" * 64
    for url in (
        f"/api/rectifications/records/{missing}/withdraw",
        f"/api/results/{missing}/withdraw",
    ):
        assert app_client.post(url, json=body, headers=reviewer).status_code == 404
    done = app_client.post(f"/api/rectifications/records/{order}/withdraw", json=body,
                           headers=reviewer)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["type"] == "rectification-withdrawal"
    assert (done.json()["body"]["record"], done.json()["body"]["ground"]) == (order, "repaired")
    gone = app_client.post(f"/api/results/{result}/withdraw", json=body, headers=reviewer)
    assert gone.status_code == 200 and gone.json()["type"] == "result-withdrawal", gone.text
    assert gone.json()["body"]["result"] == result
    again = app_client.post(f"/api/results/{result}/withdraw", json=body, headers=reviewer)
    assert again.status_code == 422
    assert rect.content(order, "rectification-order") is None
    assert ResultsService(service.engine, service.log).content(result) is None
