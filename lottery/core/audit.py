"""Audit of a whole public export: the log, every record, every task.

The export is read through ``get(path) -> bytes`` (files, HTTP or a dict in tests); a missing
path raises :class:`KeyError`. Layout (docs/export.md)::

    checkpoint                 the latest signed checkpoint (C2SP tlog-checkpoint)
    checkpoints/list           sizes of every checkpoint ever signed, one per line, ascending
    checkpoints/<size>         each archived signed checkpoint
    tile/...                   C2SP tlog-tiles hash tiles and entry bundles (one record each)
    blobs/<sha256 hex>         content-addressed blobs (a sealed blob may be withdrawn:
                               lottery.core.sealed_audit)

Every check that passes is recorded; failures in one task do not stop the audit of others,
but a broken log (checkpoint, tiles, entries, consistency) stops it: nothing above a log that
does not verify can be trusted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .audit_state import AuditState, KnownTask, PriorAudit, task_digest
from .check_names import CheckName
from .checkpoint import Checkpoint, claimed_checkpoint, open_checkpoint
from .deadline_audit import PublicationAudit, audit_publications
from .early_disclosure import audit_early_reveals
from .errors import EncodingError, VerificationError
from .key_schedule import KeySchedule, follow_key_changes
from .merkle import MerkleTree, leaf_hash
from .note import NoteVerifier
from .pool_membership import MembershipAudit
from .records import Record, open_record
from .sealed_audit import SealedAudit, audit_sealed
from .sharing import SERIAL, Workers
from .tiles import check_tiles, entries_from_bundles
from .verify import Check, TaskVerification, verify_task
from .visit_audit import audit_visits
from .witness_audit import WitnessPolicy, check_witnessed

Getter = Callable[[str], bytes]


class LazyBlobs(Mapping[str, bytes]):
    """Blobs fetched on first use from ``blobs/<digest>``."""

    def __init__(self, get: Getter) -> None:
        self._get = get
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, digest: str) -> bytes:
        if digest not in self._cache:
            self._cache[digest] = self._get(f"blobs/{digest}")
        return self._cache[digest]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


@dataclass
class AuditReport:
    """Everything the audit established, and what failed."""

    origin: str
    size: int = 0
    checks: list[Check] = field(default_factory=list)
    tasks: dict[str, TaskVerification] = field(default_factory=dict)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    publications: PublicationAudit | None = None
    sealed: SealedAudit = field(default_factory=SealedAudit)
    not_applicable: list[tuple[str, Check]] = field(default_factory=list)
    """Checks that do not apply, by scope, with why (neither passed nor failed)."""
    policies: int = 0
    """How many ``witness-policy`` records the log holds (each enforced, spec §8)."""
    roots: dict[int, bytes] = field(default_factory=dict)
    """The tree's root at every archived checkpoint size and at ``size``."""
    digests: dict[str, str] = field(default_factory=dict)
    """Each task's entry digest (:func:`~lottery.core.audit_state.task_digest`)."""
    task_checks: dict[str, tuple[Check, ...]] = field(default_factory=dict)
    """Each verified task's own checks, before the log-wide checks added theirs."""
    membership: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Tasks whose pool membership passed: its summary and cross-check summary."""
    carried: dict[str, KnownTask] = field(default_factory=dict)
    """Tasks not verified again: unchanged since the prior run (``prior``)."""
    reopened: int = 0
    """Records whose signatures were verified by this run (all of them without ``prior``)."""
    verified: dict[str, tuple[str, TaskVerification]] = field(default_factory=dict)
    """Per task, the digest of its lifecycle entries (:func:`task_digest`) and its
    verification as the re-draw gave it (before the checks over the whole log are added):
    what a caller may keep for a later audit (``known``)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def _fail(report: AuditReport, scope: str, exc: VerificationError) -> AuditReport:
    report.failures.append((scope, exc))
    return report


def _copy(verification: TaskVerification) -> TaskVerification:
    """A copy the later checks can add to without changing ``verification``."""
    copy = replace(
        verification, checks=list(verification.checks), openings=dict(verification.openings)
    )
    if "outcome" in verification.__dict__:  # computed already (cached_property)
        copy.__dict__["outcome"] = verification.__dict__["outcome"]
    return copy


def checkpoint_origin(data: bytes) -> str:
    """The origin line of a checkpoint, read before verification (to pick the log).

    Raises:
        EncodingError: when the first line is empty or not UTF-8.
    """
    try:
        first = data.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("checkpoint is not UTF-8") from exc
    if not first:
        raise EncodingError("checkpoint has no origin line")
    return first


def audit_export(
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    task: str | None = None,
    witnesses: WitnessPolicy | None = None,
    deadlines: bool = False,
    published_policy: bool = True,
    workers: Workers = SERIAL,
    prior: PriorAudit | None = None,
    known: Mapping[str, tuple[str, TaskVerification]] | None = None,
    sealed: Mapping[str, Mapping[str, Any]] | None = None,
    present: Callable[[str], bool] | None = None,
) -> AuditReport:
    """Verify the log and then every task (or only ``task``) of an export.

    With ``prior`` (a passing run of an earlier tree of this log, docs/verifier.md
    "Incremental runs"), the tree must extend the prior one (``log.consistency``: a smaller
    tree is a rollback, another root at a prior size a rewritten history); records below
    ``prior.size`` are read without checking their signatures again, a task whose entries are
    unchanged keeps its prior checks (``report.carried``) and so does its pool membership;
    everything else runs as without ``prior``.

    ``workers`` may share each task's re-draw with a second process (:func:`verify_task`).

    Each announcement after a ``witness-policy`` record must be covered by a checkpoint
    cosigned by that policy's quorum at least its margin before the beacon; with
    ``witnesses`` (the reader's), also by those (``announcement.witnessed``,
    :mod:`lottery.core.witness_audit`). ``published_policy=False`` skips the published
    policy (the site builder: a late cosignature must not stop the site from publishing).
    With ``deadlines``, the deadlines of reports and penalties are recomputed with the log's
    own ``calendar`` records (nothing from outside the log) and withdrawals and corrections
    checked (``report.publications``, :mod:`lottery.core.deadline_audit`).

    ``known``: verifications of earlier audits with the same keys and origin, by task, with
    the :func:`task_digest` they were made from; a task whose entries have that digest is not
    re-drawn (its verification is reused: the same entries and blobs give the same answer).
    ``sealed``: by record id, the sealed contents an earlier passing audit of this log
    opened (``report.sealed.contents``), with ``present(digest)`` saying whether a blob is
    still published: a record's blob is not read again (:func:`audit_sealed`). Without
    ``sealed``, ``prior.sealed`` with ``present`` spares the blobs of records below
    ``prior.size`` in the same way, their contents not kept (``lottery verify --state``).

    Raises:
        Nothing for verification failures: they are collected in ``report.failures``.
    """
    report = AuditReport(origin)
    opened = _open_log(get, verifiers, origin, report, prior)
    if opened is None:
        return report
    tree, entries, schedule = opened
    every_key = schedule.every_key()

    verified_size = prior.size if prior is not None else 0
    by_task, announcements, policies = _open_records(
        report, entries, schedule, origin, verified_size, task
    )
    report.checks.append(
        Check(
            CheckName.RECORDS_SIGNATURE, f"{len(report.records)} of {len(entries)} records verify"
        )
    )
    if task is not None and task not in by_task:
        return _fail(
            report, task, VerificationError(CheckName.TASK_MISSING, f"no task {task} in the log")
        )
    blobs = LazyBlobs(get)
    report.sealed = audit_sealed(
        report.records,
        lambda digest: get(f"blobs/{digest}"),
        sealed,
        present,
        prior.sealed if prior is not None else None,
    )
    report.checks += report.sealed.checks
    report.failures += report.sealed.failures
    for name in sorted(by_task) if task is None else [task]:
        _task(report, name, by_task[name], blobs, every_key, workers, prior, known)
    _add_membership(report, get, task)
    _add_log_wide(report, get, task)
    report.policies = len(policies)
    enforced = policies if published_policy else []
    if witnesses is not None or enforced:
        _add_witnessed(report, get, every_key, witnesses, tree.root, announcements, enforced)
    if deadlines:
        _add_deadlines(report, task)
    return report


def _open_records(
    report: AuditReport,
    entries: Sequence[bytes],
    schedule: KeySchedule,
    origin: str,
    known: int,
    task: str | None,
) -> tuple[dict[str, list[bytes]], list[tuple[int, Record]], list[tuple[int, WitnessPolicy]]]:
    """Open every entry into ``report.records`` with the keys in force at its index (the
    first ``known`` without checking their signatures again): each task's entries, the
    announcements (of ``task`` only, when given) and the published witness policies, each
    with its log index."""
    by_task: dict[str, list[bytes]] = {}
    announcements: list[tuple[int, Record]] = []
    policies: list[tuple[int, WitnessPolicy]] = []
    for i, entry in enumerate(entries):
        try:
            record = _open_known(entry, origin) if i < known else None
            if record is None:
                record = open_record(entry, schedule.at(i), log=origin)
                report.reopened += 1
        except VerificationError as exc:
            _fail(report, f"entry {i}", exc)
            continue
        report.records.append(record)
        if "task" in record.body and record.type.startswith("task-"):
            by_task.setdefault(record.body["task"], []).append(entry)
        if record.type == "task-announcement" and task in (None, record.body.get("task")):
            announcements.append((i, record))
        if record.type == "witness-policy":
            policies.append((i, WitnessPolicy.published(i, record.body)))
    return by_task, announcements, policies


def _add_deadlines(report: AuditReport, task: str | None) -> None:
    """The publication deadlines, withdrawals and corrections (docs/spec.md §8)."""
    report.publications = audit_publications(
        report.records, task=task, contents=report.sealed.contents
    )
    report.checks += report.publications.checks
    report.failures += report.publications.failures


def _add_log_wide(report: AuditReport, get: Getter, task: str | None) -> None:
    """The early reveals and the visits over the whole log (docs/spec.md §8)."""
    # An early reveal (reveal.early); a task that failed already is reported once, by its
    # first failed check.
    early = audit_early_reveals(report.records, lambda digest: get(f"blobs/{digest}"), task)
    failed = {scope for scope, _ in report.failures}
    report.checks += early.checks
    report.failures += [(scope, exc) for scope, exc in early.failures if scope not in failed]
    # Joint visits and the annual cap over the published results.
    visited = audit_visits(report.records, lambda digest: get(f"blobs/{digest}"), task)
    report.checks += visited.checks
    report.failures += visited.failures


def _task(
    report: AuditReport,
    name: str,
    entries: Sequence[bytes],
    blobs: Mapping[str, bytes],
    verifiers: Sequence[NoteVerifier],
    workers: Workers,
    prior: PriorAudit | None,
    known: Mapping[str, tuple[str, TaskVerification]] | None = None,
) -> None:
    """Verify one task, or carry its prior result over when its entries are unchanged
    (``prior``: its checks and status; ``known``: its whole verification, outcome included)."""
    digest = report.digests[name] = task_digest(entries)
    earlier = (known or {}).get(name)
    if earlier is not None and earlier[0] == digest:
        report.tasks[name] = _copy(earlier[1])
        report.task_checks[name] = tuple(earlier[1].checks)
        report.verified[name] = earlier
        return
    was = prior.tasks.get(name) if prior is not None else None
    if was is not None and was.digest == digest:
        report.carried[name] = was
        report.tasks[name] = TaskVerification(name, was.status, list(was.checks))
        report.task_checks[name] = was.checks
        return
    try:
        report.tasks[name] = verify_task(
            entries, blobs, verifiers, log=report.origin, workers=workers
        )
        report.task_checks[name] = tuple(report.tasks[name].checks)
    except VerificationError as exc:
        _fail(report, name, exc)
    else:
        report.verified[name] = (digest, _copy(report.tasks[name]))


def _add_membership(report: AuditReport, get: Getter, task: str | None) -> None:
    """Re-derive the pools of announcements that name their registry snapshots (spec §4)."""
    known = {n: t.membership for n, t in report.carried.items() if t.membership is not None}
    audit = MembershipAudit(lambda digest: get(f"blobs/{digest}"), task=task, known=known)
    for record in report.records:
        audit.add(record)
    report.membership = {n: (s, audit.cross_checked.get(n)) for n, s in audit.passed.items()}
    for name, check, detail in audit.failures:
        _fail(report, name, VerificationError(check, f"task {name}: {detail}"))
    for name, why in audit.not_applicable.items():
        report.not_applicable.append((name, Check(CheckName.POOL_MEMBERSHIP, why)))
    for name, summary in audit.passed.items():
        checks = [
            Check(CheckName.ANNOUNCEMENT_REGISTRIES, "the snapshots it names are published"),
            Check(CheckName.POOL_MEMBERSHIP, summary),
            Check(CheckName.INSPECTORS_MEMBERSHIP, "every eligible inspector, and no other"),
        ]
        if name in audit.cross_checked:
            checks.append(Check(CheckName.INSPECTORS_CROSS_CHECK, audit.cross_checked[name]))
        if name in report.tasks:
            report.tasks[name].checks += checks
        else:  # the task failed another check; still say what was established
            report.checks += [Check(c.name, f"[{name}] {c.detail}") for c in checks]


def _add_witnessed(
    report: AuditReport,
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    policy: WitnessPolicy | None,
    root_at: Callable[[int], bytes],
    announcements: Sequence[tuple[int, Record]],
    published: Sequence[tuple[int, WitnessPolicy]],
) -> None:
    result = check_witnessed(
        get,
        verifiers,
        policy,
        origin=report.origin,
        log_size=report.size,
        root_at=root_at,
        announcements=announcements,
        published=published,
    )
    report.checks += result.log_checks
    report.failures += result.failures
    for name, check in result.tasks.items():
        if name in report.tasks:
            report.tasks[name].checks.append(check)
        else:  # the task failed another check; still say that it was witnessed
            report.checks.append(Check(check.name, f"[{name}] {check.detail}"))


def _open_known(entry: bytes, origin: str) -> Record | None:
    """A record a prior run verified (its leaf is in the prior tree): its text and JSON
    body, its signatures not checked again, nor its canonical form, schema or the note's
    signature lines (the prior run checked these very bytes: the leaf hash binds them); None
    when it does not parse (then it is opened in full)."""
    split = entry.rfind(b"\n\n")  # where parse_note ends the text (the last blank line)
    if split < 0:
        return None
    text = entry[: split + 1]
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("log") != origin:
        return None
    return Record(note=entry, text=text, body=body)


def _check_prior(prior: PriorAudit, root_at: Callable[[int], bytes]) -> None:
    """The tree must have the prior run's root at every size it remembers."""
    for size, root in sorted(prior.roots.items()):
        if size <= prior.size and root_at(size) != root:
            raise VerificationError(
                CheckName.LOG_CONSISTENCY,
                f"history rewritten: the log's first {size} records are not the ones an "
                "earlier run verified (a fork)",
            )


def _check_entries(entries: Sequence[bytes], leaf_at: Callable[[int], bytes]) -> None:
    for i, entry in enumerate(entries):
        if leaf_hash(entry) != leaf_at(i):
            raise VerificationError(
                CheckName.LOG_ENTRIES, f"entry {i} does not match its leaf hash"
            )


def _fetch(get: Getter, path: str) -> bytes:
    try:
        return get(path)
    except KeyError as exc:
        raise VerificationError(CheckName.LOG_MISSING, f"{path} is not published") from exc


def as_verification(get: Getter, check: str) -> Getter:
    """``get`` whose missing path fails ``check`` (a :class:`VerificationError` naming it)."""

    def fetch(path: str) -> bytes:
        try:
            return get(path)
        except KeyError as exc:
            raise VerificationError(check, f"{path} is not published") from exc

    return fetch


def _open_log(
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    origin: str,
    report: AuditReport,
    prior: PriorAudit | None = None,
) -> tuple[MerkleTree, list[bytes], KeySchedule] | None:
    """The log of the export: its tree, entries and the keys in force along it (following
    lawful key changes from ``verifiers``); None after recording a failure in ``report``.
    With ``prior``, the tree must extend the prior run's (``log.consistency``)."""
    try:
        note = _fetch(get, "checkpoint")
        unverified: VerificationError | None = None
        try:
            latest = open_checkpoint(note, verifiers, origin=origin)
        except VerificationError as exc:
            # Perhaps signed by a later key: known once the log's key changes are followed.
            latest, unverified = _unverified_checkpoint(note, origin, exc), exc
    except VerificationError as exc:
        _fail(report, "log", exc)
        return None
    if prior is not None and latest.size < prior.size:
        _fail(
            report,
            "log",
            VerificationError(
                CheckName.LOG_CONSISTENCY,
                f"rollback: the checkpoint shows {latest.size} records, but an earlier run "
                f"verified {prior.size}",
            ),
        )
        return None
    if unverified is None:
        _checkpoint_ok(report, latest)
    try:
        tree = check_tiles(latest.size, latest.root_hash, as_verification(get, CheckName.LOG_TILES))
        if prior is not None:
            _check_prior(prior, tree.root)
        entries = entries_from_bundles(latest.size, as_verification(get, CheckName.LOG_ENTRIES))
        _check_entries(entries, tree.leaf_hash)
    except (EncodingError, VerificationError) as exc:
        failure = (
            unverified
            if unverified is not None
            else VerificationError(CheckName.LOG_FORMAT, str(exc))
            if isinstance(exc, EncodingError)
            else exc
        )
        _fail(report, "log", failure)
        return None
    try:
        schedule = follow_key_changes(entries, verifiers, origin)
    except VerificationError as exc:
        _fail(report, "log", exc)
        return None
    if unverified is not None and not schedule.changes:
        _fail(report, "log", unverified)
        return None
    try:
        if schedule.changes:
            latest = open_checkpoint(note, schedule.for_checkpoint(latest.size), origin=origin)
    except VerificationError as exc:
        _fail(report, "log", exc)
        return None
    if unverified is not None:
        _checkpoint_ok(report, latest)
    report.checks.append(Check(CheckName.LOG_TILES, "every tile matches the checkpoint root"))
    report.checks.append(Check(CheckName.LOG_ENTRIES, f"{len(entries)} entries match the tree"))
    if schedule.changes:
        at = ", ".join(str(index) for index, _ in schedule.changes)
        report.checks.append(
            Check(
                CheckName.LOG_KEY_CHANGE,
                f"{len(schedule.changes)} key change(s) signed by the old and the new key "
                f"(log index {at})",
            )
        )
    try:
        _check_archive(get, schedule, origin, latest, tree.root, report)
    except EncodingError as exc:
        _fail(report, "log", VerificationError(CheckName.LOG_FORMAT, str(exc)))
        return None
    except VerificationError as exc:
        _fail(report, "log", exc)
        return None
    return tree, entries, schedule


def _checkpoint_ok(report: AuditReport, latest: Checkpoint) -> None:
    report.size = latest.size
    report.checks.append(
        Check(
            CheckName.LOG_CHECKPOINT,
            f"signed checkpoint of {report.origin}: {latest.size} records",
        )
    )


def _unverified_checkpoint(note: bytes, origin: str, error: VerificationError) -> Checkpoint:
    """The checkpoint's claims before its signature is checked (``error`` when unreadable)."""
    try:
        checkpoint = claimed_checkpoint(note)
    except EncodingError:
        raise error from None
    if checkpoint.origin != origin:
        raise error
    return checkpoint


def archived_sizes(get: Getter, latest: Checkpoint) -> list[int]:
    """The sizes ``checkpoints/list`` names: ascending, distinct, the last ``latest``'s.

    Raises:
        VerificationError: ``log.archive``, when the list is missing or malformed.
    """
    try:
        sizes = [int(s) for s in get("checkpoints/list").decode("ascii").split()]
    except KeyError as exc:
        raise VerificationError(CheckName.LOG_ARCHIVE, "checkpoints/list is not published") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise VerificationError(CheckName.LOG_ARCHIVE, "checkpoints/list is malformed") from exc
    if sizes != sorted(set(sizes)) or not sizes or sizes[-1] != latest.size:
        raise VerificationError(
            CheckName.LOG_ARCHIVE, "checkpoint sizes must ascend and end with the latest checkpoint"
        )
    return sizes


def _check_archive(
    get: Getter,
    schedule: KeySchedule,
    origin: str,
    latest: Checkpoint,
    root_at: Callable[[int], bytes],
    report: AuditReport,
) -> None:
    """Every archived checkpoint must be a prefix of today's tree: nothing was rewritten."""
    sizes = archived_sizes(get, latest)
    report.roots = {size: root_at(size) for size in sizes}
    report.roots[latest.size] = latest.root_hash
    for size in sizes:
        note = _fetch(get, f"checkpoints/{size}")
        old = open_checkpoint(note, schedule.for_checkpoint(size), origin=origin)
        if old.size != size or old.root_hash != root_at(size):
            raise VerificationError(
                CheckName.LOG_CONSISTENCY,
                f"checkpoint {size} is not a prefix of the current log: history was rewritten",
            )
    report.checks.append(
        Check(
            CheckName.LOG_CONSISTENCY, f"{len(sizes)} archived checkpoints are prefixes of the log"
        )
    )


def state_after(
    report: AuditReport,
    keys: Sequence[str],
    *,
    pinned: bool,
    previous: AuditState | None = None,
    checked: str = "",
) -> AuditState:
    """The state to keep after a passing audit of the whole log (``report.ok``): the tree,
    the keys, every root seen (this run's and ``previous``'s) and each task's results.

    Raises:
        ValueError: when the report failed (a failed run leaves the state as it was).
    """
    if not report.ok:
        raise ValueError("only a passing audit leaves a state")
    roots = dict(previous.roots) if previous is not None else {}
    roots.update(report.roots)
    tasks = {}
    for name, result in report.tasks.items():
        was = report.carried.get(name)
        picks = was.picks if was is not None else _picks(result)
        tasks[name] = KnownTask(
            report.digests[name],
            result.status,
            report.task_checks[name],
            picks,
            report.membership.get(name),
        )
    return AuditState(
        report.origin,
        report.size,
        roots[report.size],
        tuple(keys),
        roots,
        pinned=pinned,
        tasks=tasks,
        checked=checked,
        onsite=frozenset(report.sealed.onsite),
    )


def _picks(result: TaskVerification) -> int | None:
    outcome = result.outcome
    return len(outcome.picks()) if outcome is not None else None
