"""The on-site record of the demo's results (issue #16): each result of T2026-001 answers the
checklist of its item (RF-005) point by point, records the time of the check and types its
evidence; the one target that could not be found states why it has no evidence.

Called from :mod:`lottery.demo.results` with one line per entry (:func:`with_onsite`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from lottery.demo.items import RF005_CHECKLIST
from lottery.service.result_entry import CST, ChecklistAnswer, Evidence, ResultEntry

ITEM = "RF-005"
CORRECTED = -1  # the correction's key in FAILED (its findings differ from the first entry)
# Which points (0-based, of RF005_CHECKLIST) each result with findings fails, and the note.
FAILED: dict[int, dict[int, str]] = {
    0: {1: "防护密闭门因门框处堆放货物无法关闭", 3: "口部通道被改作仓库通道并堆放货物"},
    1: {2: "擅自拆除防护单元之间的防护密闭隔墙约12平方米"},
    2: {0: "未建立维护管理制度", 1: "滤毒通风设备长期未维护，部分密闭阀门锈蚀"},
    5: {2: "物资库被改作员工宿舍"},
    CORRECTED: {1: "应急照明灯具3处损坏，防护密闭门未设开启方向标识"},
}
NOT_APPLICABLE = {3: "工程尚未投入平时使用", 4: "登记住所无法找到该单位，未能检查"}
NO_EVIDENCE = {4: "登记住所两次实地核查均未找到该单位，无现场可拍摄，也无人可制作检查笔录"}


def _answers(key: int) -> list[ChecklistAnswer]:
    failed = FAILED.get(key, {})
    out = []
    for n, (point, _) in enumerate(RF005_CHECKLIST):
        if key in NOT_APPLICABLE:
            out.append(ChecklistAnswer(ITEM, point, "不涉及", NOT_APPLICABLE[key]))
        elif n in failed:
            out.append(ChecklistAnswer(ITEM, point, "不符合", failed[n]))
        else:
            out.append(ChecklistAnswer(ITEM, point, "符合"))
    return out


def _record(entry: ResultEntry, kind: str) -> Evidence:
    """A small generated stand-in for a 检查笔录 or a photo: only its hash is published."""
    text = (
        f"{kind}（演示）\n检查对象：{entry.target}\n检查日期：{entry.dates[0].isoformat()}\n"
        f"{entry.findings}\n"
    )
    # Named without the target: a sealed blob of a result must not name a penalised party.
    name = f"{'检查笔录' if kind == '笔录' else '现场照片说明'}-{entry.dates[0].isoformat()}.txt"
    return Evidence(name, text.encode("utf-8"), kind, "现场制作" if kind == "笔录" else "现场拍摄")


def with_onsite(entry: ResultEntry, key: int) -> ResultEntry:
    """``entry`` with its on-site record: checklist answers, 09:30-11:00 Beijing time on its
    first day, typed evidence (a 笔录 for each result with findings, a photo as well for the
    first), or the reason it has none. ``key``: the result's position, or CORRECTED."""
    day = entry.dates[0]
    evidence = [e for e in entry.evidence if e.kind]  # already typed
    findings = entry.categories != ["未发现问题"] and key not in NO_EVIDENCE
    if findings and not evidence:
        evidence.append(_record(entry, "笔录"))
    if key == 0:
        evidence.append(_record(entry, "照片"))
    return replace(
        entry,
        checklist=_answers(key),
        started=datetime.combine(day, time(9, 30), CST),
        ended=datetime.combine(day, time(11, 0), CST),
        evidence=evidence,
        no_evidence_reason=NO_EVIDENCE.get(key, ""),
    )
