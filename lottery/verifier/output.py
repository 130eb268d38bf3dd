"""What the verifier prints: one line per check, in English (the default, stable for scripts)
or in Chinese (the checks' sentences of :mod:`lottery.verifier.check_words`), or one JSON object.

The English lines are unchanged from before the Chinese ones existed; the JSON form is the
same whatever the language.
"""

from __future__ import annotations

import json

from lottery.core.check_names import CheckName
from lottery.core.deadline_audit import (
    CALENDAR_CHANGED,
    LATE,
    ON_TIME,
    UNCHECKED,
    Publication,
    PublicationAudit,
)
from lottery.core.verify import Check, TaskVerification, secret_lost
from lottery.verifier.check_words import check_zh

from .run import Audit

STATUS_ZH = {
    "announced": "已公告，尚未抽取",
    "drawn": "已抽取，名单尚未公开",
    "disclosed": "已公开",
    "cancelled": "已取消",
}
"""A task's status as the Chinese output says it."""

LOST_STATUS_ZH = "已取消（秘密值遗失，抽取结果无法公开核验）"
LOST_STATUS_EN = "cancelled (secret lost: the draw cannot be checked)"
"""The status of a task cancelled with its secret lost (spec §7), in each language."""

KIND_ZH = {"task-report": "抽查报告", "penalty": "处罚决定", "penalty-withdrawal": "撤回处罚决定"}
"""The kinds of publication with a deadline, in Chinese."""


def check_sentence(name: str) -> str:
    """The Chinese sentence of check ``name`` followed by the name, e.g.
    ``检查点有本办公室的签名（checkpoint.signature）``; the bare name when no sentence is
    written (``tests/test_cli_verify_lang.py`` fails then)."""
    words = check_zh(name)
    return name if words == name else f"{words}（{name}）"


def report_json(audit: Audit) -> str:
    """The whole report as one JSON object (``--json``)."""
    report, policy = audit.report, audit.policy
    publications = report.publications or PublicationAudit()
    return json.dumps(
        {
            "ok": report.ok,
            "witnesses": [w.vkey for w in policy.witnesses] if policy else [],
            "quorum": policy.quorum if policy else None,
            "witness_policies": report.policies,
            "log": report.origin,
            "size": report.size,
            "keys_pinned": audit.pinned,
            "checks": [{"check": c.name, "detail": c.detail} for c in report.checks],
            "secret_lost": sorted(n for n, t in report.tasks.items() if secret_lost(t)),
            "tasks": {
                name: {
                    "status": t.status,
                    "secret_lost": secret_lost(t),
                    "checks": [{"check": c.name, "detail": c.detail} for c in t.checks],
                    "picks": _picks(audit, name, t),
                }
                for name, t in sorted(report.tasks.items())
            },
            "not_applicable": [
                {"scope": scope, "check": c.name, "detail": c.detail}
                for scope, c in report.not_applicable
            ],
            "failures": [
                {"scope": scope, "check": failure.check, "detail": failure.detail}
                for scope, failure in report.failures
            ],
            "publications": [p.to_dict() for p in publications.publications],
            "publications_summary": publications.summary(),
            "calendar": {str(y): src for y, src in publications.calendar_sources.items()},
            "incremental": None
            if audit.prior is None
            else {
                "previous_size": audit.prior.size,
                "records_verified": report.reopened,
                "tasks_carried_over": sorted(report.carried),
            },
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _picks(audit: Audit, name: str, task: TaskVerification) -> int | None:
    carried = audit.report.carried.get(name)
    if carried is not None:
        return carried.picks
    return len(task.outcome.picks()) if task.outcome else None


def incremental_note(audit: Audit, lang: str) -> str | None:
    """What a run with ``--state`` carried over from the previous run, or None."""
    if audit.prior is None:
        return None
    report, prior = audit.report, audit.prior
    carried, tasks = len(report.carried), len(report.tasks)
    if lang == "zh":
        return (
            f"提示：接续上次核验（{prior.size} 条记录）："
            f"本次核验了 {report.reopened} 条记录的签名，"
            f"重新核验了 {tasks - carried} 个任务，沿用上次结果的任务 {carried} 个；"
            "日志的一致性和全日志范围的检查均已对整个日志重新进行"
            "（未变任务的抽查对象范围核对沿用上次结果）"
        )
    return (
        f"note: incremental: went on from a run of {prior.size} records; verified "
        f"{report.reopened} record signatures and {tasks - carried} tasks, carried over "
        f"{carried} unchanged tasks; log consistency and the log-wide checks ran over the whole "
        "log (an unchanged task's pool membership is carried over)"
    )


def notes(audit: Audit, lang: str) -> list[str]:
    """The warnings printed before the report (on standard error)."""
    zh = lang == "zh"
    lines = []
    said = incremental_note(audit, lang)
    if said is not None:
        lines.append(said)
    if not audit.pinned:
        lines.append(
            "提示：公钥取自被核验的数据本身；请用 --key 指定从其他渠道（如政府网站公告）得到的公钥"
            if zh
            else "note: keys taken from the export itself; pin them with --key"
        )
    if audit.policy is None and not audit.report.policies:
        lines.append(
            "提示：公告时间只是本单位的说法；可用 --witness 核对见证方的副署（docs/witness.md）"
            if zh
            else "note: announcement times are only the office's word; check witness "
            "cosignatures with --witness (docs/witness.md)"
        )
    return lines


# Late is a finding, not an error: the record's claim verified. "skip" (no calendar data)
# and "note" (claimed with a calendar entry since replaced) are neither pass nor fail. A
# misstated deadline is printed with the failures (FAIL).
_MARKS = {ON_TIME: "ok", LATE: "ok", UNCHECKED: "skip", CALENDAR_CHANGED: "note"}
_MARKS_ZH = {ON_TIME: "通过", LATE: "通过", UNCHECKED: "跳过", CALENDAR_CHANGED: "提示"}


def _publication_zh(p: Publication) -> str:
    kind, _, rest = p.name.partition(" ")
    name = f"{KIND_ZH.get(kind, kind)} {rest}".strip()
    if p.status == UNCHECKED:
        return f"{name}：公开日志中没有 {p.missing_year} 年的节假日安排，无法核对期限"
    if p.status == CALENDAR_CHANGED:
        return f"{name}：所填期限依据的节假日安排此后已被替换"
    d = p.recomputed
    if d is None:  # pragma: no cover - every other status has a recomputed deadline
        return name
    when = f"应在 {d.due.isoformat()} 前公示，" + (
        f"于 {d.published.isoformat()} 公示" if d.published else "尚未公示"
    )
    return f"{name}：{when}，" + (f"迟了 {d.late_by} 个工作日" if d.late_by else "按时")


def _summary_zh(audit: PublicationAudit) -> str:
    if not audit.publications:
        return "没有公开抽查报告或处罚决定，没有需要核对的期限"
    late = [p for p in audit.publications if p.status == LATE]
    days = sum(p.recomputed.late_by for p in late if p.recomputed is not None)
    parts = [f"按时 {audit.count(ON_TIME)} 项", f"逾期 {len(late)} 项（共 {days} 个工作日）"]
    if audit.count(UNCHECKED):
        parts.append(f"无法核对 {audit.count(UNCHECKED)} 项（公开日志中缺少相应年份的节假日安排）")
    if audit.count(CALENDAR_CHANGED):
        parts.append(f"依据已被替换的节假日安排 {audit.count(CALENDAR_CHANGED)} 项")
    parts.append(f"填写不实 {audit.count('misstated')} 项")
    return f"有公示期限的公开共 {len(audit.publications)} 项：" + "，".join(parts)


def _publications(audit: PublicationAudit, lang: str) -> list[str]:
    lines = []
    for p in audit.publications:
        if lang == "zh":
            mark = _MARKS_ZH.get(p.status)
            if mark:
                lines.append(f"{mark}  [期限] {_publication_zh(p)}")
        else:
            mark = _MARKS.get(p.status)
            if mark:
                lines.append(f"{mark:<5} [deadline] {p.detail}")
    if lang == "zh":
        lines.append(f"      [期限] {_summary_zh(audit)}")
    else:
        lines.append(f"      [deadline] {audit.summary()}")
    return lines


def _ok(scope: str | None, check: Check, lang: str) -> str:
    where = f"[{scope}] " if scope else ""
    if check.name == CheckName.CANCEL_SECRET_LOST:  # a warning, not a pass (spec §8)
        if lang == "zh":
            return f"警告  {where}{check_sentence(check.name)}"
        return f"WARN  {where}{check.name:<20} {check.detail}"
    if lang == "zh":
        return f"通过  {where}{check_sentence(check.name)}"
    return f"ok    {where}{check.name:<20} {check.detail}"


def report_lines(audit: Audit, lang: str) -> list[str]:
    """The report, one line per check, then the verdict (``VERIFIED``/``FAILED``, or
    ``核验通过``/``核验未通过``) on the last line."""
    report, zh = audit.report, lang == "zh"
    lines = [_ok(None, c, lang) for c in report.checks]
    for name, result in sorted(report.tasks.items()):
        lines += [_ok(name, c, lang) for c in result.checks]
        status = STATUS_ZH.get(result.status, result.status) if zh else result.status
        if secret_lost(result):
            status = LOST_STATUS_ZH if zh else LOST_STATUS_EN
        lines.append(f"通过  [{name}] 状态：{status}" if zh else f"ok    [{name}] status: {status}")
    for scope, check in report.not_applicable:
        if zh:
            lines.append(f"不适用 [{scope}] {check_sentence(check.name)}：{check.detail}")
        else:
            lines.append(f"n/a   [{scope}] {check.name:<20} {check.detail}")
    if report.publications is not None:
        lines += _publications(report.publications, lang)
    for scope, failure in report.failures:
        lines += [_ok(scope, p, lang) for p in failure.passed if isinstance(p, Check)]
        if zh:
            lines.append(f"未通过 [{scope}] {check_sentence(failure.check)}：{failure.detail}")
        else:
            lines.append(f"FAIL  [{scope}] {failure.check:<20} {failure.detail}")
    n_tasks, size, origin = len(report.tasks), report.size, audit.origin
    lost = sum(1 for t in report.tasks.values() if secret_lost(t))
    if report.ok:
        lines.append(
            f"核验通过：日志 {origin}，共 {size} 条记录、{n_tasks} 个任务"
            + (f"；警告：{lost} 个任务因秘密值遗失而取消，其抽取结果无法核验" if lost else "")
            if zh
            else f"VERIFIED: log {origin}, {size} records, {n_tasks} tasks"
            + (
                f"; WARNING: {lost} task(s) cancelled with the secret lost, "
                "their draws cannot be checked"
                if lost
                else ""
            )
        )
    else:
        n = len(report.failures)
        lines.append(
            f"核验未通过：日志 {origin} 中有 {n} 处问题"
            if zh
            else f"FAILED: {n} problem(s) in {origin}"
        )
    return lines
