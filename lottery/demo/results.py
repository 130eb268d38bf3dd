"""The second half of the demo: results, a correction, penalties and a late task report.

For the disclosed task T2026-001 (drawn on fictional public numbers) the fictional 青岚市 office
enters an inspection result for every picked target through
:class:`lottery.service.results.ResultsService` (the team's first inspector enters it, a
different reviewer approves it), corrects one published result, publishes three penalty
decisions through :class:`lottery.service.penalties.PenaltyService` (one later withdrawn
when its publication period ends, one withdrawn within 3 working days of the decision's
revocation; both remove their sealed content, docs/spec.md §2.1), and drafts, completes and
approves the task report through :class:`lottery.service.reports.ReportService` -- two
working days late on purpose, so the site and ``lottery verify`` show a late publication
(docs/demo.md).

Everything happens at fixed past times. :func:`result_phases` gives the two phases with the
time each starts, so ``run_demo`` can run them in log order between its tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from lottery.core.errors import LotteryError
from lottery.core.records import NO_PROBLEM, PENDING, Record
from lottery.core.teams import Team
from lottery.core.uscc import check_character
from lottery.demo.objections import T_RECORD_UPHELD, objections_phase
from lottery.demo.onsite import CORRECTED, with_onsite
from lottery.demo.rectification import rectify
from lottery.demo.review import review
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.service.reports import ReportService
from lottery.service.results import (
    Evidence,
    Present,
    ResultEntry,
    ResultsService,
    disclosed_outcome,
)
from lottery.storage.models import Conflict, Inspector

TASK = "T2026-001"
OFFICE = "青岚市人民防空办公室"
# The office's 统一社会信用代码 (fictional; 11: a state organ), with its check character.
OFFICE_CODE = "1137990000000001" + "X"
OFFICE_CODE += check_character(OFFICE_CODE)
# 双公示 (issue #18): the party's address and 法定代表人 (fictional), by penalty.
PARTIES = (
    ("青岚市高新区创业大道188号", "王建国", "改变人防工程主体结构"),
    ("青岚市南湖区滨湖路66号", "李秀兰", "未按规定维护管理人防工程"),
    ("青岚市北城区春晖街12号", "赵志刚", "擅自改变人防工程平时使用用途"),
)
REVIEWER = "执法科科长 周文彬"  # approves results (never the inspector who entered them)
DRAFTER = "执法科 陈思远"  # drafts and completes the task report
LEADER = "分管副主任 林秀英"  # approves substitutes, penalties and the report
CLERK = "法制科 何晓雯"  # enters penalty decisions

T_RESULTS = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)  # entries from 09:00 Beijing, 2 Apr
T_APPROVALS = datetime(2026, 4, 3, 1, 0, tzinfo=UTC)
T_CORRECTION = datetime(2026, 4, 7, 2, 0, tzinfo=UTC)
T_PENALTY_1 = datetime(2026, 4, 9, 2, 0, tzinfo=UTC)  # decided 8 Apr: on time
T_PENALTY_2 = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)  # decided 9 Apr, withdrawn in October
T_PENALTY_3 = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)  # decided 9 Apr, revoked in October
T_REPORT_DRAFT = datetime(2026, 4, 13, 2, 0, tzinfo=UTC)
# Inspections complete on Tue 31 Mar; 7 working days (Qingming 4-6 Apr is off) end Fri 10 Apr.
# Published Tue 14 Apr, 16:00 Beijing: late by 2 working days, across a weekend.
T_REPORT_APPROVE = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
T_WITHDRAW = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # first working day after National Day
PUBLISH_UNTIL_2 = date(2026, 10, 9)  # the withdrawn penalty's publication period
T_REVOKE_WITHDRAW = T_WITHDRAW + timedelta(hours=1)
REVOKED = date(2026, 10, 9)  # the review body revoked 青人防罚〔2026〕5号 on this day
REVOKE_REASON = "青岚市人民政府行政复议决定（青政复决〔2026〕12号）撤销该行政处罚决定"

WINDOW = (date(2026, 3, 10), date(2026, 3, 31))
LAW = "《中华人民共和国人民防空法》"


@dataclass(frozen=True)
class Finding:
    """What the inspectors found at one target (anything but 未发现问题)."""

    categories: tuple[str, ...]
    findings: str
    follow_up: str
    methods: tuple[str, ...] = ("实地检查", "书面检查")
    pending: tuple[str, ...] = ()


# Results with a problem, by position among the picked targets; the rest found nothing.
FINDINGS: dict[int, Finding] = {
    0: Finding(
        ("发现问题已责令改正",),
        "人防工程口部防护密闭门被改作仓库通道，门框处堆放货物，防护密闭门无法正常关闭。",
        "现场责令3日内清理堆放物；2026年3月13日复查，已清理完毕，防护密闭门启闭正常。",
    ),
    1: Finding(
        (PENDING,),
        "擅自拆除人防工程防护单元之间的防护密闭隔墙约12平方米，改变工程主体结构，影响防空效能。",
        "责令停止违法行为，移交执法科立案调查。",
        pending=("已立案调查",),
    ),
    2: Finding(
        ("发现问题已责令改正", PENDING),
        "未建立人防工程维护管理制度，滤毒通风设备长期未维护，部分密闭阀门锈蚀。",
        "责令限期30日内整改并建立维护管理台账；对未履行维护管理责任的行为立案调查。",
        pending=("已立案调查",),
    ),
    3: Finding(
        ("未发现开展本次抽查涉及的经营活动",),
        "该单位人防工程已竣工验收但尚未投入平时使用，未发现本次抽查涉及的平时使用活动。",
        "纳入下一年度检查计划。",
        methods=("实地检查",),
    ),
    4: Finding(
        ("通过登记的住所（经营场所）无法联系",),
        "按登记住所两次实地核查，未找到该单位办公场所；登记电话无人接听。",
        "提请市场监督管理部门依法列入经营异常名录。",
        methods=("实地检查", "网络监测"),
    ),
    5: Finding(
        (PENDING,),
        "人防工程平时使用单位擅自改变使用用途，将物资库改作员工宿舍，存在消防安全隐患。",
        "现场责令停止使用，移送应急管理部门处理。",
        pending=("移送其他部门处理",),
    ),
}
EVIDENCE_AT = 0  # the result with an evidence file (its record of inspection)
SUBSTITUTE_AT = 7  # the result with a substitute inspector (found nothing)
CORRECTED_AT = 8  # published as 未发现问题, then corrected: a problem was left out
PENALTY_AT = (1, 2, 5)  # penalties follow these targets' results; the 2nd expires, 3rd revoked

CORRECTION = Finding(
    ("发现问题已责令改正",),
    "人防工程内应急照明灯具3处损坏，未按规定设置防护密闭门开启方向标识。",
    "现场责令7日内修复；2026年3月20日复查，已修复。",
)
CORRECTION_REASON = "复核检查笔录和现场照片时发现漏记两处问题，原结果“未发现问题”有误，予以更正。"


def _workdays(start: date, end: date) -> list[date]:
    # March 2026 has no holidays or adjusted workdays: Monday to Friday are the working days.
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def _spare(lc: Lifecycle, team: Team, day: date) -> str:
    """An active inspector outside the team, certificate valid on ``day``, no conflict."""
    with lc.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == team.target)))
        for row in s.exec(select(Inspector).order_by(col(Inspector.id))):
            usable = row.status == "active" and row.cert_valid_from <= day <= row.cert_valid_to
            if usable and row.id not in team.inspectors and row.id not in conflicted:
                return row.id
    raise AssertionError("the demo city has no spare inspector")  # pragma: no cover


def _evidence(team: Team, day: date) -> Evidence:
    """A small generated record of inspection (检查笔录): only its hash is published."""
    text = (
        f"检查笔录（演示）\n任务：{TASK}\n检查对象：{team.target}\n检查日期：{day.isoformat()}\n"
        f"检查人员：{'、'.join(team.inspectors)}\n{FINDINGS[EVIDENCE_AT].findings}\n"
    )
    return Evidence(f"检查笔录-{team.target}.txt", text.encode("utf-8"), "笔录", "现场制作")


def _entry(lc: Lifecycle, i: int, team: Team, day: date) -> ResultEntry:
    present = [Present(x) for x in team.inspectors]
    if i == SUBSTITUTE_AT:
        absent = team.inspectors[1]
        present[1] = Present(
            _spare(lc, team, day),
            replaces=absent,
            reason=f"原抽取检查人员{absent}因病住院，无法参加检查，经批准由替补人员参加",
            approved_by=LEADER,
        )
    entry = ResultEntry(
        TASK, team.target, [day], present, ["实地检查"] if i % 3 else ["实地检查", "书面检查"],
        [NO_PROBLEM],
    )  # fmt: skip
    found = FINDINGS.get(i)
    if found is not None:
        entry = replace(
            entry,
            methods=list(found.methods),
            categories=list(found.categories),
            pending_reasons=list(found.pending),
            findings=found.findings,
            follow_up=found.follow_up,
            # Where the shelter is: kept by the office, withheld by the publication rules.
            place=f"青岚市云台区人防工程（{team.target[-6:]}）地下一层",
        )
    if i == EVIDENCE_AT:
        entry = replace(entry, evidence=[_evidence(team, day)])
    return with_onsite(entry, i)


@dataclass
class Published:
    """What the results phase published (for the second phase and the summary)."""

    results: dict[str, Record]  # target -> its current result record
    teams: list[Team]
    penalties: list[int]
    withdrawn: Record | None = None


def _actor(names: dict[str, str], inspector: str) -> str:
    return f"检查员 {names[inspector]}（{inspector}）"


def _shown(record: Record | None) -> Record:
    """The record of an approval of a disclosed task's result (never held)."""
    if record is None:
        raise LotteryError("a disclosed task's approved result was held, not published")
    return record


def _approved(service: ResultsService, rid: int, at: datetime) -> Record:
    """Approve a result, then its 保密审查 (the publication rules govern results): the
    published record."""
    if service.approve(rid, at, reviewer=REVIEWER) is not None:
        raise LotteryError("a result was published without the publication review")
    return _shown(review(service, rid, at))


def _results(lc: Lifecycle, lines: list[str]) -> Published:
    service = ResultsService(lc.engine, lc.log)
    with lc.session() as s:
        teams = list(disclosed_outcome(s, lc.log, TASK)[1].teams)
        names = {row.id: row.name for row in s.exec(select(Inspector))}
    days = _workdays(*WINDOW)
    # Spread the checks over the window; the last target is checked on its last day.
    dated = [(i, t, days[i * len(days) // len(teams)]) for i, t in enumerate(teams)]
    ids = []
    for i, team, day in dated:
        entry = _entry(lc, i, team, day)
        actor = _actor(names, team.inspectors[0])
        ids.append(service.enter(entry, T_RESULTS + timedelta(minutes=i), actor=actor))
    published = {
        team.target: _approved(service, rid, T_APPROVALS + timedelta(minutes=i))
        for (i, team, _), rid in zip(dated, ids, strict=True)
    }
    # The correction: a new record superseding the published one, with its reason.
    i, team, day = dated[CORRECTED_AT]
    old = published[team.target]
    fixed = replace(
        _entry(lc, i, team, day),
        methods=list(CORRECTION.methods),
        categories=list(CORRECTION.categories),
        findings=CORRECTION.findings,
        follow_up=CORRECTION.follow_up,
    )
    fixed = with_onsite(replace(fixed, evidence=[]), CORRECTED)
    actor = _actor(names, team.inspectors[0])
    cid = service.correct(old.id, fixed, CORRECTION_REASON, T_CORRECTION, actor=actor)
    new = _approved(service, cid, T_CORRECTION + timedelta(hours=1))
    published[team.target] = new
    correction = (
        f"  correction: result {new.id[:16]}… supersedes {old.id[:16]}… ({team.target}: "
        f"未发现问题 -> {'、'.join(new.body['categories'])}), with its reason"
    )
    counts: dict[str, int] = {}
    for record in published.values():
        for cat in record.body["categories"]:
            counts[cat] = counts.get(cat, 0) + 1
    shown = "、".join(f"{c} {n}" for c, n in counts.items())
    lines.append(f"{TASK} results: {len(published)} current, one of them a correction ({shown})")
    sub = published[teams[SUBSTITUTE_AT].target].body["inspectors"][1]
    lines.append(
        f"  substitute: {sub['id']} for {sub['replaces']} at {teams[SUBSTITUTE_AT].target} "
        f"(approved by {sub['approved_by']})"
    )
    sealed = service.content(published[teams[EVIDENCE_AT].target].id) or {}
    ev = sealed["evidence"][0]
    lines.append(
        f"  evidence file {ev['name']}: only its sha256 {ev['sha256'][:16]}… published "
        "(in the result's sealed content)"
    )
    lines.append(correction)
    return Published(published, teams, [])


def _penalties(lc: Lifecycle, done: Published, lines: list[str]) -> None:
    service = PenaltyService(lc.engine, lc.log)
    specs: Sequence[tuple[datetime, str, str, str, int, str, date]] = (
        (
            T_PENALTY_1,
            "青人防罚〔2026〕3号",
            "擅自拆除人防工程防护密闭隔墙约12平方米，改变人防工程主体结构，影响防空效能。",
            "责令限期恢复原状，并处罚款人民币叁万元",
            3_000_000,
            "人民币叁万元整",
            date(2027, 4, 8),
        ),
        (
            T_PENALTY_2,
            "青人防罚〔2026〕4号",
            "未按规定对人防工程进行维护管理，滤毒通风设备和密闭阀门损坏，责令改正后逾期未改正。",
            "警告，并处罚款人民币伍仟元",
            500_000,
            "人民币伍仟元整",
            PUBLISH_UNTIL_2,
        ),
        (
            T_PENALTY_3,
            "青人防罚〔2026〕5号",
            "擅自将人防工程物资库改作员工宿舍使用，改变人防工程平时使用用途且未办理相关手续。",
            "警告，并处罚款人民币捌仟元",
            800_000,
            "人民币捌仟元整",
            date(2027, 4, 9),
        ),
    )
    rows = zip(specs, PENALTY_AT, PARTIES, strict=True)
    for (at, number, facts, content, fen, text, until), i, (address, person, what) in rows:
        target = done.teams[i].target
        entry = PenaltyEntry(
            decision=number,
            target=target,
            decided=(at - timedelta(days=1)).date(),
            facts=facts,
            basis=f"{LAW}第四十九条第（一）项、第（七）项",
            kind="警告、罚款" if fen < 1_000_000 else "罚款",
            content=content,
            authority=OFFICE,
            publish_until=until,
            amounts=[Amount("罚款", fen, text)],
            result=done.results[target].id,
            address=address,
            representative=person,
            authority_code=OFFICE_CODE,
            violation=what,
        )
        pid = service.enter(entry, at, actor=CLERK)
        record = service.approve(pid, at + timedelta(hours=4), reviewer=LEADER)
        done.penalties.append(pid)
        claim = record.body["deadline"]
        status = "on time" if claim["on_time"] else f"late by {claim['late_by']} working days"
        lines.append(
            f"penalty {number} ({target}, decided {claim['start']}): published "
            f"{claim['published']}, due {claim['due']}, {status}; shown until {until}"
        )


def _report(lc: Lifecycle, lines: list[str]) -> None:
    service = ReportService(lc.engine, lc.log)
    draft = service.draft(TASK, T_REPORT_DRAFT, actor=DRAFTER)
    opinion = (
        "本次抽查总体情况良好，绝大多数人防工程平时使用和维护管理符合规定。"
        "对发现问题的单位已当场责令改正或立案调查；对登记住所无法联系的单位，"
        "已提请市场监督管理部门列入经营异常名录。下一步将加强对高风险对象的检查频次，"
        "督促平时使用单位落实维护管理责任。"
    )
    service.edit(TASK, draft.text.replace("（待填写）", opinion), T_REPORT_DRAFT, actor=DRAFTER)
    record = service.approve(TASK, T_REPORT_APPROVE, reviewer=LEADER)
    claim = record.body["deadline"]
    status = "on time" if claim["on_time"] else f"LATE by {claim['late_by']} working days"
    lines.append(
        f"{TASK} task report: inspections completed {claim['start']}, due {claim['due']}, "
        f"published {claim['published']}: {status} (on purpose)"
    )


def _withdraw(lc: Lifecycle, done: Published, lines: list[str]) -> None:
    service = PenaltyService(lc.engine, lc.log)
    withdrawn = service.withdraw_expired(T_WITHDRAW, actor=LEADER)
    # The clerk notes the revocation first (the 工作台 then shows the 3-working-day
    # withdrawal), the leader withdraws it within the deadline.
    service.note_revocation(done.penalties[2], REVOKED, T_WITHDRAW, actor=CLERK)
    revoked = service.withdraw(
        done.penalties[2],
        REVOKE_REASON,
        T_REVOKE_WITHDRAW,
        actor=LEADER,
        ground="revoked",
        revoked=REVOKED,
    )
    for record in [*withdrawn, revoked]:
        body = record.body
        due = body["deadline"]
        within = "" if due is None else f", due {due['due']}, on time: {due['on_time']}"
        lines.append(
            f"penalty {body['decision']} withdrawn {body['time'][:10]} "
            f"({body['reason']}{within}): its sealed content deleted, the log keeps the hash"
        )
    done.withdrawn = withdrawn[0] if withdrawn else None


def result_phases(lc: Lifecycle, lines: list[str]) -> list[tuple[datetime, Callable[[], None]]]:
    """The phases of results and penalties, each with the time it starts, in time order.

    The first (April 2026) needs T2026-001 disclosed; the second (October 2026) withdraws
    the penalty whose publication period ended and the one whose decision was revoked.
    """
    state: list[Published] = []

    def first() -> None:
        done = _results(lc, lines)
        _penalties(lc, done, lines)
        _report(lc, lines)
        rectify(lc, lines)  # 整改 and 复查 on one result (lottery/demo/rectification.py)
        state.append(done)

    def second() -> None:
        _withdraw(lc, state[0], lines)

    def objections() -> None:
        objections_phase(lc, lines)  # one upheld, one dismissed (lottery/demo/objections.py)

    return [(T_RESULTS, first), (T_RECORD_UPHELD, objections), (T_WITHDRAW, second)]


__all__ = ["TASK", "result_phases"]
