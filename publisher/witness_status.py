"""Whether each task's announcement was cosigned in time under the published witness policy.

The site builder does not fail on a late cosignature (docs/witness.md: a task its witnesses
cosigned late must not stop the whole site from publishing), so the task pages say it
instead: the ``witness-policy`` record in force at the announcement (the last one before it
in the log), its witnesses by the names the record gives, and what the cosigned checkpoints
(``cosigned/<size>``) establish, by the same rule as ``lottery verify``
(:func:`lottery.core.witness_audit.tally`, docs/spec.md §8 ``announcement.witnessed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lottery.core.beacon import BeaconSpec
from lottery.core.canonical import parse_time
from lottery.core.errors import LotteryError
from lottery.core.merkle import MerkleTree
from lottery.core.note import NoteVerifier
from lottery.core.tiles import leaf_hashes_from_tiles
from lottery.core.witness_audit import (
    WitnessPolicy,
    WitnessResult,
    beacon_time,
    in_force,
    load_evidence,
    tally,
    union,
)
from publisher.model import SiteModel


@dataclass(frozen=True)
class Witnessing:
    """One announcement under the policy in force for it.

    Attributes:
        policy_index: the log index of the ``witness-policy`` record.
        names: every witness of the policy, by the record's names, in its order.
        quorum, margin: the record's k and margin (seconds).
        in_time: the witnesses (record names) whose cosignatures on the deciding checkpoint
            are dated at least the margin before the beacon.
        late: those whose cosignature there came later.
        met: whether ``in_time`` reaches the quorum.
        due: the beacon's time less the margin (None when it cannot be told).
    """

    policy_index: int
    names: tuple[str, ...]
    quorum: int
    margin: int
    in_time: tuple[str, ...]
    late: tuple[str, ...]
    met: bool
    due: datetime | None


def _office_keys(model: SiteModel) -> list[NoteVerifier]:
    """The office keys the export names and every key a ``key-change`` record brought in."""
    vkeys = list(model.vkeys)
    for record in model.records:
        if record.type == "key-change":
            vkeys += [str(k) for k in record.body.get("keys", [])]
    return [NoteVerifier.from_vkey(v) for v in dict.fromkeys(vkeys)]


def _roots(model: SiteModel) -> Callable[[int], bytes]:
    """The log's root at any size, from its level-0 tiles (read on first use; the audit
    before the build checked them against the signed checkpoint)."""
    tree: list[MerkleTree] = []

    def root_at(size: int) -> bytes:
        if not tree:
            tree.append(
                MerkleTree.from_leaf_hashes(leaf_hashes_from_tiles(model.report.size, model.get))
            )
        if not 0 <= size <= tree[0].size:
            return b""
        return tree[0].root(size)

    return root_at


def witness_status(model: SiteModel) -> dict[str, Witnessing | None]:
    """Per task, its announcement under the policy in force (None: announced before any
    ``witness-policy``). Empty when the log publishes no policy."""
    records = [(i, r) for i, r in enumerate(model.records) if r.type == "witness-policy"]
    if not records:
        return {}
    published = [(i, WitnessPolicy.published(i, r.body)) for i, r in records]
    names = {i: tuple(str(w["name"]) for w in r.body["witnesses"]) for i, r in records}
    evidence = load_evidence(
        model.get,
        _office_keys(model),
        union([p for _, p in published]),
        origin=model.origin,
        log_size=model.report.size,
        root_at=_roots(model),
        result=WitnessResult(),  # a bad cosigned file gives no evidence; verify says why
    )
    out: dict[str, Witnessing | None] = {}
    for task, view in model.tasks.items():
        record = view.record("task-announcement")
        if record is None:
            continue
        index = model.index[record.id]
        policy = in_force(index, published)
        if policy is None:
            out[task] = None
            continue
        at = next(i for i, p in published if p is policy)
        label = dict(zip(((w.name, w.key_id) for w in policy.witnesses), names[at], strict=True))
        try:
            before = beacon_time(BeaconSpec.from_dict(record.body["beacon"]))
        except (LotteryError, KeyError):
            out[task] = Witnessing(at, names[at], policy.quorum, policy.margin, (), (), False, None)
            continue
        found = tally(index, before, evidence, policy)
        out[task] = Witnessing(
            at,
            names[at],
            policy.quorum,
            policy.margin,
            tuple(label[(c.name, c.key_id)] for c in found.early),
            tuple(label[(c.name, c.key_id)] for c in found.late),
            found.met,
            found.due,
        )
    return out


@dataclass(frozen=True)
class LogTime:
    """How far the export's log goes, the time a page's "now" stands for (pages are a pure
    function of the export, never of the wall clock: a full and an incremental build agree).

    Attributes:
        size: the number of records the export's checkpoint covers.
        time: the newest record's time (None for an empty log).
    """

    size: int
    time: datetime | None


def log_time(model: SiteModel) -> LogTime:
    """The export's :class:`LogTime`: its checkpoint's size and its newest record's time."""
    lines = model.checkpoint_text.split("\n")
    size = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else len(model.report.records)
    stamps = [r.body["time"] for r in model.report.records if "time" in r.body]
    # Every record's time passed the schema's one fixed-width form (2026-03-01T08:00:00Z) in
    # the audit the model comes from, and in that form the latest text is the latest time:
    # only that one is parsed (parsing 52,810 took 0.35 s).
    return LogTime(size, parse_time(max(stamps)) if stamps else None)
