"""Committed pools in the service (docs/spec.md §4 "Committed pools"), on SQLite and
PostgreSQL: with a type withheld, the announcement's snapshot and pool name its targets by
stable commitment ids, the reveal opens exactly the picks, the export verifies
(``pool.openings``), and staff read the outcome by USCC."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.check_names import CheckName
from lottery.core.committed import decode_openings, is_commitment_id
from lottery.export.read import file_getter
from lottery.service.committed_pool import set_withheld, staff_outcome
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Target
from tests import lifecycle as lc


def _pool_ids(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        ann = service.log.task_record(s, task, "announce")
        assert ann is not None
        blob = service.log.blobs_by_digest(s, [ann.body["pool"]["sha256"]])
    pool = json.loads(next(iter(blob.values())))
    return sorted(c for st in pool["strata"] for c in st["candidates"])


def test_a_committed_task_end_to_end(service: Lifecycle, tmp_path: Path) -> None:
    with service.session() as s, s.begin():
        targets = {t.uscc: t for t in s.exec(select(Target))}
        for kind in sorted({t.type for t in targets.values()}):
            set_withheld(s, kind, True, actor="admin", now=lc.T_ANNOUNCE)
    regs = lc.small_registries()
    for task in ("T2026-001", "T2026-002"):
        service.create_task(lc.params(regs, task), lc.T_ANNOUNCE, actor="planner")
        service.announce(task, lc.T_ANNOUNCE, actor="planner")
    ids = _pool_ids(service, "T2026-001")
    assert ids and all(is_commitment_id(i) for i in ids)
    assert _pool_ids(service, "T2026-002") == ids  # stable across tasks
    service.draw("T2026-001", lc.beacon()[1], lc.T_DRAW)
    reveal = service.disclose("T2026-001", lc.T_REVEAL)
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    checks = {c.name for c in report.tasks["T2026-001"].checks}
    assert {CheckName.POOL_OPENINGS, CheckName.POOL_MEMBERSHIP} <= checks
    data = (tmp_path / "export" / "blobs" / reveal.body["openings"]).read_bytes()
    _, openings = decode_openings(data)
    outcome_blob = (tmp_path / "export" / "blobs" / reveal.body["outcome"]).read_bytes()
    with service.session() as s:
        staff = staff_outcome(s, outcome_blob)
    # Exactly the picks are opened, each to the target (and name) behind it.
    assert sorted(o.uscc for o in openings) == sorted(staff.picks())
    assert all(targets[o.uscc].name == o.name for o in openings)
    # Nothing in the export names a target that was not picked.
    picked = set(staff.picks())
    everything = b"".join(p.read_bytes() for p in (tmp_path / "export").rglob("*") if p.is_file())
    quiet = [t for u, t in targets.items() if u not in picked][:25]
    assert all(t.uscc.encode() not in everything for t in quiet)


def test_two_transactions_making_the_same_commitment_agree_on_one(
    service: Lifecycle,
) -> None:
    """Two instances announcing at once may both make a target's first commitment: on
    PostgreSQL the second insert waits for the first transaction, then loses on the unique
    key; it must take the first's commitment, not fail the announcement. (SQLite's BEGIN
    IMMEDIATE serializes the two, so the second simply finds the row.)"""
    import threading

    from sqlalchemy import text

    from lottery.service.committed_pool import commitment_ids

    pair = [("91419901MA4L0000X1", "某人防工程使用单位")]
    first = service.session()
    first.begin()
    mine = commitment_ids(first, pair)  # made, not yet committed
    got: list[dict[str, str]] = []
    failed: list[BaseException] = []

    def second() -> None:
        try:
            with service.session() as s, s.begin():
                got.append(commitment_ids(s, pair))
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    if service.engine.dialect.name == "postgresql":
        # Wait (without a clock) until the second transaction is blocked on the first's row.
        with service.engine.connect() as probe:
            while thread.is_alive():
                waiting = probe.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar_one()
                probe.rollback()
                if waiting:
                    break
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert not failed, failed
    assert got == [mine]
