"""保密审查 in the API and the console (issue #18), SQLite and PostgreSQL: publication rules set
through the API (a rule on a field the public needs refused with a message), the queue of
approved results, the review with the general text (missing text: an error, not a 500),
record text escaped on the console's pages."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.results import ResultsService
from tests import lifecycle as lc
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf, login
from tests.service.results_builder import REVIEWER, disclosed_task, entry

URL = "/api/registries/items/publication-rules"
AT = lc.T_REVEAL + timedelta(hours=1)
RULES = [
    {
        "id": "PUB-1",
        "record": "inspection-result",
        "field": "findings",
        "action": "generalise",
        "reason": "具名人防工程防护缺陷不宜公开",
        "when": {"items": ["RF-01"]},
    }
]
HOSTILE = '<script>alert("x")</script>防护密闭门无法正常关闭'


def _approved(service: Lifecycle) -> int:
    outcome = disclosed_task(service)
    results = ResultsService(service.engine, service.log)
    one = entry(outcome, 0, findings=HOSTILE)
    rid = results.enter(one, AT, actor="inspector-wang")
    assert results.approve(rid, AT, reviewer=REVIEWER) is None  # waits for the review
    return rid


def test_rules_the_queue_and_the_review_through_the_api(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = AT - timedelta(minutes=30)
    planner = token(app_client, "planner")
    wrong = [dict(RULES[0], field="categories")]
    refused = app_client.put(URL, json={"rules": wrong}, headers=planner)
    assert refused.status_code == 422 and "can never be withheld" in refused.text
    # Chinese first (naming the rule and the field), the record format's English in brackets.
    assert refused.json()["detail"].startswith(
        "公开规则有误：第 1 条规则（PUB-1）：“检查结论”（categories）是公众重新抽取或统计结果"
        "所需的内容，不能规定不公开或概括表述（publication_rules[0].field 'categories' "
    )
    put = app_client.put(URL, json={"rules": RULES}, headers=planner)
    assert put.status_code == 200, put.text
    shown = app_client.get(URL, headers=planner).json()
    assert [r["id"] for r in shown["rules"]] == ["PUB-1"] and "理由" in shown["words"][0]
    rid = _approved(service)
    clock.now = AT
    reviewer = token(app_client, "reviewer")
    queue = app_client.get("/api/results/reviewing", headers=reviewer).json()
    assert [(q["id"], [r["id"] for r in q["rules"]]) for q in queue] == [(rid, ["PUB-1"])]
    assert app_client.get("/api/results/reviewing", headers=planner).status_code == 403
    url = f"/api/results/{rid}/publication-review"
    missing = app_client.post(url, json={"generalised": {}}, headers=reviewer)
    assert missing.status_code == 422 and "PUB-1" in missing.text
    done = app_client.post(
        url, json={"generalised": {"findings": "防护设施有缺陷"}}, headers=reviewer
    )
    assert done.status_code == 200, done.text
    assert done.json()["body"]["review"] == {"by": "reviewer", "rules": ["PUB-1"]}


def test_the_console_reviews_with_the_general_text_and_escapes_the_original(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = AT
    from lottery.service.publication_review import parse_publication_rules
    from lottery.service.registries import set_publication_rules

    rules = parse_publication_rules(RULES)
    set_publication_rules(service, rules, actor="planner", now=AT - timedelta(minutes=30))
    rid = _approved(service)
    login(app_client, "reviewer")
    queue = app_client.get("/console/publication-review")
    assert queue.status_code == 200 and f"/console/publication-review/{rid}" in queue.text
    one = app_client.get(f"/console/publication-review/{rid}")
    assert one.status_code == 200
    assert "&lt;script&gt;" in one.text and "<script>alert" not in one.text
    assert "具名人防工程防护缺陷不宜公开" in one.text  # the rule's reason
    url = f"/console/publication-review/{rid}"
    empty = app_client.post(url, data={"csrf": _csrf(one.text)})
    assert empty.status_code == 409 and "请填写概括内容" in empty.text
    done = app_client.post(
        url, data={"csrf": _csrf(one.text), "findings": "防护设施有缺陷"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert ResultsService(service.engine, service.log).get(rid).status == "published"
    app_client.cookies.clear()
    login(app_client, "auditor")
    assert app_client.get("/console/publication-review").status_code == 403
