"""Registry uploads through the API (all or nothing, every bad row in the 4xx) and the
two-person public-numbers draw."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Target
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.registry_io.conftest import GOOD_A, GOOD_B, TARGET_HEADER, target

ORG_CSV = "机构代码,机构名称,层级,上级机构代码,行政区划代码\nzcity,市人防办,市级,,\n"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_upload_is_all_or_nothing_and_lists_every_bad_row(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    auditor = token(app_client, "auditor")
    before = app_client.get("/api/registries/targets/export?format=csv", headers=auditor)
    assert before.status_code == 200
    bad = _csv(
        TARGET_HEADER,
        [target(GOOD_A, 所属区域="r0"), target("91419901MA00000X1"), target(GOOD_B, 所属区域="zz")],
    )
    r = app_client.post(
        "/api/registries/targets/import",
        files={"file": ("t.csv", bad, "text/csv")},
        headers=planner,
    )
    assert r.status_code == 422, r.text
    rows = r.json()["rows"]
    assert [e["row"] for e in rows] == sorted({e["row"] for e in rows})  # in file order
    assert {e["row"] for e in rows} >= {3, 4}  # the bad code and the unknown region
    assert all(e["column"] and e["message"] for e in rows)
    after = app_client.get("/api/registries/targets/export?format=csv", headers=auditor)
    assert after.content == before.content  # nothing was written

    garbage = app_client.post(
        "/api/registries/targets/import",
        files={"file": ("t.xlsx", b"PK\x03\x04 not a workbook", "application/octet-stream")},
        headers=planner,
    )
    assert garbage.status_code == 422 and garbage.json()["rows"]


def test_check_then_import_answer_the_same_counts(
    app_client: TestClient, service: Lifecycle
) -> None:
    planner = token(app_client, "planner")
    with service.session() as session:  # every loaded target is missing from the file
        loaded = len(session.exec(select(Target.uscc)).all())
    good = _csv(
        TARGET_HEADER, [target(GOOD_A, 所属区域="419901"), target(GOOD_B, 所属区域="419902")]
    )
    counts = {
        "kind": "targets",
        "rows": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "removed": loaded,
        "format": "csv",
        "encoding": "utf-8",
    }

    def post(path: str) -> dict[str, object]:
        files = {"file": ("t.csv", good, "text/csv")}
        r = app_client.post(f"/api/registries/targets/{path}", files=files, headers=planner)
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body

    check = post("check")
    assert {k: check.pop(k) for k in counts} == counts
    assert check == {"file_sha256": hashlib.sha256(good).hexdigest()}  # nothing more
    done = post("import")
    assert {k: done.pop(k) for k in counts} == counts
    summary = done.pop("summary")
    assert isinstance(summary, str) and "新增 2" in summary
    assert done == {"version": None, "record": None}
    again = post("check")  # the import was written: the same file now changes nothing
    assert (again["inserted"], again["unchanged"], again["removed"]) == (0, 2, 0)


def test_snapshot_publishes_public_fields(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    r = app_client.post("/api/registries/targets/snapshot", headers=planner)
    assert r.status_code == 200, r.text
    body = r.json()["body"]
    assert body["registry"] == "targets" and body["rows"] == 300
    blob = app_client.get(f"/log/blobs/{body['blob']}")
    assert blob.status_code == 200
    assert b"PRIVATE-NOTE" not in blob.content and b"13800000000" not in blob.content
    again = app_client.post("/api/registries/targets/snapshot", headers=planner)
    assert again.json()["id"] == r.json()["id"]  # unchanged: not published twice


def test_public_numbers_need_two_different_people(
    app_client: TestClient, service: Lifecycle
) -> None:
    service.create_task(lc.params(lc.small_registries(), "T-num"), lc.T_ANNOUNCE, actor="p")
    service.announce("T-num", lc.T_ANNOUNCE)
    app_client.app.state.clock = lambda: lc.T_DRAW  # type: ignore[attr-defined]
    planner = token(app_client, "planner")
    reviewer = token(app_client, "reviewer")
    numbers = {"values": [list(v) for v in lc.beacon()[1].values]}
    entered = app_client.post("/api/tasks/T-num/numbers", json=numbers, headers=planner)
    assert entered.status_code == 201, entered.text
    assert entered.json()["status"] == "pending"
    same = app_client.post("/api/tasks/T-num/numbers/confirm", json=numbers, headers=planner)
    assert same.status_code == 422, same.text
    assert service.get_task("T-num").state == "announced"
    done = app_client.post("/api/tasks/T-num/numbers/confirm", json=numbers, headers=reviewer)
    assert done.status_code == 200, done.text
    assert done.json()["type"] == "task-draw"
    assert service.get_task("T-num").state == "drawn"
    assert datetime.now(UTC) > lc.T_DRAW  # the fixed clock is in the past: no real waiting
