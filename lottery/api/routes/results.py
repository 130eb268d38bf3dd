"""Inspection results and task reports (R7): entered, approved by another person, published."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, RecordPublic, Strict
from lottery.core.errors import InputError
from lottery.service import org_scope, users
from lottery.service.held_results import audit_sealed_reads
from lottery.service.onsite_record import checklist_of
from lottery.service.reports import ReportService
from lottery.service.result_entry import ChecklistAnswer
from lottery.service.results import (
    HELD_ZH,
    MAX_EVIDENCE,
    MAX_NOTE,
    MAX_PLACE,
    Evidence,
    Present,
    ResultEntry,
    ResultsService,
)
from lottery.service.roles import Perm
from lottery.service.users import Forbidden, StaffUser
from lottery.service.visit_cap import MAX_CAP_EXCEPTION
from lottery.storage.models import InspectionResult, TaskReport

router = APIRouter(prefix="/api", tags=["results"], responses=ERROR_RESPONSES)
ID = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"
TaskId = Annotated[str, Path(pattern=ID)]
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Enterer = Annotated[StaffUser, Depends(require(Perm.RESULT_ENTER))]
Reviewer = Annotated[StaffUser, Depends(require(Perm.RESULT_REVIEW))]
Censor = Annotated[StaffUser, Depends(require(Perm.PUBLICATION_REVIEW))]
Writer = Annotated[StaffUser, Depends(require(Perm.REPORT_WRITE))]


class PresentBody(Strict):
    inspector: str = Field(pattern=ID)
    replaces: str | None = Field(default=None, pattern=ID)
    reason: str | None = Field(default=None, max_length=2000)
    approved_by: str | None = Field(default=None, max_length=100)


class EvidenceBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    data_base64: str = Field(max_length=MAX_EVIDENCE * 4 // 3 + 4)
    kind: str = Field(default="", max_length=10, description="证据类型: 笔录, 照片, 音像 or 书证")
    source: str = Field(default="", max_length=200, description="来源, e.g. 现场拍摄, 企业提供")


class AnswerBody(Strict):
    """The answer to one checklist point of a cited item (GET .../checklist lists them)."""

    item: str = Field(pattern=ID)
    point: str = Field(min_length=1, max_length=500)
    answer: str = Field(max_length=10, description="符合, 不符合 or 不涉及")
    note: str = Field(default="", max_length=2000, description="required for 不符合")


class ResultBody(Strict):
    """What the inspectors found at one picked target."""

    target: str = Field(pattern=ID)
    dates: list[dt.date] = Field(min_length=1, max_length=60)
    inspectors: list[PresentBody] = Field(min_length=2, max_length=20)
    methods: list[str] = Field(min_length=1, max_length=10)
    categories: list[str] = Field(min_length=1, max_length=20)
    pending_reasons: list[str] = Field(default_factory=list, max_length=20)
    findings: str = Field(default="", max_length=20_000)
    follow_up: str = Field(default="", max_length=20_000)
    evidence: list[EvidenceBody] = Field(default_factory=list, max_length=50)
    place: str = Field(
        default="",
        max_length=MAX_PLACE,
        description="检查地点: sealed with the findings (docs/spec.md §2.1); blank for none",
    )
    checklist: list[AnswerBody] = Field(default_factory=list, max_length=1000)
    started: dt.datetime | None = Field(default=None, description="检查开始时间, with a zone")
    ended: dt.datetime | None = Field(default=None, description="检查结束时间 (optional)")
    no_evidence_reason: str = Field(
        default="", max_length=2000, description="无证据说明: findings without evidence"
    )
    cap_exception: str = Field(
        default="",
        max_length=MAX_CAP_EXCEPTION,
        description="超限理由: why a visit over the annual cap (2 a year, 原则上) is made anyway; "
        "published with the result, kept only when the cap applied (docs/results.md)",
    )

    def entry(self, task: str) -> ResultEntry:
        evidence = []
        for ev in self.evidence:
            try:
                data = base64.b64decode(ev.data_base64, validate=True)
            except (binascii.Error, ValueError):
                raise InputError(f"evidence {ev.name}: data_base64 is not base64") from None
            evidence.append(Evidence(ev.name, data, ev.kind, ev.source))
        return ResultEntry(
            task=task,
            target=self.target,
            dates=self.dates,
            inspectors=[Present(**p.model_dump()) for p in self.inspectors],
            methods=self.methods,
            categories=self.categories,
            pending_reasons=self.pending_reasons,
            findings=self.findings,
            follow_up=self.follow_up,
            evidence=evidence,
            place=self.place,
            checklist=[ChecklistAnswer(**a.model_dump()) for a in self.checklist],
            started=self.started,
            ended=self.ended,
            no_evidence_reason=self.no_evidence_reason,
            cap_exception=self.cap_exception,
        )


class CorrectionBody(ResultBody):
    task: str = Field(pattern=ID)
    reason: str = Field(min_length=1, max_length=2000)


class Created(BaseModel):
    id: int


class ResultPublic(BaseModel):
    id: int
    task: str
    target: str
    status: str
    fields: dict[str, Any]
    entered_by: str
    approved_by: str | None
    record_id: str | None

    @classmethod
    def of(cls, row: InspectionResult) -> ResultPublic:
        return cls(
            id=row.id or 0,
            task=row.task,
            target=row.target,
            status=row.status,
            fields=dict(row.fields),
            entered_by=row.entered_by,
            approved_by=row.approved_by,
            record_id=row.record_id,
        )


class ReportText(Strict):
    text: str = Field(min_length=1, max_length=100_000)


class ReportPublic(BaseModel):
    task: str
    status: str
    text: str
    summary: dict[str, Any]

    @classmethod
    def of(cls, row: TaskReport) -> ReportPublic:
        return cls(task=row.task, status=row.status, text=row.text, summary=dict(row.summary))


def _results(service: ServiceDep) -> ResultsService:
    return ResultsService(service.engine, service.log, service.keeper)


def _reports(service: ServiceDep) -> ReportService:
    return ReportService(service.engine, service.log)


Results = Annotated[ResultsService, Depends(_results)]


def _own_inspector(user: Enterer, service: ServiceDep) -> str:
    """The inspector id linked to the account: an account with none enters no result."""
    inspector = users.inspector_of(service, user.name)
    if inspector is None:
        raise Forbidden(
            f"account {user.name} is not linked to an inspector"
            " (PUT /api/users/{name}/inspector): it enters no result"
        )
    return inspector


OwnInspector = Annotated[str, Depends(_own_inspector)]
Reports = Annotated[ReportService, Depends(_reports)]


@router.get("/tasks/{task_id}/results", response_model=list[ResultPublic])
def list_results(
    task_id: TaskId, user: Reader, service: ServiceDep, results: Results
) -> list[ResultPublic]:
    """The current results of a task (entered or published, not superseded); 403 for a task
    outside the caller's org unit."""
    org_scope.check_task(service, user.name, task_id)
    return [ResultPublic.of(r) for r in results.current(task_id)]


class PointPublic(BaseModel):
    item: str
    point: str
    basis: str


@router.get("/tasks/{task_id}/checklist", response_model=list[PointPublic])
def task_checklist(task_id: TaskId, _: Reader, service: ServiceDep) -> list[PointPublic]:
    """The checklist points (检查要点) of the task's cited items, which a result answers."""
    return [
        PointPublic(item=p.item, point=p.point, basis=p.basis)
        for p in checklist_of(service.engine, task_id)
    ]


@router.post("/tasks/{task_id}/results", response_model=Created, status_code=201)
def enter_result(
    task_id: TaskId,
    body: ResultBody,
    user: Enterer,
    inspector: OwnInspector,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> Created:
    """Enter the result for a target of a disclosed task that the account's inspector was
    drawn for (approved later by another); 403 for another team's target."""
    entry = body.entry(task_id)
    return Created(
        id=results.enter(entry, now, actor=user.name, remote_addr=addr, as_inspector=inspector)
    )


@router.post("/results/{record_id}/corrections", response_model=Created, status_code=201)
def correct_result(
    record_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    body: CorrectionBody,
    user: Enterer,
    inspector: OwnInspector,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> Created:
    """Enter a correction of a published result (a new record that supersedes it), for a
    target the account's inspector was drawn for."""
    entry = body.entry(body.task)
    new = results.correct(
        record_id,
        entry,
        body.reason,
        now,
        actor=user.name,
        remote_addr=addr,
        as_inspector=inspector,
    )
    return Created(id=new)


class HeldPublic(BaseModel):
    """An approved result of a task whose picks are still sealed: held, published with the
    disclosure (need to know, docs/results.md)."""

    id: int
    status: str = "held"
    message: str = HELD_ZH


@router.post("/results/{result_id}/approve", response_model=RecordPublic | HeldPublic)
def approve_result(
    result_id: Annotated[int, Path(ge=1, le=2**62)],
    user: Reviewer,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic | HeldPublic:
    """Approve and publish (the reviewer must not be the author); of a still-sealed (drawn)
    task, approve and hold it until the disclosure (``status: held``)."""
    record = results.approve(result_id, now, reviewer=user.name, remote_addr=addr)
    return HeldPublic(id=result_id) if record is None else RecordPublic.of(record)


class RulePublic(BaseModel):
    """A publication rule that applies to a result, with its words (docs/spec.md §2.3)."""

    id: str
    field: str
    action: str
    reason: str
    words: str


class ReviewingPublic(ResultPublic):
    """An approved result waiting for the publication review, with the rules that apply."""

    rules: list[RulePublic]


class PublicationReviewBody(Strict):
    """The publication review: the general text of each field a generalising rule applies
    to (``findings``, ``follow_up``, ``place``); withheld fields need nothing."""

    generalised: dict[Literal["findings", "follow_up", "place"], str] = Field(default_factory=dict)


class ReviewedPublic(BaseModel):
    """A held result reviewed before its task's disclosure: published with it."""

    id: int
    status: str = "held"
    message: str = "已完成保密审查，待公开后发布"


@router.get("/results/reviewing", response_model=list[ReviewingPublic])
def reviewing_results(user: Censor, service: ServiceDep, results: Results) -> list[ReviewingPublic]:
    """Approved results waiting for the publication review (保密审查), oldest first, each
    with the publication rules that apply to it (tasks within the user's org unit)."""
    rows = org_scope.rows_for(service, user.name, results.reviewing(), lambda r: r.task)
    out = []
    for row in rows:
        rules = [
            RulePublic(id=r.id, field=r.field, action=r.action, reason=r.reason, words=r.zh())
            for r in results.publication_rules(row.id or 0)
        ]
        out.append(ReviewingPublic(**ResultPublic.of(row).model_dump(), rules=rules))
    return out


@router.post(
    "/results/{result_id}/publication-review", response_model=RecordPublic | ReviewedPublic
)
def review_publication(
    result_id: Annotated[int, Path(ge=1, le=2**62)],
    body: PublicationReviewBody,
    user: Censor,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic | ReviewedPublic:
    """The publication review of an approved result: the rules in force applied, with the
    reviewer's general texts; publishes it (of a still-sealed task: kept for the
    disclosure). Not by the person who entered it."""
    record = results.review_publication(
        result_id,
        {str(k): v for k, v in body.generalised.items()},
        now,
        reviewer=user.name,
        remote_addr=addr,
    )
    return ReviewedPublic(id=result_id) if record is None else RecordPublic.of(record)


class SendBack(Strict):
    """Why a result goes back to its author."""

    reason: str = Field(min_length=1, max_length=MAX_NOTE)


class ContentWithdrawal(Strict):
    """Why the sealed content of a published record is withdrawn (results and
    rectifications alike)."""

    reason: str = Field(min_length=1, max_length=MAX_NOTE)
    ground: Literal["expired", "repaired", "other"] = Field(
        default="other", description="expired 公示期满, repaired 信用修复, other 其他"
    )


RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


@router.post("/results/{record_id}/withdraw", response_model=RecordPublic)
def withdraw_result(
    record_id: RecordId,
    body: ContentWithdrawal,
    user: Reviewer,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Withdraw the sealed findings, follow-up and evidence names of a published result
    (current or superseded) with a ``result-withdrawal`` record; the blob is deleted
    everywhere, the log keeps the record and its hash. A task of the reviewer's org unit
    and below."""
    record = results.withdraw(
        record_id, body.reason, now, actor=user.name, ground=body.ground, remote_addr=addr
    )
    return RecordPublic.of(record)


@router.get("/results/waiting", response_model=list[ResultPublic])
def waiting_results(
    user: Reviewer, service: ServiceDep, results: Results, now: NowDep, addr: RemoteAddr
) -> list[ResultPublic]:
    """Results entered and waiting for a reviewer, oldest first (every task within the
    reviewer's org unit); a listing naming picks of a still-sealed task is audited
    (``outcome.read``)."""
    rows = org_scope.rows_for(service, user.name, results.waiting(), lambda r: r.task)
    audit_sealed_reads(results.engine, rows, now, actor=user.name, remote_addr=addr)
    return [ResultPublic.of(r) for r in rows]


@router.post("/results/{result_id}/send-back", status_code=204)
def send_back_result(
    result_id: Annotated[int, Path(ge=1, le=2**62)],
    body: SendBack,
    user: Reviewer,
    results: Results,
    now: NowDep,
    addr: RemoteAddr,
) -> None:
    """Send an entered result back to its author with a reason (nothing is published)."""
    results.send_back(result_id, body.reason, now, reviewer=user.name, remote_addr=addr)


@router.post("/tasks/{task_id}/report/draft", response_model=ReportPublic)
def draft_report(task_id: TaskId, user: Writer, reports: Reports, now: NowDep) -> ReportPublic:
    """Generate the draft task report from the published results."""
    return ReportPublic.of(reports.draft(task_id, now, actor=user.name))


@router.put("/tasks/{task_id}/report", status_code=204)
def edit_report(
    task_id: TaskId, body: ReportText, user: Writer, reports: Reports, now: NowDep
) -> None:
    """Replace the draft's text with the completed report."""
    reports.edit(task_id, body.text, now, actor=user.name)


@router.post("/tasks/{task_id}/report/approve", response_model=RecordPublic)
def approve_report(task_id: TaskId, user: Reviewer, reports: Reports, now: NowDep) -> RecordPublic:
    """Approve and publish the task report (another person than its author)."""
    return RecordPublic.of(reports.approve(task_id, now, reviewer=user.name))
