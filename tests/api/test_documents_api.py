"""Documents through the API and the CLI (SQLite and PostgreSQL): an inspector gets only
their own team's documents, staff every one, downloads are PDFs and audited, bad input is a
Chinese 4xx that writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from lottery.cli import main
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, Document
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.api.test_results_api import T_ENTER, _disclosed, _link


def _count(service: Lifecycle) -> int:
    with service.session() as s:
        return len(list(s.exec(select(Document))))


def test_inspector_gets_only_own_team_documents(app_client: TestClient, service: Lifecycle) -> None:
    teams = _disclosed(service)
    target, team = teams[0]
    # A target whose team the inspector is not on (an inspector may serve on several teams).
    other_target = next(t for t, members in teams if team[0] not in members)
    _link(service, "inspector", team[0])
    app_client.app.state.clock = lambda: T_ENTER  # type: ignore[attr-defined]
    inspector, planner = token(app_client, "inspector"), token(app_client, "planner")
    url = "/api/tasks/T-res/documents"
    # Another team's target: refused, nothing written.
    refused = app_client.post(
        url, json={"target": other_target, "kind": "notice"}, headers=inspector
    )
    assert refused.status_code == 403, refused.text
    assert _count(service) == 0
    made = app_client.post(url, json={"target": target, "kind": "notice"}, headers=inspector)
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["number"].startswith("人防检通〔2026〕") and doc["kind"] == "notice"
    theirs = app_client.post(url, json={"target": other_target, "kind": "notice"}, headers=planner)
    assert theirs.status_code == 201, theirs.text
    # The inspector lists and downloads their own target's documents, not the other's.
    mine = app_client.get(url, params={"target": target}, headers=inspector)
    assert [d["number"] for d in mine.json()] == [doc["number"]]
    assert (
        app_client.get(url, params={"target": other_target}, headers=inspector).status_code == 403
    )
    assert app_client.get(url, headers=inspector).status_code == 403  # not the whole task
    pdf = app_client.get(f"/api/documents/{doc['id']}", headers=inspector)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    other = app_client.get(f"/api/documents/{theirs.json()['id']}", headers=inspector)
    assert other.status_code == 403
    assert len(app_client.get(url, headers=planner).json()) == 2
    # A reviewer has no outcome.read: no documents.
    assert app_client.get(url, headers=token(app_client, "reviewer")).status_code == 403
    with service.session() as s:
        downloads = s.exec(select(AuditEvent).where(AuditEvent.action == "document.download"))
        assert [e.actor for e in downloads] == ["inspector"]


def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    teams = _disclosed(service)
    planner = token(app_client, "planner")
    url = "/api/tasks/T-res/documents"
    bad_kind = app_client.post(url, json={"target": teams[0][0], "kind": "result"}, headers=planner)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.text
    record_first = app_client.post(
        url, json={"target": teams[0][0], "kind": "record"}, headers=planner
    )
    assert record_first.status_code == 422 and "通知书" in record_first.json()["detail"]
    not_picked = app_client.post(
        url, json={"target": "91000000000000000X", "kind": "notice"}, headers=planner
    )
    assert not_picked.status_code == 404 and "字段「target」" in not_picked.json()["detail"]
    assert app_client.get("/api/documents/999", headers=planner).status_code == 404
    assert _count(service) == 0


def test_cli_issues_lists_and_gets(
    service: Lifecycle,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = _disclosed(service)[0][0]
    monkeypatch.setenv("LOTTERY_DATABASE_URL", settings.url)
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    monkeypatch.setenv("LOTTERY_OFFICE_NAME", "舞钢市人民防空办公室")
    dd = ["--data-dir", str(settings.data_dir)]

    def run(*args: str) -> int:
        try:
            main(list(args))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert run("documents", "issue", "T-res", target, "notice", *dd, "--actor", "planner") == 0
    doc_id, kind, number, sha = capsys.readouterr().out.strip().split("\t")
    assert kind == "notice" and number.startswith("人防检通〔") and len(sha) == 64
    assert run("documents", "list", "T-res", *dd) == 0
    assert target in capsys.readouterr().out
    out = tmp_path / "notice.pdf"
    assert run("documents", "get", doc_id, str(out), *dd, "--actor", "planner") == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "舞钢市人民防空办公室" in "".join(
        "".join(p.extract_text() for p in PdfReader(out).pages).split()
    )
    # Bad input: one line naming the field, non-zero exit, nothing written.
    assert run("documents", "issue", "T-res", target, "verdict", *dd) != 0
    err = capsys.readouterr().err
    assert "字段「kind」" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert _count(service) == 1
