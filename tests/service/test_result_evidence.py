"""Evidence files handed to the readers of a result's sealed content, and the place of the
inspection sealed with the findings (SQLite and PostgreSQL: the ``service`` fixture)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lottery.core.canonical import sha256_hex
from lottery.core.outcome import Outcome
from lottery.core.sealed import open_sealed
from lottery.service.lifecycle import Lifecycle
from lottery.service.result_evidence import DOWNLOAD_ACTION, may_read, team_of
from lottery.service.results import (
    ContentWithdrawn,
    Evidence,
    NotAssigned,
    ResultError,
    ResultNotFound,
    ResultsService,
)
from lottery.storage.models import AuditEvent, Blob
from tests.service.test_results import (  # noqa: F401 - fixtures
    T_ENTER,
    _entry,
    outcome,
    results,
)

PHOTO = b"\x89PNG\r\n\x1a\n test-only photo"
NOTE = "现场检查笔录".encode()


def _downloads(service: Lifecycle) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == DOWNLOAD_ACTION)))


def test_readers_of_a_result_download_its_evidence_audited(
    service: Lifecycle,
    results: ResultsService,  # noqa: F811 - fixture
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    team = outcome.teams[0]
    other = next(x for t in outcome.teams[1:] for x in t.inspectors if x not in team.inspectors)
    entry = _entry(
        outcome,
        evidence=[
            Evidence("现场照片.png", PHOTO, "照片", "现场拍摄"),
            Evidence("笔录.txt", NOTE, "笔录", "现场制作"),
        ],
    )
    rid = results.enter(entry, T_ENTER, actor="inspector-wang")
    # A waiting result: the reviewer (as_inspector None) reads it.
    got = results.download_evidence(
        rid, sha256_hex(PHOTO), T_ENTER, actor="reviewer-li", as_inspector=None
    )
    assert (got.name, got.sha256, got.data) == ("现场照片.png", sha256_hex(PHOTO), PHOTO)
    record = results.approve(rid, T_ENTER, reviewer="reviewer-li")
    # A member of the team reads the published one; another team's inspector does not.
    mine = results.download_evidence(
        rid, sha256_hex(NOTE), T_ENTER, actor="inspector-wang", as_inspector=team.inspectors[0]
    )
    assert mine.data == NOTE
    before = len(_downloads(service))
    with pytest.raises(NotAssigned):
        results.download_evidence(
            rid, sha256_hex(NOTE), T_ENTER, actor="inspector-zhao", as_inspector=other
        )
    # A hash the result does not list (even one stored for another result) is not handed out.
    for digest in (sha256_hex(b"nothing"), "0" * 64):
        with pytest.raises(ResultNotFound):
            results.download_evidence(rid, digest, T_ENTER, actor="reviewer-li", as_inspector=None)
    with pytest.raises(ResultNotFound):
        results.download_evidence(
            rid + 99, sha256_hex(PHOTO), T_ENTER, actor="reviewer-li", as_inspector=None
        )
    assert len(_downloads(service)) == before  # refusals are not downloads
    events = _downloads(service)
    assert [e.actor for e in events] == ["reviewer-li", "inspector-wang"]
    assert events[0].detail == {
        "result": rid,
        "sha256": sha256_hex(PHOTO),
        "name": "现场照片.png",
        "size": len(PHOTO),
    }
    assert events[0].object == f"{entry.task}/{entry.target}"
    # Once the sealed content is withdrawn, its files are refused (410 in the console).
    results.withdraw(record.id, "公示期满", T_ENTER, actor="planner", ground="expired")
    with pytest.raises(ContentWithdrawn):
        results.download_evidence(
            rid, sha256_hex(PHOTO), T_ENTER, actor="reviewer-li", as_inspector=None
        )
    assert len(_downloads(service)) == 2


def test_team_includes_substitutes_and_those_they_replace() -> None:
    fields = {
        "inspectors": [
            {"id": "A", "role": "drawn"},
            {"id": "S", "role": "substitute", "replaces": "B", "reason": "病假"},
        ]
    }
    assert team_of(fields) == {"A", "B", "S"}
    assert may_read(fields, None) and may_read(fields, "B") and not may_read(fields, "C")


def test_the_place_is_sealed_with_the_findings(
    service: Lifecycle,
    results: ResultsService,  # noqa: F811 - fixture
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    place = "青岚市解放路 12 号地下人防工程 B1"
    rid = results.enter(_entry(outcome, place=f"  {place} "), T_ENTER, actor="inspector-wang")
    record = results.approve(rid, T_ENTER, reviewer="reviewer-li")
    assert "place" not in record.body  # the public record's fields do not change
    assert place.encode() not in record.note
    content = results.content(record.id)
    assert content is not None and content["place"] == place
    with service.session() as s:
        blob = s.get(Blob, record.body["sealed"])
    assert blob is not None and open_sealed(blob.data, record.body["sealed"], "inspection-result")
    # Without a place, the content is what it was before the field existed.
    rid2 = results.enter(_entry(outcome, 1), T_ENTER, actor="inspector-wang")
    second = results.approve(rid2, T_ENTER, reviewer="reviewer-li")
    assert set(results.content(second.id) or {}) == {"findings", "follow_up", "evidence"}
    with pytest.raises(ResultError, match="place of the inspection"):
        results.enter(_entry(outcome, 2, place="地" * 501), T_ENTER, actor="inspector-wang")
