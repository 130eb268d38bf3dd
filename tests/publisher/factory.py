"""Synthetic public exports for the publisher's tests and bench/bench_site.py.

Built straight from the core (``inmemory`` tasks, ``make_record``, ``write_export``), never
through the database. The signing key and the task secrets are TEST-ONLY values from
tests/lifecycle.py; :class:`Built` keeps what must never reach a site (the key seed, the
secrets of unrevealed tasks, the sealed outcomes) so a test can scan a built site for them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.draw import TaskParams
from lottery.core.records import make_record, open_record
from lottery.core.sealed import SEALED_CONTENT, SEALED_OPTIONAL, seal
from lottery.core.workdays import deadline
from lottery.demo.synthetic import Registries, make_registries
from lottery.export.write import write_export
from lottery.service import inmemory
from publisher.snapshot import encode_snapshot
from tests.lifecycle import (
    LOG,
    T_ANNOUNCE,
    T_DRAW,
    T_REVEAL,
    TEST_KEY_SEED,
    beacon,
    office_signer,
    secret_for,
)

CITY = "武冈"
BRANDS = ("安泰", "恒信", "华宇", "国盛", "兴邦", "中天", "瑞丰", "鼎力", "宏达", "金盾")
TRADES = ("工程监理", "人防设备制造", "防护设备检测", "工程设计", "地下停车管理", "物业服务")
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ("建国", "海燕", "志强", "丽华", "文博", "晓东", "雪梅", "国庆")
RATIOS = {"A": 1000, "B": 1000, "C": 1000, "D": 1000}
# The task states the factory cycles through, by task number modulo 20.
STATES = ["disclosed", "drawn", "cancelled", "cancelled-early", "announced", *["disclosed"] * 15]


def target_name(n: int) -> str:
    """A fictional company name; the brand and trade sit in the middle of it."""
    return f"{CITY}{BRANDS[n % len(BRANDS)]}{TRADES[n // len(BRANDS) % len(TRADES)]}有限公司"


@dataclass
class Built:
    """An export and what it must never leak."""

    export: Path
    regs: Registries
    names: dict[str, str]
    states: dict[str, str]
    private_key: str
    secrets: list[str] = field(default_factory=list)
    sealed: list[bytes] = field(default_factory=list)
    sealed_strings: list[str] = field(default_factory=list)
    picks: dict[str, list[str]] = field(default_factory=dict)

    def forbidden(self) -> Iterator[tuple[str, bytes]]:
        """(what, bytes) that must appear nowhere in the export or the site."""
        yield "private key", self.private_key.encode()
        yield "private key (hex)", TEST_KEY_SEED.hex().encode()
        for secret in self.secrets:
            yield "secret of an unrevealed task", secret.encode()
        for blob in self.sealed:
            yield "sealed outcome", blob
            yield "sealed outcome (first half)", blob[: len(blob) // 2]
        for text in self.sealed_strings:
            yield "seed or ticket of a sealed draw", text.encode()


def _snapshots(regs: Registries, names: dict[str, str]) -> dict[str, bytes]:
    targets = [
        (
            c.id,
            names[c.id],
            ("人防工程使用单位", "人防设备生产企业")[n % 2],
            c.region,
            c.risk,
            "正常",
        )
        for n, c in enumerate(regs.candidates)
    ]
    inspectors = [
        (
            i.id,
            SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
            f"湘执{n:08d}",
            i.cert_valid_from,
            i.cert_valid_to,
            i.org_unit,
            "市级" if i.org_unit == "city" else "县级",
            "人防工程、防护设备" if n % 3 else "人防工程",
            "在岗",
            i.department,  # "": the office's own
        )
        for n, i in enumerate(regs.inspectors)
    ]
    units = [
        (
            u,
            "市人防办" if u == "city" else f"{u[-2:]}区人防办",
            "市级" if u == "city" else "县级",
            "" if u == "city" else "city",
            "419900" if u == "city" else u[-6:],
        )
        for u in regs.org_units
    ]
    return {
        "targets": encode_snapshot("targets", targets),
        "inspectors": encode_snapshot("inspectors", inspectors),
        "org-units": encode_snapshot("org-units", units),
    }


def _item(code: str, name: str) -> dict[str, object]:
    return {
        "code": code,
        "name": name,
        "basis": "《中华人民共和国人民防空法》第二十二条、第二十三条",
        "subject": "市人防办",
        "item": name,
        "content": f"{name}情况",
        "ratio": "按信用风险分类 3%-20%",
        "frequency": "每年不超过 2 次",
        "method": "实地检查",
        "requirements": "",
        "key": code.endswith("1"),
    }


def _deadline(start: str, at: datetime) -> dict[str, object]:
    """The deadline as the service computes it (built-in calendar; 7 working days from
    ``start``, published on the Beijing date of ``at``), so ``lottery verify`` agrees."""
    from lottery.service.calendar import builtin_calendar

    published = (at + timedelta(hours=8)).date()
    return deadline(builtin_calendar(), date.fromisoformat(start), 7, published).to_dict()


# What only the withdrawn penalty (武人防罚〔2026〕2号) says: none of it may be on the site.
WITHDRAWN_PENALTY = {
    "facts": "擅自拆除人防工程防护密闭设施且拒不恢复",
    "content": "责令恢复原状并处罚款人民币壹万贰仟叁佰肆拾伍元",
    "amount": "人民币壹万贰仟叁佰肆拾伍元整",
}


def _results(
    built: Built,
    run: inmemory.TaskRun,
    task: str,
    count: int,
    at: datetime,
    publish: Callable[[datetime, str, dict[str, object]], str],
    visits: dict[str, list[tuple[datetime, str]]],
) -> Callable[[], None] | None:
    """Inspection results for the first ``count`` picks; for the first task also a report
    (late: due 31 Mar, published 12 Apr) and two penalties, the second withdrawn (its facts,
    content and amount are its own, so a test can look for them on the site).

    Every result is dated 20 March, so the results of one target in several tasks are one
    joint visit: each names the tasks whose result for it was published before it
    (``joint_with``, spec §2). ``visits`` (target -> (published, task)) collects them over
    the tasks. The first task's correction, report and penalties come an hour and days
    later, after results of later tasks: they are returned, to be published once every
    task's results are known."""
    assert run.result is not None
    teams = {t.target: t.inspectors for t in run.result.teams}
    ids = []

    def result(target: str, at: datetime, **changes: object) -> str:
        joint = sorted({t for when, t in visits.get(target, []) if when < at and t != task})
        visits.setdefault(target, []).append((at, task))
        if joint:
            changes = {"joint_with": joint} | changes
        fields = {
            "task": task,
            "target": target,
            "target_name": built.names[target],
            "dates": ["2026-03-20"],
            "inspectors": [{"id": p, "role": "drawn"} for p in teams[target]],
            "methods": ["实地检查"],
            "categories": ["未发现问题"],
            "pending_reasons": [],
            "findings": "",
            "follow_up": "",
            "evidence": [],
            "entered_by": "录入员",
            "approved_by": "审核员",
            "supersedes": None,
            "correction_reason": None,
        }
        return publish(at, "inspection-result", fields | changes)

    for target in built.picks[task][:count]:
        ids.append(result(target, at))
    if task != "T2026-0001":
        return None
    return lambda: _first_task_tail(built, run, task, ids, at, publish, result)


def _first_task_tail(
    built: Built,
    run: inmemory.TaskRun,
    task: str,
    ids: list[str],
    at: datetime,
    publish: Callable[[datetime, str, dict[str, object]], str],
    result: Callable[..., str],
) -> None:
    """The first task's correction, report and penalties (see :func:`_results`)."""
    if len(ids) >= 3:  # the third result is corrected
        ids[2] = result(
            built.picks[task][2],
            at + timedelta(hours=1),
            categories=["发现问题已责令改正"],
            findings="防护密闭门未按规定维护",
            supersedes=ids[2],
            correction_reason="录入错误",
        )
    publish(
        at + timedelta(days=1),
        "task-report",
        {
            "task": task,
            "completed": "2026-03-20",
            "summary": _summary(run, built.picks[task][: len(ids)], len(ids) >= 3),
            "text": "本次抽查已完成，未发现重大问题。",
            "results": ids,
            "deadline": _deadline("2026-03-20", at + timedelta(days=1)),
            "drafted_by": "起草人",
            "approved_by": "审核员",
        },
    )
    penalties = []
    withdrawn = WITHDRAWN_PENALTY
    for n, target in enumerate(built.picks[task][:2], start=1):
        penalties.append(
            publish(
                at + timedelta(days=2),
                "penalty",
                {
                    "decision": f"武人防罚〔2026〕{n}号",
                    "target": target,
                    "entity": built.names[target],
                    "decided": "2026-04-02",
                    "facts": "未按规定维护人防工程" if n == 1 else withdrawn["facts"],
                    "basis": "《人民防空法》第四十九条",
                    "kind": "罚款",
                    "content": "罚款人民币五千元" if n == 1 else withdrawn["content"],
                    "amounts": [
                        {"kind": "罚款", "fen": 500000}
                        if n == 1
                        else {"kind": "罚款", "fen": 1234500, "text": withdrawn["amount"]}
                    ],
                    "authority": "武冈市人民防空办公室",
                    "result": ids[n - 1] if len(ids) >= n else None,
                    "publish_until": "2029-04-20",
                    "deadline": _deadline("2026-04-02", at + timedelta(days=2)),
                    "entered_by": "录入员",
                    "approved_by": "审核员",
                },
            )
        )
    publish(
        at + timedelta(days=3),
        "penalty-withdrawal",
        {"penalty": penalties[1], "reason": "经行政复议撤销"},
    )


def _summary(run: inmemory.TaskRun, checked: list[str], corrected: bool) -> dict[str, object]:
    """A report's figures as the service computes them from the results it covers (the
    third result, when there is one, was corrected to 发现问题已责令改正)."""
    assert run.result is not None
    bad = set(checked[2:3]) if corrected else set()
    by_region: dict[str, dict[str, int]] = {}
    for stratum, picks in run.result.selection:
        for pick in picks:
            row = by_region.setdefault(stratum.region, {"picked": 0, "checked": 0, "problems": 0})
            row["picked"] += 1
            row["checked"] += pick.target in checked
            row["problems"] += pick.target in bad
    return {
        "picked": sum(row["picked"] for row in by_region.values()),
        "checked": len(checked),
        "problems": len(bad),
        "by_category": {"未发现问题": len(checked) - len(bad), "发现问题已责令改正": len(bad)},
        "by_region": by_region,
    }


def build_export(
    out: Path,
    *,
    tasks: int = 6,
    targets: int = 600,
    inspectors: int = 40,
    pool: int = 300,
    results: int = 10,
    max_results: int | None = None,
    labels: dict[str, str] | None = None,
) -> Built:
    """Write an export: item lists, three snapshots, ``tasks`` tasks in every state, results.

    Task ``i`` draws from a slice of ``pool`` targets; each disclosed task gets ``results``
    inspection results for its first picks (``max_results`` in all at most), and the first
    task a report and two penalties (one withdrawn). ``labels``: item-list version 2 names the
    risk classes its own way (``risk_rules.labels``).
    """
    signer = office_signer()
    regs = make_registries(targets, inspectors, n_regions=3, seed=11)
    names = {c.id: target_name(n) for n, c in enumerate(regs.candidates)}
    built = Built(out, regs, names, {}, base64.b64encode(TEST_KEY_SEED).decode())
    events: list[tuple[datetime, int, bytes]] = []
    blobs: dict[str, bytes] = {}

    sealed: dict[str, tuple[str, str]] = {}  # penalty id -> (decision, sealed digest)

    def publish(at: datetime, kind: str, fields: dict[str, object]) -> str:
        # A penalty is written as the service writes it: its content sealed in a salted blob
        # (the salt derived from the decision here, so the export is reproducible); a
        # withdrawal names that blob and removes it from the export.
        if kind == "penalty":
            content = {k: fields[k] for k in SEALED_CONTENT["penalty"]}
            data = seal(
                "penalty", content, sha256_hex(str(fields["decision"]).encode()).encode()[:32]
            )
            blobs[sha256_hex(data)] = data
            public = {k: v for k, v in fields.items() if k not in content}
            fields = public | {"sealed": sha256_hex(data)}
        if kind == "inspection-result":
            content = {k: fields[k] for k in SEALED_CONTENT[kind]}
            content |= {k: fields[k] for k in SEALED_OPTIONAL[kind] if k in fields}
            salt = sha256_hex(canonical_json(fields)).encode()[:32]
            data = seal(kind, content, salt)
            blobs[sha256_hex(data)] = data
            public = {k: v for k, v in fields.items() if k not in content}
            fields = public | {"sealed": sha256_hex(data)}
        if kind == "penalty-withdrawal":
            decision, digest = sealed[str(fields["penalty"])]
            fields = {
                "decision": decision,
                "sealed": [digest],
                "ground": "other",
                "revoked": None,
                "deadline": None,
            } | fields
            blobs.pop(digest, None)
        note = make_record(kind, LOG, at, fields, [signer])
        events.append((at, len(events), note))
        record_id = open_record(note, [signer.verifier()]).id
        if kind == "penalty":
            sealed[record_id] = (str(fields["decision"]), str(fields["sealed"]))
        return record_id

    early = T_ANNOUNCE - timedelta(days=30)
    items_v1 = [_item("RF-01", "人防工程平时使用管理"), _item("RF-02", "防护设备质量")]
    publish(early, "item-list", {"version": 1, "effective": "2026-01-01", "items": items_v1})
    items_v2 = [*items_v1, _item("RF-03", "人防工程监理单位资质")]
    publish(
        early + timedelta(days=1),
        "item-list",
        {"version": 2, "effective": "2026-02-01", "items": items_v2}
        | (
            {
                "risk_rules": {
                    "raise": [],
                    "uncapped": [],
                    "key_items_uncapped": False,
                    "labels": labels,
                }
            }
            if labels
            else {}
        ),
    )
    for registry, data in _snapshots(regs, names).items():
        digest = sha256_hex(data)
        blobs[digest] = data
        rows = len(json.loads(data)["rows"])
        publish(
            early + timedelta(days=2),
            "registry-snapshot",
            {"registry": registry, "blob": digest, "rows": rows, "as_of": "2026-01-31T00:00:00Z"},
        )
    spec, value = beacon()
    left = max_results if max_results is not None else tasks * results
    visits: dict[str, list[tuple[datetime, str]]] = {}
    later: list[Callable[[], None]] = []
    for i in range(tasks):
        task = f"T2026-{i + 1:04d}"
        state = STATES[i % len(STATES)]
        built.states[task] = state
        start = (i * pool) % max(1, targets - pool)
        candidates = regs.candidates[start : start + pool]
        members = {c.id for c in candidates}
        params = TaskParams(
            task=task,
            title=f"2026年第{i + 1}批人防工程{TRADES[i % len(TRADES)]}单位抽查",
            org_units=tuple(regs.org_units),
            window_start="2026-03-10",
            window_end="2026-03-31",
            ratios=RATIOS,
            team_size=2,
            disclosure="2026-04-01T00:00:00Z",
            beacon=spec,
            items=(("RF-01", 2), ("RF-03", 2)),
        )
        secret = secret_for(task)
        t0 = T_ANNOUNCE + timedelta(seconds=i)
        run = inmemory.announce(
            LOG,
            signer,
            params,
            candidates,
            regs.inspectors,
            secret,
            t0,
            exclusions=[e for e in regs.exclusions if e.target in members],
            conflicts=regs.conflicts,
            previous=regs.previous,
        )
        stamps = [t0]
        if state != "cancelled-early" and state != "announced":
            inmemory.draw(run, value, T_DRAW + timedelta(seconds=i))
            stamps.append(T_DRAW + timedelta(seconds=i))
            assert run.result is not None
            built.picks[task] = [p.target for _, ps in run.result.selection for p in ps]
        if state == "disclosed":
            inmemory.reveal(run, T_REVEAL + timedelta(seconds=i))
            stamps.append(T_REVEAL + timedelta(seconds=i))
        elif state.startswith("cancelled"):
            inmemory.cancel(
                run, "对象名录库类型标注错误，任务取消并重新组织", T_DRAW + timedelta(hours=1)
            )
            stamps.append(T_DRAW + timedelta(hours=1, seconds=i))
        else:
            built.secrets.append(secret.hex())
            if run.result is not None:
                built.sealed.append(run.result.outcome_blob)
                built.sealed_strings.append(run.result.seed.hex())
                built.sealed_strings += [
                    p.ticket.hex()[:16] for _, ps in run.result.selection for p in ps
                ]
        for n, (at, note) in enumerate(zip(stamps, run.published.notes, strict=True)):
            events.append((at, n, note))
        blobs.update(run.published.blobs)
        if state == "disclosed":
            count = min(results, left)
            left -= count
            tail = _results(
                built, run, task, count, T_REVEAL + timedelta(days=10, seconds=i), publish, visits
            )
            later += [tail] if tail else []
    for publish_later in later:
        publish_later()
    events.sort(key=lambda e: (e[0], e[1]))
    write_export(
        out, [n for _, _, n in events], blobs, signer, origin=LOG, public_keys=[signer.vkey]
    )
    return built


def build_office_export(out: Path, *, tasks: int, targets: int, results: int) -> Built:
    """An export shaped like an office's (the benchmarks): ``results`` results spread over the
    disclosed tasks (16 in 20), inspectors and pools that grow with the registry."""
    disclosed = tasks * 16 // 20
    per_task = -(-results // disclosed)
    return build_export(
        out,
        tasks=tasks,
        targets=targets,
        inspectors=max(60, targets // 500),
        pool=max(300, per_task * 11),
        results=per_task,
        max_results=results,
    )
