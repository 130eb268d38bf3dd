"""The console's registry pages (issue #15): import in two steps (check, then confirm), browse
targets and inspectors with filters, declare and remove conflicts, edit the item list as a new
version with its differences shown; through FastAPI's TestClient on SQLite and PostgreSQL.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import Iterator
from html import unescape as html_unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from lottery.api.console import registry_pages
from lottery.service import item_list
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import (
    AuditEvent,
    Conflict,
    Inspector,
    ItemListVersion,
    LogEntry,
    Target,
)
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.api.test_console import _csrf, login
from tests.registry_io.conftest import ITEM_HEADER, TARGET_HEADER, item, target, uscc
from tests.service.conftest import load_registries
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


@pytest.fixture
def service(settings: Settings) -> Iterator[Lifecycle]:
    """An office that has published no item list yet: the item-list pages start at version 1
    (the other modules' offices publish the list their tasks cite)."""
    svc = Lifecycle.open(settings)
    load_registries(svc, lc.small_registries(), item_list=False)
    yield svc
    svc.engine.dispose()


def _count(service: Lifecycle, model: type) -> int:
    with service.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _region(service: Lifecycle) -> str:
    with service.session() as session:
        found = session.exec(select(Target.region)).first()
    assert found
    return found


def _all_targets(service: Lifecycle, extra: list[list[str]]) -> bytes:
    """The whole target registry as a file (so nothing is marked removed), plus ``extra``."""
    with service.session() as session:
        rows = [
            target(
                t.uscc,
                名称=t.name,
                类型="平时使用",
                所属区域=t.region,
                信用风险分类=t.risk_class,
                投诉举报次数="0",
                联系电话=t.contact_phone or "",
                备注=t.notes or "",
            )
            for t in session.exec(select(Target))
        ]
    return _csv(TARGET_HEADER, rows + extra)


def _check(client: TestClient, kind: str, data: bytes, name: str = "f.csv") -> object:
    form = client.get(f"/console/registries/{kind}/import")
    assert form.status_code == 200, form.text
    return client.post(
        f"/console/registries/{kind}/check",
        data={"csrf": _csrf(form.text)},
        files={"file": (name, data, "text/csv")},
    )


# --- import: check, then confirm ---------------------------------------------------------------


def test_a_bad_upload_shows_each_bad_row_in_chinese_and_writes_nothing(
    app_client: TestClient, service: Lifecycle, settings: Settings
) -> None:
    login(app_client, "planner")
    region = _region(service)
    rows = [
        target(uscc("91419901MA1000001"), 所属区域=region),
        target("91419901MA100000X", 所属区域=region),
        target(uscc("91419901MA1000003"), 所属区域=region, 信用风险分类="Z"),
    ]
    before = (_count(service, Target), _count(service, AuditEvent))
    page = _check(app_client, "targets", _csv(TARGET_HEADER, rows))
    assert page.status_code == 422
    text = page.text  # type: ignore[attr-defined]
    assert "文件有错误，未导入任何数据" in text and "共 2 行有错误" in text
    assert "第 3 行" in text and "统一社会信用代码" in text
    assert "第 4 行" in text and "信用风险分类" in text and "确认导入" not in text
    assert not re.search(r"\[[a-z_.]+\]", text)  # no engineer codes like [uscc.check]
    assert (_count(service, Target), _count(service, AuditEvent)) == before
    assert not any((settings.data_dir / "console-uploads").iterdir())


def test_a_good_upload_shows_what_would_change_then_the_confirmation_writes(
    app_client: TestClient, service: Lifecycle, settings: Settings
) -> None:
    login(app_client, "planner")
    region = _region(service)
    new = uscc("91419901MA2000001")
    data = _all_targets(service, [target(new, 名称="新登记的公司", 所属区域=region)])
    before = _count(service, Target)
    page = _check(app_client, "targets", data)
    assert page.status_code == 200, page.text  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "检查通过" in text and "尚未写入任何数据" in text
    assert re.search(r"<dt>新增</dt><dd>1 条</dd>", text)
    assert re.search(rf"<dt>未变</dt><dd>{before} 条</dd>", text)
    assert _count(service, Target) == before and _audit(service, "registry.import") == []
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', text)
    assert digest is not None
    assert (settings.data_dir / "console-uploads" / digest.group(1)).is_file()
    done = app_client.post(
        "/console/registries/targets/confirm",
        data={"csrf": _csrf(text), "digest": digest.group(1)},
    )
    assert done.status_code == 200 and "新增 1" in done.text
    assert _count(service, Target) == before + 1
    [event] = _audit(service, "registry.import")
    assert event.actor == "planner" and event.detail["file_sha256"] == digest.group(1)
    assert not (settings.data_dir / "console-uploads" / digest.group(1)).exists()
    again = app_client.post(
        "/console/registries/targets/confirm",
        data={"csrf": _csrf(text), "digest": digest.group(1)},
    )
    assert again.status_code == 409 and "找不到已检查的文件" in again.text
    assert len(_audit(service, "registry.import")) == 1


def test_the_confirmation_trusts_only_the_kept_file(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get("/console/registries/targets/import")
    for digest in ("0" * 64, "../../lottery.db", ""):
        refused = app_client.post(
            "/console/registries/targets/confirm", data={"csrf": _csrf(page.text), "digest": digest}
        )
        assert refused.status_code == 409
    assert _audit(service, "registry.import") == []


def test_no_file_chosen_is_said_next_to_the_field(app_client: TestClient) -> None:
    login(app_client, "planner")
    form = app_client.get("/console/registries/targets/import")
    page = app_client.post(
        "/console/registries/targets/check",
        data={"csrf": _csrf(form.text)},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert page.status_code == 422 and 'id="f-file-error"' in page.text
    assert "请选择要导入的文件" in page.text


def test_an_upload_over_the_limit_is_refused_with_a_chinese_page(
    app_client: TestClient, service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lottery import registry_io as rio
    from lottery.registry_io import limits

    before = _count(service, Target)
    small = limits._limits(1000, 10)
    monkeypatch.setitem(limits.LIMITS, "targets", small)
    login(app_client, "planner")
    form = app_client.get("/console/registries/targets/import")
    assert rio.limits_for("targets").max_bytes == 1000
    page = app_client.post(
        "/console/registries/targets/check",
        data={"csrf": _csrf(form.text)},
        files={"file": ("big.csv", b"x" * 200_000, "text/csv")},
    )
    assert page.status_code == 413 and "文件过大" in page.text and "检查对象名录" in page.text
    assert page.headers["content-type"].startswith("text/html")
    # Under the route's cap (limit + multipart slack) but over the limit: the endpoint's check.
    near = app_client.post(
        "/console/registries/targets/check",
        data={"csrf": _csrf(form.text)},
        files={"file": ("big.csv", b"x" * 5000, "text/csv")},
    )
    assert near.status_code == 413 and "本文件 5 KB" in near.text and "名录管理" in near.text
    assert _count(service, Target) == before


def test_the_import_needs_registry_write_and_the_form_token(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "reviewer")
    overview = app_client.get("/console/registries")
    assert overview.status_code == 200 and "/console/registries/targets/import" not in overview.text
    refused = app_client.get("/console/registries/targets/import")
    assert refused.status_code == 403 and "导入名录和发布名录快照" in refused.text
    posted = app_client.post(
        "/console/registries/targets/check",
        data={"csrf": _csrf(overview.text)},
        files={"file": ("f.csv", b"a,b\n", "text/csv")},
    )
    assert posted.status_code == 403 and "registry.write" not in posted.text
    app_client.cookies.clear()
    login(app_client, "planner")
    forged = app_client.post(
        "/console/registries/targets/check",
        data={"csrf": "forged"},
        files={"file": ("f.csv", b"a,b\n", "text/csv")},
    )
    assert forged.status_code == 403 and "表单已失效" in forged.text


def test_an_item_list_upload_shows_the_differences_before_publishing(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    first = _check(app_client, "items", _csv(ITEM_HEADER, [item("RF-01"), item("RF-02")]))
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', first.text)  # type: ignore[attr-defined]
    assert digest and "第 1 版" in first.text  # type: ignore[attr-defined]
    app_client.post(
        "/console/registries/items/confirm",
        data={"csrf": _csrf(first.text), "digest": digest.group(1)},  # type: ignore[attr-defined]
    )
    assert _count(service, ItemListVersion) == 1
    rows = [item("RF-01", 抽查比例="10%"), item("RF-03", 抽查事项名称="新的事项")]
    second = _check(app_client, "items", _csv(ITEM_HEADER, rows))
    text = second.text  # type: ignore[attr-defined]
    assert "第 2 版" in text and "新增事项（1 项）" in text and "新的事项" in text
    assert "删除事项（1 项）" in text and "修改事项（1 项）" in text
    assert "抽查比例" in text and "5%" in text and "10%" in text
    assert _count(service, ItemListVersion) == 1


def test_import_handlers_run_in_worker_threads() -> None:
    # Starlette runs a plain (non-async) endpoint in its thread pool: a long check or import
    # keeps one worker busy while the event loop goes on serving other requests.
    for handler in (registry_pages.check_upload, registry_pages.confirm_import):
        assert not inspect.iscoroutinefunction(handler)


# --- browsing ----------------------------------------------------------------------------------


def test_targets_page_shows_the_filtered_rows_with_chinese_columns(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "auditor")
    with service.session() as session:
        some = session.exec(select(Target).where(Target.risk_class == "A")).first()
        assert some is not None
        same = session.exec(
            select(func.count())
            .select_from(Target)
            .where(Target.risk_class == "A", Target.region == some.region)
        ).one()
    page = app_client.get("/console/targets", params={"risk": "A", "region": some.region})
    assert page.status_code == 200
    assert "统一社会信用代码" in page.text and "信用风险分类" in page.text
    assert f"检查对象（共 {same} 个）" in page.text
    assert page.text.count("<tr><td>") == min(same, 50)
    body = page.text.split("<tbody>", 1)[1]
    assert "<td>平时使用</td>" in body and "peacetime_use" not in body
    one = app_client.get("/console/targets", params={"uscc": some.uscc[-6:]})
    assert some.uscc in one.text and "检查对象（共 1 个）" in one.text
    assert "PRIVATE-NOTE" in one.text  # the API's staff export shows notes to registry.read
    bad = app_client.get("/console/targets", params={"risk": "Q"})
    assert bad.status_code == 422 and 'id="f-risk-error"' in bad.text and "<tbody>" not in bad.text


def test_targets_are_paginated_fifty_a_page_keeping_the_filter(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    total = _count(service, Target)
    first = app_client.get("/console/targets")
    assert first.text.count("<tr><td>") == 50 and f"共 {-(-total // 50)} 页" in first.text
    nxt = re.search(r'href="(/console/targets\?[^"]*page=2)"', first.text)
    assert nxt is not None
    second = app_client.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "第 2 页" in second.text
    filtered = app_client.get("/console/targets", params={"name": "企业"})
    assert "name=%E4%BC%81%E4%B8%9A&amp;page=2" in filtered.text
    assert app_client.get("/console/targets", params={"page": "x"}).status_code == 200


def test_inspectors_page_filters_by_unit_level_and_certificate(
    app_client: TestClient, service: Lifecycle, clock: object
) -> None:
    login(app_client, "inspector")
    with service.session() as session:
        inspectors = list(session.exec(select(Inspector)))
    today = app_client.get("/console/inspectors").text
    assert "执法证状态" in today and "所属机构" in today and "13900000000" in today
    unit = inspectors[0].org_unit
    in_unit = app_client.get("/console/inspectors", params={"unit": unit})
    expected = sum(1 for i in inspectors if i.org_unit == unit)
    assert f"执法检查人员（共 {expected} 名）" in in_unit.text
    expired = app_client.get("/console/inspectors", params={"cert": "expired"})
    assert expired.status_code == 200
    assert "有效</td>" not in expired.text.replace("已过期</td>", "")
    level = app_client.get("/console/inspectors", params={"level": "city"})
    assert "县级" not in level.text.split("<tbody>", 1)[-1]
    assert app_client.get("/console/inspectors", params={"cert": "x"}).status_code == 422


def test_record_text_on_the_registry_pages_is_escaped(
    app_client: TestClient, service: Lifecycle
) -> None:
    with service.session() as session, session.begin():
        t = session.exec(select(Target)).first()
        assert t is not None
        t.name = "<script>alert(1)</script>"
        session.add(t)
    login(app_client, "planner")
    page = app_client.get("/console/targets", params={"name": "<script>"})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text


# --- conflicts ---------------------------------------------------------------------------------


def _free_pair(service: Lifecycle) -> tuple[str, str]:
    with service.session() as session:
        used = {(c.inspector, c.target) for c in session.exec(select(Conflict))}
        insp = session.exec(select(Inspector)).first()
        assert insp is not None
        targ = next(t for t in session.exec(select(Target)) if (insp.id, t.uscc) not in used)
    return insp.id, targ.uscc


def test_declare_and_remove_a_conflict_from_the_page_each_audited(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    inspector_id, target_code = _free_pair(service)
    before = _count(service, Conflict)
    page = app_client.get("/console/conflicts")
    assert (
        page.status_code == 200 and f"共 {before} 条" in page.text and "PRIVATE-REASON" in page.text
    )
    done = app_client.post(
        "/console/conflicts",
        data={
            "csrf": _csrf(page.text),
            "inspector": inspector_id,
            "target": target_code,
            "reason": "配偶在该单位任职",
        },
    )
    assert done.status_code == 200 and "已登记回避关系" in done.text
    assert _count(service, Conflict) == before + 1
    [declared] = _audit(service, "conflict.declare")
    assert declared.actor == "planner" and declared.detail["target"] == target_code
    removed = app_client.post(
        "/console/conflicts/remove",
        data={"csrf": _csrf(page.text), "inspector": inspector_id, "target": target_code},
    )
    assert removed.status_code == 200 and "已删除回避关系" in removed.text
    assert _count(service, Conflict) == before
    assert [e.actor for e in _audit(service, "conflict.remove")] == ["planner"]
    again = app_client.post(
        "/console/conflicts/remove",
        data={"csrf": _csrf(page.text), "inspector": inspector_id, "target": target_code},
    )
    assert again.status_code == 409 and len(_audit(service, "conflict.remove")) == 1


def test_a_bad_conflict_is_refused_next_to_the_field(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get("/console/conflicts")
    inspector_id, _ = _free_pair(service)
    before = _count(service, Conflict)
    cases = [
        ({"inspector": "NOBODY", "target": uscc("91419901MA0000001"), "reason": "r"}, "inspector"),
        ({"inspector": inspector_id, "target": "123", "reason": "r"}, "target"),
        ({"inspector": inspector_id, "target": uscc("91419901MA0000001"), "reason": ""}, "reason"),
    ]
    for fields, wrong in cases:
        refused = app_client.post("/console/conflicts", data={"csrf": _csrf(page.text), **fields})
        assert refused.status_code == 422 and f'id="f-{wrong}-error"' in refused.text
    assert _count(service, Conflict) == before and _audit(service, "conflict.declare") == []


def test_only_registry_write_declares_or_removes_conflicts(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "inspector")
    page = app_client.get("/console/conflicts")
    assert page.status_code == 200 and "登记回避关系" not in page.text and "删除" not in page.text
    inspector_id, target_code = _free_pair(service)
    refused = app_client.post(
        "/console/conflicts",
        data={
            "csrf": _csrf(page.text),
            "inspector": inspector_id,
            "target": target_code,
            "reason": "r",
        },
    )
    assert refused.status_code == 403 and "导入名录和发布名录快照" in refused.text
    with service.session() as session:
        c = session.exec(select(Conflict)).first()
        assert c is not None
    gone = app_client.post(
        "/console/conflicts/remove",
        data={"csrf": _csrf(page.text), "inspector": c.inspector, "target": c.target},
    )
    assert gone.status_code == 403
    assert _audit(service, "conflict.declare") == [] and _audit(service, "conflict.remove") == []


# --- the item list -----------------------------------------------------------------------------


def _form_of(html: str) -> dict[str, object]:
    """The edit form's fields as the browser would send them (checked boxes, selected options)."""
    form = html.split('action="/console/items/preview"', 1)[1]
    data: dict[str, list[str]] = {}

    def add(name: str, value: str) -> None:
        data.setdefault(name, []).append(html_unescape(value))  # as a browser reads it

    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        add(name.group(1), value.group(1) if value else "")
    for name, body in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        add(name, body)
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        add(name, chosen.group(1) if chosen else "")
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def test_item_list_edited_as_a_new_version_with_the_diff_shown_then_published(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    empty = app_client.get("/console/items")
    assert "尚未发布抽查事项清单" in empty.text
    form = app_client.get("/console/items/edit")
    data = _form_of(form.text)
    data.update(
        {
            "i0-code": "RF-01",
            "i0-name": "人防工程平时使用检查",
            "i0-basis": "《人民防空法》",
            "i0-subject": "市人防办",
            "i0-project": "平时使用",
            "i0-content": "维护管理",
            "i0-ratio": "5%",
            "i0-method": ["实地检查", "书面检查"],
            "i0-key_item": "是",
        }
    )
    preview = app_client.post("/console/items/preview", data=data)
    assert preview.status_code == 200, preview.text
    assert "新增事项（1 项）" in preview.text and "发布为第 1 版" in preview.text
    assert _count(service, ItemListVersion) == 0
    published = app_client.post("/console/items/publish", data=_form_of(preview.text))
    assert published.status_code == 200 and "已发布抽查事项清单第 1 版" in published.text
    assert _count(service, ItemListVersion) == 1
    # Version 2: change the ratio of RF-01, add RF-02; the diff is shown before publishing.
    data = _form_of(app_client.get("/console/items/edit").text)
    data.update(
        {
            "i0-ratio": "10%",
            "i1-code": "RF-02",
            "i1-name": "防护设备质量检查",
            "i1-basis": "依据",
            "i1-subject": "市人防办",
            "i1-project": "防护设备",
            "i1-content": "质量",
            "i1-method": "实地检查",
        }
    )
    preview = app_client.post("/console/items/preview", data=data)
    text = preview.text
    assert "与现行第 1 版相比的变化" in text and "新增事项（1 项）" in text
    assert "修改事项（1 项）" in text and "<td>抽查比例</td><td>5%</td><td>10%</td>" in text
    records_before = _count(service, LogEntry)
    published = app_client.post("/console/items/publish", data=_form_of(text))
    assert "已发布抽查事项清单第 2 版" in published.text and "RF-02" in published.text
    assert _count(service, ItemListVersion) == 2 and _count(service, LogEntry) > records_before
    [*_, event] = _audit(service, "items.publish")
    assert event.actor == "planner" and event.detail["version"] == 2


def test_item_list_errors_are_next_to_the_field_and_nothing_is_published(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    data = _form_of(app_client.get("/console/items/edit").text)
    data.update({"i0-code": "RF-01", "i0-name": "名称", "i0-ratio": "很多"})
    page = app_client.post("/console/items/publish", data=data)
    assert page.status_code == 422
    assert 'id="f-i0-ratio-error"' in page.text and 'id="f-i0-basis-error"' in page.text
    assert 'id="f-i0-method-error"' in page.text
    assert _count(service, ItemListVersion) == 0


def test_an_edit_after_the_preview_is_not_published_unseen(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    _check(app_client, "items", _csv(ITEM_HEADER, [item("RF-01")]))
    first = _check(app_client, "items", _csv(ITEM_HEADER, [item("RF-01")]))
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', first.text)  # type: ignore[attr-defined]
    assert digest
    app_client.post(
        "/console/registries/items/confirm",
        data={"csrf": _csrf(first.text), "digest": digest.group(1)},  # type: ignore[attr-defined]
    )
    data = _form_of(app_client.get("/console/items/edit").text)
    data["i0-ratio"] = "7%"
    preview = app_client.post("/console/items/preview", data=data)
    changed = _form_of(preview.text)
    changed["i0-ratio"] = "9%"  # edited after the comparison, then published directly
    page = app_client.post("/console/items/publish", data=changed)
    assert page.status_code == 409 and "比较之后又有改动" in page.text and "9%" in page.text
    assert _count(service, ItemListVersion) == 1
    unchanged = _form_of(app_client.get("/console/items/edit").text)
    same = app_client.post("/console/items/preview", data=unchanged)
    assert "没有任何变化" in same.text and "发布为第" not in same.text


def test_the_item_list_form_needs_registry_write(app_client: TestClient) -> None:
    login(app_client, "reviewer")
    page = app_client.get("/console/items")
    assert page.status_code == 200 and "编辑为新版本" not in page.text
    assert app_client.get("/console/items/edit").status_code == 403
    refused = app_client.post("/console/items/publish", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 403


# --- the API's dry run -------------------------------------------------------------------------


def test_the_api_check_route_says_what_an_import_would_change_and_writes_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    headers = {**token(app_client, "planner"), "X-Lottery-CSRF": "1"}
    region = _region(service)
    data = _all_targets(service, [target(uscc("91419901MA3000001"), 所属区域=region)])
    before = (_count(service, Target), _count(service, AuditEvent))
    ok = app_client.post(
        "/api/registries/targets/check", files={"file": ("t.csv", data)}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["inserted"], body["unchanged"], body["removed"]) == (1, before[0], 0)
    assert len(body["file_sha256"]) == 64
    bad = app_client.post(
        "/api/registries/targets/check",
        files={"file": ("t.csv", _csv(TARGET_HEADER, [target("X")]))},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["rows"][0]["row"] == 2
    assert (_count(service, Target), _count(service, AuditEvent)) == before


def test_an_item_names_the_target_types_it_covers_in_the_form(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    form = app_client.get("/console/items/edit")
    # One checkbox per target type, by its Chinese label; none checked for a new item.
    assert 'name="i0-target_types" value="平时使用"' in form.text
    assert 'name="i0-target_types" value="工程设计"' in form.text
    data = _form_of(form.text)
    assert "i0-target_types" not in data
    data.update(
        {
            "i0-code": "RF-01",
            "i0-name": "人防工程平时使用检查",
            "i0-basis": "《人民防空法》",
            "i0-subject": "市人防办",
            "i0-project": "平时使用",
            "i0-content": "维护管理",
            "i0-method": "实地检查",
            "i0-target_types": ["平时使用", "工程建设"],
        }
    )
    preview = app_client.post("/console/items/preview", data=data)
    assert preview.status_code == 200, preview.text
    published = app_client.post("/console/items/publish", data=_form_of(preview.text))
    assert "已发布抽查事项清单第 1 版" in published.text
    assert "<td>平时使用、工程建设</td>" in published.text
    current = item_list.current_item_list(service)
    assert current is not None
    assert current.items[0].target_types == ("peacetime_use", "construction")
    with service.session() as session:
        note = session.exec(select(LogEntry).where(LogEntry.record_id == current.record_id)).one()
    # The record carries the labels, as the targets snapshot writes a type.
    assert '"target_types":["平时使用","工程建设"]' in note.note.decode("utf-8")
    # Version 2: the types unticked (every type); the diff names the field in Chinese.
    data = _form_of(app_client.get("/console/items/edit").text)
    assert data["i0-target_types"] == ["平时使用", "工程建设"]  # ticked as published
    del data["i0-target_types"]
    preview = app_client.post("/console/items/preview", data=data)
    assert "<td>抽查对象类型</td><td>平时使用、工程建设</td><td>全部类型</td>" in preview.text
    # A type the office does not have (a forged form): a Chinese error on the field.
    data["i0-target_types"] = "住宅小区"
    page = app_client.post("/console/items/publish", data=data)
    assert page.status_code == 422 and 'id="f-i0-target_types-error"' in page.text
    assert "抽查对象类型“住宅小区”不在允许的取值中" in page.text
    assert _count(service, ItemListVersion) == 1


def test_an_item_carries_its_checklist_in_the_form(
    app_client: TestClient, service: Lifecycle
) -> None:
    """Issue #16: 检查要点 edited as one `要点｜依据` per line, published with the item, shown line
    by line (escaped) on the item list page; a line without its basis is refused on the field."""
    login(app_client, "planner")
    form = app_client.get("/console/items/edit")
    assert 'id="f-i0-checklist"' in form.text and "要点｜依据" in form.text
    data = _form_of(form.text)
    data.update(
        {
            "i0-code": "RF-01",
            "i0-name": "人防工程平时使用检查",
            "i0-basis": "《人民防空法》",
            "i0-subject": "市人防办",
            "i0-project": "平时使用",
            "i0-content": "维护管理",
            "i0-method": "实地检查",
            "i0-checklist": "只写了要点",
        }
    )
    bad = app_client.post("/console/items/publish", data=data)
    assert bad.status_code == 422 and 'id="f-i0-checklist-error"' in bad.text
    assert "检查要点第 1 条应写成“要点｜依据”" in bad.text
    assert _count(service, ItemListVersion) == 0
    data["i0-checklist"] = "维护<b>制度</b>｜人防法第二十五条\n口部通道畅通｜人防法第二十七条"
    preview = app_client.post("/console/items/preview", data=data)
    assert preview.status_code == 200, preview.text
    published = app_client.post("/console/items/publish", data=_form_of(preview.text))
    assert "已发布抽查事项清单第 1 版" in published.text
    assert "维护&lt;b&gt;制度&lt;/b&gt;｜人防法第二十五条" in published.text
    current = item_list.current_item_list(service)
    assert current is not None
    assert current.items[0].checklist == (
        ("维护<b>制度</b>", "人防法第二十五条"),
        ("口部通道畅通", "人防法第二十七条"),
    )
