"""What the console's pages show, read from the service's state (read-only, no decisions).

Each function returns small view models that the templates word and lay out. Transitions go
through the service (``Lifecycle``) in the page modules, never here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from lottery.core.beacon import BeaconSpec, DrandBeacon, PublicNumbersBeacon
from lottery.core.canonical import parse_time
from lottery.core.errors import LotteryError
from lottery.core.workdays import CalendarDataMissing
from lottery.service import beacons, cancellations, org_scope
from lottery.service.calendar import calendar_in
from lottery.service.committed_pool import staff_outcome
from lottery.service.lifecycle import Lifecycle
from lottery.service.lost_secrets import LostSecret, lost_secret_tasks
from lottery.service.params import params_from_task
from lottery.service.penalties import pending_deadlines
from lottery.service.result_entry import CST, local_date
from lottery.service.risk_policy import current_rules
from lottery.storage.models import (
    CancelRequest,
    CheckpointRow,
    Inspector,
    ItemListVersion,
    LogEntry,
    Objection,
    OrgUnit,
    Target,
    Task,
)

from .inspector_views import GONE_ZH

ACTIVE_STATES = ("draft", "announced", "drawn")
DEADLINE_KINDS_ZH = {
    "task-report": "抽查报告",
    "penalty": "行政处罚",
    "penalty-withdrawal": "撤回被撤销的行政处罚（3 个工作日内）",
}


@dataclass(frozen=True)
class Moment:
    """A planned or past event of a task: what, and when (a time, or a date for a draw)."""

    label: str
    at: datetime | None = None
    day: date | None = None

    @property
    def sort_key(self) -> datetime:
        """The moment, a day counting from its start in Beijing time."""
        if self.at is not None:
            return self.at
        day = self.day or date.max
        return datetime.combine(day, datetime.min.time(), tzinfo=CST)


@dataclass(frozen=True)
class Upcoming:
    """The next scheduled step of a task, for the dashboard."""

    task: Task
    moment: Moment


@dataclass(frozen=True)
class PublicLink:
    label: str
    href: str
    at: datetime | None


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    plan: list[Moment]
    beacon: list[str]
    items: list[tuple[str, str]]
    records: list[PublicLink]
    pending_numbers: tuple[str, datetime] | None
    pending_cancel: CancelRequest | None


@dataclass(frozen=True)
class PendingBeacon:
    task: Task
    entered_by: str
    entered_at: datetime


@dataclass(frozen=True)
class PendingCancel:
    """A cancellation asked for by one person, waiting for a second one."""

    task: Task
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class Due:
    kind: str
    ref: str
    due: date | None
    left: int | None
    overdue: bool
    problem: str | None


@dataclass(frozen=True)
class OpenObjection:
    """An objection recorded and not yet decided (docs/objections.md), with its period."""

    number: int
    task: str
    target: str
    target_name: str
    received: date
    due: date
    left: int | None
    """Working days from today to the period's last day (negative: past it; None: the
    calendar of a year in between is missing)."""

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left < 0


@dataclass(frozen=True)
class Dashboard:
    upcoming: list[Upcoming]
    sealed: list[Task]
    pending: list[PendingBeacon]
    checkpoint: tuple[int, datetime] | None
    due: list[Due]
    cancellations: list[PendingCancel]
    objections: list[OpenObjection] = field(default_factory=list)
    lost: list[LostSecret] = field(default_factory=list)
    """Tasks whose secret the service cannot open (lottery/service/lost_secrets.py)."""


@dataclass(frozen=True)
class PickedRow:
    """One picked target of a sealed outcome, with its team."""

    number: int
    uscc: str
    name: str
    type: str
    region: str
    risk: str
    inspectors: list[str] = field(default_factory=list)
    inspector_ids: list[str] = field(default_factory=list)


def _beacon(task: Task) -> BeaconSpec | None:
    try:
        return BeaconSpec.from_dict(task.params["beacon"])
    except (LotteryError, KeyError, TypeError):
        return None


def draw_moment(task: Task) -> Moment | None:
    """When the task's beacon value appears: the drand round's time or the numbers' draw day."""
    spec = _beacon(task)
    if spec is None:
        return None
    primary = spec.primary
    if isinstance(primary, DrandBeacon):
        try:
            return Moment("抽取（drand 随机数产生）", at=primary.due_time())
        except LotteryError:
            return None
    return Moment("抽取（公开开奖号码的开奖日）", day=date.fromisoformat(primary.draw_date))


def plan_of(task: Task) -> list[Moment]:
    """The task's planned times: announcement (if scheduled), draw, disclosure."""
    plan = []
    announce_at = task.params.get("announce_at")
    if announce_at:
        plan.append(Moment("定时公告", at=parse_time(announce_at)))
    drawn = draw_moment(task)
    if drawn is not None:
        plan.append(drawn)
    plan.append(Moment("公开抽取结果", at=parse_time(task.params["disclosure"])))
    return plan


def next_moment(task: Task) -> Moment | None:
    """The step the task waits for, or None (a draft without a scheduled announcement)."""
    if task.state == "draft":
        at = task.params.get("announce_at")
        return Moment("定时公告", at=parse_time(at)) if at else None
    if task.state == "announced":
        return draw_moment(task)
    if task.state == "drawn":
        return Moment("公开抽取结果", at=parse_time(task.params["disclosure"]))
    return None


def beacon_lines(task: Task) -> list[str]:
    """The task's beacon in plain words."""
    spec = _beacon(task)
    if spec is None:
        return ["随机数来源参数无法读取"]
    lines = [_beacon_line(spec.primary)]
    if spec.fallback is not None:
        lines.append("备用：" + _beacon_line(spec.fallback))
    return lines


def _beacon_line(beacon: DrandBeacon | PublicNumbersBeacon) -> str:
    if isinstance(beacon, DrandBeacon):
        return f"drand 公共随机数（{beacon.chain} 链）第 {beacon.round} 轮"
    sources = "、".join(s.announced_draw for s in beacon.sources)
    return f"{beacon.description}：{sources}（开奖日 {beacon.draw_date}）"


def _record_time(session: Session, record_id: str | None) -> datetime | None:
    if record_id is None:
        return None
    return session.exec(select(LogEntry.time).where(LogEntry.record_id == record_id)).first()


def _records(session: Session, task: Task) -> list[PublicLink]:
    closing = "取消公告" if task.state == "cancelled" else "公开抽取结果"
    named = (
        ("抽查公告", task.announcement_record),
        ("抽取记录（结果摘要）", task.draw_record),
        (closing, task.closing_record),
    )
    return [
        PublicLink(label, f"/log/records/{rid}", _record_time(session, rid))
        for label, rid in named
        if rid is not None
    ]


def _items(session: Session, task: Task) -> list[tuple[str, str]]:
    out = []
    for code, version in task.params.get("items", []):
        row = session.get(ItemListVersion, int(version))
        names = {i.get("code"): i.get("name") for i in (row.items if row else [])}
        out.append((str(code), str(names.get(code) or "（清单中无此事项）")))
    return out


def task_detail(lc: Lifecycle, task_id: str) -> TaskDetail:
    """One task as its page shows it.

    Raises:
        TaskNotFound: when there is no such task.
    """
    task = lc.get_task(task_id)
    pending = beacons.pending_entry(lc, task_id) if task.state == "announced" else None
    with lc.session() as session:
        records = _records(session, task)
        items = _items(session, task)
    return TaskDetail(
        task=task,
        plan=plan_of(task),
        beacon=beacon_lines(task),
        items=items,
        records=records,
        pending_numbers=(pending.entered_by, pending.entered_at) if pending else None,
        pending_cancel=cancellations.pending_request(lc, task_id),
    )


def _checkpoint(session: Session) -> tuple[int, datetime] | None:
    row = session.exec(select(CheckpointRow).order_by(col(CheckpointRow.size).desc())).first()
    return (row.size, row.created_at) if row is not None else None


def _in_scope(lc: Lifecycle, actor: str | None) -> list[Task]:
    """Every task, or with ``actor`` only those within the actor's org unit."""
    tasks = lc.list_tasks()
    return tasks if actor is None else org_scope.tasks_for(lc, actor, tasks)


def open_objections(lc: Lifecycle, today: date, actor: str | None = None) -> list[OpenObjection]:
    """Objections received and not decided, the period's earliest last day first, with the
    working days left in it; with ``actor``, those of tasks within the actor's org unit."""
    scope = None if actor is None else {t.id for t in _in_scope(lc, actor)}
    with lc.session() as session:
        rows = session.exec(
            select(Objection)
            .where(Objection.status == "received")
            .order_by(col(Objection.period_due), col(Objection.id))
        ).all()
        rows = [r for r in rows if scope is None or r.task in scope]
        names = {
            t.uscc: t.name
            for t in session.exec(
                select(Target).where(col(Target.uscc).in_({r.target for r in rows}))
            )
        }
        cal = calendar_in(session)
    out = []
    for row in rows:
        try:
            left: int | None = cal.workdays_between(today, row.period_due)
        except CalendarDataMissing:
            left = None
        out.append(
            OpenObjection(
                row.id or 0,
                row.task,
                row.target,
                names.get(row.target, ""),
                row.received,
                row.period_due,
                left,
            )
        )
    return out


def dashboard(lc: Lifecycle, now: datetime, actor: str | None = None) -> Dashboard:
    """The 工作台: tasks whose secret cannot be opened, upcoming steps, sealed tasks, beacons
    and cancellations awaiting a second person, the latest checkpoint and the publications
    due (7 working days); with ``actor``, the tasks within the actor's org unit only."""
    tasks = [t for t in _in_scope(lc, actor) if t.state in ACTIVE_STATES]
    upcoming = [Upcoming(t, m) for t in tasks if (m := next_moment(t)) is not None]
    upcoming.sort(key=lambda u: u.moment.sort_key)
    pending = []
    for task in tasks:
        if task.state != "announced":
            continue
        entry = beacons.pending_entry(lc, task.id)
        if entry is not None:
            pending.append(PendingBeacon(task, entry.entered_by, entry.entered_at))
    with lc.session() as session:
        checkpoint = _checkpoint(session)
    due = [
        Due(DEADLINE_KINDS_ZH.get(d.kind, "公示事项"), d.ref, d.due, d.left, d.overdue, d.problem)
        for d in pending_deadlines(lc.engine, lc.log, local_date(now))
    ]
    return Dashboard(
        upcoming=upcoming,
        sealed=[t for t in tasks if t.state == "drawn"],
        pending=pending,
        checkpoint=checkpoint,
        due=due,
        cancellations=[
            PendingCancel(task, request.requested_by, request.requested_at)
            for task, request in cancellations.pending_requests(lc)
            if actor is None or task.id in {t.id for t in tasks}
        ],
        objections=open_objections(lc, local_date(now), actor),
        lost=lost_secret_tasks(lc, task_ids=None if actor is None else {t.id for t in tasks}),
    )


def sealed_tasks(lc: Lifecycle, actor: str | None = None) -> list[Task]:
    """Tasks that have an outcome (drawn, disclosed, closed, or cancelled after the draw);
    with ``actor``, those within the actor's org unit."""
    return [t for t in _in_scope(lc, actor) if t.draw_record is not None]


def outcome_rows(lc: Lifecycle, blob: bytes) -> list[PickedRow]:
    """The outcome blob as a table: each picked target with its names and its team.

    Raises:
        EncodingError: when the blob is malformed.
    """
    with lc.session() as session:
        outcome = staff_outcome(session, blob)  # committed picks by their USCC
    teams = {t.target: t.inspectors for t in outcome.teams}
    picks = outcome.picks()
    with lc.session() as session:
        targets = {
            t.uscc: t for t in session.exec(select(Target).where(col(Target.uscc).in_(picks)))
        }
        people = {i.id: i.name for i in session.exec(select(Inspector))}
        regions = {u.region: u.name for u in session.exec(select(OrgUnit)) if u.region is not None}
        rules = current_rules(session)
    labels = rules.label_map() if rules.labels else {}
    rows = []
    for number, uscc in enumerate(picks, start=1):
        target = targets.get(uscc)
        rows.append(
            PickedRow(
                number=number,
                uscc=uscc,
                name=target.name if target else GONE_ZH,
                type=target.type if target else "—",
                region=_region(regions, target.region) if target else "—",
                risk=labels.get(target.risk_class, target.risk_class) if target else "—",
                inspectors=[people.get(i, f"（编号 {i}）") for i in teams.get(uscc, ())],
                inspector_ids=list(teams.get(uscc, ())),
            )
        )
    return rows


def _region(names: dict[str, str], code: str) -> str:
    name = names.get(code)
    return f"{name}（{code}）" if name else code


def numbers_beacon(service: Lifecycle, task: Task) -> PublicNumbersBeacon | None:
    """The public numbers staff enter for ``task`` now: its primary, or its declared
    fallback; None when the task is drawn otherwise (or is not announced)."""
    if task.state != "announced":
        return None
    spec = params_from_task(task).beacon
    if isinstance(spec.primary, PublicNumbersBeacon):
        return spec.primary
    if spec.fallback is None:
        return None
    with service.session() as session:
        return spec.fallback if beacons.fallback_declared(session, task.id) else None
