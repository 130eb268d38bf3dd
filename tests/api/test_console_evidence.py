"""Evidence files downloaded from the console and the place of the inspection on the results
form (TestClient; SQLite and PostgreSQL): headers, who may download, the audit, the 410 page
once the content is withdrawn; the place stored sealed, defaulted in a correction."""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi.testclient import TestClient

from lottery.api.console.download import content_disposition, content_type, safe_name
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import ResultsService
from tests import lifecycle as lc
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.api.test_console_results import T_ENTER, TASK, _audit, _drawn, _form, _results
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

PNG = b"\x89PNG\r\n\x1a\n test-only"
HTML = b"<html><script>alert(1)</script></html>"
HOSTILE = 'a"b\\c\r\n<x>;.html'
PLACE = "青岚市解放路 12 号 <b>地下室</b>"


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/console/results/\d+/evidence/[0-9a-f]{64})"', html)


def test_download_headers_are_fixed_and_safe() -> None:
    assert content_type(PNG) == "image/png"
    assert content_type(b"%PDF-1.7 ...") == "application/pdf"
    assert content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    for data in (HTML, b"<svg onload=alert(1)>", b"", b"GIF8"):
        assert content_type(data) == "application/octet-stream"
    header = content_disposition("现场 照片.jpg")
    encoded = "%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.jpg"
    assert header == f"attachment; filename=\"__ __.jpg\"; filename*=UTF-8''{encoded}"
    hostile = content_disposition(HOSTILE)
    assert "\r" not in hostile and "\n" not in hostile
    fallback = hostile.split('filename="', 1)[1].split('"', 1)[0]
    assert set(fallback) <= set("abcx_.html;<>") - {";", "<", ">"}
    assert unquote(hostile.split("filename*=UTF-8''", 1)[1]) == safe_name(HOSTILE)
    assert safe_name("../../etc/passwd") == "passwd" and safe_name("C:\\a\\b.png") == "b.png"
    assert safe_name("..") == "evidence"


# Each file's kind and source (issue #16); no 无证据说明 beside evidence.
TYPED = {
    "evidence_kind_1": "照片",
    "evidence_source_1": "现场拍摄",
    "evidence_kind_2": "书证",
    "evidence_source_2": "企业提供",
    "no_evidence_reason": "",
}


def test_a_reviewer_and_the_team_download_evidence_audited_and_410_once_withdrawn(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)
    service.disclose(TASK, lc.T_REVEAL)
    clock.now = T_ENTER
    team = outcome.teams[0]
    users.set_inspector(service, "inspector", team.inspectors[0], T_ENTER, actor="admin")
    login(app_client, "inspector")
    url = f"/console/my/{TASK}/{team.target}"
    form = app_client.get(url)
    assert 'id="f-place"' in form.text and 'value=""' in form.text.split('id="f-place"', 1)[1][:60]
    files = [
        ("evidence_1", ("现场照片.png", PNG, "image/png")),
        ("evidence_2", (HOSTILE, HTML, "text/html")),
    ]
    long = app_client.post(
        url, data={"csrf": _csrf(form.text), **_form(team.inspectors, place="地" * 501)}
    )
    assert long.status_code == 422 and 'id="f-place-error">检查地点太长' in long.text
    assert _results(service) == []
    ok = app_client.post(
        url,
        data={"csrf": _csrf(form.text), **_form(team.inspectors, place=PLACE), **TYPED},
        files=files,
    )
    assert ok.status_code == 200, ok.text
    [row] = _results(service)
    assert row.fields["place"] == PLACE

    # The reviewer's page links both files; each download is an attachment, never HTML.
    app_client.cookies.clear()
    login(app_client, "reviewer")
    one = app_client.get(f"/console/review/{row.id}")
    assert "检查地点" in one.text and "&lt;b&gt;地下室&lt;/b&gt;" in one.text
    png_link, html_link = _links(one.text)
    got = app_client.get(png_link)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment; filename=")
    assert (
        "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png"
        in got.headers["content-disposition"]
    )
    hostile = app_client.get(html_link)
    assert hostile.content == HTML
    assert hostile.headers["content-type"] == "application/octet-stream"
    assert "\n" not in hostile.headers["content-disposition"]
    assert hostile.headers["cache-control"] == "private, no-store"
    events = _audit(service, "result.evidence-download")
    names = [e["name"] for e in row.fields["evidence"]]  # as the browser sent them
    assert names[0] == "现场照片.png"
    assert [(e.actor, e.detail["name"]) for e in events] == [("reviewer", n) for n in names]
    # A hash the result does not list, and a malformed address: the Chinese 404.
    for bad in (
        png_link[:-64] + "0" * 64,
        png_link[:-1],
        "/console/results/x/evidence/" + "0" * 64,
    ):
        missing = app_client.get(bad)
        assert missing.status_code == 404 and "找不到这个证据文件" in missing.text
    approved = app_client.post(f"/console/review/{row.id}/approve", data={"csrf": _csrf(one.text)})
    assert approved.status_code == 200
    [row] = _results(service)
    assert row.record_id is not None
    content = ResultsService(service.engine, service.log).content(row.record_id)
    assert content is not None and content["place"] == PLACE

    # The team's inspector downloads from the history page; another inspector sees no link
    # and is refused; an auditor may not download at all.
    app_client.cookies.clear()
    login(app_client, "inspector")
    history = app_client.get(f"/console/history/{TASK}/{team.target}")
    assert _links(history.text) == [png_link, html_link] and "地下室" in history.text
    assert app_client.get(png_link).content == PNG
    correction = app_client.get(url)
    assert f'value="{PLACE.replace("<", "&lt;").replace(">", "&gt;")}"' in correction.text
    other = next(x for t in outcome.teams[1:] for x in t.inspectors if x not in team.inspectors)
    users.set_inspector(service, "inspector", other, T_ENTER, actor="admin")
    assert _links(app_client.get(f"/console/history/{TASK}/{team.target}").text) == []
    refused = app_client.get(png_link)
    assert refused.status_code == 403 and "不属于您所在的检查组" in refused.text
    app_client.cookies.clear()
    login(app_client, "auditor")
    assert app_client.get(png_link).status_code == 403
    assert len(_audit(service, "result.evidence-download")) == 3

    # Withdrawn content: a Chinese 410 page, nothing handed out, nothing audited.
    ResultsService(service.engine, service.log).withdraw(
        row.record_id, "公示期满", T_ENTER, actor="planner", ground="expired"
    )
    app_client.cookies.clear()
    login(app_client, "reviewer")
    gone = app_client.get(png_link)
    assert gone.status_code == 410 and "已经撤回" in gone.text and PNG not in gone.content
    assert len(_audit(service, "result.evidence-download")) == 3
