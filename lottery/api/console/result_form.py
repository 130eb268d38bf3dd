"""The results entry form (tablet width): reading the multipart POST and checking its shape.

Only the form's own shape is checked here (a date that is not a date, a box left empty, a file
over the size limit), with Chinese messages keyed by field; every rule about results is the
service's (``ResultsService.enter``/``correct``; its refusals are worded by
:mod:`.result_words`). Evidence files have the JSON API's limit (20 MiB each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from lottery.api.digits import ascii_int
from lottery.core.canonical import parse_time
from lottery.service.onsite_record import Point
from lottery.service.result_entry import ChecklistAnswer
from lottery.service.results import CST, MAX_EVIDENCE, MAX_PLACE, Evidence, Present, ResultEntry
from lottery.service.visit_cap import MAX_CAP_EXCEPTION

MAX_FILES = 10
EVIDENCE_SLOTS = 5  # evidence files, each with its kind and source (issue #16)
MAX_TEXT = 10_000  # findings and follow-up, as the record format allows
MAX_REASON = 2000
DATE_FIELDS = ("date1", "date2", "date3")
#: The whole request: every file at its limit, plus room for the text fields and framing.
MAX_REQUEST = MAX_FILES * MAX_EVIDENCE + 1024 * 1024


@dataclass
class ResultForm:
    """What the browser sent: text values, checked boxes, evidence files, size problems."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    files: list[Evidence] = field(default_factory=list)
    oversize: list[str] = field(default_factory=list)
    too_large: bool = False

    def get(self, name: str) -> str:
        """A text field's value ("" when absent)."""
        return self.values.get(name, "")

    def checked(self, name: str) -> list[str]:
        """The values of a group of checkboxes."""
        return self.lists.get(name, [])


async def _files(form: FormData, out: ResultForm) -> None:
    """Slot n: the file ``evidence_n`` with ``evidence_kind_n`` and ``evidence_source_n``."""
    for n in range(1, EVIDENCE_SLOTS + 1):
        item = form.get(f"evidence_{n}")
        if not isinstance(item, UploadFile) or not item.filename:
            continue  # no file chosen: browsers send an empty part
        if item.size is not None and item.size > MAX_EVIDENCE:
            out.oversize.append(item.filename)
            continue
        data = await item.read(MAX_EVIDENCE + 1)
        if len(data) > MAX_EVIDENCE:
            out.oversize.append(item.filename)
            continue
        kind = out.get(f"evidence_kind_{n}").strip()[:10]
        source = out.get(f"evidence_source_{n}").strip()[:200]
        out.files.append(Evidence(item.filename[:200], data, kind, source))


async def read_form(request: Request) -> ResultForm:
    """A dependency: the POSTed form, or ``too_large`` when the body is over the limit."""
    length = request.headers.get("content-length", "")
    if (ascii_int(length, 19) or 0) > MAX_REQUEST:
        return ResultForm(too_large=True)
    form = await request.form(max_files=MAX_FILES, max_fields=200 + 2 * 1000)  # 1000 points
    out = ResultForm()
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.values.setdefault(key, value)
            out.lists.setdefault(key, []).append(value)
    await _files(form, out)
    await form.close()
    return out


def _dates(form: ResultForm, errors: dict[str, str]) -> list[date]:
    days = []
    for name in DATE_FIELDS:
        text = form.get(name).strip()
        if not text:
            continue
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            errors["dates"] = f"“{text[:20]}”不是有效日期：请按 年-月-日 填写，例如 2026-04-02"
            return []
    if not days and "dates" not in errors:
        errors["dates"] = "请填写检查日期（至少一天）"
    return days


def _present(form: ResultForm, team: Sequence[str], errors: dict[str, str]) -> list[Present]:
    present = []
    for number, inspector in enumerate(team, start=1):
        if form.get(f"present_{number}") == "1":
            present.append(Present(inspector))
            continue
        sub = form.get(f"sub_{number}").strip()
        if not sub:
            errors["inspectors"] = (
                "未到场的抽中人员须由替补人员代替：请填写替补人员的编号、原因和批准人"
            )
            continue
        present.append(
            Present(
                sub[:64],
                replaces=inspector,
                reason=form.get(f"reason_{number}").strip()[:MAX_REASON],
                approved_by=form.get(f"approved_{number}").strip()[:100],
            )
        )
    return present


def _texts(form: ResultForm, correcting: bool, errors: dict[str, str]) -> None:
    for name, label in (("findings", "检查发现的问题"), ("follow_up", "后续处理")):
        if len(form.get(name)) > MAX_TEXT:
            errors[name] = f"{label}太长：最多 {MAX_TEXT} 个字（现为 {len(form.get(name))} 个）"
    if len(form.get("place").strip()) > MAX_PLACE:
        errors["place"] = (
            f"检查地点太长：最多 {MAX_PLACE} 个字（现为 {len(form.get('place').strip())} 个）"
        )
    if any(len(line.strip()) > 200 for line in form.get("pending_reasons").splitlines()):
        errors["pending_reasons"] = "每条待处理原因最多 200 个字"
    if len(form.get("cap_exception").strip()) > MAX_CAP_EXCEPTION:
        errors["cap_exception"] = f"超限理由太长：最多 {MAX_CAP_EXCEPTION} 个字"
    if correcting:
        reason = form.get("correction_reason").strip()
        if not reason:
            errors["correction_reason"] = "请填写更正原因"
        elif len(reason) > MAX_REASON:
            errors["correction_reason"] = f"更正原因太长：最多 {MAX_REASON} 个字"


def _time(form: ResultForm, name: str, errors: dict[str, str]) -> datetime | None:
    """A ``datetime-local`` field, read as Beijing time (None when blank)."""
    text = form.get(name).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors[name] = f"“{text[:20]}”不是有效时间：请按 年-月-日 时:分 填写，例如 2026-04-02 09:30"
        return None
    return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment


def _answers(form: ResultForm, points: Sequence[Point]) -> list[ChecklistAnswer]:
    """Point n of the checklist: ``cl_n`` (符合/不符合/不涉及) and ``cl_n_note``."""
    return [
        ChecklistAnswer(
            p.item, p.point, form.get(f"cl_{n}").strip()[:10], form.get(f"cl_{n}_note")[:2000]
        )
        for n, p in enumerate(points, start=1)
    ]


def parse(
    form: ResultForm,
    task: str,
    target: str,
    team: Sequence[str],
    *,
    correcting: bool,
    points: Sequence[Point] = (),
) -> tuple[ResultEntry | None, dict[str, str]]:
    """The entry the form describes, or the errors by field (then None)."""
    errors: dict[str, str] = {}
    days = _dates(form, errors)
    started, ended = _time(form, "started", errors), _time(form, "ended", errors)
    present = _present(form, team, errors)
    if not form.checked("methods"):
        errors["methods"] = "请至少选择一种检查方式"
    if not form.checked("categories"):
        errors["categories"] = "请至少选择一项检查结论"
    _texts(form, correcting, errors)
    if form.oversize:
        limit = MAX_EVIDENCE // (1024 * 1024)
        errors["evidence"] = f"文件“{form.oversize[0][:80]}”超过 {limit} MB，未上传：请压缩后再试"
    if errors:
        return None, errors
    reasons = [line.strip() for line in form.get("pending_reasons").splitlines() if line.strip()]
    entry = ResultEntry(
        task=task,
        target=target,
        dates=days,
        inspectors=present,
        methods=form.checked("methods"),
        categories=form.checked("categories"),
        pending_reasons=reasons,
        findings=form.get("findings"),
        follow_up=form.get("follow_up"),
        evidence=form.files,
        place=form.get("place").strip(),
        checklist=_answers(form, points),
        started=started,
        ended=ended,
        no_evidence_reason=form.get("no_evidence_reason").strip()[:MAX_REASON],
        cap_exception=form.get("cap_exception").strip(),
    )
    return entry, {}


def onsite_defaults(fields: Mapping[str, Any]) -> dict[str, str]:
    """A correction's form starts from the published on-site record: the checklist answers
    and notes (same task, same points in the same order) and the times in Beijing time.
    Evidence files are not carried over (the browser must send them again)."""
    values: dict[str, str] = {}
    for n, answer in enumerate(fields.get("checklist", []), start=1):
        values[f"cl_{n}"] = str(answer["answer"])
        values[f"cl_{n}_note"] = str(answer.get("note", ""))
    for name in ("started", "ended"):
        if fields.get(name):
            moment = parse_time(str(fields[name])).astimezone(CST)
            values[name] = moment.strftime("%Y-%m-%dT%H:%M")
    return values
