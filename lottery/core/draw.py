"""The draw lifecycle as pure functions: announce, draw (sealed), reveal, cancel.

The service calls these with values it loaded or generated (secrets, times, beacon data) and
stores what they return; verifiers re-run :func:`compute_outcome` from published bytes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import teams as team_mod
from .beacon import BeaconSpec
from .canonical import sha256_hex
from .cross_check import CrossCheck
from .errors import InputError
from .joint import Departments
from .outcome import TeamInput, encode_outcome, encode_team_input, make_team_input
from .pool import Candidate, Exclusion, Pool, Stratum, build_pool, encode_exclusions, encode_pool
from .seed import check_commitment, derive_seed
from .selection import Drawn, Pick, picks_in_order, select_with_draws
from .sharing import SERIAL, Workers
from .teams import Team

ALGORITHM = "lottery-v1"


@dataclass(frozen=True)
class InspectorRow:
    """An inspector as the draw sees it (public fields only)."""

    id: str
    org_unit: str
    cert_valid_from: str
    cert_valid_to: str
    active: bool = True
    # 所属部门: "" for the office's own; another department's inspectors go only on the joint
    # tasks that name it (spec section 4).
    department: str = ""


@dataclass(frozen=True)
class TaskParams:
    """The parameters a planner fixes for one task (one draw)."""

    task: str
    title: str
    org_units: tuple[str, ...]
    window_start: str
    window_end: str
    ratios: Mapping[str, int]
    team_size: int
    disclosure: str
    beacon: BeaconSpec
    cap: int | None = None
    items: tuple[tuple[str, int], ...] = ()
    # 公开时间：公告时间或全部检查结果审核完毕时（以先到者为准）: docs/spec.md §4, §7
    disclose_early: bool = False
    # (USCC, reason): targets kept in the pool although the annual cap ("原则上") would exclude
    # them; the ones the cap did apply to are published with their reasons (spec section 4).
    cap_exceptions: tuple[tuple[str, str], ...] = ()
    # 交叉检查: the rule of who may inspect what, published as ``cross_check`` (spec section 4);
    # the service derives its conflict pairs and narrows the inspector pool before the draw.
    cross_check: CrossCheck = field(default_factory=CrossCheck)
    # The annual plan entry the task carries out, as (year, entry id); the service publishes
    # it as the announcement's ``plan`` member (docs/plans.md).
    plan: tuple[int, str] | None = None
    # 部门联合抽查: the lead and participating departments and the team rule (spec section 4,
    # docs/teams.md §8); None for a task of the office alone.
    departments: Departments | None = None


@dataclass(frozen=True)
class PreparedAnnouncement:
    """What an announcement fixes: record fields and the blobs they reference by hash."""

    fields: dict[str, Any]
    blobs: dict[str, bytes]
    pool: Pool
    team_input: TeamInput
    cap: int


def eligible_inspectors(
    inspectors: Iterable[InspectorRow], org_units: Sequence[str], start: str, end: str
) -> list[str]:
    """Inspectors who may go: active, in the allowed org units, certificate valid all window.

    Dates are ``YYYY-MM-DD`` strings, which compare correctly as text.
    """
    allowed = set(org_units)
    return [
        row.id
        for row in inspectors
        if row.active
        and row.org_unit in allowed
        and row.cert_valid_from <= start
        and row.cert_valid_to >= end
    ]


def prepare_announcement(
    params: TaskParams,
    candidates: Iterable[Candidate],
    inspectors: Iterable[InspectorRow],
    *,
    commit: bytes,
    exclusions: Sequence[Exclusion] = (),
    conflicts: Iterable[tuple[str, str]] = (),
    previous: Iterable[tuple[str, str]] = (),
) -> PreparedAnnouncement:
    """Freeze the pools, check that the draw cannot fail, and build the announcement fields.

    Raises:
        InputError: for bad parameters or registries.
        InfeasibleError: naming the targets without enough eligible inspectors.
    """
    if params.team_size < 2:
        raise InputError(f"team size must be at least 2, got {params.team_size}")
    if params.window_start > params.window_end:
        raise InputError("the inspection window ends before it starts")
    if len(commit) != 32:
        raise InputError("commitment must be 32 bytes")
    pool = build_pool(params.task, candidates, params.ratios, exclusions)
    targets = pool.members
    joint = params.departments
    # The office's own inspectors, and on a joint task those of the departments it names.
    allowed = ("", *(joint.participants if joint is not None else ()))
    rows = [r for r in inspectors if r.department in allowed]
    eligible = eligible_inspectors(rows, params.org_units, params.window_start, params.window_end)
    if len(set(eligible)) != len(eligible):
        raise InputError("duplicate inspector id in the inspector registry")
    ti = make_team_input(
        params.task,
        eligible,
        conflicts,
        previous,
        targets,
        departments=None if joint is None else {r.id: joint.named(r.department) for r in rows},
        team_departments=() if joint is None else joint.team_departments,
    )
    cap = params.cap
    if cap is None:
        cap = team_mod.suggest_cap(
            targets,
            pool.picks,
            ti.inspectors,
            ti.conflicts,
            ti.previous,
            params.team_size,
            departments=ti.departments,
            team_departments=ti.team_departments,
        )
    team_mod.check_feasible(
        targets,
        pool.picks,
        ti.inspectors,
        ti.conflicts,
        ti.previous,
        params.team_size,
        cap,
        departments=ti.departments,
        team_departments=ti.team_departments,
    )
    pool_blob = encode_pool(pool)
    team_blob = encode_team_input(ti)
    excl_blob = encode_exclusions(params.task, exclusions)
    blobs = {sha256_hex(b): b for b in (pool_blob, team_blob, excl_blob)}
    fields: dict[str, Any] = {
        "task": params.task,
        "title": params.title,
        "items": [{"code": c, "version": v} for c, v in params.items],
        "org_units": list(params.org_units),
        "window": {"start": params.window_start, "end": params.window_end},
        "ratios": dict(params.ratios),
        "team_size": params.team_size,
        "cap": cap,
        "pool": {
            "sha256": sha256_hex(pool_blob),
            "candidates": pool.candidates,
            "strata": len(pool.strata),
            "picks": pool.picks,
        },
        "inspector_pool": {"sha256": sha256_hex(team_blob), "inspectors": len(ti.inspectors)},
        "exclusions": {"sha256": sha256_hex(excl_blob), "count": len(exclusions)},
        "algorithm": ALGORITHM,
        "beacon": params.beacon.to_dict(),
        "commit": commit.hex(),
        "disclosure": params.disclosure,
    }
    if params.disclose_early:  # optional member: absent means only at the disclosure time
        fields["disclose_early"] = True
    if params.cross_check.on:  # optional member: absent means no cross-check rule
        fields["cross_check"] = params.cross_check.to_dict()
    if joint is not None:  # optional member: absent means the office's own task
        fields["departments"] = joint.to_dict()
    return PreparedAnnouncement(fields, blobs, pool, ti, cap)


@dataclass(frozen=True)
class DrawResult:
    """A computed draw: the seed, picks per stratum, teams and the outcome blob."""

    seed: bytes
    selection: list[tuple[Stratum, list[Pick]]]
    teams: list[Team]
    outcome_blob: bytes
    outcome_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome_sha256", sha256_hex(self.outcome_blob))


def compute_outcome(
    announcement_digest: bytes,
    pool: Pool,
    team_input: TeamInput,
    team_size: int,
    cap: int,
    beacon_value: bytes,
    secret: bytes,
    commit: bytes,
    *,
    workers: Workers = SERIAL,
) -> DrawResult:
    """Derive the seed and run selection and team assignment.

    Args:
        announcement_digest: SHA-256 of the signed announcement.
        pool: the announced candidate pool.
        team_input: the announced inspectors, conflicts and previous inspectors.
        team_size: inspectors per target.
        cap: the workload cap.
        beacon_value: the beacon's value bytes.
        secret: the revealed office secret.
        commit: the announced commitment.
        workers: how the strata may be shared with a second process; the default,
            :data:`~lottery.core.sharing.SERIAL`, stays in this process, as a server with
            threads must. The outcome is identical either way.

    Raises:
        VerificationError: ``commit.reveal`` when the secret does not open the commitment.
    """
    check_commitment(commit, secret)
    seed = derive_seed(announcement_digest, beacon_value, secret)
    drawn = select_with_draws(seed, pool, workers, len(team_input.inspectors))
    return outcome_from_selection(seed, pool, drawn, team_input, team_size, cap)


def outcome_from_selection(
    seed: bytes,
    pool: Pool,
    drawn: Drawn,
    team_input: TeamInput,
    team_size: int,
    cap: int,
) -> DrawResult:
    """Assign the teams for a selection and build the outcome blob.

    What the drawing processes wrote ahead (first team draws, outcome sections; see
    :class:`lottery.core.selection.Drawn`) saves work and never changes the result.

    Raises:
        InputError: for a bad team size, cap or inspector pool.
        InfeasibleError: when a pick cannot be staffed.
    """
    selection = drawn.selection
    teams = team_mod.assign_teams(
        seed,
        picks_in_order(selection),
        team_input.inspectors,
        team_input.conflicts,
        team_input.previous,
        team_size,
        cap,
        ahead=drawn.draws,
        departments=team_input.departments,
        team_departments=team_input.team_departments,
    )
    blob = encode_outcome(pool.task, seed, selection, teams, drawn.sections)
    return DrawResult(seed, selection, list(teams), blob)


def draw_fields(
    task: str,
    announcement_id: str,
    beacon_value: Mapping[str, Any],
    fallback: bool,
    result: DrawResult,
) -> dict[str, Any]:
    """Fields of the sealed ``task-draw`` record (the outcome itself stays secret)."""
    return {
        "task": task,
        "announcement": announcement_id,
        "beacon_value": dict(beacon_value),
        "fallback": fallback,
        "outcome": result.outcome_sha256,
        "picks": sum(len(p) for _, p in result.selection),
    }


def reveal_fields(
    task: str,
    draw_id: str,
    secret: bytes,
    outcome_sha256: str,
    openings_sha256: str | None = None,
) -> dict[str, Any]:
    """Fields of the ``task-reveal`` record published at the disclosure time; ``openings``
    only for a task with committed picks (spec §4, "Committed pools")."""
    fields = {"task": task, "draw": draw_id, "secret": secret.hex(), "outcome": outcome_sha256}
    if openings_sha256 is not None:
        fields["openings"] = openings_sha256
    return fields


def cancellation_fields(
    task: str,
    announcement_id: str,
    reason: str,
    secret: bytes,
    draw_id: str | None = None,
    outcome_sha256: str | None = None,
) -> dict[str, Any]:
    """Fields of a ``task-cancellation`` record: the secret is revealed in every case.

    Raises:
        InputError: when the reason is empty or only a draw or only an outcome is given.
    """
    if not reason.strip():
        raise InputError("a cancellation needs a reason")
    if (draw_id is None) != (outcome_sha256 is None):
        raise InputError("a cancelled draw must reveal its outcome")
    return {
        "task": task,
        "announcement": announcement_id,
        "draw": draw_id,
        "reason": reason,
        "secret": secret.hex(),
        "outcome": outcome_sha256,
    }


def secret_lost_cancellation_fields(
    task: str,
    announcement_id: str,
    reason: str,
    draw_id: str | None = None,
    outcome_sha256: str | None = None,
) -> dict[str, Any]:
    """Fields of a ``task-cancellation`` record whose secret the office lost (spec §7,
    "Cancelled, secret lost"): ``secret`` null and ``secret_lost`` true; ``outcome`` is the
    hash the draw sealed (its blob is not published), null before the draw.

    Raises:
        InputError: when the reason is empty or only a draw or only an outcome is given.
    """
    if not reason.strip():
        raise InputError("a cancellation needs a reason")
    if (draw_id is None) != (outcome_sha256 is None):
        raise InputError("a cancelled draw must name its outcome hash")
    return {
        "task": task,
        "announcement": announcement_id,
        "draw": draw_id,
        "reason": reason,
        "secret": None,
        "secret_lost": True,
        "outcome": outcome_sha256,
    }
