"""Verification of one task from its published records and blobs.

:func:`verify_task` re-checks everything a member of the public can: signatures, the
announcement's blobs and counts, that the beacon was fixed before it existed and verifies, the
commitment against the revealed secret, the seed, and a full re-run of selection and teams. It
returns the list of passed checks, and raises :class:`VerificationError` naming the first
check that fails (the checks that passed before it are attached to the error as ``passed``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import parallel, selection
from . import teams as team_mod
from .beacon import BeaconSpec, beacon_value_bytes, beacon_value_from_dict, verify_beacon_value
from .canonical import hex_to_bytes, parse_time, sha256_hex
from .draw import DrawResult, compute_outcome, outcome_from_selection
from .errors import LotteryError, VerificationError
from .gcpause import bulk
from .note import NoteVerifier
from .outcome import Outcome, TeamInput, decode_outcome, decode_team_input
from .pool import Pool, check_counts, decode_exclusions
from .pool_blob import PoolCut, decode_pool, raw_strata
from .records import Record, open_record
from .seed import check_commitment, derive_seed

T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    """One passed check: a stable name and what was established."""

    name: str
    detail: str


@dataclass
class TaskVerification:
    """The result of verifying one task."""

    task: str
    status: str = "announced"
    checks: list[Check] = field(default_factory=list)
    outcome: Outcome | None = None


class _Checker:
    def __init__(self, report: TaskVerification) -> None:
        self.report = report

    def run(self, name: str, fn: Callable[[], T], ok: str) -> T:
        try:
            value = fn()
        except VerificationError as exc:
            # Keep a specific inner check name (blob.hash, commit.reveal...); otherwise the
            # step's own name says which check failed.
            specific = "." in exc.check and not exc.check.startswith(("note.", "merkle."))
            err = VerificationError(exc.check if specific else name, exc.detail)
            err.passed = list(self.report.checks)
            raise err from exc
        except LotteryError as exc:
            err = VerificationError(name, str(exc))
            err.passed = list(self.report.checks)
            raise err from exc
        self.report.checks.append(Check(name, ok))
        return value

    def require(self, name: str, condition: bool, detail: str, ok: str) -> None:
        def fn() -> None:
            if not condition:
                raise VerificationError(name, detail)

        self.run(name, fn, ok)


def _blob(blobs: Mapping[str, bytes], digest: str, what: str) -> bytes:
    data = blobs.get(digest)
    if data is None:
        raise VerificationError("blob.missing", f"{what} blob {digest} is not published")
    if sha256_hex(data) != digest:
        raise VerificationError("blob.hash", f"{what} blob does not match its SHA-256 {digest}")
    return data


def _one(records: Sequence[Record], kind: str, task: str) -> Record | None:
    found = [r for r in records if r.type == kind]
    if len(found) > 1:
        raise VerificationError(
            "task." + kind.removeprefix("task-"),
            f"task {task} has {len(found)} {kind} records; at most one is allowed",
        )
    return found[0] if found else None


@bulk
def verify_task(
    notes: Sequence[bytes],
    blobs: Mapping[str, bytes],
    verifiers: Sequence[NoteVerifier],
    *,
    log: str | None = None,
    workers: int | None = None,
) -> TaskVerification:
    """Verify every published record of one task (announcement, draw, reveal, cancellation).

    Args:
        notes: the signed record bytes of the task, in log order.
        blobs: published blobs by lower-case hex SHA-256.
        verifiers: the office's pinned public keys.
        log: the log origin the records must belong to.
        workers: processes to re-draw with (see :func:`lottery.core.draw.compute_outcome`);
            ``None`` takes :func:`lottery.core.parallel.default_workers` (1 unless a caller
            set it). The result never depends on it.

    Raises:
        VerificationError: naming the first failed check.
    """
    if workers is None:
        workers = parallel.default_workers()
    report = TaskVerification(task="?")
    ck = _Checker(report)
    records = ck.run(
        "record.signature",
        lambda: [open_record(n, verifiers, log=log) for n in notes],
        f"{len(notes)} records signed by the office key",
    )
    ann = ck.run("task.announcement", lambda: _one(records, "task-announcement", "?"), "found")
    if ann is None:
        raise VerificationError("task.announcement", "no announcement record for this task")
    task = ann.body["task"]
    report.task = task
    others = [r for r in records if r is not ann]
    ck.require(
        "task.records",
        all(r.body.get("task") == task for r in others),
        "records of another task were given",
        f"{len(records)} records of task {task}",
    )
    a = ann.body
    # With workers, most of the re-draw starts now in a worker process, from the claimed
    # seed, while this process checks everything it depends on (the result is used only if
    # the checked seed is the same).
    rerun = _start_rerun(ann, others, blobs, workers)
    try:
        pool, team_input = _check_announcement(ck, a, blobs, rerun.cut if rerun else None)
        spec = ck.run("beacon.spec", lambda: BeaconSpec.from_dict(a["beacon"]), "beacon fixed")
        draw = ck.run("task.draw", lambda: _one(others, "task-draw", task), "at most one draw")
        reveal = ck.run("task.reveal", lambda: _one(others, "task-reveal", task), "at most one")
        cancel = ck.run("task.cancellation", lambda: _one(others, "task-cancellation", task), "ok")
        if reveal is not None and cancel is not None:
            raise VerificationError("task.state", "a task cannot be both revealed and cancelled")
        beacon_value: bytes | None = None
        if draw is not None:
            report.status = "drawn"
            beacon_value = _check_draw(ck, ann, draw, spec, pool)
        closing = reveal or cancel
        if closing is None:
            return report
        report.status = "disclosed" if reveal is not None else "cancelled"
        ck.require(
            "task.order",
            parse_time(closing.body["time"]) >= parse_time((draw or ann).body["time"]),
            "the reveal or cancellation is dated before the draw",
            "reveal after draw",
        )
        secret = hex_to_bytes(closing.body["secret"], length=32, what="secret")
        commit = hex_to_bytes(a["commit"], length=32, what="commit")
        if draw is None or beacon_value is None:
            ck.run(
                "commit.reveal",
                lambda: check_commitment(commit, secret),
                "cancelled before the draw; the secret opens the commitment",
            )
            return report
        ck.require(
            "task.links",
            closing.body.get("draw") == draw.id
            and closing.body.get("outcome") == draw.body["outcome"],
            "the reveal does not reference the draw record and its outcome hash",
            "reveal references the draw",
        )
        outcome_blob = ck.run(
            "draw.outcome_hash",
            lambda: _blob(blobs, draw.body["outcome"], "outcome"),
            "the published outcome matches the hash sealed at draw time",
        )
        ck.run(
            "commit.reveal",
            lambda: check_commitment(commit, secret),
            "the revealed secret opens the commitment",
        )
        result = ck.run(
            "draw.rerun",
            lambda: _rerun(
                rerun,
                ann.digest,
                pool,
                team_input,
                a["team_size"],
                a["cap"],
                beacon_value,
                secret,
                commit,
                workers,
            ),
            "seed, selection and teams re-computed from the published inputs",
        )
        if result.outcome_blob == outcome_blob:
            picks = sum(len(p) for _, p in result.selection)
            report.checks += [
                Check("draw.selection", f"{picks} picks re-drawn identically"),
                Check("draw.teams", f"{len(result.teams)} teams re-assigned identically"),
                Check(
                    "draw.outcome_bytes", "the published outcome is byte-identical to the re-run"
                ),
            ]
            report.outcome = Outcome(
                pool.task,
                result.seed,
                tuple((st.key, tuple(p)) for st, p in result.selection),
                tuple(result.teams),
            )
            return report
        published = ck.run("draw.outcome", lambda: decode_outcome(outcome_blob), "outcome parses")
        _compare(
            ck, result.outcome_blob, outcome_blob, published, decode_outcome(result.outcome_blob)
        )
        raise VerificationError("draw.outcome_bytes", "the outcome differs from the re-run")
    finally:
        if rerun is not None:
            rerun.tail.cancel()


@dataclass(frozen=True)
class _Rerun:
    seed: bytes  # claimed: from the draw's beacon value and the revealed secret, unchecked
    tail: selection.Tail  # the worker draws strata from the back, starting now
    cut: PoolCut  # the pool blob as the worker reads it; decode_pool reuses it


def _start_rerun(
    ann: Record, others: Sequence[Record], blobs: Mapping[str, bytes], workers: int
) -> _Rerun | None:
    """Start re-drawing the pool from its last stratum in a worker, before anything is checked.

    Speculative and pure: the worker hashes the pool blob's ids with the seed the published
    records claim. ``None`` (no worker) unless ``workers >= 2``, forking is possible, the pool
    is large, and the task has one draw and one reveal or cancellation whose values parse.
    """
    a = ann.body
    try:
        if not parallel.use_workers(workers, int(a["pool"]["candidates"])):
            return None
        draws = [r for r in others if r.type == "task-draw"]
        closing = [r for r in others if r.type in ("task-reveal", "task-cancellation")]
        if len(draws) != 1 or len(closing) != 1:
            return None
        secret = hex_to_bytes(closing[0].body["secret"], length=32, what="secret")
        value = beacon_value_bytes(beacon_value_from_dict(draws[0].body["beacon_value"]))
        seed = derive_seed(ann.digest, value, secret)
        data = blobs.get(a["pool"]["sha256"])
    except (LotteryError, KeyError, TypeError, ValueError):
        return None  # the checks will say what is wrong
    cut = raw_strata(data) if isinstance(data, bytes) else None
    if cut is None:
        return None
    # The announced pool size: the worker's first team draws are used only if it is right.
    inspectors = a["inspector_pool"]["inspectors"]
    n = inspectors if type(inspectors) is int and inspectors >= 1 else 0
    return _Rerun(seed, selection.start_raw_tail(seed, cut.strata, n), cut)


def _rerun(
    rerun: _Rerun | None,
    announcement_digest: bytes,
    pool: Pool,
    team_input: TeamInput,
    team_size: int,
    cap: int,
    beacon_value: bytes,
    secret: bytes,
    commit: bytes,
    workers: int,
) -> DrawResult:
    """:func:`compute_outcome`, joining the worker's picks when its seed was the right one.

    Raises:
        VerificationError: ``commit.reveal`` when the secret does not open the commitment.
    """
    check_commitment(commit, secret)
    seed = derive_seed(announcement_digest, beacon_value, secret)
    if rerun is None or rerun.seed != seed:
        return compute_outcome(
            announcement_digest,
            pool,
            team_input,
            team_size,
            cap,
            beacon_value,
            secret,
            commit,
            workers=workers,
        )
    drawn = selection.finish(seed, pool, rerun.tail)
    return outcome_from_selection(seed, pool, drawn, team_input, team_size, cap)


def _check_announcement(
    ck: _Checker, a: Mapping[str, Any], blobs: Mapping[str, bytes], cut: PoolCut | None
) -> tuple[Pool, TeamInput]:
    pool_blob = ck.run("blob.pool", lambda: _blob(blobs, a["pool"]["sha256"], "pool"), "hash ok")
    pool = ck.run("pool.format", lambda: decode_pool(pool_blob, cut=cut), "pool parses")
    ck.run("pool.counts", lambda: check_counts(pool, a["ratios"]), "counts follow the rule")
    ck.require(
        "pool.summary",
        pool.task == a["task"]
        and pool.candidates == a["pool"]["candidates"]
        and pool.picks == a["pool"]["picks"]
        and len(pool.strata) == a["pool"]["strata"],
        "the pool blob does not match the announcement's counts or task",
        f"{pool.candidates} candidates in {len(pool.strata)} strata, {pool.picks} to draw",
    )
    team_blob = ck.run(
        "blob.inspectors", lambda: _blob(blobs, a["inspector_pool"]["sha256"], "team"), "hash ok"
    )
    ti = ck.run("inspectors.format", lambda: decode_team_input(team_blob), "parses")
    ck.require(
        "inspectors.summary",
        ti.task == a["task"] and len(ti.inspectors) == a["inspector_pool"]["inspectors"],
        "the inspector pool blob does not match the announcement",
        f"{len(ti.inspectors)} eligible inspectors",
    )
    excl_blob = ck.run(
        "blob.exclusions", lambda: _blob(blobs, a["exclusions"]["sha256"], "exclusions"), "ok"
    )
    excl = ck.run("exclusions.format", lambda: decode_exclusions(excl_blob), "parses")
    # The targets these blobs name, looked up in one pass over the pool's bytes.
    in_pool = pool.lookup([e.target for e in excl] + [*ti.conflicts, *ti.previous])
    ck.require(
        "exclusions.disjoint",
        len(excl) == a["exclusions"]["count"] and not any(e.target in in_pool for e in excl),
        "an excluded target is in the pool, or the count differs",
        f"{len(excl)} exclusions, none in the pool",
    )
    ck.run(
        "teams.feasible",
        lambda: team_mod.check_feasible(
            in_pool, pool.picks, ti.inspectors, ti.conflicts, ti.previous, a["team_size"], a["cap"]
        ),
        "every possible draw can be staffed",
    )
    return pool, ti


def _check_draw(ck: _Checker, ann: Record, draw: Record, spec: BeaconSpec, pool: Pool) -> bytes:
    d = draw.body
    ck.require(
        "draw.links",
        d["announcement"] == ann.id and d["picks"] == pool.picks,
        "the draw does not reference this announcement or has the wrong number of picks",
        "draw references the announcement",
    )
    ann_time = parse_time(ann.body["time"])
    ck.run(
        "beacon.future",
        lambda: spec.check_schedule(ann_time),
        "the beacon did not exist when the task was announced",
    )
    ck.require(
        "draw.time",
        parse_time(d["time"]) >= ann_time,
        "the draw is dated before the announcement",
        "draw after announcement",
    )
    return ck.run(
        "beacon.value",
        lambda: verify_beacon_value(
            spec,
            beacon_value_from_dict(d["beacon_value"]),
            used_fallback=bool(d["fallback"]),
            drawn_at=parse_time(d["time"]),
        ),
        "the beacon value verifies",
    )


def _compare(
    ck: _Checker, expected_blob: bytes, published_blob: bytes, got: Outcome, want: Outcome
) -> None:
    def selection() -> None:
        for (key, want_picks), (got_key, got_picks) in zip(want.strata, got.strata, strict=False):
            if key != got_key or want_picks != got_picks:
                raise VerificationError(
                    "draw.selection", f"stratum {key}: the published picks differ from the re-run"
                )
        if len(want.strata) != len(got.strata) or want.seed != got.seed:
            raise VerificationError(
                "draw.selection", "the published outcome's strata or seed differ"
            )

    ck.run("draw.selection", selection, f"{len(want.picks())} picks re-drawn identically")

    def teams() -> None:
        for w, g in zip(want.teams, got.teams, strict=False):
            if w != g:
                raise VerificationError(
                    "draw.teams", f"target {w.target}: the published team differs from the re-run"
                )
        if len(want.teams) != len(got.teams):
            raise VerificationError("draw.teams", "the number of teams differs")

    ck.run("draw.teams", teams, f"{len(want.teams)} teams re-assigned identically")
    ck.require(
        "draw.outcome_bytes",
        expected_blob == published_blob,
        "the outcome blob is not byte-identical to the re-run",
        "outcome byte-identical",
    )
