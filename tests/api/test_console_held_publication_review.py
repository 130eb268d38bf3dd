"""保密审查 of held results in the console (issue #18): the queue also lists the approved
results of a still-sealed task that the rules in force make wait for the review, marked as
held (viewing them audited ``outcome.read``, they name sealed picks), and the reviewer
reviews one from the console; it stays held until the disclosure. SQLite only."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.service.publication_review import DECISION, parse_publication_rules
from lottery.service.registries import set_publication_rules
from lottery.storage.models import AuditEvent
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.service.results_builder import T_HELD, drawn_task, entry, hold, results_of
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

QUEUE = "/console/publication-review"
HELD = "结果封存中：抽取结果公开时随之公开"
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


def _reads(service: Lifecycle) -> int:
    with service.session() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "outcome.read"))
        return len(list(rows))


def test_the_queue_offers_held_results_and_the_console_reviews_one(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = drawn_task(service)
    [rid] = hold(service, outcome, entries=[entry(outcome, 0, findings="防护密闭门无法正常关闭")])
    clock.now = T_HELD + timedelta(hours=1)
    login(app_client, "reviewer")
    url = f"{QUEUE}/{rid}"
    # No rule governs results yet: nothing to review, the held result is not offered.
    assert url not in app_client.get(QUEUE).text
    rules = parse_publication_rules(RULES)
    set_publication_rules(service, rules, actor="planner", now=clock.now)
    before = _reads(service)
    queue = app_client.get(QUEUE)
    assert queue.status_code == 200 and url in queue.text and HELD in queue.text
    assert _reads(service) == before + 1  # a sealed pick shown: audited
    one = app_client.get(url)
    assert one.status_code == 200 and HELD in one.text and "完成保密审查</button>" in one.text
    assert _reads(service) == before + 2
    empty = app_client.post(url, data={"csrf": _csrf(one.text)})
    assert empty.status_code == 409 and "请填写概括内容" in empty.text
    done = app_client.post(
        url, data={"csrf": _csrf(one.text), "findings": "防护设施有缺陷"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"{QUEUE}?done=held"
    row = results_of(service).get(rid)
    assert row.status == "held"  # published with the disclosure, not now
    assert row.fields[DECISION]["generalised"] == {"findings": "防护设施有缺陷"}
    after = app_client.get(done.headers["location"])
    assert "已完成保密审查。" + HELD in after.text and url not in after.text
