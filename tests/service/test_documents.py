"""The law's documents of a drawn target (issue #16) on SQLite and PostgreSQL: numbering,
idempotent re-issue, access by team, audit, the trace in the result record, hostile text."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from lottery.core.canonical import sha256_hex
from lottery.core.errors import InputError
from lottery.core.outcome import Outcome
from lottery.service.document_issue import DocumentConfig, DocumentNotFound
from lottery.service.documents import DOWNLOAD_ACTION, DocumentsService
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import NotAssigned, ResultsService
from lottery.storage.models import AuditEvent, Document, Target
from tests.service.test_results import (  # noqa: F401 - fixtures
    T_ENTER,
    TASK,
    _entry,
    outcome,
    results,
)

OFFICE = "舞钢市人民防空办公室"
CONFIG = DocumentConfig(OFFICE, {"notice": "人防检通", "record": "人防检录", "result": "人防检告"})
T2 = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def docs(service: Lifecycle) -> DocumentsService:
    return DocumentsService(service, CONFIG)


def _text(pdf: bytes) -> str:
    """The PDF's text without line breaks and blanks (pypdf puts blanks between scripts)."""
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_notice_names_office_items_period_team_and_recusal(
    service: Lifecycle,
    docs: DocumentsService,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    team = outcome.teams[0]
    doc = docs.issue(TASK, team.target, "notice", T_ENTER, actor="planner")
    assert doc.number == "人防检通〔2026〕1号"
    assert doc.sha256 == sha256_hex(doc.pdf) and doc.pdf.startswith(b"%PDF")
    text = _text(doc.pdf)
    for words in (OFFICE, "行政检查通知书", "人防检通〔2026〕1", "检查依据", "检查期限", "回避"):
        assert words in text
    with service.session() as s:
        name = s.get(Target, team.target)
    assert name is not None and "".join(name.name.split()) in text
    # Re-issuing the same data returns the same document; the next target gets number 2.
    again = docs.issue(TASK, team.target, "notice", T2, actor="planner")
    assert (again.id, again.number, again.sha256) == (doc.id, doc.number, doc.sha256)
    other = docs.issue(TASK, outcome.teams[1].target, "notice", T2, actor="planner")
    assert other.number == "人防检通〔2026〕2号"
    assert [e.detail["number"] for e in _audit(service, "document.issue")] == [
        doc.number,
        other.number,
    ]


def test_result_trace_record_and_result_notice(
    service: Lifecycle,
    docs: DocumentsService,
    results: ResultsService,  # noqa: F811 - fixture
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    # The result notice names the office of the notice (not the environment's default).
    target = outcome.teams[0].target
    with pytest.raises(InputError, match="通知书"):
        docs.issue(TASK, target, "record", T_ENTER, actor="planner")  # no notice yet
    notice = docs.issue(TASK, target, "notice", T_ENTER, actor="planner")
    blank = docs.issue(TASK, target, "record", T_ENTER, actor="planner")
    assert blank.number == "人防检录〔2026〕1号" and blank.result is None
    rid = results.enter(
        _entry(
            outcome,
            place="解放路 12 号",
            categories=["发现问题已责令改正"],
            findings="占用",
            no_evidence_reason="测试：笔录另行归档",
        ),
        T_ENTER,
        actor="inspector-wang",
    )
    filled = docs.issue(TASK, target, "record", T2, actor="planner")
    assert filled.number == "人防检录〔2026〕2号" and filled.result == rid
    assert "解放路12号" in _text(filled.pdf) and "占用" in _text(filled.pdf)
    with service.session() as s:
        old = s.get(Document, blank.id)
    assert old is not None and old.status == "superseded"
    with pytest.raises(InputError, match="kind"):
        docs.issue(TASK, target, "result", T2, actor="planner")  # only by approval
    record = results.approve(rid, T2, reviewer="reviewer-li")
    told = [d for d in docs.list(TASK, target=target) if d.kind == "result"]
    assert len(told) == 1 and told[0].number == "人防检告〔2026〕1号"
    assert OFFICE in _text(told[0].pdf) and "占用" in _text(told[0].pdf)
    assert record.body["documents"] == [
        {"kind": "notice", "number": notice.number, "sha256": notice.sha256},
        {"kind": "record", "number": filled.number, "sha256": filled.sha256},
        {"kind": "result", "number": told[0].number, "sha256": told[0].sha256},
    ]
    # A target without a notice: its record is as before (no documents member).
    rid2 = results.enter(_entry(outcome, 1), T2, actor="inspector-wang")
    assert "documents" not in results.approve(rid2, T2, reviewer="reviewer-li").body


def test_only_the_team_and_staff_get_documents_and_downloads_are_audited(
    service: Lifecycle,
    docs: DocumentsService,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    team = outcome.teams[0]
    other = next(x for t in outcome.teams[1:] for x in t.inspectors if x not in team.inspectors)
    with pytest.raises(NotAssigned):
        docs.issue(TASK, team.target, "notice", T_ENTER, actor="zhao", as_inspector=other)
    doc = docs.issue(
        TASK, team.target, "notice", T_ENTER, actor="wang", as_inspector=team.inspectors[0]
    )
    with pytest.raises(NotAssigned):
        docs.download(doc.id or 0, T2, actor="zhao", as_inspector=other)
    with pytest.raises(NotAssigned):
        docs.list(TASK, target=team.target, as_inspector=other)
    with pytest.raises(NotAssigned):
        docs.list(TASK, as_inspector=team.inspectors[0])  # not the whole task
    assert _audit(service, DOWNLOAD_ACTION) == []  # refusals are not downloads
    mine = docs.download(doc.id or 0, T2, actor="wang", as_inspector=team.inspectors[1])
    assert mine.pdf == doc.pdf
    docs.download(doc.id or 0, T2, actor="reviewer-li")
    events = _audit(service, DOWNLOAD_ACTION)
    assert [e.actor for e in events] == ["wang", "reviewer-li"]
    assert events[0].detail["number"] == doc.number
    with pytest.raises(DocumentNotFound):
        docs.download(9999, T2, actor="reviewer-li")
    with pytest.raises(DocumentNotFound):
        docs.issue(TASK, "91000000000000000X", "notice", T2, actor="planner")


def test_hostile_names_are_text_not_typst(
    service: Lifecycle,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    target = outcome.teams[0].target
    hostile = '#panic("x") ] [ *粗* $x$ \\ <a> @a // 公司'
    with service.session() as s, s.begin():
        row = s.get(Target, target)
        assert row is not None
        row.name = hostile
        s.add(row)
    docs = DocumentsService(service, DocumentConfig('#panic() ]"办公室'))
    doc = docs.issue(TASK, target, "notice", T_ENTER, actor="planner")
    text = _text(doc.pdf)
    assert "".join(hostile.split()) in text
    assert '#panic()]"办公室' in text


def test_concurrent_issues_take_distinct_numbers(
    service: Lifecycle,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    targets = [t.target for t in outcome.teams[:3]]
    got: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(targets))

    def one(target: str) -> None:
        try:
            start.wait()
            doc = DocumentsService(service, CONFIG).issue(
                TASK, target, "notice", T_ENTER, actor="planner"
            )
            got.append(doc.number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] or all("locked" in str(e) for e in errors)
    assert len(set(got)) == len(got) and got
    with service.session() as s:
        numbers = list(s.exec(select(Document.number)))
    assert sorted(numbers) == sorted(got)


def test_bad_prefix_setting_is_refused_naming_it(
    service: Lifecycle,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    docs = DocumentsService(service, DocumentConfig(OFFICE, {"notice": "人防 检〔通"}))
    with pytest.raises(InputError, match=r"document_prefixes\.notice"):
        docs.issue(TASK, outcome.teams[0].target, "notice", T_ENTER, actor="planner")
    with service.session() as s:
        assert list(s.exec(select(Document))) == []


def test_documents_keep_to_the_org_unit_and_never_tell_picks_apart(
    service: Lifecycle,
    docs: DocumentsService,
    outcome: Outcome,  # noqa: F811 - fixture
) -> None:
    from lottery.service import users
    from lottery.service.org_scope import OutOfScope

    users.create_user(
        service, "county-p", "org-scope-test-password", ["planner"], T_ENTER,
        actor="test", org_unit="county-419901",
    )  # fmt: skip
    team = outcome.teams[0]
    doc = docs.issue(TASK, team.target, "notice", T_ENTER, actor="planner")
    with pytest.raises(OutOfScope):
        docs.issue(TASK, team.target, "record", T_ENTER, actor="county-p")
    with pytest.raises(OutOfScope):
        docs.list(TASK, actor="county-p", now=T2)
    with pytest.raises(OutOfScope):
        docs.download(doc.id or 0, T2, actor="county-p")
    # An inspector asking about a target that was not picked hears what another team's pick
    # gets: the answer does not say whether it was picked.
    me = team.inspectors[0]
    picked_elsewhere = next(t.target for t in outcome.teams if me not in t.inspectors)
    with service.session() as s:
        picked = {t.target for t in outcome.teams}
        unpicked = next(t.uscc for t in s.exec(select(Target)) if t.uscc not in picked)
    answers = []
    for target in (picked_elsewhere, unpicked):
        with pytest.raises(NotAssigned) as refused:
            docs.list(TASK, target=target, as_inspector=me)
        answers.append(str(refused.value).replace(target, "X"))
    assert answers[0] == answers[1]
    # The task is disclosed: a staff listing is not a read of sealed data (not audited).
    assert [d.id for d in docs.list(TASK, actor="planner", now=T2)] == [doc.id]
    assert not any(e.detail.get("purpose") == "documents" for e in _audit(service, "outcome.read"))
