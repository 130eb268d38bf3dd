"""The verifier's speculative re-run: a worker re-draws and re-staffs while the parent checks.

A verifier must re-compute the whole outcome (every ticket, the team loop, the outcome bytes)
and check every published input. None of the re-computation needs the checks first, only the
values the records claim; so right after the signatures (:func:`start`):

1. a worker (a forked child, when the caller's :class:`~lottery.core.sharing.Workers` share
   the work) draws strata from the back of the pool blob, as cut by
   :func:`lottery.core.pool_blob.raw_strata` (not yet checked), with the seed the draw and
   reveal records claim;
2. the parent checks the pool blob, then draws strata of the checked pool from the front
   (:meth:`Rerun.draw_front`) until the two meet, and sends its picks to the worker;
3. the worker assigns the teams (the sequential part) and writes their text while the parent
   checks the inspector and exclusion blobs, feasibility and the beacon;
4. the parent takes the worker's answer only if its own checks passed, the checked seed is
   the claimed one, and the outcome text it assembles is byte-identical to the published blob
   (:meth:`Rerun.confirm`). Otherwise it re-computes in-process, which also says what differs.

Speculation never changes a verdict: every input the worker used is either checked by the
parent (same bytes objects) or compared in the end, and any failure of the worker (a crash, an
exception on malformed input, a wrong answer) only costs the time of the in-process path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from . import selection
from .beacon import beacon_value_bytes, beacon_value_from_dict
from .canonical import hex_to_bytes
from .errors import LotteryError
from .outcome import Outcome, decode_team_input
from .outcome_text import outcome_text, teams_text
from .pool import Pool
from .pool_blob import PoolCut, raw_strata
from .records import Record
from .seed import derive_seed
from .sharing import Claims, Inbox, Job, Workers
from .teams import FirstDraws, Team, assign_teams


@dataclass(frozen=True)
class Head:
    """The parent's part, sent once the claims meet: the index the worker's strata start at,
    the parent's picks as UTF-8 ids in order, and their first team draws (empty when the
    parent drew no stratum)."""

    start: int
    ids: list[bytes]
    first: list[list[int]]


@dataclass(frozen=True)
class Finished:
    """The worker's answer: its strata (from ``start``) as ``ticket || id`` entries with their
    sections, the text of all teams, and their members (``team_size`` per pick, in order)."""

    start: int
    strata: list[tuple[str, list[bytes]]]
    sections: list[str]
    teams: str
    members: list[str]


@dataclass
class Rerun:
    """A speculative re-run in progress (see the module docstring)."""

    seed: bytes  # claimed: from the draw's beacon value and the revealed secret, unchecked
    cut: PoolCut  # the pool blob as both processes read it; decode_pool reuses it
    claims: Claims
    inbox: Inbox[Head]
    job: Job[Finished]
    inspectors: int
    team_size: int
    head: list[tuple[str, list[bytes]]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    failed: bool = False

    def draw_front(self, pool: Pool) -> None:
        """Draw the checked ``pool``'s strata from the front until the worker's claims are
        met, then send the picks to the worker (which drew the same blob's strata)."""
        if self.failed or len(pool.strata) != self.claims.n:
            self.abandon()
            return
        strata = pool.strata
        front = selection.draw_from_front(
            self.seed,
            self.claims,
            lambda i: selection.stratum_ids(strata[i]),
            self.inspectors,
        )
        draws = selection.join_draws(front.draws)
        ids = draws.ids if draws is not None else []
        first = draws.first if draws is not None else []
        if self.claims.broken or not self.inbox.put(Head(len(front.strata), ids, first)):
            self.abandon()
            return
        self.head, self.sections = front.strata, front.sections

    def confirm(self, seed: bytes, pool: Pool, published: bytes) -> Callable[[], Outcome] | None:
        """The outcome, to be built when asked for, if the worker's answer holds for the
        checked ``seed`` and ``pool`` and gives exactly the ``published`` outcome bytes;
        ``None`` otherwise (the caller re-computes in-process)."""
        confirmed = self._confirmed(seed, pool, published)
        if confirmed is None:
            self.abandon()
        return confirmed

    def _confirmed(self, seed: bytes, pool: Pool, published: bytes) -> Callable[[], Outcome] | None:
        if self.failed or seed != self.seed or pool.task != self.cut.task:
            return None
        done = self.job.delivered()
        if done is None:
            return None
        k = len(self.head)
        labels = [(key, len(e)) for key, e in (*self.head, *done.strata)]
        if done.start != k or labels != [(st.key, st.count) for st in pool.strata]:
            return None
        text = outcome_text(pool.task, seed, self.sections + done.sections, done.teams)
        if not text.isascii() or text.encode("ascii") != published:
            return None
        strata = self.head + done.strata
        return partial(_outcome, pool.task, seed, strata, done.members, self.team_size)

    def abandon(self) -> None:
        """Stop the worker; :meth:`confirm` then gives ``None``."""
        self.failed = True
        self.job.cancel()


def start(
    ann: Record, others: Sequence[Record], blobs: Mapping[str, bytes], workers: Workers
) -> Rerun | None:
    """Fork the worker, before anything but the signatures is checked.

    Returns:
        ``None`` (no speculation) unless ``workers`` share work of this pool's size (two
        processes, forking possible, a large pool), a worker was started, and the task has
        one draw and one reveal or cancellation whose values parse.
    """
    a = ann.body
    try:
        if not workers.share(int(a["pool"]["candidates"])):
            return None
        draws = [r for r in others if r.type == "task-draw"]
        closing = [r for r in others if r.type in ("task-reveal", "task-cancellation")]
        if len(draws) != 1 or len(closing) != 1 or closing[0].body.get("secret") is None:
            return None  # nothing to re-draw: a cancellation whose secret is lost
        secret = hex_to_bytes(closing[0].body["secret"], length=32, what="secret")
        value = beacon_value_bytes(beacon_value_from_dict(draws[0].body["beacon_value"]))
        seed = derive_seed(ann.digest, value, secret)
        data = blobs.get(a["pool"]["sha256"])
        team_blob = blobs.get(a["inspector_pool"]["sha256"])
        n, team_size, cap = a["inspector_pool"]["inspectors"], a["team_size"], a["cap"]
    except (LotteryError, KeyError, TypeError, ValueError):
        return None  # the checks will say what is wrong
    if not (isinstance(data, bytes) and isinstance(team_blob, bytes)):
        return None
    if not all(type(v) is int and v >= 1 for v in (n, team_size, cap)):
        return None
    cut = raw_strata(data)
    if cut is None:
        return None
    claims = workers.claims(len(cut.strata))
    inbox: Inbox[Head] = workers.inbox()
    work = partial(_worker, seed, cut, claims, inbox, n, team_blob, team_size, cap)
    job = workers.start(work, inbox)
    if not job.forked:
        return None
    return Rerun(seed, cut, claims, inbox, job, n, team_size)


def _worker(
    seed: bytes,
    cut: PoolCut,
    claims: Claims,
    inbox: Inbox[Head],
    inspectors: int,
    team_blob: bytes,
    team_size: int,
    cap: int,
) -> Finished:
    """In the worker: draw from the back, then, with the parent's picks, assign the teams.

    Raises:
        ValueError: when the parent's picks do not end where this worker's start.
        EOFError: when the parent sent nothing (it gave up).
        LotteryError: on malformed input (the parent's checks will name it).
    """
    ti = decode_team_input(team_blob)  # first: the parent then draws a little more
    tail = selection.draw_from_back(
        seed, claims, lambda i: selection.raw_stratum_ids(cut.strata[i]), inspectors
    )
    head = inbox.get()
    if head.start != tail.start:
        raise ValueError("the parent's picks do not meet this worker's")
    front = [FirstDraws(seed, inspectors, head.ids, head.first)] if head.first else []
    ahead = selection.join_draws([*front, *([tail.draws] if tail.strata else [])])
    ids = head.ids + [e[32:] for _, entries in tail.strata for e in entries]
    picks = [i.decode("utf-8") for i in ids]
    teams = assign_teams(
        seed,
        picks,
        ti.inspectors,
        ti.conflicts,
        ti.previous,
        team_size,
        cap,
        ahead=ahead,
        departments=ti.departments,
        team_departments=ti.team_departments,
    )
    members = [m for t in teams for m in t.inspectors]
    return Finished(tail.start, tail.strata, tail.sections, teams_text(teams), members)


def _outcome(
    task: str,
    seed: bytes,
    strata: list[tuple[str, list[bytes]]],
    members: list[str],
    team_size: int,
) -> Outcome:
    picks = tuple((key, tuple(selection.picks_of(entries))) for key, entries in strata)
    targets = [p.target for _, ps in picks for p in ps]
    teams = tuple(
        Team(t, tuple(members[j * team_size : (j + 1) * team_size])) for j, t in enumerate(targets)
    )
    return Outcome(task, seed, picks, teams)
