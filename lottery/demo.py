"""``lottery demo``: a sample city's draws, end to end, exported and verified.

Until the service and the static site exist (issues #3-#4), the demo runs the core lifecycle in
memory: five tasks in every state, published as a real log export (C2SP tiles, signed
checkpoints, blobs), then audited exactly as ``lottery verify`` does. No network is used: one
task uses a recorded drand quicknet round (round 123, a real one), the others public-numbers
beacons with fictional numbers, and the output says which.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lottery import inmemory
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
from lottery.core.note import Signer
from lottery.export import write_export
from lottery.keys import generate_keypair, load_signer
from lottery.recorded import numbers_beacon, quicknet_round_123
from lottery.synthetic import DEFAULT_RATIOS, make_registries

ORIGIN = "rfb.demo.example/lottery"


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


def demo_tasks() -> list[DemoTask]:
    """Five tasks covering every state."""
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
        ),
    ]


def _signer(out: Path) -> Signer:
    keydir = out / "private"
    key = keydir / "office.key"
    if key.exists():
        return load_signer(key)
    keydir.mkdir(parents=True, exist_ok=True)
    keydir.chmod(0o700)
    return generate_keypair(keydir, ORIGIN, "office")


def _secret(out: Path, task: str) -> bytes:
    """The task's office secret: random on first use, kept in ``out/private`` (mode 0600)."""
    path = out / "private" / f"{task}.secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def run_demo(out: Path) -> tuple[Path, list[str]]:
    """Run every demo task and write the export under ``out/export``; return lines to print."""
    signer = _signer(out)
    regs = make_registries(3000, 60, n_regions=6, seed=2026)
    events: list[tuple[datetime, int, bytes]] = []
    blobs: dict[str, bytes] = {}
    lines: list[str] = []
    for demo in demo_tasks():
        params = TaskParams(
            task=demo.task,
            title=demo.title,
            org_units=tuple(regs.org_units),
            window_start=demo.window[0],
            window_end=demo.window[1],
            ratios=DEFAULT_RATIOS,
            team_size=2,
            disclosure=demo.disclosure,
            beacon=demo.beacon,
            items=(("RF-01", 1),),
        )
        secret = _secret(out, demo.task)
        run = inmemory.announce(
            ORIGIN,
            signer,
            params,
            regs.candidates,
            regs.inspectors,
            secret,
            _t(demo.announce),
            exclusions=regs.exclusions,
            conflicts=regs.conflicts,
            previous=regs.previous,
        )
        stamps = [demo.announce]
        if demo.draw and demo.value is not None:
            inmemory.draw(run, demo.value, _t(demo.draw))
            stamps.append(demo.draw)
        if demo.reveal:
            inmemory.reveal(run, _t(demo.reveal))
            stamps.append(demo.reveal)
        if demo.cancel:
            inmemory.cancel(run, demo.cancel_reason, _t(demo.cancel))
            stamps.append(demo.cancel)
        for order, (stamp, note) in enumerate(zip(stamps, run.published.notes, strict=True)):
            events.append((_t(stamp), order, note))
        blobs.update(run.published.blobs)
        state = (
            "cancelled"
            if demo.cancel
            else "disclosed"
            if demo.reveal
            else "drawn (sealed)"
            if demo.draw
            else "announced, waiting for its beacon"
        )
        lines.append(f"{demo.task}: {state}; beacon: {demo.beacon_note}")
    events.sort(key=lambda e: (e[0], e[1]))
    export = out / "export"
    checkpoint = write_export(
        export,
        [note for _, _, note in events],
        blobs,
        signer,
        origin=ORIGIN,
        public_keys=[signer.vkey],
    )
    lines.append(f"log {ORIGIN}: {checkpoint.size} records, signed checkpoint")
    return export, lines
