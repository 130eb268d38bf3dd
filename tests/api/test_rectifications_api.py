"""Rectification orders and re-checks through the API: Chinese 4xx naming the field, a
second person approves, the open list flags overdue orders."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Conflict, Inspector
from tests.api.conftest import PASSWORD, token
from tests.api.test_results_api import T_ENTER, _disclosed, _link, _result

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
