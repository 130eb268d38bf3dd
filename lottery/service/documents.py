"""The law's documents of a drawn target, for the drawn team and staff only (issue #16).

- 行政检查通知书 (``notice``): once the task is drawn, for each pick (it names the team).
- 现场检查笔录 (``record``): after the notice; blank for filling in on site, or filled from
  the target's entered result (dates, place, methods, findings, who was present).
- 检查结果告知书 (``result``): issued by the approval of the result
  (:func:`.document_issue.on_approval`), never on request.

Who: staff with ``result.review`` or ``task.draw`` (``as_inspector`` None) for any target;
an inspector (``as_inspector``) only for a target whose team they are on (drawn, or named in
its result: :func:`.result_evidence.team_of`). Issuing while the task is still sealed reveals
a pick to the issuer: the ``document.issue`` event names it, like any read of sealed data.
Every download is a ``document.download`` audit event. Documents are never exported to the
public site: only their numbers and SHA-256 are published, in the inspection-result record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from lottery.core.errors import InputError
from lottery.documents import content
from lottery.documents.render import render_png
from lottery.storage.models import Document, InspectionResult, Task

from .audit_trail import record_audit
from .committed_pool import staff_outcome
from .document_issue import (
    DocumentConfig,
    DocumentNotFound,
    common,
    current,
    issue,
    listed,
    present_ids,
)
from .lifecycle import Lifecycle
from .org_scope import require_task
from .result_entry import NotAssigned, local_date
from .result_evidence import team_of

DOWNLOAD_ACTION = "document.download"
ON_REQUEST = ("notice", "record")
ISSUED_STATES = ("drawn", "disclosed", "closed")


class DocumentsService:
    """Issuing, listing and handing out the documents of a task's picks."""

    def __init__(self, lc: Lifecycle, config: DocumentConfig | None = None) -> None:
        """Use the service (its sealed outcomes) and the office's document settings
        (default: from the environment)."""
        self.lc = lc
        self.config = config or DocumentConfig.from_settings()

    def _team(self, session: Session, task: str, target: str) -> tuple[str, ...]:
        row = session.get(Task, task)
        if row is None:
            raise DocumentNotFound(f"没有抽查任务 {task}")
        if row.state not in ISSUED_STATES:
            raise InputError(f"抽查任务 {task} 尚未抽取（{row.state}），还没有检查对象和检查人员")
        _, blob = self.lc.open_outcome(session, task)
        team = next(
            (t.inspectors for t in staff_outcome(session, blob).teams if t.target == target), None
        )
        if team is None:
            raise DocumentNotFound(f"字段「target」：{target} 不是抽查任务 {task} 的检查对象")
        return tuple(team)

    @staticmethod
    def _result(session: Session, task: str, target: str) -> InspectionResult | None:
        """The target's latest entered or published result."""
        return session.exec(
            select(InspectionResult)
            .where(
                InspectionResult.task == task,
                InspectionResult.target == target,
                col(InspectionResult.status).in_(["entered", "published"]),
            )
            .order_by(col(InspectionResult.id).desc())
        ).first()

    def _check_reader(
        self,
        session: Session,
        task: str,
        target: str,
        as_inspector: str | None,
        actor: str | None = None,
    ) -> tuple[str, ...]:
        """The target's team, once the reader may see its documents: staff within their org
        unit (``actor``), an inspector only on that target's team. An inspector asking about a
        target that was not picked gets the same refusal as for another team's target, so the
        answer never tells picks apart (R6)."""
        if as_inspector is None:
            if actor is not None:
                require_task(session, actor, task)
            return self._team(session, task, target)
        refused = NotAssigned(
            f"执法检查人员 {as_inspector} 不在 {target} 的检查组中，不能取得其文书"
        )
        try:
            team = self._team(session, task, target)
        except DocumentNotFound as exc:
            raise refused from exc
        result = self._result(session, task, target)
        allowed = set(team) | (team_of(result.fields) if result else set())
        if as_inspector not in allowed:
            raise refused
        return team

    def issue(
        self,
        task: str,
        target: str,
        kind: str,
        now: datetime,
        *,
        actor: str,
        as_inspector: str | None = None,
        remote_addr: str | None = None,
    ) -> Document:
        """Issue (or return the same, if nothing changed) the notice or on-site record.

        Raises:
            InputError: a kind not issued on request, a task not drawn, a record before
                its notice.
            DocumentNotFound: an unknown task, or a target not picked in it.
            NotAssigned: ``as_inspector`` is not on the target's team.
            DocumentError: no CJK font, or Typst failed.
        """
        if kind not in ON_REQUEST:
            raise InputError(
                "字段「kind」：可出具的文书为 notice（行政检查通知书）或 record（现场检查笔录）；"
                "检查结果告知书在检查结果审核通过时自动出具"
            )
        with self.lc.session() as session, session.begin():
            team = self._check_reader(session, task, target, as_inspector, actor)
            data, result = self._data(session, kind, task, target, team)
            return issue(
                session,
                self.config,
                kind,
                data,
                now,
                actor=actor,
                result=result,
                remote_addr=remote_addr,
            )

    def _data(
        self, session: Session, kind: str, task: str, target: str, team: tuple[str, ...]
    ) -> tuple[dict[str, Any], int | None]:
        """What the notice or on-site record says, and the result it was filled from."""
        if kind == "notice":
            row = session.get(Task, task)
            params = row.params if row else {}
            c = common(session, self.config, task, target, team)
            return content.notice(c, str(params["window_start"]), str(params["window_end"])), None
        notice = current(session, "notice", task, target)
        if notice is None:
            raise InputError(f"{target} 还没有行政检查通知书：请先出具通知书，再出具现场检查笔录")
        result = self._result(session, task, target)
        ids = present_ids(result.fields) if result else list(team)
        c = common(session, self.config, task, target, ids)
        data = content.onsite_record(c, notice.number, result.fields if result else None)
        return data, result.id if result else None

    def page_png(self, doc: Document, ppi: int = 72) -> bytes:
        """The first page of a notice or on-site record as PNG, rendered from the same data
        (for docs/documents.md's picture; the PDF stays the document)."""
        with self.lc.session() as session:
            team = self._team(session, doc.task, doc.target)
            data, _ = self._data(session, doc.kind, doc.task, doc.target, team)
        day = local_date(doc.issued_at)
        stamped = content.stamped(
            data, doc.number, content.chinese_date(day.year, day.month, day.day), ""
        )
        return render_png(doc.kind, stamped, doc.issued_at, self.config.font_dirs, ppi)

    def list(
        self,
        task: str,
        *,
        target: str | None = None,
        as_inspector: str | None = None,
        actor: str | None = None,
        now: datetime | None = None,
        remote_addr: str | None = None,
    ) -> list[Document]:
        """The documents of a task (staff within their org unit), or of one target (an
        inspector on its team). A listing that names picks of a still-sealed task is
        audited (``outcome.read``) when ``actor`` and ``now`` are given.

        Raises:
            NotAssigned: an inspector asking for a whole task, or another team's target.
            OutOfScope: staff outside the task's org units.
        """
        with self.lc.session() as session, session.begin():
            row = session.get(Task, task)
            if row is None:
                raise DocumentNotFound(f"没有抽查任务 {task}")
            if as_inspector is not None:
                if target is None:
                    raise NotAssigned("执法检查人员只能查看本人所在检查组的检查对象的文书")
                self._check_reader(session, task, target, as_inspector)
            elif actor is not None:
                require_task(session, actor, task)
            docs = listed(session, task, target)
            if docs and actor is not None and now is not None and row.state == "drawn":
                detail = {"purpose": "documents", "documents": len(docs)}
                where = task if target is None else f"{task}/{target}"
                record_audit(session, now, actor, "outcome.read", where, detail, remote_addr)
            return docs

    def download(
        self,
        doc_id: int,
        now: datetime,
        *,
        actor: str,
        as_inspector: str | None = None,
        remote_addr: str | None = None,
    ) -> Document:
        """One document with its PDF, audited ``document.download``.

        Raises:
            DocumentNotFound: no such document.
            NotAssigned: ``as_inspector`` is not on the target's team.
        """
        with self.lc.session() as session, session.begin():
            doc = session.get(Document, doc_id)
            if doc is None:
                raise DocumentNotFound(f"没有编号为 {doc_id} 的文书")
            self._check_reader(session, doc.task, doc.target, as_inspector, actor)
            record_audit(
                session,
                now,
                actor,
                DOWNLOAD_ACTION,
                f"{doc.task}/{doc.target}",
                {"document": doc_id, "kind": doc.kind, "number": doc.number, "sha256": doc.sha256},
                remote_addr,
            )
            session.expunge(doc)
            return doc
