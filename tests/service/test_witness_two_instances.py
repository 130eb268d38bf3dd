"""Two service instances on one PostgreSQL database, three witnesses on loopback ports.

Issue #19's must-show: each instance runs its own scheduler (the ``witness`` and ``site``
jobs, as ``lottery serve`` does) with the pusher configured for the same three witnesses
(quorum 2 of 3); tasks are announced and drawn through either instance. Every checkpoint
either instance signs is cosigned by all three witnesses (they see one log: no split view
between the instances); a split view forged with the office key and pushed directly is refused
by every witness; with two witnesses stopped the quorum is not met, so the public site is not
published and the staff dashboard says why; and everything catches up when they return.

PostgreSQL only: SQLite has no second server process to share with (the single-instance
pusher runs on both databases in tests/service/test_witness_push.py). Witness keys are
TEST-ONLY (fixed seeds).
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from lottery.core.checkpoint import Checkpoint, claimed_checkpoint, sign_checkpoint
from lottery.core.cosignature import CosignatureVerifier, verify_cosignatures
from lottery.core.merkle import MerkleTree
from lottery.service import witness_push
from lottery.service.lifecycle import Lifecycle
from lottery.service.scheduler import Scheduler, start_scheduler, stop_scheduler
from lottery.service.site_publishing import SitePublisher, last_success
from lottery.service.witness_client import WitnessRefused, httpx_post, request_cosignature
from lottery.service.witness_policy import publish_policy
from lottery.service.witness_push import MAX_BACKOFF, push_once, quorum_size, witness_status
from lottery.settings import Settings, WitnessConfig
from lottery.storage.models import CheckpointRow, CosignatureRow, WitnessStateRow
from tests import lifecycle as lc
from tests.api.conftest import Clock, _staff_client
from tests.api.test_console import login
from tests.service.witnesses import NAMES, Running, running_witnesses, witness_configs
from tests.storage.conftest import fresh_postgres

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WAIT = 15.0  # seconds at most for the schedulers to catch up (their jobs run every 0.1-0.25 s)


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Only PostgreSQL: a copy of the loaded service template (tests/conftest.py)."""
    yield from fresh_postgres(request.getfixturevalue("_loaded_postgres")[0])


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def witnesses(service: Lifecycle, tmp_path: Path, clock: Clock) -> Iterator[list[Running]]:
    with running_witnesses(service, tmp_path, 11, lambda: int(clock.now.timestamp())) as running:
        yield running


@pytest.fixture
def config(settings: Settings, witnesses: list[Running], tmp_path: Path) -> Settings:
    configs = witness_configs(witnesses)
    return settings.model_copy(
        update={
            "witnesses": configs,
            "witness_quorum": 2,
            "witness_alert_after": 1800,
            "site_dir": tmp_path / "www" / "site",
        }
    )


def _post(url: str, body: bytes) -> tuple[int, str, bytes]:
    """A new connection per request: a stopped in-process witness must be unreachable (a
    kept-alive connection to its handler thread would outlive ``shutdown``; a real witness
    process that stops closes it)."""
    return httpx_post(timeout=5.0)(url, body)


def _fake_build(export: Path, out: Path, work: Path) -> int:
    size = int((export / "checkpoint").read_text().splitlines()[1])
    out.mkdir(parents=True)
    (out / "index.html").write_text(f"checkpoint {size}", encoding="utf-8")
    return 1


@contextlib.contextmanager
def _instance(
    instance: Lifecycle, config: Settings, clock: Clock, export: Path
) -> Iterator[Scheduler]:
    """One instance's scheduler: the witness job every 0.25 s and the site job (a stand-in
    build) every 0.1 s, the sweep once at start (no task step is due on this clock)."""
    rt = start_scheduler(
        config,
        instance,
        clock=clock,
        fetch=lambda *_a, **_k: None,
        push_every=timedelta(seconds=0.25),
        publish_every=timedelta(seconds=0.1),
        sweep_every=timedelta(hours=1),
        witness_post=_post,
        start=False,
    )
    assert config.site_dir is not None
    rt.site = SitePublisher(
        instance, config.site_dir, export, clock=clock, build=_fake_build, witnesses=config
    )
    rt.aps.start()
    try:
        yield rt
    finally:
        stop_scheduler(rt)


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"not within {WAIT} s: {what}"
        time.sleep(0.05)


def _latest(service: Lifecycle) -> int:
    with service.session() as session:
        return service.log.size(session)


def _cosigners(service: Lifecycle, size: int) -> set[str]:
    with service.session() as session:
        rows = session.exec(select(CosignatureRow.name).where(CosignatureRow.size == size))
        return set(rows)


def _all_cosigned(service: Lifecycle) -> bool:
    return _cosigners(service, _latest(service)) == {f"{n}.example/w" for n in NAMES}


def _published(service: Lifecycle) -> int | None:
    with service.session() as session:
        run = last_success(session)
    return None if run is None else run.size


def _step(service: Lifecycle, act: Callable[[], object], what: str) -> int:
    """Do ``act`` on one instance; wait until the three witnesses cosigned the checkpoint it
    made and the site shows it. The size of that checkpoint."""
    before = _latest(service)
    act()
    size = _latest(service)
    assert size > before, what
    _until(lambda: _all_cosigned(service), f"all three cosign {size} ({what})")
    _until(lambda: _published(service) == size, f"the site publishes {size} ({what})")
    return size


def test_two_instances_one_log_split_view_refused_quorum_blocks_then_recovers(
    service: Lifecycle,
    config: Settings,
    witnesses: list[Running],
    clock: Clock,
    tmp_path: Path,
) -> None:
    a = service
    b = Lifecycle.open(config)  # a second instance: its own engine, the same database and key
    site = config.site_dir
    assert site is not None
    regs = lc.small_registries()
    tasks = ("T2026-001", "T2026-002", "T2026-003")
    with contextlib.ExitStack() as stack:
        stack.callback(b.engine.dispose)
        stack.enter_context(_instance(a, config, clock, tmp_path / "export-a"))
        stack.enter_context(_instance(b, config, clock, tmp_path / "export-b"))
        publish_policy(a, config, actor="boss", now=NOW, require_admin=False)
        _until(lambda: _all_cosigned(a), "the policy's checkpoint is cosigned")
        sizes = [_latest(a)]
        for i, task in enumerate(tasks):
            one, other = (a, b) if i % 2 == 0 else (b, a)
            one.create_task(lc.params(regs, task), lc.T_ANNOUNCE, actor="planner")
            announce = functools.partial(other.announce, task, lc.T_ANNOUNCE)
            sizes.append(_step(a, announce, f"announce {task}"))
        drawn = tasks[1]
        sizes.append(_step(b, lambda: b.draw(drawn, lc.beacon()[1], lc.T_DRAW), "draw"))
        assert a.get_task(drawn).state == b.get_task(drawn).state == "drawn"

        # One log: every checkpoint either instance signed is one of the log's prefixes, and
        # every one this test waited for carries all three cosignatures, each verifying.
        with a.session() as session:
            entries = a.log.entries(session)
            notes = {r.size: r.note for r in session.exec(select(CheckpointRow))}
        tree = MerkleTree.from_entries(entries)
        for size, note in notes.items():
            assert claimed_checkpoint(note).root_hash == tree.root(size), size
        verifiers = [CosignatureVerifier.from_vkey(w.vkey) for w in config.witnesses]
        for size in sizes:
            with a.session() as session:
                lines = session.exec(
                    select(CosignatureRow.line).where(CosignatureRow.size == size)
                ).all()
            cosigned = notes[size] + b"".join(lines)
            assert len(verify_cosignatures(cosigned, verifiers)) == 3, size
        # Each witness remembers the same tree: the log's latest, whichever instance pushed it.
        latest = sizes[-1]
        for r in witnesses:
            state = r.witness.states()[a.log.origin]
            assert (state.size, state.root_hash) == (latest, tree.root(latest))
        assert (site / "index.html").read_text() == f"checkpoint {latest}"

        # A split view: another tree of the same size (the last two entries swapped), signed
        # with the office key and pushed directly. Every witness refuses it, whatever old size
        # is claimed (409: it cosigned another tree of that size), and refuses a larger tree
        # grown from that fork (422: not consistent with what it cosigned).
        forked = [*entries[:-2], entries[-1], entries[-2]]
        fork = MerkleTree.from_entries(forked)
        grown = MerkleTree.from_entries([*forked, b"a record the public never sees\n"])
        assert fork.root() != tree.root()
        remembered = [r.witness.state_path.read_bytes() for r in witnesses]
        for other, status, knowns in ((fork, 409, (0, latest)), (grown, 422, (latest,))):
            note = sign_checkpoint(
                Checkpoint(a.log.origin, other.size, other.root()), [a.log.signer]
            )
            for r in witnesses:
                for known in knowns:
                    with pytest.raises(WitnessRefused) as refused:
                        request_cosignature(r.url, note, other, known, post=_post)
                    assert refused.value.status == status, (r.url, other.size, known)
        assert [r.witness.state_path.read_bytes() for r in witnesses] == remembered

        # Two witnesses stop: the next checkpoint gets one cosignature, short of the quorum of
        # two. Neither instance publishes it; staff see the quorum not met and, after the
        # configured time, both witnesses unreachable.
        witnesses[1].stop()
        witnesses[2].stop()
        before = _latest(a)
        a.create_task(lc.params(regs, "T2026-004"), lc.T_ANNOUNCE, actor="planner")
        b.announce("T2026-004", lc.T_ANNOUNCE)
        blocked = _latest(a)
        assert blocked > before
        _until(lambda: _cosigners(a, blocked) == {"jiwei.example/w"}, "jiwei cosigns alone")
        _until(
            lambda: all(
                w.failing_since for w in witness_status(b, config, clock.now).witnesses[1:]
            ),
            "the pushers record court and paper failing",
        )
        time.sleep(0.5)  # several rounds of both site jobs: none may publish `blocked`
        assert quorum_size(a, config) == before and _published(a) == before
        assert (site / "index.html").read_text() == f"checkpoint {before}"
        for instance in (a, b):
            publisher = SitePublisher(
                instance, site, tmp_path / "x", clock=clock, build=_fake_build, witnesses=config
            )
            assert publisher.status().waiting_for_witnesses and not publisher.due()

        clock.now = NOW + timedelta(minutes=31)
        with contextlib.contextmanager(_staff_client)(config, b, clock) as client:
            login(client, "planner")
            board = client.get("/console/").text
            assert f"最新检查点（{blocked} 条记录）还没有达到 2 个见证方的副署" in board
            assert f"已达到的最大检查点：{before} 条记录" in board
            assert "见证方「court」自" in board and "见证方「paper」自" in board
            assert "见证方「jiwei」自" not in board
            assert "自动发布正在等待见证方副署" in client.get("/console/site").text

            # They come back (same ports, same state files); once the backoff has passed, the
            # pushers catch them up from the size they cosigned, and the site follows.
            for r in witnesses[1:]:
                r.start()
            clock.now += MAX_BACKOFF + timedelta(seconds=1)
            _until(lambda: _all_cosigned(a), f"all three cosign {blocked} after the return")
            _until(lambda: _published(b) == blocked, "the site publishes after the return")
            assert (site / "index.html").read_text() == f"checkpoint {blocked}"
            status = witness_status(a, config, clock.now)
            assert status.met and not any(w.unreachable or w.behind for w in status.witnesses)
            board = client.get("/console/").text
            assert f"最新检查点（{blocked} 条记录）已有至少 2 个见证方副署" in board
            assert "无法联系" not in board
        for r in witnesses:
            state = r.witness.states()[a.log.origin]
            assert state.size == blocked
            assert json.loads(r.witness.state_path.read_text())["logs"][a.log.origin]["size"] == (
                blocked
            )


def test_two_pushers_meeting_on_a_new_witness_both_record_it(
    service: Lifecycle, config: Settings, witnesses: list[Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both instances find no ``witness_state`` row for a witness and push at once: the one
    that commits its row second meets the first's (a unique-key conflict) and updates it
    instead of failing the round. The meeting is forced: B's whole round runs while A is
    about to write the row it found missing."""
    a, b = service, Lifecycle.open(config)
    one = config.model_copy(update={"witnesses": config.witnesses[:1], "witness_quorum": 1})
    size = _latest(a)
    original = witness_push._state
    calls: list[str] = []
    inner: dict[str, str] = {}

    def state(session: Session, w: WitnessConfig) -> WitnessStateRow:
        row = original(session, w)
        calls.append(w.name)
        # A's third look (due, check, record): B runs its round between A's read and write.
        if len(calls) == 3 and not inner:
            inner.update(push_once(b, one, NOW, post=_post))
        return row

    monkeypatch.setattr(witness_push, "_state", state)
    try:
        assert push_once(a, one, NOW, post=_post) == {"jiwei": f"cosigned {size}"}
        assert inner == {"jiwei": f"cosigned {size}"}
    finally:
        b.engine.dispose()
    status = witness_status(a, one, NOW)
    assert status.met and status.witnesses[0].size == size
    assert status.witnesses[0].last_success == NOW and status.witnesses[0].failing_since is None
    assert _cosigners(a, size) == {"jiwei.example/w"}
