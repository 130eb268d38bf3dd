"""The demo city runs with witnesses (issue #19): three fictional parties, a 2-of-3
``witness-policy`` first in its log, every announcement cosigned 30 s after it by the
service's pusher (in-process, lottery/demo/witnesses.py), 青岚大学 down when T2026-002 is
announced. ``lottery verify`` enforces the policy on the demo without any flag, and the task
pages say who cosigned.
"""

from __future__ import annotations

import stat
from pathlib import Path

from lottery.core.audit import AuditReport, audit_export
from lottery.core.note import NoteVerifier
from lottery.core.records import open_record
from lottery.demo.city import demo_settings
from lottery.demo.witnesses import MARGIN, QUORUM, WITNESSES
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.witness_policy import latest_policy

TASKS = {
    "T2023-DRAND",
    "T2026-001",
    "T2026-002",
    "T2026-003",
    "T2026-004",
    "T2026-005",
    "T2026-006",
    "T2026-007",
    "T2026-008",
}


def test_the_policy_is_first_in_the_log_and_the_keys_stay_private(demo_city: Path) -> None:
    lc = Lifecycle.open(demo_settings(demo_city))
    try:
        with lc.session() as session:
            policy = latest_policy(session, lc.log)
            first = lc.log.entries(session)[0]
    finally:
        lc.engine.dispose()
    assert policy is not None
    assert open_record(first, lc.log.office_keys).id == policy.id
    assert (policy.body["quorum"], policy.body["margin"]) == (QUORUM, MARGIN) == (2, 300)
    assert [w["name"] for w in policy.body["witnesses"]] == [n for n, _, _ in WITNESSES]
    for _, slug, _ in WITNESSES:
        key = demo_city / "data" / "witnesses" / slug / "witness.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert key.read_text("ascii").startswith("PRIVATE+KEY+")


def test_verify_enforces_the_policy_on_every_task(demo_audit: AuditReport) -> None:
    assert demo_audit.ok, demo_audit.failures[:3]
    assert demo_audit.policies == 1
    witnessed = {
        name
        for name, task in demo_audit.tasks.items()
        if any(c.name == "announcement.witnessed" for c in task.checks)
    }
    assert witnessed == TASKS
    detail = next(
        c.detail for c in demo_audit.tasks["T2026-002"].checks if c.name == "announcement.witnessed"
    )
    assert "by 2 of 3 witnesses" in detail and "witness.qlu.example" not in detail


def test_without_the_cosignatures_every_task_fails(demo_city: Path) -> None:
    """The same export with its cosigned checkpoints withheld: no flag needed to fail."""
    export = demo_city / "export"
    get = file_getter(export)

    def without_cosigned(path: str) -> bytes:
        if path.startswith("cosigned/"):
            raise KeyError(path)
        return get(path)

    keys = (export / "keys" / "office.vkey").read_text("utf-8").split()
    report = audit_export(
        without_cosigned,
        [NoteVerifier.from_vkey(k) for k in keys],
        origin=(export / "checkpoint").read_bytes().split(b"\n", 1)[0].decode(),
    )
    failed = {scope for scope, exc in report.failures if exc.check == "announcement.witnessed"}
    assert failed == TASKS
    assert {exc.check for _, exc in report.failures} == {"announcement.witnessed"}


def test_task_pages_name_the_witnesses(demo_city: Path) -> None:
    def page(task: str) -> str:
        return (demo_city / "site" / "tasks" / task / "index.html").read_text("utf-8")

    assert "公告已在抽取前由 3 个见证方中的 2 个联署（规则：至少 2 个）：市纪委监委、市公证处" in (
        page("T2026-002")
    )
    first = page("T2026-001")
    assert "公告已在抽取前由 3 个见证方中的 3 个联署（规则：至少 2 个）" in first
    assert "市纪委监委、市公证处、青岚大学（日志第 0 条记录公布的见证方规则" in first
