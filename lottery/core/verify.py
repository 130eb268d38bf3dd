"""Verification of one task from its published records and blobs.

:func:`verify_task` re-checks everything a member of the public can: signatures, the
announcement's blobs and counts, that the beacon was fixed before it existed and verifies, the
commitment against the revealed secret, the seed, and a full re-run of selection and teams. It
returns the list of passed checks, and raises :class:`VerificationError` naming the first
check that fails (the checks that passed before it are attached to the error as ``passed``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, NoReturn, TypeVar

from . import rerun, task_checks
from . import teams as team_mod
from .beacon import BeaconSpec, beacon_value_from_dict, verify_beacon_value
from .canonical import hex_to_bytes, parse_time, sha256_hex
from .check_names import CheckName
from .committed import Opening, check_openings
from .draw import DrawResult, compute_outcome
from .errors import LotteryError, VerificationError
from .joint import Departments, joint_problem
from .note import NoteVerifier
from .outcome import Outcome, TeamInput, decode_outcome, decode_team_input
from .pool import Pool, check_counts, decode_exclusions
from .pool_blob import decode_pool
from .records import Record, open_record
from .seed import check_commitment, derive_seed
from .sharing import SERIAL, Workers

T = TypeVar("T")

# A pick named by a commitment id in an outcome blob's canonical bytes (spec §4, §7).
_COMMITTED_PICK = re.compile(rb'"target":"[0-9a-f]{64}"')


LOST_DETAIL = (
    "WARNING: cancelled with the secret lost: the commitment is never opened and the draw "
    "cannot be checked (spec section 7, 'Cancelled, secret lost')"
)
"""The detail of the ``cancel.secret_lost`` warning (a finding recorded with the checks)."""


def secret_lost(task: TaskVerification) -> bool:
    """Whether ``task`` was cancelled by a cancellation that says its secret is lost."""
    return any(c.name == CheckName.CANCEL_SECRET_LOST for c in task.checks)


@dataclass(frozen=True)
class Check:
    """One passed check: a stable name and what was established."""

    name: str
    detail: str


@dataclass
class TaskVerification:
    """The result of verifying one task.

    The re-drawn outcome (equal to the published one) is built from the re-run's compact
    parts when first asked for (:attr:`outcome`): a verifier that only needs the verdict
    never makes its hundred thousand objects.
    """

    task: str
    status: str = "announced"
    checks: list[Check] = field(default_factory=list)
    outcome_source: Callable[[], Outcome] | None = field(default=None, repr=False, compare=False)
    openings: dict[str, Opening] = field(default_factory=dict)
    """A committed pool's opened picks by commitment id (spec §4 "Committed pools")."""

    @cached_property
    def outcome(self) -> Outcome | None:
        """The outcome of a disclosed or cancelled draw, re-computed; ``None`` before."""
        return self.outcome_source() if self.outcome_source is not None else None


class _Checker:
    def __init__(self, report: TaskVerification) -> None:
        self.report = report

    def run(self, name: str, fn: Callable[[], T], ok: str) -> T:
        """``fn()``, recorded as check ``name`` passed (``ok`` says what it established).

        Raises:
            VerificationError: ``name`` (or a more specific inner check) when ``fn`` fails,
                with the checks passed so far.
        """
        value = self.guard(name, fn)
        self.report.checks.append(Check(name, ok))
        return value

    def guard(self, name: str, fn: Callable[[], T]) -> T:
        """``fn()``, its failure reported as check ``name``; nothing recorded when it passes
        (a step that only prepares the values a later check of that name uses)."""
        try:
            return fn()
        except VerificationError as exc:
            # Keep a specific inner check name (blob.hash, commit.reveal...); otherwise the
            # step's own name says which check failed.
            specific = "." in exc.check and not exc.check.startswith(("note.", "merkle."))
            self.fail(exc.check if specific else name, exc.detail, exc)
        except LotteryError as exc:
            self.fail(name, str(exc), exc)

    def fail(self, name: str, detail: str, cause: Exception | None = None) -> NoReturn:
        """Stop the verification at check ``name``, with the checks passed so far."""
        err = VerificationError(name, detail)
        err.passed = list(self.report.checks)
        raise err from cause

    def require(self, name: str, condition: bool, detail: str, ok: str) -> None:
        def fn() -> None:
            if not condition:
                raise VerificationError(name, detail)

        self.run(name, fn, ok)


def _differences(claimed_by: str, pairs: Sequence[tuple[str, object, object]]) -> str:
    """``what: <claimed_by> X, found Y`` for each pair (what, claimed, found) that differs."""
    return "; ".join(
        f"{what}: {claimed_by} {claimed!r}, found {found!r}"
        for what, claimed, found in pairs
        if claimed != found
    )


def _blob(blobs: Mapping[str, bytes], digest: str, what: str) -> bytes:
    data = blobs.get(digest)
    if data is None:
        raise VerificationError(CheckName.BLOB_MISSING, f"{what} blob {digest} is not published")
    if sha256_hex(data) != digest:
        raise VerificationError(
            CheckName.BLOB_HASH, f"{what} blob does not match its SHA-256 {digest}"
        )
    return data


def _one(records: Sequence[Record], kind: str, task: str) -> Record | None:
    found = [r for r in records if r.type == kind]
    if len(found) > 1:
        raise VerificationError(
            CheckName("task." + kind.removeprefix("task-")),
            f"task {task} has {len(found)} {kind} records; at most one is allowed",
        )
    return found[0] if found else None


def _announcement(records: Sequence[Record]) -> Record:
    ann = _one(records, "task-announcement", "?")
    if ann is None:
        raise VerificationError(CheckName.TASK_ANNOUNCEMENT, "no announcement record for this task")
    return ann


def verify_task(
    notes: Sequence[bytes],
    blobs: Mapping[str, bytes],
    verifiers: Sequence[NoteVerifier],
    *,
    log: str | None = None,
    workers: Workers = SERIAL,
) -> TaskVerification:
    """Verify every published record of one task (announcement, draw, reveal, cancellation).

    The checks run in the order of docs/spec.md section 8, each step below named after what
    it establishes; the first that fails stops the verification.

    Args:
        notes: the signed record bytes of the task, in log order.
        blobs: published blobs by lower-case hex SHA-256.
        verifiers: the office's pinned public keys.
        log: the log origin the records must belong to.
        workers: how the re-draw may be shared with a second process (see
            :func:`lottery.core.draw.compute_outcome`); the result never depends on it.

    Raises:
        VerificationError: naming the first failed check, with the checks passed before it.
    """
    report = TaskVerification(task="?")
    ck = _Checker(report)
    records, ann = _open_records(ck, notes, verifiers, log)
    others = [r for r in records if r is not ann]
    # With workers, the re-run starts now in a worker process, from the claimed values, while
    # this process checks everything it depends on (lottery.core.rerun).
    spec_run = rerun.start(ann, others, blobs, workers)
    try:
        _verify_steps(ck, records, ann, others, blobs, spec_run, workers)
    finally:
        if spec_run is not None:
            spec_run.abandon()
    return report


def _open_records(
    ck: _Checker, notes: Sequence[bytes], verifiers: Sequence[NoteVerifier], log: str | None
) -> tuple[list[Record], Record]:
    """The task's records, signed by the office; its announcement; all of one task."""
    records = ck.run(
        CheckName.RECORD_SIGNATURE,
        lambda: [open_record(n, verifiers, log=log) for n in notes],
        f"{len(notes)} records signed by the office key",
    )
    ann = ck.run(CheckName.TASK_ANNOUNCEMENT, lambda: _announcement(records), "found")
    task = ann.body["task"]
    ck.report.task = task
    foreign = [r for r in records if r is not ann and r.body.get("task") != task]
    ck.require(
        CheckName.TASK_RECORDS,
        not foreign,
        "records of another task were given: "
        + ", ".join(f"{r.type} {r.id[:16]} of task {r.body.get('task')!r}" for r in foreign[:5]),
        f"{len(records)} records of task {task}",
    )
    return records, ann


def _verify_steps(
    ck: _Checker,
    records: list[Record],
    ann: Record,
    others: list[Record],
    blobs: Mapping[str, bytes],
    spec_run: rerun.Rerun | None,
    workers: Workers,
) -> None:
    """Every check after the records are opened, in the order of the spec."""
    report = ck.report
    pool, team_input = _check_announcement(ck, ann.body, blobs, spec_run)
    spec = _check_beacon_schedule(ck, ann.body)
    draw, reveal, closing = _task_steps(ck, records, ann, others)
    beacon_value: bytes | None = None
    if draw is not None:
        report.status = "drawn"
        beacon_value = _check_draw(ck, ann, draw, spec, pool)
    if closing is None:
        return
    report.status = "disclosed" if reveal is not None else "cancelled"
    _check_closing(ck, ann, draw, closing)
    if closing.body.get("secret_lost") is True:
        ck.report.checks.append(Check(CheckName.CANCEL_SECRET_LOST, LOST_DETAIL))
        return
    secret, commit = ck.guard(
        CheckName.COMMIT_REVEAL,
        lambda: (
            hex_to_bytes(closing.body["secret"], length=32, what="secret"),
            hex_to_bytes(ann.body["commit"], length=32, what="commit"),
        ),
    )
    if draw is None or beacon_value is None:
        ck.run(
            CheckName.COMMIT_REVEAL,
            lambda: check_commitment(commit, secret),
            "cancelled before the draw; the secret opens the commitment",
        )
        return
    _check_rerun(
        ck, ann, draw, pool, team_input, beacon_value, secret, commit, spec_run, workers, blobs
    )
    if reveal is not None:
        _check_openings(ck, reveal, blobs)


def _check_openings(ck: _Checker, reveal: Record, blobs: Mapping[str, bytes]) -> None:
    """A committed pool's reveal opens exactly its picked commitments (spec §4). A reveal
    without openings whose outcome names no commitment id is not concerned: the bytes say so
    without building the outcome's objects."""
    published = blobs.get(reveal.body["outcome"], b"")
    if "openings" not in reveal.body and not _COMMITTED_PICK.search(published):
        return
    outcome = ck.report.outcome
    picks = outcome.picks() if outcome is not None else []
    opened = ck.guard(
        CheckName.POOL_OPENINGS,
        lambda: check_openings(ck.report.task, picks, reveal.body, blobs),
    )
    if opened or "openings" in reveal.body:
        ck.report.openings = opened
        ck.report.checks.append(
            Check(
                CheckName.POOL_OPENINGS,
                f"{len(opened)} picked commitments opened, each hashing to its id; "
                "nothing else opened",
            )
        )


def _check_beacon_schedule(ck: _Checker, a: Mapping[str, Any]) -> BeaconSpec:
    """The announced beacon, which did not exist when the task was announced.

    Checked for every task, drawn or not: an announcement dated after its beacon was known is
    a forgery whether or not the office has published the draw yet.
    """
    spec = ck.run(CheckName.BEACON_SPEC, lambda: BeaconSpec.from_dict(a["beacon"]), "beacon fixed")
    ck.run(
        CheckName.BEACON_FUTURE,
        lambda: spec.check_schedule(parse_time(a["time"])),
        "the beacon did not exist when the task was announced",
    )
    return spec


def _task_steps(
    ck: _Checker, records: list[Record], ann: Record, others: list[Record]
) -> tuple[Record | None, Record | None, Record | None]:
    """The draw, the reveal and the closing record (reveal or cancellation), each at most once,
    not both a reveal and a cancellation, in the order of the steps in the log."""
    task = ck.report.task
    draw = ck.run(CheckName.TASK_DRAW, lambda: _one(others, "task-draw", task), "at most one draw")
    reveal = ck.run(CheckName.TASK_REVEAL, lambda: _one(others, "task-reveal", task), "at most one")
    cancel = ck.run(
        CheckName.TASK_CANCELLATION, lambda: _one(others, "task-cancellation", task), "ok"
    )
    ck.require(
        CheckName.TASK_STATE,
        reveal is None or cancel is None,
        "a task cannot be both revealed and cancelled",
        "not both revealed and cancelled",
    )
    closing = reveal or cancel
    ck.run(
        CheckName.TASK_LOG_ORDER,
        lambda: task_checks.check_log_order(records, ann, draw, closing),
        "announcement, draw, reveal or cancellation in this order in the log",
    )
    return draw, reveal, closing


def _check_closing(ck: _Checker, ann: Record, draw: Record | None, closing: Record) -> None:
    """The reveal or cancellation comes after what it closes and names it."""
    ck.require(
        CheckName.TASK_ORDER,
        parse_time(closing.body["time"]) >= parse_time((draw or ann).body["time"]),
        "the reveal or cancellation is dated before the draw (or the announcement)",
        "reveal or cancellation after the draw",
    )
    ck.run(
        CheckName.TASK_LINKS,
        lambda: task_checks.check_links(ann, draw, closing),
        "the reveal or cancellation references the draw and its outcome hash",
    )


def _check_rerun(
    ck: _Checker,
    ann: Record,
    draw: Record,
    pool: Pool,
    team_input: TeamInput,
    beacon_value: bytes,
    secret: bytes,
    commit: bytes,
    spec_run: rerun.Rerun | None,
    workers: Workers,
    blobs: Mapping[str, bytes],
) -> None:
    """The published outcome is the one sealed at draw time, the secret opens the commitment,
    and re-running the draw from the published inputs gives the outcome byte for byte."""
    a = ann.body
    outcome_blob = ck.run(
        CheckName.DRAW_OUTCOME_HASH,
        lambda: _blob(blobs, draw.body["outcome"], "outcome"),
        "the published outcome matches the hash sealed at draw time",
    )
    ck.run(
        CheckName.COMMIT_REVEAL,
        lambda: check_commitment(commit, secret),
        "the revealed secret opens the commitment",
    )
    result = ck.run(
        CheckName.DRAW_RERUN,
        lambda: _rerun(
            spec_run,
            ann.digest,
            pool,
            team_input,
            a["team_size"],
            a["cap"],
            beacon_value,
            secret,
            commit,
            workers,
            outcome_blob,
        ),
        "seed, selection and teams re-computed from the published inputs",
    )
    if callable(result) or result.outcome_blob == outcome_blob:
        ck.report.checks += [
            Check(CheckName.DRAW_SELECTION, f"{pool.picks} picks re-drawn identically"),
            Check(CheckName.DRAW_TEAMS, f"{pool.picks} teams re-assigned identically"),
            Check(
                CheckName.DRAW_OUTCOME_BYTES,
                "the published outcome is byte-identical to the re-run",
            ),
        ]
        ck.report.outcome_source = result if callable(result) else partial(_outcome, pool, result)
        return
    published = ck.run(
        CheckName.DRAW_OUTCOME, lambda: decode_outcome(outcome_blob), "outcome parses"
    )
    _compare(ck, result.outcome_blob, outcome_blob, published, decode_outcome(result.outcome_blob))
    ck.fail(CheckName.DRAW_OUTCOME_BYTES, "the outcome differs from the re-run")


def _outcome(pool: Pool, result: DrawResult) -> Outcome:
    return Outcome(
        pool.task,
        result.seed,
        tuple((st.key, tuple(p)) for st, p in result.selection),
        tuple(result.teams),
    )


def _rerun(
    spec_run: rerun.Rerun | None,
    announcement_digest: bytes,
    pool: Pool,
    team_input: TeamInput,
    team_size: int,
    cap: int,
    beacon_value: bytes,
    secret: bytes,
    commit: bytes,
    workers: Workers,
    published: bytes,
) -> DrawResult | Callable[[], Outcome]:
    """The speculative re-run's outcome when it gives exactly the ``published`` bytes for
    the checked seed and pool (see :meth:`lottery.core.rerun.Rerun.confirm`); otherwise
    :func:`compute_outcome`, in-process.

    Raises:
        VerificationError: ``commit.reveal`` when the secret does not open the commitment.
    """
    check_commitment(commit, secret)
    seed = derive_seed(announcement_digest, beacon_value, secret)
    confirmed = spec_run.confirm(seed, pool, published) if spec_run is not None else None
    if confirmed is not None:
        return confirmed
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


def _check_announcement(
    ck: _Checker, a: Mapping[str, Any], blobs: Mapping[str, bytes], spec_run: rerun.Rerun | None
) -> tuple[Pool, TeamInput]:
    pool_blob = ck.run(
        CheckName.BLOB_POOL, lambda: _blob(blobs, a["pool"]["sha256"], "pool"), "hash ok"
    )
    cut = spec_run.cut if spec_run is not None else None
    pool = ck.run(CheckName.POOL_FORMAT, lambda: decode_pool(pool_blob, cut=cut), "pool parses")
    ck.run(CheckName.POOL_COUNTS, lambda: check_counts(pool, a["ratios"]), "counts follow the rule")
    pool_diff = _differences(
        "announced",
        [
            ("task", a["task"], pool.task),
            ("candidates", a["pool"]["candidates"], pool.candidates),
            ("picks", a["pool"]["picks"], pool.picks),
            ("strata", a["pool"]["strata"], len(pool.strata)),
        ],
    )
    ck.require(
        CheckName.POOL_SUMMARY,
        not pool_diff,
        f"the pool blob does not match the announcement ({pool_diff})",
        f"{pool.candidates} candidates in {len(pool.strata)} strata, {pool.picks} to draw",
    )
    # Here this process joins the re-draw, from the front of the checked pool; the worker then
    # assigns the teams while the rest is checked.
    if spec_run is not None:
        spec_run.draw_front(pool)
    team_blob = ck.run(
        CheckName.BLOB_INSPECTORS,
        lambda: _blob(blobs, a["inspector_pool"]["sha256"], "team"),
        "hash ok",
    )
    ti = ck.run(CheckName.INSPECTORS_FORMAT, lambda: decode_team_input(team_blob), "parses")
    ti_diff = _differences(
        "announced",
        [
            ("task", a["task"], ti.task),
            ("inspectors", a["inspector_pool"]["inspectors"], len(ti.inspectors)),
        ],
    )
    ck.require(
        CheckName.INSPECTORS_SUMMARY,
        not ti_diff,
        f"the inspector pool blob does not match the announcement ({ti_diff})",
        f"{len(ti.inspectors)} eligible inspectors",
    )
    if "departments" in a or ti.departments is not None:
        joint = Departments.from_announcement(a)
        problem = joint_problem(joint, ti.departments, ti.team_departments)
        ck.require(
            CheckName.INSPECTORS_DEPARTMENTS,
            problem is None,
            f"the joint task's departments do not match ({problem})",
            "every inspector is of a department the task names"
            + ("; one inspector of each department per team" if ti.team_departments else ""),
        )
    excl_blob = ck.run(
        CheckName.BLOB_EXCLUSIONS,
        lambda: _blob(blobs, a["exclusions"]["sha256"], "exclusions"),
        "ok",
    )
    excl = ck.run(CheckName.EXCLUSIONS_FORMAT, lambda: decode_exclusions(excl_blob), "parses")
    # The targets these blobs name, looked up in one pass over the pool's bytes.
    in_pool = pool.lookup([e.target for e in excl] + [*ti.conflicts, *ti.previous])
    pooled = [e.target for e in excl if e.target in in_pool]
    excl_diff = _differences("announced", [("exclusions", a["exclusions"]["count"], len(excl))])
    if pooled:
        shown = ", ".join(pooled[:5]) + (f" and {len(pooled) - 5} more" if len(pooled) > 5 else "")
        excl_diff = "; ".join(filter(None, [excl_diff, f"excluded but in the pool: {shown}"]))
    ck.require(
        CheckName.EXCLUSIONS_DISJOINT,
        not excl_diff,
        f"the exclusions do not match the announcement and the pool ({excl_diff})",
        f"{len(excl)} exclusions, none in the pool",
    )
    if "cap_exceptions" in a:
        kept = [e["target"] for e in a["cap_exceptions"]]
        in_pool_kept = pool.lookup(kept)
        wrong = [t for t in kept if t not in in_pool_kept or t in {e.target for e in excl}]
        order_ok = kept == sorted(set(kept))
        ck.require(
            CheckName.EXCLUSIONS_CAP_EXCEPTIONS,
            order_ok and not wrong,
            "the cap exceptions must name pooled targets, once each, sorted"
            + (f"; not in the pool or excluded: {', '.join(wrong[:5])}" if wrong else ""),
            f"{len(kept)} targets kept in the pool despite the annual cap, each with a reason",
        )
    ck.run(
        CheckName.TEAMS_FEASIBLE,
        lambda: team_mod.check_feasible(
            in_pool,
            pool.picks,
            ti.inspectors,
            ti.conflicts,
            ti.previous,
            a["team_size"],
            a["cap"],
            departments=ti.departments,
            team_departments=ti.team_departments,
        ),
        "every possible draw can be staffed",
    )
    return pool, ti


def _check_draw(ck: _Checker, ann: Record, draw: Record, spec: BeaconSpec, pool: Pool) -> bytes:
    d = draw.body
    draw_diff = _differences(
        "expected",
        [("announcement", ann.id, d["announcement"]), ("picks", pool.picks, d["picks"])],
    )
    ck.require(
        CheckName.DRAW_LINKS,
        not draw_diff,
        f"the draw does not match this announcement ({draw_diff})",
        "draw references the announcement",
    )
    ck.require(
        CheckName.DRAW_TIME,
        parse_time(d["time"]) >= parse_time(ann.body["time"]),
        "the draw is dated before the announcement",
        "draw after announcement",
    )
    return ck.run(
        CheckName.BEACON_VALUE,
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
                    CheckName.DRAW_SELECTION,
                    f"stratum {key}: the published picks differ from the re-run",
                )
        if len(want.strata) != len(got.strata) or want.seed != got.seed:
            raise VerificationError(
                CheckName.DRAW_SELECTION, "the published outcome's strata or seed differ"
            )

    ck.run(CheckName.DRAW_SELECTION, selection, f"{len(want.picks())} picks re-drawn identically")

    def teams() -> None:
        for w, g in zip(want.teams, got.teams, strict=False):
            if w != g:
                raise VerificationError(
                    CheckName.DRAW_TEAMS,
                    f"target {w.target}: the published team differs from the re-run",
                )
        if len(want.teams) != len(got.teams):
            raise VerificationError(CheckName.DRAW_TEAMS, "the number of teams differs")

    ck.run(CheckName.DRAW_TEAMS, teams, f"{len(want.teams)} teams re-assigned identically")
    ck.require(
        CheckName.DRAW_OUTCOME_BYTES,
        expected_blob == published_blob,
        "the outcome blob is not byte-identical to the re-run",
        "outcome byte-identical",
    )
