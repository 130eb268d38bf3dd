"""A withdrawal that removes (issue #24), on SQLite and PostgreSQL: a penalty's content is a
sealed blob; withdrawing it (period ended, or the decision revoked within 3 working days)
deletes the blob from the database, the export and ``/log/blobs/`` (410 Gone) while the log,
its checkpoints and the penalty record stay; ``lottery verify``'s audit passes and says what
was withdrawn, when and why; no byte of the export or of any ``/log/`` answer holds the
withdrawn party, facts or amount."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.outcome import Outcome
from lottery.core.tiles import TILE_WIDTH
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.log import LogIntegrityError
from lottery.service.logview import LogView
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyError, PenaltyService
from lottery.storage.models import Blob, Target, WithdrawnBlob
from tests import lifecycle as lc
from tests.service.test_results import T_ENTER, TASK, _entry, outcome  # noqa: F401 - fixture

KEPT = ("擅自改变人防工程主体结构（在公示期内）", "人民币叁万元整", 3_000_000)
EXPIRED = ("未按规定维护人防工程滤毒通风设备（期满撤回）", "人民币伍仟元整", 500_000)
REVOKED = ("擅自将人防物资库改作宿舍（决定被撤销）", "人民币捌仟元整", 800_000)


def _at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def penalties(service: Lifecycle) -> PenaltyService:
    return PenaltyService(service.engine, service.log)


@pytest.fixture
def targets(service: Lifecycle) -> list[tuple[str, str]]:
    with service.session() as s:
        rows = s.exec(select(Target).order_by(Target.uscc).limit(3)).all()
        return [(t.uscc, t.name) for t in rows]


def _publish(
    penalties: PenaltyService, target: str, n: int, spec: tuple[str, str, int], until: date
) -> tuple[int, str]:
    facts, written, fen = spec
    entry = PenaltyEntry(
        decision=f"武人防罚〔2026〕{n}号",
        target=target,
        decided=date(2026, 4, 8),
        facts=facts,
        basis="《中华人民共和国人民防空法》第四十九条",
        kind="罚款",
        content=f"责令改正，并处罚款{written}",
        authority="武冈市人民防空办公室",
        publish_until=until,
        amounts=[Amount("罚款", fen, written)],
    )
    pid = penalties.enter(entry, _at("2026-04-09"), actor="clerk-chen")
    record = penalties.approve(pid, _at("2026-04-09", 3 + n), reviewer="director-zhao")
    return pid, record.id


def test_a_published_penalty_carries_only_a_commitment(
    service: Lifecycle, penalties: PenaltyService, targets: list[tuple[str, str]]
) -> None:
    _, record_id = _publish(penalties, targets[0][0], 1, KEPT, date(2027, 4, 8))
    record = penalties.record(record_id)
    assert record.body["v"] == 2
    assert KEPT[0].encode() not in record.note and targets[0][1].encode() not in record.note
    content = penalties.content(record_id)
    assert content is not None
    assert (content["target"], content["entity"], content["facts"]) == (
        targets[0][0],
        targets[0][1],
        KEPT[0],
    )
    with service.session() as s:
        blob = s.get(Blob, record.body["sealed"])
        assert blob is not None and KEPT[0].encode() in blob.data


def test_withdrawal_rules(penalties: PenaltyService, targets: list[tuple[str, str]]) -> None:
    pid, _ = _publish(penalties, targets[0][0], 1, KEPT, date(2027, 4, 8))
    when = _at("2026-10-12")
    for kwargs, match in [
        ({"ground": "nope"}, "撤回依据（ground）：不认识 'nope'"),
        ({"ground": "revoked"}, "撤销日期（revoked）：撤回依据为“处罚决定被撤销、变更”"),
        ({"ground": "expired", "revoked": date(2026, 10, 9)}, "其他依据不填写"),
        ({"ground": "revoked", "revoked": date(2026, 10, 13)}, "晚于今天"),
        ({"ground": "revoked", "revoked": date(2026, 4, 1)}, "早于处罚决定日期"),
    ]:
        with pytest.raises(PenaltyError, match=match):
            penalties.withdraw(pid, "撤销", when, actor="leader", **kwargs)  # type: ignore[arg-type]
    assert penalties.get(pid).status == "published"


def test_the_database_deletes_only_withdrawn_blobs(
    service: Lifecycle, penalties: PenaltyService, targets: list[tuple[str, str]]
) -> None:
    pid, record_id = _publish(penalties, targets[0][0], 1, KEPT, date(2027, 4, 8))
    digest = penalties.record(record_id).body["sealed"]
    with service.session() as s:
        original = s.get(Blob, digest)
        assert original is not None
        data = original.data
    with pytest.raises(DBAPIError, match="write-once"), service.engine.begin() as conn:
        conn.execute(text("DELETE FROM blob"))
    penalties.withdraw(pid, "公示期满", _at("2026-10-12"), actor="leader", ground="expired")
    with service.session() as s:
        assert s.get(Blob, digest) is None
        assert s.get(WithdrawnBlob, digest) is not None
    with pytest.raises(DBAPIError, match="write-once"), service.engine.begin() as conn:
        conn.execute(text("DELETE FROM withdrawn_blob"))
    # A withdrawn blob never comes back.
    with service.session() as s, s.begin(), pytest.raises(LogIntegrityError, match="withdrawn"):
        service.log.put_blob(s, data)
    assert penalties.content(record_id) is None


def _all_log_answers(view: LogView, export: Path) -> dict[str, bytes]:
    """Every path the export holds, answered by the service's /log/ view."""
    out = {}
    for path in export.rglob("*"):
        if path.is_file():
            rel = path.relative_to(export).as_posix()
            data = view.get(rel)
            if data is not None:
                out[rel] = data
    return out


def test_withdrawn_content_leaves_the_export_and_the_log_service(
    service: Lifecycle,
    penalties: PenaltyService,
    targets: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    _, kept_id = _publish(penalties, targets[0][0], 1, KEPT, date(2027, 4, 8))
    _, expired_id = _publish(penalties, targets[1][0], 2, EXPIRED, date(2026, 10, 9))
    revoked_pid, revoked_id = _publish(penalties, targets[2][0], 3, REVOKED, date(2027, 4, 8))
    export = tmp_path / "export"
    service.log.export_to(service.engine, export)  # the blobs are published first
    gone = [penalties.record(r).body["sealed"] for r in (expired_id, revoked_id)]
    assert all((export / "blobs" / d).is_file() for d in gone)

    (expired,) = penalties.withdraw_expired(_at("2026-10-12", 1), actor="leader")
    revoked = penalties.withdraw(
        revoked_pid,
        "行政复议决定撤销该行政处罚决定",
        _at("2026-10-12", 3),
        actor="leader",
        ground="revoked",
        revoked=date(2026, 10, 9),
    )
    assert expired.body["ground"] == "expired" and expired.body["sealed"] == [gone[0]]
    # Revoked Fri 9 Oct 2026: Sat 10 Oct is worked (调休), then 12, 13 Oct.
    assert revoked.body["deadline"] == {
        "start": "2026-10-09",
        "workdays": 3,
        "due": "2026-10-13",
        "published": "2026-10-12",
        "on_time": True,
        "late_by": 0,
    }
    checkpoint = service.log.export_to(service.engine, export)
    assert not any((export / "blobs" / d).exists() for d in gone)

    # The log verifies and says what was withdrawn, when and why.
    get = file_getter(export)
    report = audit_export(get, [service.log.verifier], origin=lc.LOG, deadlines=True)
    assert report.ok, report.failures
    assert report.size == checkpoint.size
    withdrawn = sorted(c.detail for c in report.checks if c.name == "sealed.withdrawn")
    assert withdrawn == [
        "penalty 武人防罚〔2026〕2号: withdrawn on 2026-10-12: 公示期满（至2026-10-09）",
        "penalty 武人防罚〔2026〕3号: withdrawn on 2026-10-12: 行政复议决定撤销该行政处罚决定",
    ]
    assert report.sealed.contents[kept_id]["facts"] == KEPT[0]
    assert report.publications is not None
    names = [p.name for p in report.publications.publications]
    assert "penalty-withdrawal 武人防罚〔2026〕3号" in names

    # /log/: the withdrawn blobs are gone (the route answers 410), the kept one is served.
    view = LogView(service)
    assert all(view.get(f"blobs/{d}") is None and view.withdrawn(f"blobs/{d}") for d in gone)
    kept = penalties.record(kept_id).body["sealed"]
    assert view.get(f"blobs/{kept}") is not None and not view.withdrawn(f"blobs/{kept}")
    answers = _all_log_answers(view, export)
    assert len(answers) > 5 and any(p.startswith("tile/entries/") for p in answers)
    assert answers["tile/entries/000.p/" + str(checkpoint.size % TILE_WIDTH)]

    # Every byte of the export and of every /log/ answer: none of the withdrawn content.
    files = {p.as_posix(): p.read_bytes() for p in export.rglob("*") if p.is_file()}
    haystacks = list(files.values()) + list(answers.values())
    for facts, written, fen in (EXPIRED, REVOKED):
        for needle in (facts, written, f'"fen":{fen}'):
            assert not any(needle.encode() in data for data in haystacks), needle
    # The parties: no file names a withdrawn party together with its decision number.
    for (uscc, name), n in ((targets[1], 2), (targets[2], 3)):
        decision = f"武人防罚〔2026〕{n}号".encode()
        for data in haystacks:
            assert not (decision in data and (uscc.encode() in data or name.encode() in data))
    # The penalty in force is still there in full.
    assert any(KEPT[0].encode() in data for data in haystacks)


def test_an_inspection_results_findings_are_sealed_and_can_be_withdrawn(
    service: Lifecycle,
    outcome: Outcome,  # noqa: F811 - fixture
    tmp_path: Path,
) -> None:
    """The second kind of removable content: findings, follow-up and evidence names about a
    named target (docs/spec.md §2.1)."""
    from lottery.service.results import ResultError, ResultsService

    results = ResultsService(service.engine, service.log)
    findings = "人防工程被占用堆放杂物（将被撤回）"
    entry = _entry(
        outcome,
        categories=["发现问题已责令改正"],
        findings=findings,
        follow_up="责令清理",
        no_evidence_reason="测试：未取证",
    )
    rid = results.enter(entry, T_ENTER, actor="inspector-wang")
    record = results.approve(rid, T_ENTER, reviewer="reviewer-li")
    assert findings.encode() not in record.note
    assert (results.content(record.id) or {})["findings"] == findings
    with pytest.raises(ResultError, match="reason"):
        results.withdraw(record.id, " ", _at("2026-10-12"), actor="leader")
    withdrawal = results.withdraw(record.id, "公示期满", _at("2026-10-12"), actor="leader")
    assert withdrawal.body["sealed"] == [record.body["sealed"]]
    assert (withdrawal.body["task"], withdrawal.body["target"]) == (TASK, entry.target)
    assert results.content(record.id) is None
    with pytest.raises(ResultError, match="already withdrawn"):
        results.withdraw(record.id, "again", _at("2026-10-12"), actor="leader")
    export = tmp_path / "export"
    service.log.export_to(service.engine, export)
    files = [p.read_bytes() for p in export.rglob("*") if p.is_file()]
    assert not any(findings.encode() in data for data in files)
    report = audit_export(file_getter(export), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    [gone] = [c.detail for c in report.checks if c.name == "sealed.withdrawn"]
    assert gone == f"inspection-result {TASK}/{entry.target}: withdrawn on 2026-10-12: 公示期满"
    assert LogView(service).withdrawn(f"blobs/{record.body['sealed']}")
