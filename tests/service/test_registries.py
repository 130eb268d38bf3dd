"""Registries in the service: all-or-nothing import, item-list versions, snapshots, export, CLI.

Every database test runs on SQLite and PostgreSQL (the ``settings`` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from lottery.core.canonical import parse_canonical_json, sha256_hex
from lottery.registry_io import export_xlsx, import_file
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import (
    ImportRejected,
    UnknownRegistry,
    export_registry,
    import_registry,
    publish_snapshot,
    registry_rows,
)
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, Blob, ItemListVersion, LogEntry, Target
from tests.registry_io.conftest import (
    GOOD_A,
    GOOD_B,
    INSPECTOR_HEADER,
    ITEM_HEADER,
    LETTER,
    TARGET_HEADER,
    inspector,
    item,
    target,
    uscc,
    write_csv,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ORG_HEADER = ["机构代码", "机构名称", "层级", "上级机构代码", "行政区划代码"]
ORG_ROWS = [
    ["county-419901", "甲县人防办", "县级", "city", "419901"],  # before its parent: allowed
    ["city", "市人防办", "市级", "", ""],
    ["county-419902", "乙区人防办", "区级", "city", "419902"],
]


@pytest.fixture
def lc(settings: Settings) -> Iterator[Lifecycle]:
    svc = Lifecycle.open(settings)
    yield svc
    svc.engine.dispose()


def _import(lc: Lifecycle, kind: str, path: Path | bytes, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return import_registry(lc, kind, path, actor="tester", now=now, remote_addr="127.0.0.1")


def _state(lc: Lifecycle) -> tuple[object, ...]:
    """Everything an import could change: registries, log, audit trail."""
    with lc.session() as s:
        log = s.exec(select(func.count()).select_from(LogEntry)).one()
        audit = s.exec(select(func.count()).select_from(AuditEvent)).one()
    kinds = ("targets", "inspectors", "org-units", "items", "conflicts", "history")
    return (log, audit, *(tuple(registry_rows(lc, k)) for k in kinds))


def _base(lc: Lifecycle, tmp: Path) -> None:
    _import(lc, "org-units", write_csv(tmp / "org.csv", ORG_HEADER, ORG_ROWS))
    rows = [
        target(GOOD_A),
        target(GOOD_B, 所属区域="419902", 联系电话="13912345678"),
        target(LETTER),
    ]
    _import(lc, "targets", write_csv(tmp / "t.csv", TARGET_HEADER, rows))


def test_import_registries_writes_rows_and_audits(lc: Lifecycle, tmp_path: Path) -> None:
    _import(lc, "org-units", write_csv(tmp_path / "org.csv", ORG_HEADER, ORG_ROWS))
    units = {u.code: u for u in registry_rows(lc, "org-units")}
    assert units["county-419901"].parent == "city" and units["city"].level == "city"
    rows = [target(GOOD_A, 投诉举报次数="3"), target(GOOD_B, 所属区域="419902")]
    result = _import(lc, "targets", write_csv(tmp_path / "t.csv", TARGET_HEADER, rows))
    assert (result.rows, result.inserted, result.updated, result.removed) == (2, 2, 0, 0)
    with lc.session() as s:
        a = s.get(Target, GOOD_A)
        assert a is not None and a.complaints == 3 and a.region == "419901"
        assert a.contact_phone == "0731-8888888" and a.notes == "内部备注"
    insp = [inspector("R001", "HN-001"), inspector("R002", "HN-002", 所属机构="county-419902")]
    result = _import(lc, "inspectors", write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, insp))
    assert result.inserted == 2
    assert registry_rows(lc, "inspectors")[1].specialties == ("人防工程", "防护设备")
    with lc.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "registry.import")).all()
    assert [e.object for e in events] == ["org-units", "targets", "inspectors"]
    assert all(e.actor == "tester" and e.remote_addr == "127.0.0.1" for e in events)
    assert events[1].detail["file_sha256"] == sha256_hex((tmp_path / "t.csv").read_bytes())


def test_reimport_upserts_and_marks_missing_removed(lc: Lifecycle, tmp_path: Path) -> None:
    _base(lc, tmp_path)
    c = uscc("91419902MA0000009")
    rows = [target(GOOD_A, 名称="改名后的公司"), target(LETTER), target(c, 所属区域="419902")]
    result = _import(lc, "targets", write_csv(tmp_path / "t2.csv", TARGET_HEADER, rows))
    assert (result.inserted, result.updated, result.unchanged, result.removed) == (1, 1, 1, 1)
    by_key = {t.uscc: t for t in registry_rows(lc, "targets")}
    assert by_key[GOOD_A].name == "改名后的公司"
    assert by_key[GOOD_B].status == "removed"  # kept (history may name it), out of draws
    again = _import(lc, "targets", tmp_path / "t2.csv")
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)


def test_bad_rows_change_nothing_and_are_all_reported(lc: Lifecycle, tmp_path: Path) -> None:
    _base(lc, tmp_path)
    before = _state(lc)
    bad_check = GOOD_A[:-1] + ("0" if GOOD_A[-1] != "0" else "1")
    rows = [
        target(uscc("91419901MA0000077"), 名称="新公司"),  # a good row: not written either
        target(bad_check),
        target(GOOD_B, 所属区域="419999"),
        target(LETTER, 信用风险分类="E"),
    ]
    with pytest.raises(ImportRejected) as info:
        _import(lc, "targets", write_csv(tmp_path / "bad.csv", TARGET_HEADER, rows))
    got = [(e.row_number, e.column, e.code) for e in info.value.errors]
    assert got == [
        (3, "统一社会信用代码", "uscc.check"),
        (4, "所属区域", "region.unknown"),
        (5, "信用风险分类", "enum.unknown"),
    ]
    assert _state(lc) == before


def test_inspector_with_expired_certificate_is_refused(lc: Lifecycle, tmp_path: Path) -> None:
    _base(lc, tmp_path)
    rows = [inspector("R001", "HN-001", 证件有效期止="2025-12-31"), inspector("R002", "HN-002")]
    with pytest.raises(ImportRejected) as info:
        _import(lc, "inspectors", write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, rows))
    assert [(e.row_number, e.code) for e in info.value.errors] == [(2, "cert.expired")]
    assert registry_rows(lc, "inspectors") == []
    # Marked inactive, the same certificate is accepted (the draw leaves the person out).
    rows[0] = inspector("R001", "HN-001", 证件有效期止="2025-12-31", 状态="停用")
    assert (
        _import(lc, "inspectors", write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, rows)).inserted
        == 2
    )


@pytest.mark.parametrize("fmt", ["gbk", "utf-8-sig", "xlsx", "bytes"])
def test_encodings_and_xlsx_via_the_service(lc: Lifecycle, tmp_path: Path, fmt: str) -> None:
    _import(lc, "org-units", write_csv(tmp_path / "org.csv", ORG_HEADER, ORG_ROWS))
    rows = [target(GOOD_A, 名称="某人防工程（甲）有限公司"), target(GOOD_B, 所属区域="419902")]
    csv_path = write_csv(tmp_path / "t.csv", TARGET_HEADER, rows, "utf-8")
    source: Path | bytes
    if fmt == "xlsx":
        parsed = import_file(csv_path, "targets", known_regions={"419901", "419902"})
        export_xlsx(parsed.rows, tmp_path / "t.xlsx")
        source = tmp_path / "t.xlsx"
    elif fmt == "bytes":
        source = csv_path.read_bytes()
    else:
        source = write_csv(tmp_path / "t2.csv", TARGET_HEADER, rows, fmt)
    result = _import(lc, "targets", source)
    assert result.inserted == 2
    assert result.encoding == {"gbk": "gb18030", "utf-8-sig": "utf-8-sig", "xlsx": None}.get(
        fmt, "utf-8"
    )
    assert registry_rows(lc, "targets")[0].name == "某人防工程（甲）有限公司"


def test_item_imports_publish_versions(lc: Lifecycle, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "items.csv", ITEM_HEADER, [item("RF-001"), item("RF-002", 抽查比例="2.5%")]
    )
    first = _import(lc, "items", path)
    second = _import(lc, "items", path, datetime(2026, 2, 1, tzinfo=UTC))
    assert (first.version, second.version) == (1, 2)
    with lc.session() as s:
        versions = s.exec(select(ItemListVersion).order_by(ItemListVersion.version)).all()
        entries = s.exec(select(LogEntry).where(LogEntry.type == "item-list")).all()
        assert lc.log.latest_checkpoint(s) is not None
    assert [v.record_id for v in versions] == [first.record, second.record]
    bodies = [json.loads(e.note.split(b"\n")[0]) for e in entries]
    assert [b["version"] for b in bodies] == [1, 2]
    assert bodies[0]["effective"] == "2026-01-05"
    assert [i["ratio"] for i in bodies[0]["items"]] == ["5%", "2.5%"]
    assert bodies[0]["items"][0]["method"] == "实地检查、书面检查"
    assert bodies[0]["items"][0]["item"] == "平时使用" and bodies[0]["items"][0]["key"] is True
    assert [r.code for r in registry_rows(lc, "items")] == ["RF-001", "RF-002"]
    bad = write_csv(tmp_path / "bad.csv", ITEM_HEADER, [item("事项一")])
    with pytest.raises(ImportRejected) as info:
        _import(lc, "items", bad)
    assert info.value.errors[0].code == "item.code_format"


def test_snapshot_has_public_fields_only_and_is_not_repeated(lc: Lifecycle, tmp_path: Path) -> None:
    _base(lc, tmp_path)
    insp = [inspector("R001", "HN-001", 联系电话="13700001111")]
    _import(lc, "inspectors", write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, insp))
    record = publish_snapshot(lc, "targets", actor="tester", now=NOW)
    with lc.session() as s:
        blob = s.get(Blob, record.body["blob"])
        size = lc.log.size(s)
    assert blob is not None and sha256_hex(blob.data) == record.body["blob"]
    doc = parse_canonical_json(blob.data)  # canonical: RFC 8785 bytes exactly
    assert doc["type"] == "registry-snapshot" and doc["registry"] == "targets"
    assert doc["fields"] == ["uscc", "name", "type", "region", "risk_class", "status"]
    assert [r[0] for r in doc["rows"]] == sorted([GOOD_A, GOOD_B, LETTER])
    assert doc["rows"][0][2:] == ["防护设备生产安装", "419901", "B", "正常"]
    assert record.body["rows"] == 3
    for private in (b"0731-8888888", b"13912345678", "内部备注".encode()):
        assert private not in blob.data
    assert publish_snapshot(lc, "targets", actor="tester", now=NOW).id == record.id
    with lc.session() as s:
        assert lc.log.size(s) == size
    ins = publish_snapshot(lc, "inspectors", actor="tester", now=NOW)
    with lc.session() as s:
        data = s.get(Blob, ins.body["blob"]).data  # type: ignore[union-attr]
    assert b"13700001111" not in data
    assert parse_canonical_json(data)["rows"][0][7] == "人防工程、防护设备"
    _import(lc, "targets", write_csv(tmp_path / "t3.csv", TARGET_HEADER, [target(GOOD_A)]))
    changed = publish_snapshot(lc, "targets", actor="tester", now=NOW)
    assert changed.id != record.id and changed.body["rows"] == 1  # removed rows leave it
    with pytest.raises(UnknownRegistry):
        publish_snapshot(lc, "conflicts", actor="tester", now=NOW)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_imports_back_unchanged(lc: Lifecycle, tmp_path: Path, suffix: str) -> None:
    _base(lc, tmp_path)
    out = tmp_path / f"export{suffix}"
    assert export_registry(lc, "targets", out) == 3
    result = _import(lc, "targets", out)
    assert (result.unchanged, result.updated, result.inserted) == (3, 0, 0)
    assert export_registry(lc, "org-units", tmp_path / f"org{suffix}") == 3


def test_conflicts_and_history(lc: Lifecycle, tmp_path: Path) -> None:
    _base(lc, tmp_path)
    insp = [inspector("R001", "HN-001"), inspector("R002", "HN-002")]
    _import(lc, "inspectors", write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, insp))
    header = ["人员编号", "统一社会信用代码", "回避原因"]
    bad = [["R001", GOOD_A, "亲属"], ["R009", GOOD_B, ""], ["R001", GOOD_A, "重复"]]
    with pytest.raises(ImportRejected) as info:
        _import(lc, "conflicts", write_csv(tmp_path / "c.csv", header, bad))
    assert [(e.row_number, e.code) for e in info.value.errors] == [
        (3, "inspector.unknown"),
        (4, "key.duplicate"),
    ]
    good = [["R001", GOOD_A, "亲属在该单位任职"], ["R002", GOOD_B, ""]]
    assert _import(lc, "conflicts", write_csv(tmp_path / "c.csv", header, good)).inserted == 2
    replaced = _import(lc, "conflicts", write_csv(tmp_path / "c2.csv", header, good[:1]))
    assert replaced.removed == 1 and len(registry_rows(lc, "conflicts")) == 1
    hist = [[GOOD_A, "2025-06-01", "T2025-001", "R001、R002"]]
    result = _import(
        lc,
        "history",
        write_csv(
            tmp_path / "h.csv", ["统一社会信用代码", "检查日期", "任务编号", "检查人员编号"], hist
        ),
    )
    assert result.inserted == 1
    assert registry_rows(lc, "history")[0].inspectors == ("R001", "R002")
    assert registry_rows(lc, "history")[0].date == date(2025, 6, 1)


def test_org_unit_parent_must_exist(lc: Lifecycle, tmp_path: Path) -> None:
    rows = [["county-1", "某县", "县级", "nowhere", "419901"], ["county-2", "某区", "县级", "", ""]]
    with pytest.raises(ImportRejected) as info:
        _import(lc, "org-units", write_csv(tmp_path / "o.csv", ORG_HEADER, rows))
    assert [(e.row_number, e.code) for e in info.value.errors] == [
        (2, "org_unit.unknown"),
        (3, "org_unit.parent_missing"),
    ]


def test_unknown_kind(lc: Lifecycle, tmp_path: Path) -> None:
    with pytest.raises(UnknownRegistry):
        _import(lc, "people", tmp_path / "x.csv")


# --- the command line (SQLite in a temporary data directory) ---------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LOTTERY_DATABASE_URL"}
    env["LOTTERY_LOG_ORIGIN"] = "test.example/lottery"
    env["LOTTERY_ADMIN_PASSWORD"] = "a-long-test-password-1"  # noqa: S105 - test only
    return subprocess.run(
        [sys.executable, "-m", "lottery", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_cli_import_export_publish(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    # Every command but init refuses a data directory that init has not set up.
    refused = _cli(
        "import", "org-units", str(tmp_path / "org.csv"), "--data-dir", data, cwd=tmp_path
    )
    assert refused.returncode == 2 and "lottery init" in refused.stderr
    assert not (tmp_path / "data").exists()
    init = _cli("init", "--admin", "boss", "--data-dir", data, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    org = write_csv(tmp_path / "org.csv", ORG_HEADER, ORG_ROWS)
    out = _cli("import", "org-units", str(org), "--data-dir", data, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "新增 3" in out.stdout
    bad_check = GOOD_A[:-1] + ("0" if GOOD_A[-1] != "0" else "1")
    rows = [target(bad_check), target(GOOD_B, 所属区域="419999")]
    bad = write_csv(tmp_path / "bad.csv", TARGET_HEADER, rows)
    out = _cli("import", "targets", str(bad), "--data-dir", data, cwd=tmp_path)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("第2行 统一社会信用代码: 统一社会信用代码校验位错误 [uscc.check]")
    assert lines[1].startswith("第3行 所属区域: ") and "region.unknown" in lines[1]
    assert "Traceback" not in out.stderr and len(lines) == 3
    good = write_csv(tmp_path / "t.csv", TARGET_HEADER, [target(GOOD_A)])
    assert _cli("import", "targets", str(good), "--data-dir", data, cwd=tmp_path).returncode == 0
    xlsx = tmp_path / "out.xlsx"
    out = _cli("registry", "export", "targets", str(xlsx), "--data-dir", data, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert import_file(xlsx, "targets", known_regions={"419901"}).rows[0].uscc == GOOD_A
    out = _cli("registry", "publish", "targets", "--data-dir", data, cwd=tmp_path)
    assert out.returncode == 0 and "已发布" in out.stdout, out.stderr
    out = _cli("registry", "publish", "targets", "--data-dir", data, cwd=tmp_path)
    assert "名录未变化" in out.stdout
    items = write_csv(tmp_path / "items.csv", ITEM_HEADER, [item("RF-001")])
    out = _cli(
        "import", "items", str(items), "--effective", "2026-03-01", "--data-dir", data, cwd=tmp_path
    )
    assert out.returncode == 0 and "第 1 版" in out.stdout, out.stderr
    out = _cli(
        "import", "items", str(items), "--effective", "3月1日", "--data-dir", data, cwd=tmp_path
    )
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "--effective" in out.stderr
    missing = _cli(
        "import", "targets", str(tmp_path / "nope.csv"), "--data-dir", data, cwd=tmp_path
    )
    assert missing.returncode == 1 and "file.unreadable" in missing.stderr
    wrong = _cli(
        "registry", "export", "targets", str(tmp_path / "x.txt"), "--data-dir", data, cwd=tmp_path
    )
    assert (
        wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr
    )
