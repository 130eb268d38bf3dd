"""执法文书 in the console (SQLite and PostgreSQL): the inspector issues and downloads their
own target's notice from 我的检查任务 while the task is still sealed; another team's target is
refused; the download is an audited PDF attachment."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.api.test_console_results import T_ENTER, TASK, _audit, _drawn
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def test_inspector_issues_and_downloads_own_team_documents(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)  # drawn, still sealed: inspectors must know where they go
    clock.now = T_ENTER
    team = outcome.teams[0]
    me = team.inspectors[0]
    # Another team's target: one whose team the logged-in inspector is not on (an inspector
    # may serve on several teams, so the next team in order is not enough).
    other = next(t for t in outcome.teams if me not in t.inspectors)
    users.set_inspector(service, "inspector", me, T_ENTER, actor="admin")
    login(app_client, "inspector")
    my = app_client.get("/console/my")
    url = f"/console/documents/{TASK}/{team.target}"
    assert f'href="{url}"' in my.text
    page = app_client.get(url)
    assert page.status_code == 200 and "还没有出具文书" in page.text
    issued = app_client.post(url, data={"csrf": _csrf(page.text), "kind": "notice"})
    assert issued.status_code == 200 and "人防检通〔2026〕1号" in issued.text
    [link] = re.findall(r'href="(/console/document-files/\d+)"', issued.text)
    pdf = app_client.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    assert [e.actor for e in _audit(service, "document.download")] == ["inspector"]
    # Another team's target: refused, nothing issued.
    theirs = f"/console/documents/{TASK}/{other.target}"
    assert app_client.get(theirs).status_code == 403
    refused = app_client.post(theirs, data={"csrf": _csrf(page.text), "kind": "notice"})
    assert refused.status_code == 403 and "检查组" in refused.text
    assert len(_audit(service, "document.issue")) == 1
    # A bad kind: the Chinese error on the page, nothing issued.
    bad = app_client.post(url, data={"csrf": _csrf(page.text), "kind": "verdict"})
    assert "字段「kind」" in bad.text and len(_audit(service, "document.issue")) == 1
