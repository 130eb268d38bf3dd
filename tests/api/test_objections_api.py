"""Objections (异议) through the API and the console: Chinese 4xx naming the field, the text
kept private, decided by another person; the console page escapes record text and is usable
with the keyboard (labels on every field)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf, login
from tests.service.results_builder import disclosed_task, entry, publish

T_PUBLISH = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
T_NOW = datetime(2026, 4, 9, 2, 0, tzinfo=UTC)


def test_api_and_console(app_client: TestClient, service: Lifecycle, clock: Clock) -> None:
    outcome = disclosed_task(service, "T2026-001")
    first = publish(service, entry(outcome, 0), T_PUBLISH)
    second = publish(service, entry(outcome, 1), T_PUBLISH)
    clock.now = T_NOW
    app_client.app.state.clock = lambda: T_NOW  # type: ignore[attr-defined]
    reviewer, admin = token(app_client, "reviewer"), token(app_client, "admin")
    url = f"/api/results/{first}/objections"
    body = {"received": "2026-04-10", "text": "<i>检查有误</i>"}
    future = app_client.post(url, json=body, headers=reviewer)
    assert future.status_code == 422 and "收到日期（received）" in future.json()["detail"]
    body["received"] = "2026-04-08"
    missing = app_client.post(f"/api/results/{'ab' * 32}/objections", json=body, headers=reviewer)
    assert missing.status_code == 404 and "检查结果（result）" in missing.json()["detail"]
    made = app_client.post(url, json=body, headers=reviewer)
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    decide = f"/api/objections/{number}/decide"
    own = app_client.post(decide, json={"outcome": "dismissed", "reason": "维持"}, headers=reviewer)
    assert own.status_code == 403, own.text  # the one who recorded it may not decide it
    empty = app_client.post(decide, json={"outcome": "dismissed"}, headers=admin)
    assert empty.status_code == 422 and "理由（reason）" in empty.json()["detail"]
    done = app_client.post(decide, json={"outcome": "dismissed", "reason": "维持"}, headers=admin)
    assert done.status_code == 200 and done.json()["type"] == "objection-outcome", done.text
    [row] = app_client.get("/api/objections", headers=reviewer).json()
    assert (row["outcome"], row["reason"], row["outcome_record"]) == (
        "dismissed",
        "维持",
        done.json()["id"],
    )
    assert app_client.get("/api/objections?undecided=true", headers=reviewer).json() == []
    # The console: record one on the second result, decide it as another person.
    login(app_client, "reviewer")
    csrf = _csrf(app_client.get("/console/objections").text)
    form = {"csrf": csrf, "result": second, "received": "2026-04-01", "text": "<script>x</script>"}
    early = app_client.post("/console/objections/record", data=form)
    assert early.status_code == 422 and "不能早于检查结果公开之日" in early.text
    form["received"] = "2026-04-08"
    ok = app_client.post("/console/objections/record", data=form, follow_redirects=False)
    assert ok.status_code == 303
    page = app_client.get(ok.headers["location"]).text
    assert "异议已登记" in page and "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert 'for="r-text"' in page and 'id="r-text"' in page  # labelled fields
    [waiting] = [
        r
        for r in app_client.get("/api/objections", headers=reviewer).json()
        if r["status"] == "received"
    ]
    mine = app_client.post(
        f"/console/objections/{waiting['id']}/decide",
        data={"csrf": csrf, "outcome": "dismissed", "reason": "维持"},
    )
    assert "您不能处理自己登记的异议" in mine.text
    app_client.cookies.clear()
    login(app_client, "admin")
    csrf = _csrf(app_client.get("/console/objections").text)
    decided = app_client.post(
        f"/console/objections/{waiting['id']}/decide",
        data={"csrf": csrf, "outcome": "dismissed", "reason": "<b>维持</b>"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    page = app_client.get("/console/objections").text
    assert "没有待处理的异议" in page and "&lt;b&gt;维持&lt;/b&gt;" in page
