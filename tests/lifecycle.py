"""Shared builders for tests that run whole tasks in memory.

The signing key and secrets here are TEST-ONLY values derived from fixed labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from lottery.core.beacon import BeaconSpec, PublicNumbersValue
from lottery.core.draw import TaskParams
from lottery.core.note import Signer
from lottery.core.records import make_record
from lottery.demo.recorded import numbers_beacon
from lottery.demo.synthetic import DEFAULT_RATIOS, Registries, make_registries
from lottery.service import inmemory

LOG = "test.example/lottery"
TEST_KEY_SEED = hashlib.sha256(b"TEST ONLY lottery office key").digest()
T_ANNOUNCE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
T_DRAW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
T_REVEAL = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def office_signer() -> Signer:
    """The office key used by the suite (test only)."""
    return Signer.from_seed(LOG, TEST_KEY_SEED)


def secret_for(label: str) -> bytes:
    """A fixed test-only secret."""
    return hashlib.sha256(b"TEST ONLY secret " + label.encode()).digest()


def beacon() -> tuple[BeaconSpec, PublicNumbersValue]:
    """A public-numbers beacon drawn the day after the announcement."""
    return numbers_beacon("2026-03-02", "测试", (408, (2, 7, 11, 19, 26, 30)))


def params(regs: Registries, task: str = "T2026-001", team_size: int = 2) -> TaskParams:
    """Task parameters over the whole synthetic registry."""
    spec, _ = beacon()
    return TaskParams(
        task=task,
        title="2026年第一季度人防工程使用情况抽查",
        org_units=tuple(regs.org_units),
        window_start="2026-03-10",
        window_end="2026-03-31",
        ratios=DEFAULT_RATIOS,
        team_size=team_size,
        disclosure="2026-04-01T00:00:00Z",
        beacon=spec,
        items=(("RF-01", 1),),
    )


def small_registries() -> Registries:
    """300 targets, 40 inspectors."""
    return make_registries(300, 40, n_regions=3, seed=7)


def announced(task: str = "T2026-001", regs: Registries | None = None) -> inmemory.TaskRun:
    """An announced task (in memory: a log of this task alone, so it cites no item of an
    item list; the service's tasks cite RF-01 of the list tests/service/conftest.py publishes)."""
    regs = regs or small_registries()
    return inmemory.announce(
        LOG,
        office_signer(),
        replace(params(regs, task), items=()),
        regs.candidates,
        regs.inspectors,
        secret_for(task),
        T_ANNOUNCE,
        exclusions=regs.exclusions,
        conflicts=regs.conflicts,
        previous=regs.previous,
    )


def disclosed(task: str = "T2026-001") -> inmemory.TaskRun:
    """An announced, drawn and revealed task."""
    run = announced(task)
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.reveal(run, T_REVEAL)
    return run


def witness_policy(
    witnesses: Sequence[tuple[str, str]], at: datetime, quorum: int = 2, margin: int = 600
) -> bytes:
    """A ``witness-policy`` record signed by the office key: ``witnesses`` as (name, vkey),
    published at ``at``."""
    fields = {
        "witnesses": [{"name": name, "vkey": vkey} for name, vkey in witnesses],
        "quorum": quorum,
        "margin": margin,
    }
    return make_record("witness-policy", LOG, at, fields, [office_signer()])
