"""Witnessed announcements: proof that an announcement existed before its beacon.

A record's ``time`` field is only the office's word. A checkpoint that covers the
announcement's log index, cosigned by independent witnesses (docs/witness.md) at POSIX times
before the beacon's randomness existed, proves the announcement was in the log by then: the
witnesses vouched for that tree's root, and the root commits to every entry below its size.

The export publishes ``cosigned/list`` (sizes, ascending) and ``cosigned/<size>`` (the office's
signed checkpoint with every cosignature line received). :func:`check_witnessed` checks, for
each announcement, that one such checkpoint of this log with ``size > index`` carries at least
``quorum`` valid cosignatures by the given witnesses with timestamps before the beacon time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .beacon import BeaconSpec, DrandBeacon, PublicNumbersBeacon
from .canonical import CHINA_STANDARD_TIME, format_time
from .check_names import CheckName
from .checkpoint import open_checkpoint
from .cosignature import Cosignature, CosignatureVerifier, verify_cosignatures
from .errors import EncodingError, InputError, LotteryError, VerificationError
from .note import NoteVerifier
from .records import Record
from .verify import Check
from .witness_policy import witness_keys

Getter = Callable[[str], bytes]

"""Asia/Shanghai has been UTC+8 without daylight saving since 1991 (no tz database needed)."""

CHECK = CheckName.ANNOUNCEMENT_WITNESSED


@dataclass(frozen=True)
class WitnessPolicy:
    """Which witnesses a verifier trusts and how many must agree.

    Raises:
        InputError: for no witness, a quorum outside ``1..len(witnesses)``, or a witness
            given twice.
    """

    witnesses: tuple[CosignatureVerifier, ...]
    quorum: int
    margin: int = 0
    """Seconds the cosignatures must precede the beacon (a published policy's ``margin``)."""
    source: str = "--witness"
    """Where it comes from: ``--witness`` (the reader) or ``witness-policy at log index N``."""

    def __post_init__(self) -> None:
        """Validate the quorum against the witnesses."""
        if not self.witnesses:
            raise InputError("a witness policy needs at least one witness key")
        ids = {(w.name, w.key_id) for w in self.witnesses}
        if len(ids) != len(self.witnesses):
            raise InputError("a witness key is given twice")
        if not isinstance(self.quorum, int) or not 1 <= self.quorum <= len(self.witnesses):
            raise InputError(
                f"the quorum must be in 1..{len(self.witnesses)} (the witnesses given), "
                f"got {self.quorum!r}"
            )

    @classmethod
    def published(cls, index: int, body: Mapping[str, Any]) -> WitnessPolicy:
        """The policy of a ``witness-policy`` record at log ``index`` (already validated).

        Raises:
            EncodingError: when a vkey is not a cosigner key.
        """
        source = f"witness-policy at log index {index}"
        return cls(witness_keys(body), body["quorum"], body["margin"], source)

    def trusts(self, cosig: Cosignature) -> bool:
        """Whether ``cosig`` is by one of these witnesses."""
        return any((w.name, w.key_id) == (cosig.name, cosig.key_id) for w in self.witnesses)


def union(policies: Sequence[WitnessPolicy]) -> WitnessPolicy:
    """Every witness of ``policies``, once (to read the cosigned checkpoints)."""
    seen: dict[tuple[str, bytes], CosignatureVerifier] = {}
    for policy in policies:
        for w in policy.witnesses:
            seen.setdefault((w.name, w.key_id), w)
    return WitnessPolicy(tuple(seen.values()), 1)


def in_force(index: int, published: Sequence[tuple[int, WitnessPolicy]]) -> WitnessPolicy | None:
    """The published policy that applies to the entry at ``index``: the last one before it."""
    before = [policy for at, policy in published if at < index]
    return before[-1] if before else None


@dataclass(frozen=True)
class Evidence:
    """The valid cosignatures by trusted witnesses on the cosigned checkpoint of ``size``."""

    size: int
    cosignatures: tuple[Cosignature, ...]


@dataclass
class WitnessResult:
    """What :func:`check_witnessed` established."""

    log_checks: list[Check] = field(default_factory=list)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)
    tasks: dict[str, Check] = field(default_factory=dict)


def beacon_time(spec: BeaconSpec) -> datetime:
    """When the announcement's randomness could first be known (UTC).

    drand: the round's scheduled time. Public numbers: 00:00 Asia/Shanghai of the draw date
    (the draw happens later that day). With a fallback, the earlier of the two.

    Raises:
        InputError: for a drand chain that is not pinned.
    """
    times = [_beacon_at(spec.primary)]
    if spec.fallback is not None:
        times.append(_beacon_at(spec.fallback))
    return min(times)


def _beacon_at(beacon: DrandBeacon | PublicNumbersBeacon) -> datetime:
    if isinstance(beacon, DrandBeacon):
        return beacon.due_time()
    draw_date = date.fromisoformat(beacon.draw_date)
    return datetime(
        draw_date.year, draw_date.month, draw_date.day, tzinfo=CHINA_STANDARD_TIME
    ).astimezone(UTC)


def load_evidence(
    get: Getter,
    office: Sequence[NoteVerifier],
    policy: WitnessPolicy,
    *,
    origin: str,
    log_size: int,
    root_at: Callable[[int], bytes],
    result: WitnessResult,
) -> list[Evidence]:
    """Read ``cosigned/list`` and every ``cosigned/<size>``; record failures in ``result``.

    A cosigned checkpoint counts only when the office signed it, it is a prefix of the audited
    log (same root at its size) and every line by a trusted witness verifies; otherwise the
    failure is recorded (scope ``log``) and the file gives no evidence.
    """
    try:
        listing = get("cosigned/list")
    except KeyError:
        return []
    try:
        sizes = [int(s) for s in listing.decode("ascii").split()]
    except (UnicodeDecodeError, ValueError):
        result.failures.append(
            ("log", VerificationError(CheckName.COSIGNED_LIST, "cosigned/list is malformed"))
        )
        return []
    if sizes != sorted(set(sizes)):
        result.failures.append(
            ("log", VerificationError(CheckName.COSIGNED_LIST, "cosigned/list must ascend"))
        )
        return []
    evidence: list[Evidence] = []
    for size in sizes:
        try:
            evidence.append(_one_cosigned(get, office, policy, origin, size, log_size, root_at))
        except VerificationError as exc:
            result.failures.append(("log", exc))
    total = sum(len(e.cosignatures) for e in evidence)
    result.log_checks.append(
        Check(
            CheckName.LOG_COSIGNED,
            f"{len(evidence)} cosigned checkpoints, {total} valid cosignatures by the witnesses",
        )
    )
    return evidence


def _one_cosigned(
    get: Getter,
    office: Sequence[NoteVerifier],
    policy: WitnessPolicy,
    origin: str,
    size: int,
    log_size: int,
    root_at: Callable[[int], bytes],
) -> Evidence:
    path = f"cosigned/{size}"
    try:
        note = get(path)
    except KeyError as exc:
        raise VerificationError(
            CheckName.COSIGNED_MISSING, f"{path} is listed but not published"
        ) from exc
    try:
        checkpoint = open_checkpoint(note, office, origin=origin)
        cosigs = verify_cosignatures(note, policy.witnesses)
    except EncodingError as exc:
        raise VerificationError(CheckName.COSIGNED_FORMAT, f"{path}: {exc}") from exc
    except VerificationError as exc:
        raise VerificationError(exc.check, f"{path}: {exc.detail}") from exc
    if checkpoint.size != size or size > log_size or root_at(size) != checkpoint.root_hash:
        raise VerificationError(
            CheckName.COSIGNED_CONSISTENCY, f"{path} is not a checkpoint of the audited log"
        )
    return Evidence(size, tuple(cosigs))


def _at(timestamp: int) -> str:
    try:
        return format_time(datetime.fromtimestamp(timestamp, UTC))
    except (OverflowError, OSError, ValueError):  # a timestamp beyond year 9999
        return f"POSIX time {timestamp}"


@dataclass(frozen=True)
class Tally:
    """How one announcement fares under one policy: the deciding cosigned checkpoint.

    ``size``: the first checkpoint of size > index whose early cosignatures meet the quorum,
    else the one with the most early cosignatures (the first of those), None when no
    cosigned checkpoint covers the index. ``early``/``late``: its valid cosignatures by the
    policy's witnesses dated before / not before ``due`` (the beacon less the margin).
    """

    index: int
    before: datetime
    due: datetime
    size: int | None
    early: tuple[Cosignature, ...]
    late: tuple[Cosignature, ...]
    met: bool


def tally(
    index: int, before: datetime, evidence: Sequence[Evidence], policy: WitnessPolicy
) -> Tally:
    """Find the cosigned checkpoint that decides ``announcement.witnessed`` for entry
    ``index`` under ``policy`` (pure; :func:`witnessed` words it)."""
    due = before - timedelta(seconds=policy.margin)
    limit = due.timestamp()
    best: Evidence | None = None
    best_early: list[Cosignature] = []
    for ev in evidence:
        if ev.size <= index:
            continue
        trusted = [c for c in ev.cosignatures if policy.trusts(c)]
        early = [c for c in trusted if c.timestamp < limit]
        if best is None or len(early) > len(best_early):
            best, best_early = Evidence(ev.size, tuple(trusted)), early
        if len(early) >= policy.quorum:
            best, best_early = Evidence(ev.size, tuple(trusted)), early
            break
    if best is None:
        return Tally(index, before, due, None, (), (), False)
    late = tuple(c for c in best.cosignatures if c not in best_early)
    met = len(best_early) >= policy.quorum
    return Tally(index, before, due, best.size, tuple(best_early), late, met)


def witnessed(
    index: int, before: datetime, evidence: Sequence[Evidence], policy: WitnessPolicy
) -> str:
    """Check that entry ``index`` is covered by enough cosignatures dated before ``before``.

    Returns:
        What established it (for the passed check).

    Raises:
        VerificationError: ``announcement.witnessed`` naming what is missing.
    """
    found = tally(index, before, evidence, policy)
    due = found.due
    by = f" ({policy.source}, margin {policy.margin} s)" if policy.margin else ""
    if found.met:
        names = ", ".join(f"{c.name} at {_at(c.timestamp)}" for c in found.early)
        return (
            f"log index {index} is in checkpoint {found.size}, cosigned before "
            f"{format_time(due)} by {len(found.early)} of {len(policy.witnesses)} witnesses "
            f"(quorum {policy.quorum}{by}): {names}"
        )
    need = (
        f"needs {policy.quorum} witness cosignature(s) dated before "
        + (
            f"{format_time(due)} (the beacon at {format_time(before)} less the margin of "
            f"{policy.margin} s, {policy.source})"
            if policy.margin
            else f"the beacon ({format_time(before)})"
        )
        + f" on a checkpoint of size > {index}"
    )
    if found.size is None:
        raise VerificationError(CHECK, f"announcement at log index {index} {need}; none found")
    have = {c.name for c in found.early + found.late}
    missing = ", ".join(w.name for w in policy.witnesses if w.name not in have)
    late = [f"{c.name} at {_at(c.timestamp)}" for c in found.late]
    detail = (
        f"announcement at log index {index} {need}; best: checkpoint {found.size} "
        f"with {len(found.early)}"
        + (f"; missing: {missing}" if missing else "")
        + (f"; too late: {', '.join(late)}" if late else "")
    )
    raise VerificationError(CHECK, detail)


def check_witnessed(
    get: Getter,
    office: Sequence[NoteVerifier],
    policy: WitnessPolicy | None,
    *,
    origin: str,
    log_size: int,
    root_at: Callable[[int], bytes],
    announcements: Sequence[tuple[int, Record]],
    published: Sequence[tuple[int, WitnessPolicy]] = (),
) -> WitnessResult:
    """Check every announcement (log index, record) against the cosigned checkpoints.

    Each announcement must meet the published policy in force for it (the last
    ``witness-policy`` before it in the log, ``published``: (log index, policy)) and, when
    given, the reader's ``policy``: both, so a reader's flags can only add to the published
    rule. An announcement with neither is not checked.

    Raises:
        Nothing for verification failures: they are collected in the result.
    """
    result = WitnessResult()
    everyone = [p for _, p in published] + ([policy] if policy is not None else [])
    if not everyone:
        return result
    evidence = load_evidence(
        get,
        office,
        union(everyone),
        origin=origin,
        log_size=log_size,
        root_at=root_at,
        result=result,
    )
    for index, record in announcements:
        task = str(record.body.get("task", f"entry {index}"))
        rules = [p for p in (in_force(index, published), policy) if p is not None]
        if not rules:
            continue
        try:
            before = beacon_time(BeaconSpec.from_dict(record.body["beacon"]))
            found = [witnessed(index, before, evidence, rule) for rule in rules]
            result.tasks[task] = Check(CHECK, "; ".join(found))
        except VerificationError as exc:
            result.failures.append((task, exc))
        except (LotteryError, KeyError) as exc:
            detail = f"cannot tell when the beacon was due: {exc}"
            result.failures.append((task, VerificationError(CHECK, detail)))
    return result
