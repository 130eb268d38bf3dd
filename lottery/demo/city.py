"""``lottery demo``: a fictional city's office on the real service, end to end.

青岚市 (division codes 4199xx; no such city exists) keeps its registries in Excel and CSV files:
the demo writes them into ``DIR/input`` (GBK and UTF-8 CSV, XLSX) and imports them through the
import service (:mod:`lottery.service.registries`), publishes registry snapshots and two
versions of the item list, then takes five tasks through the service's lifecycle
(:class:`lottery.service.lifecycle.Lifecycle`) at fixed past times: two disclosed, one drawn
and sealed, one cancelled, one announced and waiting for its beacon. No network is used: one
task uses a recorded drand quicknet round (round 123, a real one), the others public-numbers
beacons with fictional numbers, and the output says which. Between the tasks, in time order,
:mod:`lottery.demo.results` publishes T2026-001's inspection results, a correction, two
penalties (one later withdrawn) and its task report, late on purpose.

Private state (database, office key, secrets key) stays in ``DIR/data``; the public export is
written to ``DIR/export`` with ``lc.export_to``; ``lottery demo`` then builds the site in
``DIR/site`` and verifies it. A rerun starts again from nothing (the directory holds a marker
file, and the demo refuses to clear a directory without it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from lottery.core import drand
from lottery.core.beacon import (
    BeaconSpec,
    BeaconValue,
    DrandBeacon,
    NumberSource,
    PublicNumbersBeacon,
    PublicNumbersValue,
)
from lottery.core.canonical import format_time
from lottery.core.draw import TaskParams
from lottery.core.errors import InputError
from lottery.core.joint import Departments
from lottery.demo.accounts import DemoAccount, create_demo_accounts, link_demo_inspector
from lottery.demo.documents import with_documents
from lottery.demo.early import early_phase
from lottery.demo.exchange import exchange_exports
from lottery.demo.items import demo_items
from lottery.demo.plan import TASK_ENTRIES, YEAR, plan_phase, publish_demo_plan
from lottery.demo.recorded import numbers_beacon, quicknet_round_123
from lottery.demo.results import OFFICE, result_phases
from lottery.demo.risk import publish_demo_rules
from lottery.demo.synthetic import CITY, DEFAULT_RATIOS, FIRE, HOUSING, City, make_city
from lottery.demo.witnesses import DemoWitnesses, read_private_keys
from lottery.registry_io import export_csv, export_xlsx
from lottery.service import cancellations
from lottery.service.committed_pool import withhold_type
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import import_registry, publish_snapshot
from lottery.service.risk_policy import current_version
from lottery.settings import Settings, get_settings
from lottery.storage.models import SealedOutcome, Task, TaskSecret

ORIGIN = "rfb.demo.example/lottery"
OFFICE_NAME = f"{CITY}人民防空办公室"  # the lead of its joint task (部门联合抽查)
MARKER = ".lottery-demo"
ACTOR = "demo:规划科"
HEAD = "demo:主任"  # the second person who confirms a cancellation
T_FIRST_IMPORT = "2023-08-01T01:00:00Z"
T_SECOND_IMPORT = "2026-01-05T01:00:00Z"


def _t(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _numbers(draw_date: str, label: str) -> BeaconSpec:
    return numbers_beacon(draw_date, f"演示：{label}", (0, (1, 2, 3, 4, 5, 6)))[0]


def _future_round(not_before: datetime, grace_seconds: int) -> DrandBeacon:
    """The first quicknet round due after ``not_before``, with a deadline ``grace`` later."""
    info = drand.QUICKNET
    rnd = drand.round_at(info, int(not_before.timestamp())) + 1
    deadline = datetime.fromtimestamp(drand.round_time(info, rnd) + grace_seconds, UTC)
    return DrandBeacon("quicknet", info.chain_hash.hex(), rnd, format_time(deadline))


@dataclass
class DemoTask:
    """One demo task: what happens to it and when."""

    task: str
    title: str
    beacon: BeaconSpec
    value: BeaconValue | None
    announce: str
    window: tuple[str, str]
    disclosure: str
    draw: str | None = None
    reveal: str | None = None
    cancel: str | None = None
    cancel_reason: str = ""
    beacon_note: str = ""
    items: tuple[str, ...] = ("RF-001",)
    org_units: tuple[str, ...] = ()  # empty: the whole city (every unit's inspectors too)
    team_size: int = 2
    departments: Departments | None = None  # 部门联合抽查: the other departments that join
    # Target types whose identity the office withholds from this task's announcement on
    # (committed pools, docs/spec.md §4): published as commitments, only the picks opened.
    withhold: tuple[str, ...] = ()


def demo_tasks() -> list[DemoTask]:
    """Seven tasks covering every state, one of them a joint task with 住建 and 消防, one a
    committed pool."""
    quicknet = drand.QUICKNET
    return [
        DemoTask(
            "T2023-DRAND",
            "2023年人防工程防护设备质量抽查（drand 实测轮次）",
            BeaconSpec(
                DrandBeacon("quicknet", quicknet.chain_hash.hex(), 123, "2023-08-23T15:45:33Z"),
                PublicNumbersBeacon(
                    "drand 缺失时的备用号码（演示）",
                    (NumberSource("福彩3D（演示）", "2023-08-24 期", "number", 1),),
                    "2023-08-24",
                ),
            ),
            quicknet_round_123(),
            "2023-08-23T15:09:33Z",
            ("2023-09-04", "2023-09-29"),
            "2023-09-01T00:00:00Z",
            draw="2023-08-23T15:16:00Z",
            reveal="2023-09-01T00:00:00Z",
            beacon_note="recorded drand quicknet round 123 (real, verified with BLS)",
            items=("RF-001",),
        ),
        DemoTask(
            "T2026-001",
            "2026年第一季度人防工程平时使用情况抽查",
            _numbers("2026-03-02", "第一季度"),
            PublicNumbersValue.from_values([[408], [2, 7, 11, 19, 26, 30]]),
            "2026-03-01T02:00:00Z",
            ("2026-03-10", "2026-03-31"),
            "2026-04-01T00:00:00Z",
            draw="2026-03-02T14:00:00Z",
            reveal="2026-04-01T00:00:00Z",
            beacon_note="fictional public numbers",
            items=("RF-005",),
        ),
        DemoTask(
            "T2026-002",
            "2026年第二季度人防工程监理单位抽查",
            _numbers("2026-05-06", "第二季度"),
            PublicNumbersValue.from_values([[71], [5, 9, 14, 22, 28, 33]]),
            "2026-05-05T02:00:00Z",
            ("2026-05-11", "2026-06-26"),
            "2026-12-31T00:00:00Z",
            draw="2026-05-06T14:00:00Z",
            beacon_note="fictional public numbers; sealed until 2026-12-31",
            items=("RF-003",),
        ),
        DemoTask(
            "T2026-003",
            "2026年人防警报设施安装使用抽查（已取消）",
            _numbers("2026-07-08", "警报设施"),
            PublicNumbersValue.from_values([[902], [1, 3, 17, 20, 24, 31]]),
            "2026-07-07T02:00:00Z",
            ("2026-07-13", "2026-07-31"),
            "2026-08-01T00:00:00Z",
            draw="2026-07-08T14:00:00Z",
            cancel="2026-07-09T03:00:00Z",
            cancel_reason="抽取后发现对象名录库中警报设施类型标注错误，任务取消并重新组织",
            beacon_note="fictional public numbers",
            items=("RF-006",),
            org_units=("RFB-419905",),
        ),
        DemoTask(  # 部门联合抽查: one inspector of the office, 住建 and 消防 in every team
            "T2026-007",
            "2026年防空地下室建设情况部门联合抽查（人防、住建、消防）",
            _numbers("2026-09-08", "联合抽查"),
            PublicNumbersValue.from_values([[356], [4, 8, 15, 16, 23, 42]]),
            "2026-09-07T02:00:00Z",
            ("2026-09-14", "2026-09-30"),
            "2026-10-09T00:00:00Z",
            draw="2026-09-08T14:00:00Z",
            reveal="2026-10-09T00:00:00Z",
            beacon_note="fictional public numbers; a joint task with 住建 and 消防",
            items=("RF-007",),
            team_size=3,
            departments=Departments(OFFICE_NAME, (HOUSING, FIRE), one_per_team=True),
        ),
        DemoTask(  # a committed pool: shelter users published as commitments (issue #18)
            "T2026-008",
            "2026年第四季度人防工程平时使用单位抽查（承诺值名单）",
            _numbers("2026-10-13", "平时使用"),
            PublicNumbersValue.from_values([[615], [3, 6, 12, 18, 25, 29]]),
            "2026-10-12T02:00:00Z",
            ("2026-10-19", "2026-10-30"),
            "2026-11-02T00:00:00Z",
            draw="2026-10-13T14:00:00Z",
            reveal="2026-11-02T00:00:00Z",
            beacon_note="fictional public numbers; a committed pool, only the picks named",
            items=("RF-005",),
            withhold=("peacetime_use",),
        ),
        DemoTask(
            "T2026-004",
            "2026年第四季度人防工程质量检测机构抽查",
            BeaconSpec(
                _future_round(_t("2026-12-15T02:00:00Z"), 3600),
                PublicNumbersBeacon(
                    "drand 缺失时的备用号码（演示）",
                    (NumberSource("福彩3D（演示）", "2026-12-16 期", "number", 1),),
                    "2026-12-16",
                ),
            ),
            None,
            "2026-11-20T02:00:00Z",
            ("2026-12-16", "2026-12-31"),
            "2027-01-10T00:00:00Z",
            beacon_note="waiting for a future drand quicknet round",
            items=("RF-004",),
        ),
    ]


@dataclass
class DemoResult:
    """What ``run_demo`` made and where.

    Attributes:
        export: the public export (``DIR/export``).
        data: the private state (``DIR/data``): database, office key, secrets key.
        inputs: the registry files that were imported, in order.
        lines: what to print, one line per step and task.
        states: task id -> its final state.
        accounts: the staff logins made for the console, one per role.
    """

    export: Path
    data: Path
    inputs: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        """``export, lines = run_demo(out)``, as callers of the earlier in-memory demo wrote."""
        return iter((self.export, self.lines))


def demo_settings(out: Path) -> Settings:
    """The demo's service settings: always its own SQLite file under ``DIR/data``."""
    data = out / "data"
    return get_settings(
        data_dir=data, database_url=f"sqlite:///{data / 'lottery.db'}", log_origin=ORIGIN
    )


def _fresh(out: Path) -> None:
    """Start from nothing: clear a previous demo run, refuse any other non-empty directory."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise InputError(f"{out} is not empty and not a demo directory; choose another --out")
        # The site may be a link into site.builds/ (the service publishes it by itself).
        if (out / "site").is_symlink():
            (out / "site").unlink()
        names = ("data", "input", "export", "exchange", "site", "site.builds", "site-export")
        for name in (*names, "build"):
            shutil.rmtree(out / name, ignore_errors=True)
        (out / "demo-accounts.txt").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("lottery demo output; `lottery demo` clears and rewrites it\n")


def _write_inputs(city: City, inp: Path) -> dict[str, Path]:
    """The office's registry files, in the formats staff send (GBK CSV, UTF-8 CSV, XLSX)."""
    inp.mkdir(parents=True)
    files = {
        "org-units": inp / "组织机构.xlsx",
        "targets": inp / "抽查对象名录库-2023.csv",  # re-encoded as GBK below
        "inspectors": inp / "执法检查人员名录库-2023.xlsx",
        "conflicts": inp / "回避关系.csv",
        "history": inp / "检查记录-2022.csv",
        "items": inp / "抽查事项清单-第1版.xlsx",
        "targets-later": inp / "抽查对象名录库-2026.xlsx",
        "inspectors-later": inp / "执法检查人员名录库-2026.csv",
        "history-later": inp / "检查记录-2025.csv",
        "items-later": inp / "抽查事项清单-第2版.xlsx",
    }
    rows: dict[str, list[object]] = {
        "org-units": list(city.org_units),
        "targets": list(city.targets),
        "inspectors": list(city.inspectors),
        "conflicts": list(city.conflicts),
        "history": list(city.history),
        "items": list(demo_items(1)),
        "targets-later": list(city.targets_later),
        "inspectors-later": list(city.inspectors_later),
        "history-later": list(city.history_later),
        "items-later": list(demo_items(2)),
    }
    for key, path in files.items():
        if path.suffix == ".xlsx":
            export_xlsx(rows[key], path)
        else:
            export_csv(rows[key], path)
    gbk = files["targets"]
    gbk.write_bytes(gbk.read_text(encoding="utf-8-sig").encode("gbk"))
    return files


def _import(lc: Lifecycle, result: DemoResult, kind: str, path: Path, when: str) -> None:
    done = import_registry(lc, kind, path, actor=ACTOR, now=_t(when), effective=_t(when).date())
    result.inputs.append(path)
    enc = f", {done.encoding}" if done.encoding else ""
    result.lines.append(f"import {path.name} ({done.format}{enc}): {done.summary()}")


def _snapshots(lc: Lifecycle, result: DemoResult, when: str) -> None:
    for registry in ("org-units", "targets", "inspectors"):
        record = publish_snapshot(lc, registry, actor=ACTOR, now=_t(when))
        fresh = record.body["as_of"] == when
        note = "" if fresh else " (unchanged: the earlier record stands)"
        result.lines.append(
            f"snapshot {registry}: {record.body['rows']} rows, record {record.id[:16]}…{note}"
        )


def _run_task(lc: Lifecycle, demo: DemoTask, params: TaskParams) -> str:
    for kind in demo.withhold:
        withhold_type(lc, kind, True, actor=ACTOR, now=_t(demo.announce))
    lc.create_task(params, _t(demo.announce), actor=ACTOR)
    lc.announce(demo.task, _t(demo.announce), actor=ACTOR)
    if demo.draw and demo.value is not None:
        lc.draw(demo.task, demo.value, _t(demo.draw))
    if demo.reveal:
        lc.disclose(demo.task, _t(demo.reveal))
    if demo.cancel:  # two people, as staff must: the planning section asks, the head confirms
        cancellations.request_cancel(lc, demo.task, demo.cancel_reason, ACTOR, _t(demo.cancel))
        cancellations.confirm_cancel(lc, demo.task, HEAD, _t(demo.cancel))
    return lc.get_task(demo.task).state


def run_demo(out: Path, *, documents: bool = True) -> DemoResult:
    """Import the city's registries, run every demo task, write the export under ``out``.

    ``documents``: issue the 通知书/笔录/告知书 PDFs for T2026-001's picks (about 45 s of
    rendering; the tests that only read the site and the log build the demo without them).

    Raises:
        InputError: when ``out`` is a non-empty directory that no demo made.
    """
    _fresh(out)
    city = make_city()
    files = _write_inputs(city, out / "input")
    settings = demo_settings(out)
    result = DemoResult(out / "export", settings.data_dir)
    lc = Lifecycle.open(settings)
    try:
        # The witnesses' policy first in the log (every task is held to it); each announcement
        # is then cosigned 30 s after it (lottery/demo/witnesses.py).
        witnesses = DemoWitnesses(lc, settings, settings.data_dir)
        witnesses.publish_policy(result.lines)
        witnesses.follow_announcements()
        for kind in ("org-units", "targets", "inspectors", "conflicts", "history", "items"):
            _import(lc, result, kind, files[kind], T_FIRST_IMPORT)
        result.lines += publish_demo_rules(lc, ACTOR, _t(T_FIRST_IMPORT))
        _snapshots(lc, result, T_FIRST_IMPORT)
        units = tuple(city.unit_codes)
        second_done = False
        # Results, penalties and the report run between the tasks, so the log stays in time order.
        phases = result_phases(lc, result.lines)
        if documents:
            phases = with_documents(phases, lc, settings.data_dir / "documents", result.lines)
        phases.append(
            early_phase(lc, tuple(city.unit_codes), result.lines, out / "input")
        )  # T2026-005/6
        phases.append(plan_phase(lc, result.lines))  # the plan's June change (version 2)
        phases.sort(key=lambda phase: phase[0])
        for demo in demo_tasks():
            while phases and phases[0][0] < _t(demo.announce):
                phases.pop(0)[1]()
            if not second_done and demo.announce > T_SECOND_IMPORT:
                for kind in ("targets", "inspectors", "history", "items"):
                    _import(lc, result, kind, files[f"{kind}-later"], T_SECOND_IMPORT)
                _snapshots(lc, result, T_SECOND_IMPORT)
                publish_demo_plan(lc, 1, result.lines)  # the 2026 annual plan (docs/plans.md)
                second_done = True
            with lc.session() as session:  # the version in force: rules make versions too
                version = current_version(session) or 1
            params = TaskParams(
                task=demo.task,
                title=demo.title,
                org_units=demo.org_units or units,
                window_start=demo.window[0],
                window_end=demo.window[1],
                ratios=DEFAULT_RATIOS,
                team_size=demo.team_size,
                disclosure=demo.disclosure,
                beacon=demo.beacon,
                items=tuple((code, version) for code in demo.items),
                plan=(YEAR, TASK_ENTRIES[demo.task]) if demo.task in TASK_ENTRIES else None,
                departments=demo.departments,
            )
            state = _run_task(lc, demo, params)
            result.states[demo.task] = state
            shown = {"drawn": "drawn (sealed)", "announced": "announced, waiting for its beacon"}
            result.lines.append(
                f"{demo.task}: {shown.get(state, state)}; beacon: {demo.beacon_note}"
            )
        for _, phase in phases:
            phase()
        exchange_exports(lc, OFFICE, out / "exchange", result.lines)  # docs/exchange.md
        result.lines.append(witnesses.cosign_latest())  # the final checkpoint too
        witnesses.write_serve_file()  # for `make demo`'s witness servers
        checkpoint = lc.export_to(result.export)
        result.lines.append(f"log {ORIGIN}: {checkpoint.size} records, signed checkpoint")
        # Staff logins for the console, made now (they are private: not in the log).
        result.accounts = create_demo_accounts(lc, datetime.now(UTC), out)
        linked = link_demo_inspector(lc, "T2026-001", datetime.now(UTC))
        result.lines.append(f"console account inspector is inspector {linked} (我的检查任务)")
    finally:
        lc.engine.dispose()
    return result


def undisclosed_secrets(out: Path) -> dict[str, bytes]:
    """Everything of the demo that must never be published yet (for the tests' scan).

    The office's private key, and for every task not disclosed or cancelled its office secret
    and (when drawn) its sealed outcome blob, read from ``DIR/data`` through the service.
    """
    settings = demo_settings(out)
    hidden = {"office.key": (settings.keys_dir / "office.key").read_bytes().strip()}
    hidden |= read_private_keys(settings.data_dir)  # the witnesses' TEST/DEMO-only keys
    lc = Lifecycle.open(settings)
    try:
        with lc.session() as session:
            undisclosed = select(Task).where(col(Task.state).in_(("announced", "drawn")))
            for task in session.exec(undisclosed):
                row = session.get(TaskSecret, task.id)
                if row is not None:
                    hidden[f"{task.id} secret"] = lc.keeper.open(
                        "office-secret", task.id, row.ciphertext
                    )
                sealed = session.get(SealedOutcome, task.id)
                if sealed is not None:
                    hidden[f"{task.id} outcome"] = lc.keeper.open(
                        "outcome", task.id, sealed.ciphertext
                    )
    finally:
        lc.engine.dispose()
    return hidden
