"""The forked-worker path of the draw and the verifier gives exactly the serial answers.

Small pools are pushed onto the parallel path by lowering ``MIN_PARALLEL``; one pool above the
real threshold runs as the command line would run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core import selection, sharing, teams
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.draw import compute_outcome
from lottery.core.errors import VerificationError
from lottery.core.outcome import encode_outcome
from lottery.core.pool import Candidate, build_pool, encode_pool
from lottery.core.pool_blob import raw_strata
from lottery.core.records import open_record
from lottery.core.seed import commitment
from lottery.core.sharing import SERIAL
from lottery.core.teams import Team
from lottery.core.verify import verify_task
from lottery.demo.synthetic import make_registries
from lottery.runtime import forking
from lottery.service import inmemory
from tests.core.conftest import forks
from tests.lifecycle import LOG, T_DRAW, T_REVEAL, announced, beacon, office_signer
from tests.test_draw_verify import resign

VERIFIERS = [office_signer().verifier()]
SECRET = hashlib.sha256(b"TEST ONLY parallel secret").digest()
ANN = hashlib.sha256(b"TEST ONLY announcement").digest()
BEACON = hashlib.sha256(b"TEST ONLY beacon").digest()


pytestmark = pytest.mark.usefixtures("no_threads_left")


def _outcome(run: inmemory.TaskRun, workers: int) -> bytes:
    a = run.announcement.body
    result = compute_outcome(
        run.announcement.digest,
        run.prepared.pool,
        run.prepared.team_input,
        a["team_size"],
        a["cap"],
        BEACON,
        SECRET,
        commitment(SECRET),
        workers=forking.workers(workers),
    )
    return result.outcome_blob


def _run(targets: int, inspectors: int, regions: int, seed: int) -> inmemory.TaskRun:
    regs = make_registries(targets, inspectors, n_regions=regions, seed=seed)
    return announced(f"T-{targets}-{regions}", regs)


@pytest.mark.parametrize(
    ("targets", "inspectors", "regions"), [(40, 8, 1), (300, 40, 3), (2_000, 90, 7)]
)
def test_parallel_draw_is_byte_identical(
    small_parallel: None, targets: int, inspectors: int, regions: int
) -> None:
    run = _run(targets, inspectors, regions, seed=targets)
    assert _outcome(run, 2) == _outcome(run, 1)
    assert _outcome(run, 3) == _outcome(run, 1)


def test_parallel_draw_above_the_real_threshold() -> None:
    run = _run(forking.MIN_PARALLEL + 5_000, 400, 10, seed=3)
    assert forking.workers(2).share(run.prepared.pool.candidates) == forks()
    assert _outcome(run, 2) == _outcome(run, 1)


ids = st.from_regex(r"[0-9A-Z]{1,12}", fullmatch=True)


@settings(max_examples=25, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.lists(
        st.tuples(ids, st.sampled_from(["R1", "R2", "R3"]), st.sampled_from("AB")),
        min_size=1,
        max_size=80,
        unique_by=lambda t: t[0],
    ),
)
def test_shared_selection_equals_serial(seed: bytes, rows: list[tuple[str, str, str]]) -> None:
    pool = build_pool("T", [Candidate(i, r, c) for i, r, c in rows], {"A": 2500, "B": 5000})
    serial = selection.select(seed, pool)
    tail = selection.start_tail(seed, pool, forking.workers(2))
    drawn = selection.finish(seed, pool, tail)
    assert (drawn.selection, drawn.draws) == (serial, None)
    # Each process wrote the outcome text of the strata it drew: together, the serial text.
    team = [Team(p.target, ("I1", "I2")) for _, picks in serial for p in picks]
    blob = encode_outcome("T", seed, serial, team)
    assert encode_outcome("T", seed, serial, team, drawn.sections) == blob
    assert drawn.sections is not None and len(drawn.sections) == len(pool.strata)
    # The verifier's worker reads the strata straight from the blob: the same picks.
    cut = raw_strata(encode_pool(pool))
    assert cut is not None
    claims = sharing.Claims(len(cut.strata))  # the back takes every stratum
    back = selection.draw_from_back(
        seed, claims, lambda i: selection.raw_stratum_ids(cut.strata[i]), 5
    )
    assert back.start == 0
    assert [(k, [e[32:].decode() for e in es]) for k, es in back.strata] == [
        (st.key, [p.target for p in picks]) for st, picks in serial
    ]
    assert encode_outcome("T", seed, serial, team, back.sections) == blob
    # The first team draws of the picks drawn from the back: those of all picks.
    flat = [p.target.encode() for _, picks in serial for p in picks]
    assert back.draws == teams.first_draws(seed, flat, 5)


def _both_ends(claims: sharing.Claims) -> tuple[list[int], list[int]]:
    front: list[int] = []
    back: list[int] = []
    turn = 0
    while True:
        i = claims.front() if turn % 3 else claims.back()  # the parent twice as fast
        turn += 1
        if i is None:
            break
        (front if turn % 3 != 1 else back).append(i)
    return front, back


@pytest.mark.parametrize("n", [0, 1, 2, 7, 30])
def test_claims_give_a_prefix_and_a_suffix(n: int) -> None:
    for shared in (False, True):
        claims = forking.SharedClaims(n) if shared else sharing.Claims(n)
        front, back = _both_ends(claims)
        assert front == list(range(len(front)))
        assert back == list(range(n - 1, len(front) - 1, -1))
        assert claims.front() is None and claims.back() is None
        assert not claims.broken


def _take_back(claims: sharing.Claims, stop_after: int) -> list[int]:
    got: list[int] = []
    while len(got) < stop_after and (i := claims.back()) is not None:
        got.append(i)
    return got


def test_claims_are_shared_with_a_forked_worker() -> None:
    assert forks(), "fork must be possible here (see no_threads_left in tests/conftest.py)"
    claims = forking.SharedClaims(50)
    job = forking.Background(lambda: _take_back(claims, 20), fork=True)
    assert job.forked
    taken = job.result()
    assert taken == list(range(49, 29, -1))
    mine = []
    while (i := claims.front()) is not None:
        mine.append(i)
    assert mine == list(range(30))  # the parent sees what the child took


class _RecordedLock:
    """A lock that records the timeout of each acquire, and refuses to wait without one (a
    test would hang, not fail, on a lock held by a dead process)."""

    def __init__(self, lock: Any) -> None:
        self.lock, self.timeouts = lock, list[float | None]()

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        assert block and timeout is not None, "the claims lock is taken without a timeout"
        return bool(self.lock.acquire(block, timeout))

    def release(self) -> None:
        self.lock.release()


def test_claims_held_by_a_dead_worker_are_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert forks(), "fork must be possible here (see no_threads_left in tests/conftest.py)"
    monkeypatch.setattr(forking, "LOCK_TIMEOUT", 0.2)
    claims = forking.SharedClaims(5)

    parent = os.getpid()

    def grab_and_die() -> None:
        if os.getpid() != parent:
            claims._lock.acquire()
            os._exit(9)

    forking.Background(grab_and_die, fork=True).result()
    assert not claims.broken
    lock = _RecordedLock(claims._lock)
    claims._lock = lock
    assert claims.front() is None  # the lock never comes back: give up, do not hang
    assert claims.broken and lock.timeouts == [0.2]  # waited LOCK_TIMEOUT, then gave up
    assert claims.back() is None
    assert lock.timeouts == [0.2]  # broken claims are not waited for again


def test_a_dead_worker_strata_are_drawn_here(monkeypatch: pytest.MonkeyPatch) -> None:
    assert forks(), "fork must be possible here (see no_threads_left in tests/conftest.py)"
    seed = hashlib.sha256(b"TEST ONLY dead worker").digest()
    rows = [Candidate(f"C{i:03d}", f"R{i % 6}", "A") for i in range(300)]
    pool = build_pool("T", rows, {"A": 2500})
    serial = selection.select(seed, pool)
    real, parent = selection.draw_from_back, os.getpid()

    def die_after_claiming(seed: bytes, claims: sharing.Claims, *args: object) -> object:
        if os.getpid() == parent:  # the parent's rerun of the worker: what the real one does
            return real(seed, claims, *args)  # type: ignore[arg-type]
        claims.back()
        claims.back()
        os._exit(3)

    monkeypatch.setattr(selection, "draw_from_back", die_after_claiming)
    tail = selection.start_tail(seed, pool, forking.ForkWorkers(2))
    assert tail.job.forked
    worker = tail.job._proc
    assert worker is not None
    worker.join(60)  # a guard only: the worker exits at once
    assert worker.exitcode == 3  # it has claimed its two strata, and died
    assert tail.claims._ends[1] == tail.claims.n - 2
    drawn = selection.finish(seed, pool, tail)
    assert (drawn.selection, drawn.draws, drawn.sections) == (serial, None, None)


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(0, 40))
def test_first_draws_ahead_never_change_the_teams(seed: bytes, k: int) -> None:
    inspectors = [f"I{i:02d}" for i in range(9)]
    picks = [f"T{i:03d}" for i in range(40)]
    conflicts = {"T005": frozenset({"I01"})}
    want = teams.assign_teams(seed, picks, inspectors, conflicts, {}, 2, 12)
    ids = [p.encode() for p in picks[k:]]
    right = teams.first_draws(seed, ids, len(inspectors))
    assert teams.assign_teams(seed, picks, inspectors, conflicts, {}, 2, 12, ahead=right) == want
    # Draws made for another pool size, seed or run of picks are ignored, not trusted.
    for wrong in (
        teams.first_draws(seed, ids, len(inspectors) + 1),
        teams.first_draws(bytes(32) if seed != bytes(32) else b"\1" * 32, ids, len(inspectors)),
        teams.first_draws(seed, ids[::-1] if len(ids) > 1 else [b"X"], len(inspectors)),
    ):
        got = teams.assign_teams(seed, picks, inspectors, conflicts, {}, 2, 12, ahead=wrong)
        assert got == want


def _disclosed(task: str = "T2026-P") -> inmemory.TaskRun:
    run = announced(task)
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.reveal(run, T_REVEAL)
    return run


def test_parallel_verification_reports_the_same(small_parallel: None) -> None:
    run = _disclosed()
    notes, blobs = run.published.notes, run.published.blobs
    serial = verify_task(notes, blobs, VERIFIERS, log=LOG, workers=SERIAL)
    forked = verify_task(notes, blobs, VERIFIERS, log=LOG, workers=forking.workers(2))
    assert forked == serial
    assert forked.outcome is not None and forked.outcome == serial.outcome
    assert verify_task(notes, blobs, VERIFIERS, log=LOG) == serial  # the default: SERIAL


def forge_outcome(
    notes: list[bytes], blobs: dict[str, bytes], outcome: dict
) -> tuple[list[bytes], dict[str, bytes]]:
    """What a dishonest office can publish: ``outcome`` (edited), with the draw and reveal
    records (notes 1 and 2) re-signed to point at it."""
    forged = canonical_json(outcome)

    def point_outcome(body: dict) -> None:
        body["outcome"] = sha256_hex(forged)

    draw = resign(notes[1], point_outcome)
    draw_id = open_record(draw, VERIFIERS, log=LOG).id

    def point_reveal(body: dict) -> None:
        point_outcome(body)
        body["draw"] = draw_id

    return [notes[0], draw, resign(notes[2], point_reveal)], {**blobs, sha256_hex(forged): forged}


def _failures(run: inmemory.TaskRun) -> dict[str, tuple[list[bytes], dict[str, bytes]]]:
    """Published tasks that must fail, each in its own way (tests/test_draw_verify.py)."""
    notes, blobs = list(run.published.notes), dict(run.published.blobs)
    a = run.announcement.body
    pool_blob = blobs[a["pool"]["sha256"]]
    first, second = run.prepared.pool.strata[0], run.prepared.pool.strata[1]
    # A dishonest office re-signs an announcement whose pool repeats an id in two strata.
    doubled = pool_blob.replace(
        f'"{second.candidates[0]}"'.encode(), f'"{first.candidates[0]}"'.encode(), 1
    )

    def point_pool(body: dict) -> None:
        body["pool"]["sha256"] = sha256_hex(doubled)

    other_secret = hashlib.sha256(b"TEST ONLY another secret").hexdigest()

    def reveal_other(body: dict) -> None:
        body["secret"] = other_secret

    outcome = json.loads(blobs[run.result.outcome_sha256])  # type: ignore[union-attr]
    picks = outcome["strata"][0]["picks"]
    taken = {p["target"] for p in picks}
    picks[0]["target"] = next(c for c in first.candidates if c not in taken)
    outcome["teams"][0]["target"] = picks[0]["target"]
    forged_notes, with_forged = forge_outcome(notes, blobs, outcome)

    tampered = dict(blobs)
    tampered[a["pool"]["sha256"]] = pool_blob.replace(b'"count":', b'"count":1', 1)
    return {
        "pool.format": (
            [resign(notes[0], point_pool), *notes[1:]],
            {**blobs, sha256_hex(doubled): doubled},
        ),
        "blob.hash": (notes, tampered),
        "commit.reveal": ([*notes[:2], resign(notes[2], reveal_other)], blobs),
        "draw.selection": (forged_notes, with_forged),
    }


def test_parallel_verification_fails_the_same_way(small_parallel: None) -> None:
    for want, (notes, blobs) in _failures(_disclosed()).items():
        with pytest.raises(VerificationError) as serial:
            verify_task(notes, blobs, VERIFIERS, log=LOG, workers=SERIAL)
        with pytest.raises(VerificationError) as forked:
            verify_task(notes, blobs, VERIFIERS, log=LOG, workers=forking.workers(2))
        assert serial.value.check == want
        assert (forked.value.check, forked.value.detail) == (want, serial.value.detail)


def test_in_process_when_fork_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not forking.can_fork()
    assert not forking.workers(2).share(10**6)
    run = _run(300, 40, 3, seed=5)
    assert _outcome(run, 2) == _outcome(run, 1)


def test_in_process_when_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forking.can_fork()  # a server with threads never forks
        assert not forking.workers(2).share(10**6)
    finally:
        stop.set()
        thread.join()


def test_small_pools_and_one_worker_stay_in_process() -> None:
    assert not forking.workers(2).share(forking.MIN_PARALLEL - 1)
    assert not forking.workers(1).share(10**6)
    assert forking.workers(1) is SERIAL
    with pytest.raises(ValueError, match="at least 1"):
        forking.workers(0)
    with pytest.raises(ValueError, match="at least 1"):
        forking.ForkWorkers(0)


def _pid_square(parent: int, x: int) -> tuple[bool, int]:
    return os.getpid() != parent, x * x


def test_background_returns_the_child_result() -> None:
    parent = os.getpid()
    can = forks()
    job = forking.Background(lambda: _pid_square(parent, 7), fork=can)
    assert job.forked == can
    assert job.result() == (can, 49)  # computed in the child when forking is possible


def _dies_in_child(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)  # a crash, a kill, an out-of-memory: no result arrives
    return "recomputed here"


def _raises_in_child(parent: int) -> str:
    if os.getpid() != parent:
        raise MemoryError
    return "recomputed here"


@pytest.mark.parametrize("fn", [_dies_in_child, _raises_in_child])
def test_a_failed_child_is_recomputed_in_process(fn: object) -> None:
    parent = os.getpid()
    job = forking.Background(lambda: fn(parent), fork=forks())  # type: ignore[operator]
    assert job.result() == "recomputed here"


def test_lazy_background_and_errors_surface_in_the_parent() -> None:
    calls: list[int] = []
    job = forking.Background(lambda: calls.append(1) or len(calls), fork=False)
    assert not job.forked and calls == []  # nothing runs until asked
    assert job.result() == 1

    def boom() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        forking.Background(boom, fork=forks()).result()


def test_cancel_stops_the_child() -> None:
    assert forks(), "fork must be possible here (see no_threads_left in tests/conftest.py)"
    job = forking.Background(lambda: time.sleep(60), fork=True)  # 60 s: only a guard
    proc = job._proc
    assert proc is not None and proc.is_alive()
    job.cancel()
    assert proc.exitcode == -signal.SIGKILL  # killed and reaped, not waited for
    job.cancel()  # idempotent


def test_background_never_forks_beside_a_thread() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        job = forking.Background(lambda: os.getpid(), fork=True)
        assert not job.forked
        assert job.result() == os.getpid()
    finally:
        stop.set()
        thread.join()
