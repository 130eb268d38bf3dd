"""Issuing one document: gather its data, number it atomically, render and store the PDF.

Shared by :mod:`.documents` (通知书 and 笔录, on request) and by the approval of a result
(:func:`on_approval`: the 告知书, and the numbers and hashes the result record carries).
Numbers are allocated as ``max(seq) + 1`` of the kind and year; the unique constraint on
``(kind, year, seq)`` (and on ``number``) makes a second instance that chose the same number
fail its insert, and it then takes the next one (a savepoint, up to :data:`ATTEMPTS` times).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lottery.core.canonical import sha256_hex
from lottery.core.errors import InputError
from lottery.documents import content
from lottery.documents.numbers import DEFAULT_PREFIXES, KINDS, check_prefix, format_number
from lottery.documents.render import render_pdf
from lottery.settings import Settings, get_settings
from lottery.storage.models import Document, InspectionResult, Inspector, ItemListVersion, Target
from lottery.storage.models import Task as TaskRow

from .audit_trail import record_audit
from .result_entry import ResultNotFound, local_date

ISSUE_ACTION = "document.issue"
ATTEMPTS = 5


class DocumentNotFound(ResultNotFound):
    """No such document (or task, or pick) (HTTP 404)."""


@dataclass(frozen=True)
class DocumentConfig:
    """The office's name on its documents, its number prefixes, and extra font directories."""

    office: str
    prefixes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PREFIXES))
    font_dirs: tuple[Path, ...] = ()

    def prefix(self, kind: str) -> str:
        """The checked prefix of ``kind``.

        Raises:
            InputError: a prefix missing or malformed in the settings.
        """
        return check_prefix(kind, self.prefixes.get(kind, DEFAULT_PREFIXES[kind]))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DocumentConfig:
        """From ``settings`` (default: the environment, ``LOTTERY_OFFICE_NAME`` etc.)."""
        s = settings or get_settings()
        return cls(s.office_name, dict(s.document_prefixes), tuple(s.font_dirs))


def current(session: Session, kind: str, task: str, target: str) -> Document | None:
    """The current (not superseded) document of a kind for a target in a task."""
    return session.exec(
        select(Document).where(
            Document.kind == kind,
            Document.task == task,
            Document.target == target,
            Document.status == "current",
        )
    ).first()


def people(session: Session, ids: Iterable[str]) -> tuple[content.Person, ...]:
    """Inspectors by id, with their names and certificate numbers (registry order of ids)."""
    out = []
    for inspector_id in ids:
        row = session.get(Inspector, inspector_id)
        if row is None:
            raise DocumentNotFound(f"执法检查人员名录中没有 {inspector_id}")
        out.append(content.Person(row.name, row.cert_no))
    return tuple(out)


def present_ids(fields: Mapping[str, Any]) -> list[str]:
    """The inspectors present at a check, as a result lists them."""
    return [str(p["id"]) for p in fields.get("inspectors", [])]


def common(
    session: Session, config: DocumentConfig, task: str, target: str, inspectors: Sequence[str]
) -> content.Common:
    """What every document of ``target`` in ``task`` names."""
    row = session.get(TaskRow, task)
    if row is None:
        raise DocumentNotFound(f"没有抽查任务 {task}")
    entity = session.get(Target, target)
    if entity is None:
        raise DocumentNotFound(f"抽查对象名录中没有 {target}")
    items = []
    for code, version in row.params.get("items", []):
        listed = session.get(ItemListVersion, int(version))
        item = next((i for i in (listed.items if listed else []) if i["code"] == code), None)
        if item is not None:
            items.append(
                content.Item(
                    str(item.get("name") or code),
                    str(item.get("basis", "")),
                    str(item.get("content", "")),
                    str(item.get("requirements", "")),
                )
            )
    return content.Common(
        office=config.office,
        task=task,
        task_title=row.title,
        target=target,
        target_name=entity.name,
        items=tuple(items),
        inspectors=people(session, inspectors),
    )


def _next_seq(session: Session, kind: str, year: int) -> int:
    top = session.exec(
        select(func.max(Document.seq)).where(Document.kind == kind, Document.year == year)
    ).one()
    return int(top or 0) + 1


def issue(
    session: Session,
    config: DocumentConfig,
    kind: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    actor: str,
    result: int | None = None,
    remote_addr: str | None = None,
) -> Document:
    """Issue document ``kind`` saying ``data`` for ``data['task']``/``data['target']``.

    The same data as the current document of that kind returns it unchanged (idempotent);
    other data issues a new number and marks the old one superseded. Audited
    ``document.issue``.

    Raises:
        InputError: an unknown kind or a bad prefix setting.
        DocumentError: no CJK font, or Typst failed.
    """
    if kind not in KINDS:
        raise InputError(f"字段「kind」：文书种类须为 {'、'.join(KINDS)} 之一，而不是 {kind!r}")
    task, target = str(data["task"]), str(data["target"])
    digest = content.data_digest(data)
    old = current(session, kind, task, target)
    if old is not None and old.data_sha256 == digest:
        if result is not None and old.result != result:
            # A correction that changes nothing the document says (the place, the evidence)
            # is told by the same document: it now answers for the current result, which is
            # otherwise owed a notice for ever (result_notices.owed).
            old.result = result
            session.add(old)
        return old
    prefix = config.prefix(kind)
    day = local_date(now)
    date_text = content.chinese_date(day.year, day.month, day.day)
    salt = secrets.token_hex(16)
    for _ in range(ATTEMPTS):
        seq = _next_seq(session, kind, day.year)
        number = format_number(prefix, day.year, seq)
        pdf = render_pdf(
            kind, content.stamped(data, number, date_text, salt), now, config.font_dirs
        )
        doc = Document(
            kind=kind,
            office=str(data["office"]),
            task=task,
            target=target,
            year=day.year,
            seq=seq,
            number=number,
            result=result,
            data_sha256=digest,
            sha256=sha256_hex(pdf),
            size=len(pdf),
            pdf=pdf,
            issued_at=now,
            issued_by=actor,
        )
        try:
            with session.begin_nested():
                session.add(doc)
                session.flush()
        except IntegrityError:
            continue  # another instance took this number: take the next one
        break
    else:
        raise InputError(f"文书编号分配冲突，请重试（{kind}，{day.year} 年）")
    detail: dict[str, Any] = {"kind": kind, "number": number, "sha256": doc.sha256}
    if old is not None:
        old.status = "superseded"
        session.add(old)
        detail["supersedes"] = old.number
    record_audit(session, now, actor, ISSUE_ACTION, f"{task}/{target}", detail, remote_addr)
    return doc


def trace(docs: Iterable[Document | None]) -> list[dict[str, str]]:
    """The public trace of documents: ``[{kind, number, sha256}]`` (docs/spec.md)."""
    return [{"kind": d.kind, "number": d.number, "sha256": d.sha256} for d in docs if d]


def _result_notice(
    session: Session, row: InspectionResult, fields: Mapping[str, Any]
) -> tuple[DocumentConfig, dict[str, Any], Document] | None:
    """What the 检查结果告知书 of ``row`` says (and the config and notice it follows), or None
    when the target has no 行政检查通知书."""
    notice = current(session, "notice", row.task, row.target)
    if notice is None:
        return None
    # The office that issued the notice tells the result (prefixes and fonts: the settings).
    config = replace(DocumentConfig.from_settings(), office=notice.office)
    c = common(session, config, row.task, row.target, present_ids(fields))
    return config, content.result_notice(c, notice.number, fields), notice


def approved_fields(row: InspectionResult) -> dict[str, Any]:
    """A held or published result's fields as its approval saw them."""
    return dict(row.fields) | {"approved_by": (row.approved_by or "").strip()}


def tell(
    session: Session, row: InspectionResult, fields: Mapping[str, Any], now: datetime, actor: str
) -> Document | None:
    """Issue (render) the 检查结果告知书 of ``row`` when its target has a notice (the same one
    again when what it says is unchanged); None without a notice.

    Raises:
        DocumentError: no CJK font, or Typst failed.
    """
    said = _result_notice(session, row, fields)
    if said is None:
        return None
    config, data, _ = said
    return issue(session, config, "result", data, now, actor=actor, result=row.id)


def on_approval(
    session: Session,
    row: InspectionResult,
    fields: Mapping[str, Any],
    now: datetime,
    actor: str,
    *,
    render: bool = True,
) -> dict[str, Any]:
    """At the publication of a result: when the target has a 行政检查通知书, return
    ``{"documents": [...]}`` (通知书, 笔录 if any, 告知书) for the record; a target without a
    notice returns ``{}`` (the record is as before).

    ``render``: issue the 告知书 now (an approval: it fails with the rendering). Without it (the
    disclosure of held results, which must not depend on rendering) the trace names the
    告知书 only when one saying the same was issued already (at the held approval, or by
    :mod:`.result_notices`); otherwise the record traces the 通知书 and 笔录 and the 告知书 is
    issued after the disclosure commits.
    """
    said = _result_notice(session, row, fields)
    if said is None:
        return {}
    config, data, notice = said
    told: Document | None
    if render:
        told = issue(session, config, "result", data, now, actor=actor, result=row.id)
    else:
        told = current(session, "result", row.task, row.target)
        if told is not None and told.data_sha256 != content.data_digest(data):
            told = None
    record = current(session, "record", row.task, row.target)
    return {"documents": trace([notice, record, told])}


def listed(session: Session, task: str, target: str | None = None) -> list[Document]:
    """The documents of a task (or one target), current and superseded, in issue order."""
    query = select(Document).where(Document.task == task)
    if target is not None:
        query = query.where(Document.target == target)
    return list(session.exec(query.order_by(col(Document.id))))
