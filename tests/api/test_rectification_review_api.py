"""保密审查 of rectification orders and re-checks in the API, the CLI and the console (issue
#18): the queue, the review with the general text (missing text: a Chinese 4xx, not a 500),
the author refused in Chinese, record text escaped on the console's pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.publication_review import parse_publication_rules
from lottery.service.rectifications import RectificationNotFound, RectificationService
from lottery.service.registries import set_publication_rules
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf, login
from tests.service.results_builder import disclosed_task, entry, publish

T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
T_ORDER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
RULES = [
    {
        "id": "PUB-9",
        "record": "rectification-order",
        "field": "requirements",
        "action": "generalise",
        "reason": "整改要求写明了具名人防工程的防护缺陷",
    }
]
HOSTILE = '<script>alert("x")</script>修复防护密闭门'


def _waiting(service: Lifecycle, orderer: str) -> int:
    """A published result with findings, the rules, then an order waiting for the review."""
    outcome = disclosed_task(service)
    one = entry(outcome, 0, day=date(2026, 3, 25), categories=["发现问题已责令改正"],
                findings="防护密闭门无法关闭", no_evidence_reason="测试：笔录另行归档")  # fmt: skip
    result = publish(service, one, T_ENTER)
    set_publication_rules(service, parse_publication_rules(RULES), actor="planner", now=T_ENTER)
    rect = RectificationService(service.engine, service.log)
    assert rect.order(result, HOSTILE, date(2026, 4, 20), T_ORDER, actor=orderer) is None
    [(row, _)] = rect.reviewing()
    return row.id or 0


def test_an_order_made_through_the_api_under_rules_answers_with_its_queued_row(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    """The order route names the row waiting for the review (looked up by its result)."""
    clock.now = T_ORDER
    outcome = disclosed_task(service)
    results = [
        publish(service, entry(outcome, i, day=date(2026, 3, 25), categories=["发现问题已责令改正"],
                               findings="防护密闭门无法关闭",
                               no_evidence_reason="测试：笔录另行归档"), T_ENTER)
        for i in (0, 1)
    ]  # fmt: skip
    set_publication_rules(service, parse_publication_rules(RULES), actor="planner", now=T_ENTER)
    rect = RectificationService(service.engine, service.log)
    with pytest.raises(RectificationNotFound):
        rect.pending_order(results[1])
    # Another result's order waits first: the answer is the row of this result's order.
    assert rect.order(results[0], "整改甲", date(2026, 4, 20), T_ORDER, actor="admin") is None
    made = app_client.post(
        f"/api/results/{results[1]}/rectification",
        json={"requirements": HOSTILE, "due": "2026-04-20"},
        headers=token(app_client, "reviewer"),
    )
    assert made.status_code == 201, made.text
    [first, second] = rect.reviewing()
    assert first[0].result_record == results[0] and second[0].result_record == results[1]
    assert made.json() == {
        "id": second[0].id,
        "kind": "order",
        "status": "reviewing",
        "message": "已提交，待保密审查后公开",
    }
    assert rect.pending_order(results[1]).id == second[0].id


def test_the_queue_and_the_review_through_the_api(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = T_ORDER
    rid = _waiting(service, "reviewer")
    reviewer, admin = token(app_client, "reviewer"), token(app_client, "admin")
    [queued] = app_client.get("/api/rectifications/reviewing", headers=reviewer).json()
    assert (queued["id"], queued["kind"], queued["order_status"]) == (rid, "order", "reviewing")
    assert queued["original"] == {"requirements": HOSTILE} and queued["order_record"] is None
    assert [r["id"] for r in queued["rules"]] == ["PUB-9"] and "整改通知" in queued["rules"][0][
        "words"
    ]
    url = f"/api/rectifications/{rid}/publication-review"
    own = app_client.post(url, json={"kind": "order", "generalised": {"requirements": "x"}},
                          headers=reviewer)  # fmt: skip
    assert own.status_code == 403 and own.json()["detail"].startswith("您是录入（起草）"), own.text
    missing = app_client.post(url, json={"kind": "order"}, headers=admin)
    assert missing.status_code == 422 and "PUB-9" in missing.json()["detail"]
    wrong = app_client.post(url, json={"kind": "check"}, headers=admin)
    assert wrong.status_code == 422 and "保密审查" in wrong.json()["detail"]
    done = app_client.post(
        url, json={"kind": "order", "generalised": {"requirements": "整改防护设施"}}, headers=admin
    )
    assert done.status_code == 200, done.text
    assert done.json()["body"]["review"] == {"by": "admin", "rules": ["PUB-9"]}
    assert app_client.get("/api/rectifications/reviewing", headers=admin).json() == []
    assert app_client.post(url, json={"kind": "order"}, headers=admin).status_code == 422


def test_the_console_reviews_an_order_and_escapes_the_original(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = T_ORDER
    rid = _waiting(service, "planner")
    login(app_client, "reviewer")
    queue = app_client.get("/console/publication-review")
    url = f"/console/publication-review/rectification/order/{rid}"
    assert queue.status_code == 200 and url in queue.text and "整改通知" in queue.text
    one = app_client.get(url)
    assert one.status_code == 200
    assert "&lt;script&gt;" in one.text and "<script>alert" not in one.text
    assert "整改要求写明了具名人防工程的防护缺陷" in one.text  # the rule's reason
    empty = app_client.post(url, data={"csrf": _csrf(one.text)})
    assert empty.status_code == 409 and "请填写概括内容" in empty.text
    done = app_client.post(url, data={"csrf": _csrf(one.text), "requirements": "整改防护设施"},
                           follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    rect = RectificationService(service.engine, service.log)
    assert rect.get(rid).order_status == "published"
    assert app_client.get(url).status_code == 404  # reviewed: no longer waiting
    assert app_client.get("/console/publication-review/rectification/nope/1").status_code == 404
