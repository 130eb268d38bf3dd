"""The audit trail hides the picks of still-sealed tasks from readers without outcome.read
(an auditor), in the API, the console page, its search and its CSV; after the disclosure it
shows them (R6, R9)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.api.test_console import login
from tests.api.test_console_results import T_ENTER, TASK, _drawn
from tests.service.results_builder import entry, results_of


def test_an_auditor_does_not_see_sealed_picks_until_the_disclosure(
    app_client: TestClient, service: Lifecycle
) -> None:
    outcome = _drawn(service)
    team = outcome.teams[0]
    results_of(service).enter(
        entry(outcome, task=TASK), T_ENTER, actor="insp", as_inspector=team.inspectors[0]
    )
    admin = app_client.get("/api/audit", headers=token(app_client, "admin")).text
    assert team.target in admin  # outcome.read: everything
    auditor = app_client.get("/api/audit", headers=token(app_client, "auditor")).json()
    leaks = [e for e in auditor if team.target in str(e)]
    assert not leaks, leaks
    assert any("封存至公开" in e["object"] for e in auditor)
    login(app_client, "auditor")
    page = app_client.get("/console/audit").text
    assert team.target not in page and "封存至公开" in page
    searched = app_client.get("/console/audit", params={"object": team.target}).text
    assert "记录（共 0 条" in searched  # a count would tell the sealed pick apart
    csv = app_client.get("/console/audit.csv").text
    assert team.target not in csv
    service.disclose(TASK, lc.T_REVEAL)
    after = app_client.get("/api/audit", headers=token(app_client, "auditor")).text
    assert team.target in after
